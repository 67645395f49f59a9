//! Decode errors of both codecs, classified so the MSSP service can answer
//! the fault TS 102 204 clause 9 prescribes: anything malformed or unknown is
//! 101 WRONG_PARAM, a missing mandatory element is 102 MISSING_PARAM, an
//! oversized input is 103 WRONG_DATA_LENGTH, an unsupported version is 108
//! INCOMPATIBLE_INTERFACE.

use crate::{MssFault, StatusCode};

/// Why an XML or JSON document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input exceeds the codec's size limit.
    #[error("input of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not well-formed XML/JSON, bad encoding, or over the nesting limits.
    #[error("malformed document: {0}")]
    Malformed(String),
    /// A DOCTYPE or entity declaration (refused: no DTD processing, no XXE).
    #[error("DOCTYPE and entity declarations are not accepted")]
    Doctype,
    /// An element (or JSON member) the message may not contain.
    #[error("unexpected element {0}")]
    UnknownElement(String),
    /// A mandatory element or attribute is absent.
    #[error("missing {0}")]
    Missing(String),
    /// A value that does not parse or is out of range.
    #[error("invalid value for {field}: {reason}")]
    Invalid {
        /// The element or attribute.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// `MajorVersion` other than 1.
    #[error("unsupported MajorVersion {0}")]
    UnsupportedVersion(u32),
}

impl DecodeError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> DecodeError {
        DecodeError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The status code the MSSP answers for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            DecodeError::TooLarge { .. } => StatusCode::WrongDataLength,
            DecodeError::Missing(_) => StatusCode::MissingParam,
            DecodeError::UnsupportedVersion(_) => StatusCode::IncompatibleInterface,
            DecodeError::Malformed(_)
            | DecodeError::Doctype
            | DecodeError::UnknownElement(_)
            | DecodeError::Invalid { .. } => StatusCode::WrongParam,
        }
    }

    /// The fault to answer with; the detail names the problem (no input is
    /// echoed beyond element names).
    pub fn to_fault(&self) -> MssFault {
        MssFault::new(self.status(), Some(self.to_string()))
    }
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A value that cannot be written (e.g. an XML-DSig signature that is not
    /// a single well-formed element).
    #[error("cannot encode {field}: {reason}")]
    Invalid {
        /// The element.
        field: String,
        /// What is wrong.
        reason: String,
    },
}
