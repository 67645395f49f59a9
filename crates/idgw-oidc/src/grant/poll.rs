//! One poll of a transaction's result at the Token Endpoint: the CIBA grant (CIBA Core 10.1,
//! 11; in ping mode, the fetch after the ping), the 2017 draft's `backchannel_request` grant
//! (draft 6.1-6.4, `unknown_auth_req_id`), and the Mobile Connect SI Polling Request (SI
//! Tables 7, 8 and 9; errors Tables 17 and 18), which adds `private_key_jwt`, the
//! `correlation_id` check and echo, and Table 18's codes for a transaction that ended badly.

use crate::authenticator::AuthOutcome;
use crate::client::{AuthMethod, Client, DeliveryMode};
use crate::error::{Dependency, Dialect, ErrorCode, OAuthError};
use crate::issue::{mint, TokenResponse};
use crate::mobile_connect::check_correlation_id;
use crate::op::Op;
use crate::params::Params;
use crate::transaction::record::{AcceptedRequest, StoredOutcome};
use idgw_store::{Finish, Millis, TransactionRow, TxState};

/// The CIBA grant in `dialect` (CIBA Core 10.1 and 11; 2017 draft 6.1-6.4); the client is
/// already authenticated.
pub async fn ciba(
    op: &Op,
    client: &Client,
    params: &Params,
    dialect: Dialect,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    poll(op, client, params, PollGrant::Ciba(dialect), now).await
}

/// Mobile Connect SI's Polling Request, `grant_type=urn:openid:params:mc:grant-type:server_initiated`;
/// the client is already authenticated (Table 18: failures are `invalid_client`, 401).
pub async fn server_initiated(
    op: &Op,
    client: &Client,
    params: &Params,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    // SI Table 7/8: the Polling Request is authenticated with private_key_jwt.
    if client.metadata.token_endpoint_auth_method != AuthMethod::PrivateKeyJwt {
        return Err(OAuthError::invalid_client(
            "Client authentication failed: Polling Requests use private_key_jwt",
        ));
    }
    poll(op, client, params, PollGrant::ServerInitiated, now).await
}

/// The grant a poll uses: CIBA's (in a dialect), or Mobile Connect SI's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollGrant {
    Ciba(Dialect),
    ServerInitiated,
}

/// CIBA Core 10.1 / 11 and Mobile Connect SI Table 18: poll (or, in ping mode, fetch) the
/// result of a transaction.
async fn poll(
    op: &Op,
    client: &Client,
    params: &Params,
    grant: PollGrant,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    let si = grant == PollGrant::ServerInitiated;
    let auth_req_id = params.require("auth_req_id")?;
    let unknown = || unknown_auth_req_id(grant);
    if !si && client.metadata.backchannel_token_delivery_mode == DeliveryMode::Push {
        return Err(OAuthError::unauthorized_client(
            "push clients receive tokens at their notification endpoint",
        ));
    }
    let row = op
        .store
        .transaction(auth_req_id)
        .await?
        .ok_or_else(unknown)?;
    if row.client_id != client.id() {
        return Err(if si {
            OAuthError::invalid_request("Malformed auth_req_id")
        } else {
            unknown()
        });
    }
    let request: AcceptedRequest = serde_json::from_str(&row.request)
        .map_err(|_| OAuthError::server_error("internal error (E_TX_ROW)"))?;
    if request.device_initiated.is_some() {
        return Err(unknown()); // a browser flow ends in an authorization code, never a poll
    }
    let si_transaction = request.dialect == Dialect::MobileConnectSi;
    if si != si_transaction || (si && request.delivery != DeliveryMode::Poll) {
        // SI Table 18: "The provided grant_type value is correct but it does not relate to
        // auth_req_id".
        return Err(OAuthError::invalid_grant(
            "grant_type does not relate to this auth_req_id",
        ));
    }
    let checked = match si {
        true => check_correlation_id(params, request.correlation_id.as_deref()),
        false => Ok(()),
    };
    let result = match checked {
        Ok(()) => poll_state(op, client, &row, &request, grant, now).await,
        Err(e) => Err(e),
    };
    if si {
        // SI Tables 9 and 18: the answer echoes the authorization request's correlation_id.
        let echo = request.correlation_id.as_deref();
        return result
            .map(|tokens| tokens.with_correlation_id(echo))
            .map_err(|e| e.with_correlation_id(echo));
    }
    result
}

