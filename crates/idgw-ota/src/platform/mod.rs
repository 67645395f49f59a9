//! # The OTA platform service
//!
//! The sending and receiving entity on the network side of 3GPP TS 31.115 /
//! ETSI TS 102 225: it keeps the cards' keys and counters, seals
//! applications' data into Command Packets for the cards, sends them as
//! SMS-PP (TS 23.040, SMPP 3.4 submit_sm through an ESME session), and
//! opens what the cards send back (their Command Packets and PoRs) from the
//! ESME's deliver_sm stream.
//!
//! - [`cards`](CardDirectory): [`CardRecord`] (MSISDN, ICCID, KVN,
//!   [`CardAlgorithm`], KIc, KID, applet TAR) behind [`CardDirectory`];
//!   [`MemoryCards`] in memory.
//! - [`counters`](CounterStore): MT and MO CNTR per ICCID and KVN behind
//!   [`CounterStore`], whose atomicity contract the persistent store must
//!   honour; [`MemoryCounters`] in memory.
//! - [`mt`]: pure MT building: [`mt::MT_SPI`] `16 3A` (CC, ciphered, counter
//!   higher; PoR on error, CC'd, ciphered, via SMS-SUBMIT), segments with
//!   UDH IEI 0x70 and concatenation, the submit_sm fields.
//! - [`SmsSubmitter`]: where segments go; implemented for
//!   [`idgw_smpp::esme::EsmeHandle`].
//! - [`OtaPlatform`]: [`OtaPlatform::send`] (MT) and [`OtaPlatform::run`] /
//!   [`OtaPlatform::handle_deliver`] (MO, receipts, PoRs) towards a
//!   [`MoSink`]; outcomes are [`MoOutcome`]s.
//! - [`Trace`]: [`PlatformConfig::with_trace`] reports each step by MSISDN
//!   (lane `OTA`) for `idgw trace`.
//! - With the `mssp` feature: `OtaPlatform` implements
//!   `idgw_mss::mssp::OtaPlatform`, and `MsspSink` hands answers to
//!   `Mssp::on_answer`.
//!
//! ```no_run
//! # async fn demo() {
//! use std::sync::Arc;
//! use idgw_ota::platform::*;
//! # struct Sink; #[async_trait::async_trait] impl MoSink for Sink {
//! # async fn on_mo(&self, _: &str, _: idgw_ota::Tar, _: Vec<u8>) {}
//! # async fn on_delivery_failure(&self, _: &str, _: String) {} }
//! let cards = Arc::new(MemoryCards::new());
//! let counters = Arc::new(MemoryCounters::new());
//! let esme = idgw_smpp::esme::EsmeConfig::new("127.0.0.1:2775", "idgw-ota", "secret");
//! let (platform, _esme, deliveries) = OtaPlatform::connect(
//!     PlatformConfig::default(), esme, cards, counters, std::future::pending());
//! tokio::spawn(platform.clone().run(deliveries, Arc::new(Sink)));
//! platform.send("447700900001", None, b"data", "ref-1", tokio::time::Instant::now()).await.ok();
//! # }
//! ```

mod cards;
mod config;
mod counters;
mod error;
mod mo;
#[cfg(feature = "mssp")]
mod mssp;
pub mod mt;
mod reassembly;
mod sent;
mod service;
mod submitter;

/// This component's lane in `idgw trace`.
pub(crate) const LANE: &str = "OTA";

/// A TAR as six hex digits.
pub(crate) fn tar_hex(tar: crate::Tar) -> String {
    tar.0.iter().map(|b| format!("{b:02X}")).collect()
}

pub use cards::{CardAlgorithm, CardDirectory, CardRecord, MemoryCards};
pub use config::{
    PlatformConfig, Trace, MAX_OUTSTANDING, MAX_PARTIAL_MESSAGES, MAX_PARTIAL_PER_MSISDN,
    OUTSTANDING_TTL, REASSEMBLY_TIMEOUT, SUBMIT_TIMEOUT,
};
pub use counters::{CounterStore, MemoryCounters};
pub use error::PlatformError;
pub use mo::{DropReason, MoOutcome};
#[cfg(feature = "mssp")]
pub use mssp::MsspSink;
pub use service::{MoSink, OtaPlatform, Sent};
pub use submitter::SmsSubmitter;
