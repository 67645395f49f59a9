//! The OTA platform service: [`OtaPlatform::send`] seals an application's
//! data into a Command Packet for a card (3GPP TS 31.115 section 4.2) and
//! submits it over SMPP 3.4; [`OtaPlatform::run`] consumes the ESME's
//! deliver_sm stream (section 4.6.1) and hands what the cards send to a
//! [`MoSink`] (see module `mo`).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use idgw_smpp::esme::{Esme, EsmeConfig, EsmeHandle};
use idgw_smpp::pdu::DeliverSm;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::reassembly::Reassembly;
use super::sent::SentTable;
use super::{
    mt, tar_hex, CardDirectory, CounterStore, PlatformConfig, PlatformError, SmsSubmitter, LANE,
};
use crate::{Cntr, Tar};

/// Where the platform hands what cards send back.
#[async_trait]
pub trait MoSink: Send + Sync {
    /// A Command Packet from the card of `msisdn` that passed the checksum,
    /// deciphering and counter checks: its TAR and secured data.
    async fn on_mo(&self, msisdn: &str, tar: Tar, data: Vec<u8>);
    /// An MT packet to `msisdn` failed: a delivery receipt with a final state
    /// other than DELIVRD (SMPP 3.4 Appendix B), or a PoR with an error status
    /// (ETSI TS 102 225 table 5). `reason` names the state or status and the
    /// `reference` given to [`OtaPlatform::send`] when it is known.
    async fn on_delivery_failure(&self, msisdn: &str, reason: String);
}

/// What [`OtaPlatform::send`] submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The Command Packet's counter.
    pub cntr: u64,
    /// The SMSC message_id of each segment, in order.
    pub message_ids: Vec<String>,
}

/// The OTA platform. Share it as `Arc<OtaPlatform>`.
pub struct OtaPlatform {
    pub(crate) config: PlatformConfig,
    pub(crate) cards: Arc<dyn CardDirectory>,
    pub(crate) counters: Arc<dyn CounterStore>,
    submitter: Arc<dyn SmsSubmitter>,
    pub(crate) sent: Mutex<SentTable>,
    pub(crate) partial: Mutex<Reassembly>,
}

