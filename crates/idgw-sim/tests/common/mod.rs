//! Test helpers: an OTA platform's side of the radio (sealing Command
//! Packets into SMS-DELIVER TPDUs as TS 31.115 section 4 says, opening the
//! card's MO SMS-SUBMITs) and a farm wired to a recording radio.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use idgw_mss::applet::{Answer, AppletKey, Challenge};
use idgw_ota::{
    open_command, open_response, CcAlgorithm, CipherAlgorithm, Cntr, CommandPacket, KeyId, KeySet,
    OpenedCommand, OpenedResponse, SecurityParams, Spi, Tar,
};
use idgw_sim::{FarmConfig, SimFarm, SubscriberConfig};
use idgw_smpp::tpdu::{split_8bit, Address, InformationElement, SmsDeliver, SmsSubmit};

pub const MSISDN: &str = "447700900001";
pub const PIN: &str = "1234";
pub const KIC: [u8; 16] = [0x11; 16];
pub const KID: [u8; 16] = [0x22; 16];
pub const APPLET_KEY: [u8; 32] = [0x33; 32];
pub const TAR: Tar = Tar([0x49, 0x44, 0x47]);
/// CC, ciphered, counter must be higher; PoR always, CC'd and ciphered, by SMS-SUBMIT.
pub const SPI: [u8; 2] = [0x16, 0x39];

pub fn subscriber(handset: &str, delay_ms: u64) -> SubscriberConfig {
    serde_json::from_value(serde_json::json!({
        "msisdn": MSISDN,
        "pin": PIN,
        "handset": handset,
        "handset_delay_ms": delay_ms,
        "ota_keys": {
            "algorithm": "aes128",
            "kvn": 1,
            "kic": hex::encode(KIC),
            "kid": hex::encode(KID),
        },
        "applet_key": hex::encode(APPLET_KEY),
        "tar": "494447",
    }))
    .expect("valid subscriber")
}

pub fn keys() -> KeySet {
    KeySet::new(1, &KIC, &KID)
}

pub fn applet_key() -> AppletKey {
    AppletKey::new(APPLET_KEY)
}

pub fn params(spi: [u8; 2]) -> SecurityParams {
    SecurityParams::new(
        Spi::from_bytes(spi).unwrap(),
        KeyId::kic(CipherAlgorithm::AesCbc, 1),
        KeyId::kid_cc(CcAlgorithm::AesCmac, 1),
    )
}

pub fn challenge(text: &str, pin_required: bool) -> Challenge {
    Challenge {
        nonce: [7; 16],
        pin_required,
        reference: "T-1".into(),
        text: text.into(),
    }
}

/// The OTA platform's Command Packet for the applet.
pub fn command(spi: [u8; 2], tar: Tar, cntr: u64, data: &[u8]) -> Vec<u8> {
    CommandPacket::seal(&params(spi), &keys(), tar, Cntr::new(cntr).unwrap(), data).unwrap()
}

/// SMS-DELIVER TPDUs (PID 0x7F, DCS 0xF6, UDH 0x70, concatenated when long).
pub fn sms_deliver(packet: &[u8]) -> Vec<Vec<u8>> {
    split_8bit(packet, &[InformationElement::command_packet()], 42)
        .unwrap()
        .into_iter()
        .map(|user_data| {
            SmsDeliver {
                tp_mms: true,
                tp_oa: Address::international("882"),
                tp_pid: 0x7F,
                tp_dcs: 0xF6,
                user_data,
                ..SmsDeliver::default()
            }
            .encode()
            .unwrap()
        })
        .collect()
}

/// One MO TPDU and the MSISDN that sent it.
pub type Sent = (String, Vec<u8>);

/// Everything the SIM sent over the radio.
#[derive(Default, Clone)]
pub struct Recorder(pub Arc<Mutex<Vec<Sent>>>);

impl Recorder {
    pub fn take(&self) -> Vec<SmsSubmit> {
        std::mem::take(&mut *self.0.lock().unwrap())
            .into_iter()
            .map(|(from, t)| {
                assert_eq!(from, MSISDN);
                SmsSubmit::decode(&t).expect("MO decodes")
            })
            .collect()
    }
}

pub fn farm(dir: Option<std::path::PathBuf>) -> (SimFarm, Recorder) {
    let rec = Recorder::default();
    let sink = rec.0.clone();
    let radio = move |from: &str, tpdu: Vec<u8>| sink.lock().unwrap().push((from.to_owned(), tpdu));
    let farm = SimFarm::new(
        FarmConfig {
            state_dir: dir,
            ota_address: "882".into(),
        },
        Arc::new(radio),
    );
    (farm, rec)
}

pub fn send(farm: &SimFarm, packet: &[u8]) {
    for t in sms_deliver(packet) {
        farm.deliver(MSISDN, t).expect("reachable");
    }
}

/// Opens a PoR SMS-SUBMIT as the OTA platform would.
pub fn open_por(sms: &SmsSubmit, spi: [u8; 2]) -> OpenedResponse {
    let h = sms.user_data.header.as_ref().expect("UDH");
    assert!(h.has(0x71), "response packet identifier");
    open_response(&sms.user_data.data, &params(spi), &keys()).expect("PoR opens")
}

/// Opens the applet's MO Command Packet and its answer.
pub fn open_answer(sms: &SmsSubmit, last_mo: u64) -> (OpenedCommand, Answer) {
    assert_eq!(sms.tp_da.digits, "882");
    assert_eq!(sms.tp_pid, 0x7F);
    let h = sms.user_data.header.as_ref().expect("UDH");
    assert!(h.has(0x70), "command packet identifier");
    let k = keys();
    let opened = open_command(
        &sms.user_data.data,
        |kvn| (kvn == 1).then_some(&k),
        |_| Cntr::new(last_mo).unwrap(),
    )
    .expect("MO packet opens");
    let answer = Answer::decode(&opened.data, &applet_key()).expect("answer MAC verifies");
    (opened, answer)
}

pub fn temp_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("idgw-sim-test-{:016x}", rand::random::<u64>()))
}
