//! Typed errors of the SIM and handset simulator.

use thiserror::Error;

/// A subscriber entry that cannot be provisioned.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The MSISDN is not 1 to 15 digits (E.164).
    #[error("MSISDN {0:?} is not 1 to 15 digits")]
    BadMsisdn(String),
    /// The PIN is not 4 to 8 digits.
    #[error("PIN must be 4 to 8 digits")]
    BadPin,
    /// KVN outside 1..=15 (TS 102 225 section 5.1.2).
    #[error("key version number {0} outside 1..=15")]
    BadKvn(u8),
    /// An OTA key of the wrong length for its algorithm.
    #[error("{key} must be {expected} octets for the algorithm, got {found}")]
    BadKeyLength {
        /// `kic` or `kid`.
        key: &'static str,
        /// Length the algorithm needs.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// The applet key is not 32 octets.
    #[error("applet key of {0} octets, {1} needed")]
    BadAppletKey(usize, usize),
    /// The TAR is not 6 hex digits.
    #[error("TAR {0:?} is not 6 hex digits")]
    BadTar(String),
    /// The MSISDN is provisioned already.
    #[error("MSISDN {0} is provisioned already")]
    Duplicate(String),
    /// The persisted card state could not be read.
    #[error("card state: {0}")]
    State(#[from] StateError),
}

/// Reading or writing a card's state file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StateError {
    /// File system error (message of the `io::Error`).
    #[error("I/O on {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The file is not the expected JSON.
    #[error("malformed state file {path}: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
}

/// Why a user's answer to a prompt was not taken.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// No phone with this MSISDN.
    #[error("unknown handset")]
    UnknownHandset,
    /// No pending prompt with this id.
    #[error("no pending prompt with this id")]
    UnknownPrompt,
    /// The prompt asks for a PIN and none was given.
    #[error("this prompt needs a PIN")]
    PinRequired,
    /// A PIN was given to an OK/Cancel prompt.
    #[error("this prompt takes OK or cancel, not a PIN")]
    PinNotExpected,
    /// The body is none of `{"pin"}`, `{"ok": true}`, `{"cancel": true}`.
    #[error("answer must be one of {{\"pin\": \"...\"}}, {{\"ok\": true}}, {{\"cancel\": true}}")]
    BadAnswer,
}