impl std::fmt::Debug for OtaPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtaPlatform")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl OtaPlatform {
    /// A platform finding cards in `cards`, counting in `counters` and
    /// submitting through `submitter`.
    pub fn new(
        config: PlatformConfig,
        cards: Arc<dyn CardDirectory>,
        counters: Arc<dyn CounterStore>,
        submitter: Arc<dyn SmsSubmitter>,
    ) -> Self {
        let sent = SentTable::new(config.max_outstanding, config.outstanding_ttl);
        let partial = Reassembly::new(
            config.reassembly_timeout,
            config.max_partial,
            config.max_partial_per_msisdn,
        );
        OtaPlatform {
            config,
            cards,
            counters,
            submitter,
            sent: Mutex::new(sent),
            partial: Mutex::new(partial),
        }
    }

    /// Starts an ESME session (bind_transceiver) with `esme` and a platform
    /// submitting through it. Feed the returned receiver to
    /// [`OtaPlatform::run`]; the session unbinds when `shutdown` completes,
    /// which also ends `run`.
    pub fn connect(
        config: PlatformConfig,
        esme: EsmeConfig,
        cards: Arc<dyn CardDirectory>,
        counters: Arc<dyn CounterStore>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> (Arc<OtaPlatform>, EsmeHandle, mpsc::Receiver<DeliverSm>) {
        let (handle, deliveries) = Esme::start(esme, shutdown);
        let platform = OtaPlatform::new(config, cards, counters, Arc::new(handle.clone()));
        (Arc::new(platform), handle, deliveries)
    }

    /// The settings.
    pub fn config(&self) -> &PlatformConfig {
        &self.config
    }

    /// Sends `data` to the applet `tar_override` (default: the card's
    /// applet TAR) on the card of `msisdn`: takes the next MT counter, seals
    /// with the card's keys and [`mt::MT_SPI`], splits into SMS (UDH IEI
    /// 0x70, concatenated if needed) and submits each segment in order.
    /// `reference` (e.g. the MSSP_TransID) comes back in failure reports.
    pub async fn send(
        &self,
        msisdn: &str,
        tar_override: Option<Tar>,
        data: &[u8],
        reference: &str,
        now: Instant,
    ) -> Result<Sent, PlatformError> {
        let card = self
            .cards
            .card(msisdn)
            .await?
            .ok_or_else(|| PlatformError::UnknownSubscriber(msisdn.to_owned()))?;
        card.validate()?;
        let value = self.counters.next_mt_counter(&card.iccid, card.kvn).await?;
        let cntr =
            Cntr::new(value).ok_or_else(|| PlatformError::CounterExhausted(card.iccid.clone()))?;
        let tar = tar_override.unwrap_or(card.tar);
        let packet = mt::seal(&card, tar, cntr, data)?;
        // The concatenation reference only has to differ between messages
        // in flight to one handset; the counter's low octet does.
        let segments = mt::segments(&packet, value as u8)?;
        let trace = &self.config.trace;
        let params = mt::security_params(&card);
        trace.step(
            msisdn,
            LANE,
            "secured packet sealed",
            "ok",
            Some(format!(
                "SPI {:02X}{:02X}, KIc {:02X}, KID {:02X}, TAR {}, CNTR {value}, {} SMS",
                mt::MT_SPI[0],
                mt::MT_SPI[1],
                params.kic.0,
                params.kid.0,
                tar_hex(tar),
                segments.len()
            )),
        );
        let id = lock(&self.sent).insert(msisdn, reference, value, now);
        let count = segments.len();
        let mut message_ids = Vec::with_capacity(count);
        for (n, sm) in segments.into_iter().enumerate() {
            let segment = format!("segment {}/{count}", n + 1);
            trace.message(
                msisdn,
                LANE,
                "SMSC",
                "submit_sm",
                "sent",
                Some(segment.clone()),
            );
            let submit = self
                .submitter
                .submit(mt::submit_sm(&self.config, msisdn, sm));
            let result = match tokio::time::timeout(self.config.submit_timeout, submit).await {
                Ok(r) => r,
                Err(_) => Err(PlatformError::Submit("no submit_sm_resp in time".into())),
            };
            match result {
                Ok(message_id) => {
                    trace.message(
                        msisdn,
                        "SMSC",
                        LANE,
                        "submit_sm_resp",
                        "ESME_ROK",
                        Some(format!("{segment}, message_id {message_id}")),
                    );
                    lock(&self.sent).add_message_id(id, message_id.clone());
                    message_ids.push(message_id);
                }
                Err(e) => {
                    trace.step(
                        msisdn,
                        LANE,
                        "submit_sm failed",
                        "error",
                        Some(e.to_string()),
                    );
                    lock(&self.sent).remove(id);
                    tracing::warn!(%msisdn, %reference, error = %e, "MT submission failed");
                    return Err(e);
                }
            }
        }
        tracing::info!(%msisdn, %reference, cntr = value, segments = message_ids.len(), "MT command packet submitted");
        Ok(Sent {
            cntr: value,
            message_ids,
        })
    }

    /// Forgets expired partial messages and old MT packets.
    pub fn sweep(&self, now: Instant) {
        lock(&self.partial).sweep(now);
        lock(&self.sent).sweep(now);
    }

    /// Handles every deliver_sm from `deliveries` (see
    /// [`OtaPlatform::handle_deliver`]) until the channel closes (the ESME
    /// session stopped). Reads the clock once per message.
    pub async fn run(
        self: Arc<Self>,
        mut deliveries: mpsc::Receiver<DeliverSm>,
        sink: Arc<dyn MoSink>,
    ) {
        let mut sweep = tokio::time::interval(self.config.reassembly_timeout);
        loop {
            tokio::select! {
                d = deliveries.recv() => match d {
                    Some(sm) => {
                        self.handle_deliver(sm, sink.as_ref(), Instant::now()).await;
                    }
                    None => break,
                },
                _ = sweep.tick() => self.sweep(Instant::now()),
            }
        }
        tracing::info!("OTA platform stopped: deliver_sm stream closed");
    }
}
