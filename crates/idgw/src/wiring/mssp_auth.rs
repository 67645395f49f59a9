//! The OP's [`Authenticator`] over ETSI TS 102 204: each transaction becomes an
//! `MSS_Signature` request (asynchClientServer) to the configured MSSP, polled with
//! `MSS_StatusQuery` until a final status, mapped to one [`AuthOutcome`].

use async_trait::async_trait;
use idgw_mss::client::{ClientOutcome, MssClient};
use idgw_oidc::authenticator::{AuthOutcome, AuthenticationRequest, Authenticator};
use idgw_store::{Event, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct MsspAuthenticator {
    client: MssClient,
    store: Arc<dyn Store>,
}

impl MsspAuthenticator {
    pub fn new(client: MssClient, store: Arc<dyn Store>) -> MsspAuthenticator {
        MsspAuthenticator { client, store }
    }

    async fn event(
        &self,
        request: &AuthenticationRequest,
        step: &str,
        outcome: &str,
        detail: Option<String>,
    ) {
        let event = Event {
            auth_req_id: request.auth_req_id.clone(),
            correlation_id: request.correlation_id.clone(),
            component: "MSSP".into(),
            step: step.into(),
            outcome: outcome.into(),
            detail,
            at: idgw_oidc::now_ms(),
        };
        if let Err(e) = self.store.record_event(&event).await {
            tracing::warn!(error = %e, "cannot record trace event");
        }
    }
}

/// `AP_TransID` for a transaction: stable across retries (the MSSP joins a repeated
/// identical request), and an XML NCName (it must not start with a digit or `-`).
pub fn ap_trans_id(auth_req_id: &str) -> String {
    format!("A{auth_req_id}")
}

/// TS 102 204 status -> the OP's outcome (issue 3: USER_CANCEL -> denied, PIN_NR_BLOCKED ->
/// PIN blocked, EXPIRED_TRANSACTION -> expired, OTA and transport failures -> failed).
pub fn outcome_of(outcome: ClientOutcome, now: i64) -> AuthOutcome {
    match outcome {
        ClientOutcome::Approved { pin } => AuthOutcome::Approved {
            amr: vec![if pin { "SIM_PIN" } else { "SIM_OK" }.into()],
            auth_time: now,
        },
        ClientOutcome::UserCancel => AuthOutcome::Denied,
        ClientOutcome::PinBlocked | ClientOutcome::CardBlocked => AuthOutcome::PinBlocked,
        ClientOutcome::Expired => AuthOutcome::Expired,
        ClientOutcome::OtaError => AuthOutcome::Unreachable,
        ClientOutcome::Failed(reason) => AuthOutcome::Failed { reason },
    }
}

#[async_trait]
impl Authenticator for MsspAuthenticator {
    async fn authenticate(&self, request: AuthenticationRequest) -> AuthOutcome {
        let left = Duration::from_millis((request.expires_at - idgw_oidc::now_ms()).max(0) as u64);
        let deadline = Instant::now() + left;
        let trans_id = ap_trans_id(&request.auth_req_id);
        self.event(
            &request,
            "MSS_SignatureReq (asynchClientServer)",
            "sent",
            Some(trans_id.clone()),
        )
        .await;
        let outcome = self
            .client
            .authenticate(
                &request.msisdn,
                &request.display_text,
                request.pin_required,
                &trans_id,
                deadline,
            )
            .await;
        self.event(&request, "MSS_StatusResp", &format!("{outcome:?}"), None)
            .await;
        outcome_of(outcome, idgw_oidc::now_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_outcomes() {
        assert_eq!(
            outcome_of(ClientOutcome::Approved { pin: true }, 7),
            AuthOutcome::Approved {
                amr: vec!["SIM_PIN".into()],
                auth_time: 7
            }
        );
        assert_eq!(
            outcome_of(ClientOutcome::UserCancel, 0),
            AuthOutcome::Denied
        );
        assert_eq!(
            outcome_of(ClientOutcome::PinBlocked, 0),
            AuthOutcome::PinBlocked
        );
        assert_eq!(outcome_of(ClientOutcome::Expired, 0), AuthOutcome::Expired);
        assert_eq!(
            outcome_of(ClientOutcome::OtaError, 0),
            AuthOutcome::Unreachable
        );
        assert!(ap_trans_id("-x").starts_with('A'));
    }
}
