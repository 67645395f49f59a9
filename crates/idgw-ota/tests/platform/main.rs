//! Tests of the OTA platform service (`idgw_ota::platform`):
//! `mo` drives [`OtaPlatform::handle_deliver`] directly (replays, tampering,
//! unknown senders, receipts); `e2e` runs the whole radio path on loopback:
//! platform -> ESME -> SMSC simulator -> SIM simulator and back.

mod common;
mod e2e;
mod mo;
