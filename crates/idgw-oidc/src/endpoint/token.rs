//! The Token Endpoint: the CIBA grant (CIBA Core 10.1 and 11), the 2017 draft's
//! `backchannel_request` grant (draft 6.1-6.4), the Mobile Connect SI polling grant (SI
//! Tables 7-9, 17, 18; see [`crate::mc_si::polling`]), `authorization_code` (Mobile Connect DI
//! Tables 4, 5 and 8; see [`crate::mc_di::grant`]) and `refresh_token` (RFC 6749 6).

use crate::client::{Client, DeliveryMode};
use crate::client_auth;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::issue::{mint, Grant, IdTokenExtras, Issued};
use crate::mc_di::GRANT_AUTHORIZATION_CODE;
use crate::mc_si::request::recover_correlation_id;
use crate::mc_si::{echoable, polling, GRANT_SERVER_INITIATED};
use crate::op::Op;
use crate::opaque::token_hash;
use crate::params::{BodyFormat, Incoming, Params};
use crate::transaction::lifecycle::grant_for;
use crate::transaction::record::{AcceptedRequest, StoredOutcome};
use idgw_store::{Finish, Millis, TokenKind, TransactionRow, TxState};
use serde_json::{Map, Value};

pub const GRANT_CIBA: &str = "urn:openid:params:grant-type:ciba";
pub const GRANT_MODRNA_2017: &str = "urn:openid:params:modrna:grant-type:backchannel_request";
pub const GRANT_REFRESH: &str = "refresh_token";

pub fn is_ciba_grant(grant_type: &str) -> bool {
    grant_type == GRANT_CIBA || grant_type == GRANT_MODRNA_2017
}

/// Handles a token request; the result is the JSON body of a 200 response.
pub async fn token(
    op: &Op,
    incoming: Incoming<'_>,
    now: Millis,
) -> Result<Map<String, Value>, OAuthError> {
    // SI Table 17 also for a body that is not a valid request (a repeated parameter): its
    // correlation_id is echoed when it can be read.
    let (mut params, format) =
        Params::from_body(incoming.content_type, incoming.body).map_err(|e| {
            let recovered = recover_correlation_id(incoming.body);
            e.with_correlation_id(recovered.as_deref())
        })?;
    // Mobile Connect DI Table 8: the code grant is form-serialized only.
    if format != BodyFormat::Form && params.get("grant_type") == Some(GRANT_AUTHORIZATION_CODE) {
        return Err(OAuthError::invalid_request("No form serialization exists"));
    }
    // Mobile Connect SI Table 17: every error echoes the request's correlation_id.
    let correlation_id = echoable(params.get("correlation_id")).map(str::to_string);
    token_params(op, incoming.authorization, &mut params, now)
        .await
        .map_err(|e| e.with_correlation_id(correlation_id.as_deref()))
}

async fn token_params(
    op: &Op,
    authorization: Option<&str>,
    params: &mut Params,
    now: Millis,
) -> Result<Map<String, Value>, OAuthError> {
    let grant_type = params.require("grant_type")?.to_string();
    let dialect = match grant_type.as_str() {
        GRANT_MODRNA_2017 => Dialect::Draft2017,
        GRANT_SERVER_INITIATED => Dialect::MobileConnectSi,
        _ => Dialect::Core,
    };
    if dialect == Dialect::MobileConnectSi && params.get("client_id").is_none() {
        // SI Table 18: "Client_id is missing".
        let mut e = OAuthError::invalid_request("Required parameter client_id is missing")
            .in_dialect(dialect);
        e.at_token_endpoint = true;
        return Err(e);
    }
    let audiences = op.config.audiences(&op.config.token_url());
    let client = client_auth::authenticate(op, authorization, params, &audiences, now)
        .await
        .map_err(|e| {
            let mut e = e.in_dialect(dialect);
            e.at_token_endpoint = true;
            e
        })?;
    let result = match grant_type.as_str() {
        GRANT_CIBA | GRANT_MODRNA_2017 => {
            poll_grant(op, &client, params, PollGrant::Ciba(dialect), now).await
        }
        GRANT_SERVER_INITIATED => polling::grant(op, &client, params, now).await,
        GRANT_REFRESH => refresh(op, &client, params, now).await,
        GRANT_AUTHORIZATION_CODE => crate::mc_di::grant::grant(op, &client, params, now).await,
        other => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!("grant_type {other} is not supported"),
        )),
    };
    op.metrics.token(match &result {
        Ok(_) => "issued",
        Err(e) => e.code.as_str(),
    });
    result.map_err(|e| {
        let mut e = e.in_dialect(dialect);
        e.at_token_endpoint = true;
        e
    })
}

