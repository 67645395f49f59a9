//! Typed errors of the OTA platform service: card lookup, counters,
//! sealing (3GPP TS 31.115 / ETSI TS 102 225), segmentation
//! (3GPP TS 23.040 section 9.2.3.24.1) and submission (SMPP 3.4 submit_sm).

use thiserror::Error;

use crate::OtaError;

/// Why the platform could not send a secured packet (or a store failed).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PlatformError {
    /// No card is registered for this MSISDN (or ICCID).
    #[error("no OTA card for subscriber {0}")]
    UnknownSubscriber(String),
    /// The card record cannot be used: KVN outside 1..=15 (TS 102 225
    /// section 5.1.2) or keys of the wrong length for the algorithm.
    #[error("unusable card record: {0}")]
    InvalidCard(String),
    /// The card's MT counter reached 0xFF_FFFF_FFFF (TS 102 225 section 5.1.1:
    /// the card would answer "CNTR blocked"); the card needs new keys.
    #[error("OTA counter exhausted for ICCID {0}")]
    CounterExhausted(String),
    /// Sealing the Command Packet failed.
    #[error("sealing the command packet: {0}")]
    Seal(#[from] OtaError),
    /// The packet does not fit the concatenated SMS limit (255 segments).
    #[error("packet too long for concatenated SMS: {0}")]
    TooLong(String),
    /// The SMSC refused the submit_sm, or the ESME session is stopped.
    #[error("SMSC submission failed: {0}")]
    Submit(String),
    /// The card directory or counter store failed (database down, ...).
    #[error("OTA store failure: {0}")]
    Store(String),
}