async fn poll_state(
    op: &Op,
    client: &Client,
    row: &TransactionRow,
    request: &AcceptedRequest,
    grant: PollGrant,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    let si = grant == PollGrant::ServerInitiated;
    let auth_req_id = row.auth_req_id.as_str();
    let unknown = || unknown_auth_req_id(grant);
    match row.state {
        TxState::Pending if row.expires_at <= now => Err(OAuthError::new(
            ErrorCode::ExpiredToken,
            "auth_req_id has expired",
        )),
        TxState::Pending => {
            if op
                .polls
                .too_fast(auth_req_id, request.interval, now, row.expires_at)
            {
                Err(OAuthError::new(
                    ErrorCode::SlowDown,
                    "polling too fast; add 5 seconds to the interval",
                ))
            } else {
                Err(OAuthError::new(
                    ErrorCode::AuthorizationPending,
                    "the end-user has not yet been authenticated",
                ))
            }
        }
        TxState::Approved => {
            let outcome = stored_outcome(&row.outcome)?;
            let granted = request.grant(&row.msisdn, &outcome);
            let extras = request.id_token_extras(None);
            let issued = mint(op, client.id(), Some(auth_req_id), &granted, &extras, now).await?;
            let finish = Finish {
                auth_req_id: auth_req_id.to_string(),
                state: TxState::Redeemed,
                outcome: None,
                tokens: issued.rows.clone(),
                notification: None,
                now,
            };
            if !op
                .store
                .finish_transaction(TxState::Approved, &finish)
                .await?
            {
                return Err(unknown()); // redeemed concurrently
            }
            op.polls.forget(auth_req_id);
            op.event(
                auth_req_id,
                request.correlation_id.as_deref(),
                "OP",
                "tokens issued (poll)",
                "ok",
                None,
            )
            .await;
            Ok(issued.response)
        }
        // SI Table 18: the authenticator gave up while the auth_req_id is still valid
        // ("expiration in server"); past its expires_in, the auth_req_id "has expired".
        TxState::Expired if si && now < row.expires_at => {
            Err(failure(row.state, &stored_outcome(&row.outcome)?))
        }
        TxState::Denied | TxState::Failed if si => {
            Err(failure(row.state, &stored_outcome(&row.outcome)?))
        }
        TxState::Denied | TxState::Failed => {
            let outcome = stored_outcome(&row.outcome)?;
            let code = match outcome.error.as_deref() {
                Some("transaction_failed") => ErrorCode::TransactionFailed,
                _ => ErrorCode::AccessDenied,
            };
            let description = outcome
                .error_description
                .unwrap_or_else(|| "the request was denied".into());
            Err(OAuthError::new(code, description))
        }
        TxState::Expired => Err(OAuthError::new(
            ErrorCode::ExpiredToken,
            "auth_req_id has expired",
        )),
        TxState::Redeemed => Err(unknown()),
    }
}

fn unknown_auth_req_id(grant: PollGrant) -> OAuthError {
    if grant == PollGrant::Ciba(Dialect::Draft2017) {
        OAuthError::new(ErrorCode::UnknownAuthReqId, "auth_req_id is not known")
    } else {
        OAuthError::invalid_grant(
            "auth_req_id is not known, already used, or not issued to this client",
        )
    }
}

fn stored_outcome(outcome: &Option<String>) -> Result<StoredOutcome, OAuthError> {
    outcome
        .as_deref()
        .and_then(|o| serde_json::from_str(o).ok())
        .ok_or_else(|| OAuthError::server_error("internal error (E_TX_OUTCOME)"))
}

