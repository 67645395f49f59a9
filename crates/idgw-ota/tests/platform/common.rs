//! Shared fixtures: one subscriber's card (AES-128, KVN 1), a recording
//! [`MoSink`], a submitter that records instead of sending.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use idgw_ota::platform::*;
use idgw_ota::{Key, Tar};
use idgw_smpp::pdu::SubmitSm;
use tokio::sync::mpsc;

pub const MSISDN: &str = "447700900001";
pub const PIN: &str = "1234";
pub const KIC: [u8; 16] = [0x11; 16];
pub const KID: [u8; 16] = [0x22; 16];
pub const APPLET_KEY: [u8; 32] = [0x33; 32];
pub const TAR: Tar = Tar([0x49, 0x44, 0x47]);

pub fn iccid() -> String {
    idgw_sim::handset::iccid_for(MSISDN)
}

pub fn card() -> CardRecord {
    CardRecord {
        msisdn: MSISDN.into(),
        iccid: iccid(),
        kvn: 1,
        algorithm: CardAlgorithm::Aes128,
        kic: Key::new(&KIC),
        kid: Key::new(&KID),
        tar: TAR,
    }
}

pub fn cards() -> Arc<MemoryCards> {
    let c = MemoryCards::new();
    c.insert(card()).unwrap();
    Arc::new(c)
}

/// What the platform handed over.
#[derive(Debug)]
pub enum Event {
    Mo(String, Tar, Vec<u8>),
    Failure(String, String),
}

pub struct Recorder(pub mpsc::UnboundedSender<Event>);

pub fn recorder() -> (Arc<Recorder>, mpsc::UnboundedReceiver<Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Arc::new(Recorder(tx)), rx)
}

#[async_trait]
impl MoSink for Recorder {
    async fn on_mo(&self, msisdn: &str, tar: Tar, data: Vec<u8>) {
        let _ = self.0.send(Event::Mo(msisdn.into(), tar, data));
    }
    async fn on_delivery_failure(&self, msisdn: &str, reason: String) {
        let _ = self.0.send(Event::Failure(msisdn.into(), reason));
    }
}

/// Records submit_sm instead of sending; message_ids are `m1`, `m2`, ...
#[derive(Default)]
pub struct FakeSmsc(pub Mutex<Vec<SubmitSm>>);

#[async_trait]
impl SmsSubmitter for FakeSmsc {
    async fn submit(&self, sm: SubmitSm) -> Result<String, PlatformError> {
        let mut v = self.0.lock().unwrap();
        v.push(sm);
        Ok(format!("m{}", v.len()))
    }
}
