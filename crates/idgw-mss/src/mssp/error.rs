//! Errors of the MSSP domain and of the OTA platform it drives. Each
//! [`MsspError`] answers with one TS 102 204 status (clause 6.2.8), sent to
//! the AP as a fault (clause 9) by the binding in use.

use super::registry::AppletKeysError;
use super::store::TransactionStoreError;
use crate::{MssFault, StatusCode};

/// Why the MSSP refuses or fails a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MsspError {
    /// 104 UNAUTHORIZED_ACCESS: `AP_ID` not registered, or `AP_PWD` missing
    /// or wrong. Both cases answer the same, so AP_IDs cannot be probed.
    #[error("unknown AP or wrong AP_PWD")]
    UnauthorizedAccess,
    /// 105 UNKNOWN_CLIENT: no applet key for the `MobileUser/MSISDN`.
    #[error("unknown mobile user")]
    UnknownUser,
    /// 101 WRONG_PARAM: the `AP_TransID` was used by this AP for a different
    /// request that the MSSP still remembers.
    #[error("AP_TransID already used for another request")]
    DuplicateApTransId,
    /// 101 WRONG_PARAM: no transaction with this `MSSP_TransID` for this AP.
    #[error("unknown MSSP_TransID")]
    UnknownTransaction,
    /// 101 WRONG_PARAM: a receipt (clause 7.4) for a transaction still
    /// outstanding.
    #[error("transaction still outstanding")]
    NotFinished,
    /// 101 WRONG_PARAM: a value the MSSP does not accept.
    #[error("invalid {field}: {reason}")]
    WrongParam {
        /// The element or attribute.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// 102 MISSING_PARAM: asynchServerServer without `AP_URL` (clause 6.2.1).
    #[error("asynchServerServer needs an AP_URL")]
    MissingApUrl,
    /// 103 WRONG_DATA_LENGTH: the text does not fit the applet challenge.
    #[error("display text of {0} bytes is too long for the SIM")]
    TextTooLong(usize),
    /// 107 INAPPROPRIATE_DATA: the data is not text the SIM can show.
    #[error("data cannot be displayed: {0}")]
    InappropriateData(String),
    /// 109 UNSUPPORTED_PROFILE: a `SignatureProfile` other than idgw's.
    #[error("unsupported SignatureProfile")]
    UnsupportedProfile,
    /// 406 PB_SIGNATURE_PROCESS: another transaction for this MSISDN is
    /// outstanding (the SIM shows one prompt at a time).
    #[error("another signature is in progress for this user")]
    UserBusy,
    /// The transaction ended without a signature; the code says how
    /// (208, 209, 401, 402, 403, 900).
    #[error("transaction ended with {0}")]
    Ended(StatusCode),
    /// 900 INTERNAL_ERROR: a limit or an invariant; the reason is logged,
    /// not sent.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// 900 INTERNAL_ERROR: the transaction storage failed (or, in memory, is
    /// full); the reason is logged, not sent.
    #[error(transparent)]
    Storage(#[from] TransactionStoreError),
    /// 900 INTERNAL_ERROR: the applet key lookup failed; the reason is
    /// logged, not sent.
    #[error(transparent)]
    Keys(#[from] AppletKeysError),
}

impl MsspError {
    /// The status answered for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            MsspError::UnauthorizedAccess => StatusCode::UnauthorizedAccess,
            MsspError::UnknownUser => StatusCode::UnknownClient,
            MsspError::DuplicateApTransId
            | MsspError::UnknownTransaction
            | MsspError::NotFinished
            | MsspError::WrongParam { .. } => StatusCode::WrongParam,
            MsspError::MissingApUrl => StatusCode::MissingParam,
            MsspError::TextTooLong(_) => StatusCode::WrongDataLength,
            MsspError::InappropriateData(_) => StatusCode::InappropriateData,
            MsspError::UnsupportedProfile => StatusCode::UnsupportedProfile,
            MsspError::UserBusy => StatusCode::PbSignatureProcess,
            MsspError::Ended(code) => *code,
            MsspError::Internal(_) | MsspError::Storage(_) | MsspError::Keys(_) => {
                StatusCode::InternalError
            }
        }
    }

    /// The fault sent to the AP. Internal reasons are not disclosed.
    pub fn to_fault(&self) -> MssFault {
        let detail = match self {
            MsspError::Internal(_) | MsspError::Storage(_) | MsspError::Keys(_) => {
                self.status().default_message().to_owned()
            }
            MsspError::Ended(code) => code.default_message().to_owned(),
            other => other.to_string(),
        };
        MssFault::new(self.status(), Some(detail))
    }
}

/// Why the OTA platform could not deliver a challenge to the SIM.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtaError {
    /// No OTA keys, or the subscriber cannot be reached.
    #[error("subscriber unreachable: {0}")]
    Unreachable(String),
    /// The OTA platform or its SMSC failed.
    #[error("OTA platform failure: {0}")]
    Platform(String),
}