/// SI Table 18 for a transaction that ended without tokens while its `auth_req_id` is still
/// valid: the user's refusal is `access_denied`; an unreachable authenticator or its expiry
/// ("expiration in server": the user did not answer in the authenticator's time) is
/// `server_error` 503 ("Service is not available"); a failure of the chain behind the OP is
/// `server_error` 500 ("Connection problem"), the OP's own failure `server_error` 500
/// ("Internal server error"). An expired transaction polled after its
/// `auth_req_id`'s own `expires_in` is `expired_token` instead.
pub fn failure(state: TxState, outcome: &StoredOutcome) -> OAuthError {
    if state == TxState::Expired {
        return authenticator_unavailable();
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
        d if d == description(AuthOutcome::Unreachable) => authenticator_unavailable(),
        d if d == description(AuthOutcome::Internal) => {
            OAuthError::server_error("Internal server error")
        }
        _ => OAuthError::server_error("Connection problem"),
    }
}

fn authenticator_unavailable() -> OAuthError {
    OAuthError::unavailable(Dependency::Authenticator, "Service is not available")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    fn outcome(error: &AuthOutcome) -> StoredOutcome {
        StoredOutcome {
            amr: vec![],
            auth_time: 0,
            error: error.error().map(|(c, _)| c.as_str().to_string()),
            error_description: error.error().map(|(_, d)| d.to_string()),
        }
    }

    /// The statuses of these kinds at the Token Endpoint: `crate::http::error`.
    #[test]
    fn failures_follow_table_18() {
        let unavailable = Kind::Unavailable(Dependency::Authenticator);
        let e = failure(TxState::Denied, &outcome(&AuthOutcome::Denied));
        assert_eq!((e.code, e.kind), (ErrorCode::AccessDenied, Kind::Refused));
        let e = failure(TxState::Failed, &outcome(&AuthOutcome::Unreachable));
        assert_eq!((e.code.as_str(), e.kind), ("server_error", unavailable));
        let failed = AuthOutcome::Failed { reason: "x".into() };
        let e = failure(TxState::Failed, &outcome(&failed));
        assert_eq!(
            (e.code.as_str(), e.kind, e.description.as_str()),
            ("server_error", Kind::Refused, "Connection problem")
        );
        let e = failure(TxState::Failed, &outcome(&AuthOutcome::Internal));
        assert_eq!(
            (e.code.as_str(), e.description.as_str()),
            ("server_error", "Internal server error")
        );
        let e = failure(TxState::Expired, &outcome(&AuthOutcome::Expired));
        assert_eq!((e.code.as_str(), e.kind), ("server_error", unavailable));
    }

    /// CIBA Core 11 on a fixed clock and an in-memory store: pending, too fast, expired.
    #[tokio::test]
    async fn a_poll_is_paced_and_ends_at_expiry() {
        let start = 1_700_000_000_000;
        let op = crate::testing::op_at(start).await;
        let client = crate::testing::poll_client(&op, "sp").await;
        let request: AcceptedRequest = serde_json::from_value(serde_json::json!({
            "dialect": "core", "delivery": "poll", "scope": "openid", "acr": "2",
            "pin_required": false, "sub": "s", "nonce": null, "binding_message": null,
            "display_text": "t", "client_notification_token": null, "notification_endpoint": null,
            "client_req_id": null, "correlation_id": null, "hashed_login_hint": null, "interval": 2
        }))
        .unwrap();
        let row = TransactionRow {
            auth_req_id: "t1".into(),
            client_id: "sp".into(),
            msisdn: "447700900001".into(),
            state: TxState::Pending,
            request: serde_json::to_string(&request).unwrap(),
            outcome: None,
            created_at: start,
            expires_at: start + 10_000,
            completed_at: None,
            owner: Some("another-node".into()),
            lease_until: start + 10_000,
        };
        op.store.insert_transaction(&row).await.unwrap();
        let params = Params::from_form(b"auth_req_id=t1").unwrap();
        let poll = || ciba(&op, &client, &params, Dialect::Core, op.now());
        assert_eq!(
            poll().await.unwrap_err().code,
            ErrorCode::AuthorizationPending
        );
        op.clock.advance(1_000);
        assert_eq!(poll().await.unwrap_err().code, ErrorCode::SlowDown);
        op.clock.advance(9_000);
        assert_eq!(poll().await.unwrap_err().code, ErrorCode::ExpiredToken);
        let params = Params::from_form(b"auth_req_id=unknown").unwrap();
        let e = ciba(&op, &client, &params, Dialect::Draft2017, op.now()).await;
        assert_eq!(e.unwrap_err().code, ErrorCode::UnknownAuthReqId);
    }
}
