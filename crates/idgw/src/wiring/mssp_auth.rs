//! The OP's [`Authenticator`] over ETSI TS 102 204: each transaction becomes an
//! `MSS_Signature` request to the configured MSSP, whose final status arrives as a
//! notification (asynchServerServer, the default) or by `MSS_StatusQuery` (asynchClientServer),
//! mapped to one [`AuthOutcome`] ([`Ap`]). While it runs, the [`Tracer`] records the hops of
//! the chain for the subscriber under its `auth_req_id`.

use crate::wiring::tracer::{component, Tracer};
use async_trait::async_trait;
use idgw_mss::client::{Ap, ClientOutcome};
use idgw_oidc::authenticator::{AuthOutcome, AuthenticationRequest, Authenticator};
use idgw_store::Event;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct MsspAuthenticator {
    ap: Arc<Ap>,
    tracer: Arc<Tracer>,
}

impl MsspAuthenticator {
    pub fn new(ap: Arc<Ap>, tracer: Arc<Tracer>) -> MsspAuthenticator {
        MsspAuthenticator { ap, tracer }
    }

    /// Records a message between the OP (the AP) and the MSSP, in the tracer's queue order.
    fn event(
        &self,
        request: &AuthenticationRequest,
        (from, to): (&str, &str),
        step: &str,
        outcome: &str,
        detail: Option<String>,
    ) {
        self.tracer.record(Event {
            auth_req_id: request.auth_req_id.clone(),
            correlation_id: request.correlation_id.clone(),
            component: component(from, Some(to)),
            step: step.into(),
            outcome: outcome.into(),
            detail,
            at: idgw_oidc::now_ms(),
        });
    }
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
        // Stable across hand-overs (the MSSP joins a repeated request), unknown to the client.
        let trans_id = self.ap.client().ap_trans_id_for(&request.auth_req_id);
        let mode = self.ap.config().messaging_mode.as_str();
        self.tracer.begin(
            &request.msisdn,
            &request.auth_req_id,
            request.correlation_id.as_deref(),
        );
        self.event(
            &request,
            ("OP", "MSSP"),
            &format!("MSS_SignatureReq ({mode})"),
            "sent",
            Some(format!("AP_TransID {trans_id}")),
        );
        let outcome = self
            .ap
            .authenticate(
                &request.msisdn,
                &request.display_text,
                request.pin_required,
                &trans_id,
                deadline,
            )
            .await;
        self.event(
            &request,
            ("MSSP", "OP"),
            "MSS_StatusResp",
            &format!("{outcome:?}"),
            None,
        );
        self.tracer.end(&request.msisdn, &request.auth_req_id);
        // The OP records the outcome next, straight to the store: what is queued goes first.
        self.tracer.flush().await;
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
    }
}
