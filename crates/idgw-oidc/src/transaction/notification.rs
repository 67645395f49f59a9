//! The body of a client notification, typed: the ping (CIBA Core 10.2: only `auth_req_id`),
//! the push of tokens (CIBA Core 10.3.1: the token response with `auth_req_id`) and the push
//! error (CIBA Core 12). The sequence diagram's dialect adds `grant_type` and `client_req_id`;
//! Mobile Connect SI notification mode adds `correlation_id` (SI Tables 6, 14 and 15).

use crate::authenticator::AuthOutcome;
use crate::error::{Dialect, ErrorBody, ErrorCode};
use crate::issue::TokenResponse;
use crate::transaction::record::AcceptedRequest;
use serde::Serialize;

/// Grant type of the sequence diagram's notification body.
pub const BACKCHANNEL_TOKEN_RESPONSE: &str =
    "urn:openid:params:modrna:grant-type:backchannel_token_response";

/// What a notification tells.
#[derive(Debug, Clone, PartialEq)]
pub enum Notified {
    /// Ping mode: the result is ready at the token endpoint.
    Ping,
    /// Push mode: the tokens.
    Tokens(TokenResponse),
    /// Push mode: how the authentication failed.
    Error(ErrorCode, &'static str),
}

#[derive(Serialize)]
struct Body<'a> {
    auth_req_id: &'a str,
    #[serde(flatten)]
    tokens: Option<TokenResponse>,
    #[serde(flatten)]
    error: Option<ErrorBody<'a>>,
    #[serde(flatten)]
    sequence: Option<Sequence<'a>>,
}

/// The sequence diagram's additions.
#[derive(Serialize)]
struct Sequence<'a> {
    grant_type: &'static str,
    client_req_id: Option<&'a str>,
}

/// The JSON body notifying `request`'s client of `notified`.
pub fn body(request: &AcceptedRequest, auth_req_id: &str, notified: Notified) -> String {
    let echo = match request.dialect {
        Dialect::MobileConnectSi => request.correlation_id.as_deref(),
        _ => None,
    };
    let (tokens, error) = match notified {
        Notified::Ping => (None, None),
        Notified::Tokens(tokens) => (Some(tokens.with_correlation_id(echo)), None),
        Notified::Error(error, error_description) => {
            let error = ErrorBody {
                error,
                error_description,
                correlation_id: echo,
            };
            (None, Some(error))
        }
    };
    let sequence = (request.dialect == Dialect::Sequence).then_some(Sequence {
        grant_type: BACKCHANNEL_TOKEN_RESPONSE,
        client_req_id: request.client_req_id.as_deref(),
    });
    let body = Body {
        auth_req_id,
        tokens,
        error,
        sequence,
    };
    serde_json::to_string(&body).expect("notification serializes")
}

/// The error a push client is told of an outcome without tokens: CIBA Core 12's, or in
/// Mobile Connect SI the Table 15 row.
pub fn error_of(request: &AcceptedRequest, outcome: &AuthOutcome) -> (ErrorCode, &'static str) {
    if request.dialect == Dialect::MobileConnectSi {
        mc_si_error(outcome)
    } else {
        outcome.error().expect("not approved")
    }
}

/// SI Tables 14 and 15: the user's refusal is `access_denied`; an unreachable authenticator
/// or expiry in the server is `server_error` ("Service is not available"); a failure of the
/// chain behind the OP (MSSP, OTA platform, SMSC) is a "System connection problem (internal
/// to IDGW)", `server_error` ("Connection problem"); the OP's own failure is an "Unexpected
/// error", `server_error` ("Internal server error").
fn mc_si_error(outcome: &AuthOutcome) -> (ErrorCode, &'static str) {
    match outcome {
        AuthOutcome::Denied | AuthOutcome::PinBlocked => outcome.error().expect("not approved"),
        AuthOutcome::Unreachable | AuthOutcome::Expired => {
            (ErrorCode::ServerError, "Service is not available")
        }
        AuthOutcome::Failed { .. } => (ErrorCode::ServerError, "Connection problem"),
        AuthOutcome::Internal | AuthOutcome::Approved { .. } => {
            (ErrorCode::ServerError, "Internal server error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::DeliveryMode;
    use serde_json::{json, Value};

    fn request(dialect: Dialect) -> AcceptedRequest {
        AcceptedRequest {
            dialect,
            delivery: DeliveryMode::Push,
            scope: "openid".into(),
            acr: "2".into(),
            pin_required: false,
            sub: "s".into(),
            nonce: None,
            binding_message: None,
            display_text: "t".into(),
            client_notification_token: Some("b".into()),
            notification_endpoint: Some("https://sp.example/cb".into()),
            client_req_id: None,
            correlation_id: Some("c1".into()),
            hashed_login_hint: None,
            interval: 2,
            recipient: None,
            device_initiated: None,
        }
    }

    fn tokens() -> TokenResponse {
        TokenResponse {
            access_token: "at".into(),
            token_type: "Bearer",
            refresh_token: "rt".into(),
            expires_in: 60,
            id_token: "it".into(),
            correlation_id: None,
        }
    }

    fn parsed(body: String) -> Value {
        serde_json::from_str(&body).unwrap()
    }

    #[test]
    fn ping_push_and_error_bodies() {
        let core = request(Dialect::Core);
        assert_eq!(
            parsed(body(&core, "a", Notified::Ping)),
            json!({"auth_req_id": "a"})
        );
        assert_eq!(
            parsed(body(&core, "a", Notified::Tokens(tokens()))),
            json!({"auth_req_id": "a", "access_token": "at", "token_type": "Bearer",
                "refresh_token": "rt", "expires_in": 60, "id_token": "it"})
        );
        let denied = Notified::Error(ErrorCode::AccessDenied, "no");
        assert_eq!(
            parsed(body(&core, "a", denied)),
            json!({"auth_req_id": "a", "error": "access_denied", "error_description": "no"})
        );
    }

    #[test]
    fn dialects_add_their_fields() {
        let si = request(Dialect::MobileConnectSi);
        let b = parsed(body(&si, "a", Notified::Tokens(tokens())));
        assert_eq!(b["correlation_id"], "c1");
        let failed = Notified::Error(ErrorCode::ServerError, "Connection problem");
        assert_eq!(parsed(body(&si, "a", failed))["correlation_id"], "c1");
        let sequence = request(Dialect::Sequence);
        assert_eq!(
            parsed(body(&sequence, "a", Notified::Ping)),
            json!({"auth_req_id": "a", "grant_type": BACKCHANNEL_TOKEN_RESPONSE,
                "client_req_id": null})
        );
    }

    #[test]
    fn si_errors_follow_table_15() {
        let si = request(Dialect::MobileConnectSi);
        let failed = AuthOutcome::Failed { reason: "x".into() };
        assert_eq!(error_of(&si, &failed).1, "Connection problem");
        assert_eq!(
            error_of(&si, &AuthOutcome::Expired).1,
            "Service is not available"
        );
        let core = request(Dialect::Core);
        assert_eq!(error_of(&core, &failed).0, ErrorCode::TransactionFailed);
    }
}
