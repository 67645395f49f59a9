//! The authentication flow of the OP's authenticator on top of TS 102 204:
//! one `MSS_SignatureReq` in `asynchClientServer` mode (clause 7.2), then
//! `MSS_StatusReq` every second (clause 7.3) until a final status or the
//! deadline, mapped to a [`ClientOutcome`].

use std::time::{Duration, Instant};

use tokio::time::{sleep_until, timeout_at};

use super::{ClientError, MssClient};
use crate::model::*;
use crate::profile::SignatureProfile;
use crate::StatusCode;

/// Pause between status queries.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Consecutive failed status queries (transport or HTTP errors) tolerated
/// before giving up.
pub const MAX_POLL_FAILURES: u32 = 3;
/// Longest `TimeOut` asked of the MSSP (TS 102 204 MSSPs commonly cap it).
const MAX_TIME_OUT_SECS: u64 = 300;

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
    fn of_status(code: StatusCode, pin: bool) -> Option<ClientOutcome> {
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

    fn of_error(error: ClientError, pin: bool) -> ClientOutcome {
        match error {
            ClientError::Fault(fault) => ClientOutcome::of_status(fault.status, pin)
                .unwrap_or_else(|| ClientOutcome::Failed(format!("fault {}", fault.status))),
            other => ClientOutcome::Failed(other.to_string()),
        }
    }
}

impl MssClient {
    /// Asks `msisdn`'s SIM to confirm `display_text`, with the PIN when
    /// `pin_required`, and waits for the outcome until `deadline` (never
    /// longer). The MSSP is given the time left as `TimeOut`.
    pub async fn authenticate(
        &self,
        msisdn: &str,
        display_text: &str,
        pin_required: bool,
        ap_trans_id: &str,
        deadline: Instant,
    ) -> ClientOutcome {
        let deadline = tokio::time::Instant::from_std(deadline);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left < Duration::from_secs(1) {
            return ClientOutcome::Expired;
        }
        let profile = SignatureProfile::for_pin(pin_required);
        let req = MssSignatureReq {
            header: self.header(ap_trans_id),
            mobile_user: MobileUser {
                msisdn: msisdn.to_owned(),
            },
            data_to_be_signed: Data::text(display_text),
            data_to_be_displayed: None,
            signature_profile: Some(profile.uri().to_owned()),
            additional_services: Vec::new(),
            mss_format: None,
            validity_date: None,
            time_out: Some(left.as_secs().min(MAX_TIME_OUT_SECS) as u32),
            messaging_mode: MessagingMode::AsynchClientServer,
        };
        let resp = match timeout_at(deadline, self.signature(&req)).await {
            Err(_) => return ClientOutcome::Expired,
            Ok(Err(e)) => return ClientOutcome::of_error(e, pin_required),
            Ok(Ok(resp)) => resp,
        };
        if let Some(done) = ClientOutcome::of_status(resp.status.code, pin_required) {
            return done;
        }
        let mssp_trans_id = resp.mssp_trans_id;
        tracing::debug!(%mssp_trans_id, msisdn, "signature request accepted, polling");
        let mut failures = 0;
        loop {
            let next = tokio::time::Instant::now() + POLL_INTERVAL;
            if next >= deadline {
                sleep_until(deadline).await;
                return ClientOutcome::Expired;
            }
            sleep_until(next).await;
            match timeout_at(deadline, self.status(&mssp_trans_id)).await {
                Err(_) => return ClientOutcome::Expired,
                Ok(Ok(status)) => {
                    failures = 0;
                    if let Some(done) = ClientOutcome::of_status(status.status.code, pin_required) {
                        return done;
                    }
                }
                Ok(Err(e @ ClientError::Fault(_))) => {
                    return ClientOutcome::of_error(e, pin_required)
                }
                Ok(Err(e)) => {
                    failures += 1;
                    tracing::warn!(%mssp_trans_id, error = %e, failures, "status query failed");
                    if failures >= MAX_POLL_FAILURES {
                        return ClientOutcome::Failed(e.to_string());
                    }
                }
            }
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