/// The grant a poll uses: CIBA's (in a dialect), or Mobile Connect SI's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollGrant {
    Ciba(Dialect),
    ServerInitiated,
}

/// CIBA Core 10.1 / 11 and Mobile Connect SI Table 18: poll (or, in ping mode, fetch) the
/// result of a transaction.
pub(crate) async fn poll_grant(
    op: &Op,
    client: &Client,
    params: &Params,
    grant: PollGrant,
    now: Millis,
) -> Result<Map<String, Value>, OAuthError> {
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
        true => polling::check_correlation_id(params, &request),
        false => Ok(()),
    };
    let result = match checked {
        Ok(()) => poll_state(op, client, &row, &request, grant, now).await,
        Err(e) => Err(e),
    };
    if si {
        return result
            .map(|mut body| {
                if let Some(c) = &request.correlation_id {
                    body.insert("correlation_id".into(), Value::String(c.clone()));
                }
                body
            })
            .map_err(|e| e.with_correlation_id(request.correlation_id.as_deref()));
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
) -> Result<Map<String, Value>, OAuthError> {
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
            let granted = grant_for(request, &row.msisdn, &outcome);
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
            Ok(issued.response())
        }
        // SI Table 18: the authenticator gave up while the auth_req_id is still valid
        // ("expiration in server"); past its expires_in, the auth_req_id "has expired".
        TxState::Expired if si && now < row.expires_at => {
            Err(polling::failure(row.state, &stored_outcome(&row.outcome)?))
        }
        TxState::Denied | TxState::Failed if si => {
            Err(polling::failure(row.state, &stored_outcome(&row.outcome)?))
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

/// RFC 6749 6: a refresh token is single-use; redeeming it rotates it.
async fn refresh(
    op: &Op,
    client: &Client,
    params: &Params,
    now: Millis,
) -> Result<Map<String, Value>, OAuthError> {
    let presented = params.require("refresh_token")?;
    let invalid = || {
        OAuthError::invalid_grant(
            "refresh_token is invalid, expired, revoked or issued to another client",
        )
    };
    let row = op
        .store
        .token(&token_hash(presented))
        .await?
        .ok_or_else(invalid)?;
    if row.kind != TokenKind::Refresh
        || row.client_id != client.id()
        || row.revoked_at.is_some()
        || row.expires_at <= now
    {
        return Err(invalid());
    }
    let grant: Grant = serde_json::from_str(&row.grant)
        .map_err(|_| OAuthError::server_error("internal error (E_GRANT)"))?;
    if let Some(scope) = params.get("scope") {
        if scope
            .split(' ')
            .any(|s| !grant.scope.split(' ').any(|g| g == s))
        {
            return Err(OAuthError::invalid_scope(
                "scope exceeds the original grant",
            ));
        }
    }
    let issued: Issued = mint(
        op,
        client.id(),
        row.auth_req_id.as_deref(),
        &grant,
        &IdTokenExtras::default(),
        now,
    )
    .await?;
    if !op
        .store
        .rotate_token(&row.token_hash, &issued.rows, now)
        .await?
    {
        return Err(invalid());
    }
    Ok(issued.response())
}
