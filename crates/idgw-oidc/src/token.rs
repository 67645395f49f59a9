//! The Token Endpoint: the CIBA grant (CIBA Core 10.1 and 11), the 2017 draft's
//! `backchannel_request` grant (draft 6.1-6.4) and `refresh_token` (RFC 6749 6).

use crate::client::{Client, DeliveryMode};
use crate::client_auth;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::flow::grant_for;
use crate::params::{Incoming, Params};
use crate::tokens::{mint, token_hash, Grant, IdTokenExtras, Issued};
use crate::transaction::{AcceptedRequest, StoredOutcome};
use crate::Op;
use idgw_store::{Finish, Millis, TokenKind, TxState};
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
    let (mut params, _) = Params::from_body(incoming.content_type, incoming.body)?;
    let authorization = incoming.authorization;
    let grant_type = params.require("grant_type")?.to_string();
    let dialect = if grant_type == GRANT_MODRNA_2017 {
        Dialect::Draft2017
    } else {
        Dialect::Core
    };
    let audiences = op.config.audiences(&op.config.token_url());
    let client = client_auth::authenticate(op, authorization, &mut params, &audiences, now)
        .await
        .map_err(|e| {
            let mut e = e.in_dialect(dialect);
            e.at_token_endpoint = true;
            e
        })?;
    let result = match grant_type.as_str() {
        GRANT_CIBA | GRANT_MODRNA_2017 => ciba_grant(op, &client, &params, dialect, now).await,
        GRANT_REFRESH => refresh(op, &client, &params, now).await,
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

/// CIBA Core 10.1 / 11: poll (or, in ping mode, fetch) the result of a transaction.
async fn ciba_grant(
    op: &Op,
    client: &Client,
    params: &Params,
    dialect: Dialect,
    now: Millis,
) -> Result<Map<String, Value>, OAuthError> {
    let auth_req_id = params.require("auth_req_id")?;
    let unknown = || {
        if dialect == Dialect::Draft2017 {
            OAuthError::new(ErrorCode::UnknownAuthReqId, "auth_req_id is not known")
        } else {
            OAuthError::invalid_grant(
                "auth_req_id is not known, already used, or not issued to this client",
            )
        }
    };
    if client.metadata.backchannel_token_delivery_mode == DeliveryMode::Push {
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
        return Err(unknown());
    }
    let request: AcceptedRequest = serde_json::from_str(&row.request)
        .map_err(|_| OAuthError::server_error("internal error (E_TX_ROW)"))?;
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
            let grant = grant_for(&request, &row.msisdn, &outcome);
            let extras = request.id_token_extras(None);
            let issued = mint(op, client.id(), Some(auth_req_id), &grant, &extras, now).await?;
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
