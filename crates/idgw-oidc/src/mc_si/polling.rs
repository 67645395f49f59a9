//! The Mobile Connect SI Polling Request at `/token` (Tables 7 and 8), its response (Table 9)
//! and errors (Tables 17 and 18). The poll itself is the CIBA poll of [`crate::token`]; this
//! module holds what SI adds: `private_key_jwt` only, the `correlation_id` check, and the
//! Table 18 codes for a transaction that ended badly.

use crate::authenticator::AuthOutcome;
use crate::client::{AuthMethod, Client};
use crate::endpoint::token::{poll_grant, PollGrant};
use crate::error::{ErrorCode, OAuthError};
use crate::op::Op;
use crate::params::Params;
use crate::transaction::record::{AcceptedRequest, StoredOutcome};
use idgw_store::{Millis, TxState};
use serde_json::{Map, Value};

/// `grant_type=urn:openid:params:mc:grant-type:server_initiated`; the client is already
/// authenticated (Table 18: failures are `invalid_client`, 401).
pub async fn grant(
    op: &Op,
    client: &Client,
    params: &Params,
    now: Millis,
) -> Result<Map<String, Value>, OAuthError> {
    // Table 7/8: the Polling Request is authenticated with private_key_jwt.
    if client.metadata.token_endpoint_auth_method != AuthMethod::PrivateKeyJwt {
        return Err(OAuthError::invalid_client(
            "Client authentication failed: Polling Requests use private_key_jwt",
        ));
    }
    poll_grant(op, client, params, PollGrant::ServerInitiated, now).await
}

/// Table 7: `correlation_id` is REQUIRED when the authorization request carried one, and must
/// be that one.
pub fn check_correlation_id(params: &Params, request: &AcceptedRequest) -> Result<(), OAuthError> {
    match (
        params.raw("correlation_id"),
        request.correlation_id.as_deref(),
    ) {
        (None, None) => Ok(()),
        (Some(sent), Some(expected)) if sent == expected => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "Required parameter correlation_id is missing",
        )),
        _ => Err(OAuthError::invalid_request(
            "Malformed request: correlation_id does not match the authorization request",
        )),
    }
}

/// Table 18 for a transaction that ended without tokens while its `auth_req_id` is still
/// valid: the user's refusal is `access_denied`; an unreachable authenticator or its expiry
/// ("expiration in server": the user did not answer in the authenticator's time) is
/// `server_error` 503 ("Service is not available"); a failure of the chain behind the OP is
/// `server_error` 500 ("Connection problem"), the OP's own failure `server_error` 500
/// ("Internal server error"). An expired transaction polled after its
/// `auth_req_id`'s own `expires_in` is `expired_token` instead ([`crate::token`]).
pub fn failure(state: TxState, outcome: &StoredOutcome) -> OAuthError {
    if state == TxState::Expired {
        return OAuthError::new(ErrorCode::ServerUnavailable, "Service is not available");
    }
    if state == TxState::Denied {
        let description = outcome
            .error_description
            .clone()
            .unwrap_or_else(|| "The end-user denied the authorization request".into());
        return OAuthError::access_denied(description);
    }
    let description = |o: AuthOutcome| o.error().map(|(_, d)| d);
    match outcome.error_description.as_deref() {
        d if d == description(AuthOutcome::Unreachable) => {
            OAuthError::new(ErrorCode::ServerUnavailable, "Service is not available")
        }
        d if d == description(AuthOutcome::Internal) => {
            OAuthError::server_error("Internal server error")
        }
        _ => OAuthError::server_error("Connection problem"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(error: &AuthOutcome) -> StoredOutcome {
        StoredOutcome {
            amr: vec![],
            auth_time: 0,
            error: error.error().map(|(c, _)| c.as_str().to_string()),
            error_description: error.error().map(|(_, d)| d.to_string()),
        }
    }

    #[test]
    fn failures_follow_table_18() {
        let e = failure(TxState::Denied, &outcome(&AuthOutcome::Denied))
            .in_dialect(crate::error::Dialect::MobileConnectSi);
        assert_eq!(
            (e.code, e.status().as_u16()),
            (ErrorCode::AccessDenied, 400)
        );
        let e = failure(TxState::Failed, &outcome(&AuthOutcome::Unreachable));
        assert_eq!(
            (e.code.as_str(), e.status().as_u16()),
            ("server_error", 503)
        );
        let failed = AuthOutcome::Failed { reason: "x".into() };
        let e = failure(TxState::Failed, &outcome(&failed));
        assert_eq!(
            (e.code.as_str(), e.status().as_u16()),
            ("server_error", 500)
        );
        let e = failure(TxState::Failed, &outcome(&AuthOutcome::Internal));
        assert_eq!(
            (e.code.as_str(), e.description.as_str()),
            ("server_error", "Internal server error")
        );
        let e = failure(TxState::Expired, &outcome(&AuthOutcome::Expired));
        assert_eq!(
            (e.code.as_str(), e.status().as_u16()),
            ("server_error", 503)
        );
    }

    #[test]
    fn correlation_id_must_repeat_the_requests() {
        let mut request: AcceptedRequest = serde_json::from_value(serde_json::json!({
            "dialect": "mobile_connect_si", "delivery": "poll", "scope": "openid", "acr": "2",
            "pin_required": false, "sub": "s", "nonce": null, "binding_message": null,
            "display_text": "t", "client_notification_token": null, "notification_endpoint": null,
            "client_req_id": null, "correlation_id": "c1", "hashed_login_hint": null, "interval": 1
        }))
        .unwrap();
        let with = |v: &str| Params::from_form(v.as_bytes()).unwrap();
        assert!(check_correlation_id(&with("correlation_id=c1"), &request).is_ok());
        assert!(check_correlation_id(&with("correlation_id=c2"), &request).is_err());
        assert!(check_correlation_id(&with(""), &request).is_err());
        request.correlation_id = None;
        assert!(check_correlation_id(&with(""), &request).is_ok());
        assert!(check_correlation_id(&with("correlation_id=c1"), &request).is_err());
    }
}
