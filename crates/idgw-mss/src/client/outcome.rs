//! How an authentication through the MSSP ended, as the OP needs to know it: the final
//! TS 102 204 status (clause 6.2.8) of a notification, a status query or a fault, mapped
//! to one [`ClientOutcome`].

use super::ClientError;
use crate::StatusCode;

/// How an authentication ended, as the OP needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOutcome {
    /// 500 SIGNATURE / 502 VALID_SIGNATURE: the user confirmed; `pin` says
    /// whether the confirmation was PIN-protected (the sim-pin profile).
    Approved {
        /// The user entered the PIN.
        pin: bool,
    },
    /// 401 USER_CANCEL.
    UserCancel,
    /// 402 PIN_NR_BLOCKED.
    PinBlocked,
    /// 403 CARD_BLOCKED.
    CardBlocked,
    /// 208 EXPIRED_TRANSACTION, or the deadline passed.
    Expired,
    /// 209 OTA_ERROR: the SIM could not be reached.
    OtaError,
    /// Anything else: another status, a transport or HTTP failure.
    Failed(String),
}

impl ClientOutcome {
    /// The outcome of a final status (`None` for 100 and 504).
    pub(crate) fn of_status(code: StatusCode, pin: bool) -> Option<ClientOutcome> {
        Some(match code {
            StatusCode::RequestOk | StatusCode::OutstandingTransaction => return None,
            StatusCode::Signature | StatusCode::ValidSignature => ClientOutcome::Approved { pin },
            StatusCode::UserCancel => ClientOutcome::UserCancel,
            StatusCode::PinNrBlocked => ClientOutcome::PinBlocked,
            StatusCode::CardBlocked => ClientOutcome::CardBlocked,
            StatusCode::ExpiredTransaction => ClientOutcome::Expired,
            StatusCode::OtaError => ClientOutcome::OtaError,
            other => ClientOutcome::Failed(format!("MSSP status {other}")),
        })
    }

    pub(crate) fn of_error(error: ClientError, pin: bool) -> ClientOutcome {
        match error {
            ClientError::Fault(fault) => ClientOutcome::of_status(fault.status, pin)
                .unwrap_or_else(|| ClientOutcome::Failed(format!("fault {}", fault.status))),
            other => ClientOutcome::Failed(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MssFault;

    #[test]
    fn maps_statuses() {
        let of = |c| ClientOutcome::of_status(c, true);
        assert_eq!(of(StatusCode::OutstandingTransaction), None);
        assert_eq!(of(StatusCode::RequestOk), None);
        assert_eq!(
            of(StatusCode::ValidSignature),
            Some(ClientOutcome::Approved { pin: true })
        );
        assert_eq!(
            of(StatusCode::PinNrBlocked),
            Some(ClientOutcome::PinBlocked)
        );
        assert_eq!(of(StatusCode::OtaError), Some(ClientOutcome::OtaError));
        let fault = ClientError::Fault(MssFault::new(StatusCode::UnknownClient, None));
        assert!(matches!(
            ClientOutcome::of_error(fault, false),
            ClientOutcome::Failed(reason) if reason.contains("105")
        ));
    }
}
