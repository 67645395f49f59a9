//! Which [`Authenticator`] the OP uses. The shipped binary wires only the SIM applet chain
//! (OP -> MSSP -> OTA -> SMSC -> SIM). Until the chain's services are wired (issue 3), every
//! transaction is ended explicitly as failed, so clients are told instead of left waiting.

use async_trait::async_trait;
use idgw_oidc::authenticator::{AuthOutcome, AuthenticationRequest, Authenticator};
use std::sync::Arc;

/// The authenticator used when no authentication chain is available.
pub struct ChainUnavailable;

#[async_trait]
impl Authenticator for ChainUnavailable {
    async fn authenticate(&self, request: AuthenticationRequest) -> AuthOutcome {
        tracing::warn!(auth_req_id = %request.auth_req_id, "no SIM authentication chain is wired; failing the transaction");
        AuthOutcome::Failed {
            reason: "SIM authentication chain not available".into(),
        }
    }
}

pub fn authenticator(_config: &crate::config::Config) -> Arc<dyn Authenticator> {
    Arc::new(ChainUnavailable)
}
