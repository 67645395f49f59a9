//! The Token Request with `grant_type=authorization_code` (DI section 6, Table 4), its
//! response (Table 5, ID token Table 6) and errors (Annex A.2, Table 8). The client is already
//! authenticated by the token endpoint (`client_secret_basic`, or `client_secret_post` for a
//! client registered so, sections 6.1.1 and 6.1.2).
//!
//! A replayed code is refused and revokes every token minted from it (RFC 6749 4.1.2); the
//! revocation is committed even though the answer is an error. A store failure is Table 8's
//! "System connection problem" (503) when the store cannot be reached in time, else its
//! "Unexpected error" (500): the store policy of [`crate::error`].

use super::GRANT_AUTHORIZATION_CODE;
use crate::client::Client;
use crate::error::OAuthError;
use crate::issue::{mint, Grant, TokenResponse};
use crate::mobile_connect::check_correlation_id;
use crate::op::Op;
use crate::opaque::token_hash;
use crate::params::Params;
use crate::transaction::record::AcceptedRequest;
use idgw_store::{CodeRow, Millis};
use serde::{Deserialize, Serialize};

/// What a code is exchanged for, stored with it (by [`crate::mc_di::code`]): the accepted
/// request (`nonce`, `correlation_id`, hashed hint, displayed data) and the grant of its tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub request: AcceptedRequest,
    pub grant: Grant,
}

/// Whether the client may use Device-Initiated mode: it registered redirect URIs and, if it
/// lists grant types, `authorization_code`.
pub fn allows_device_initiated(client: &Client) -> bool {
    let grants = &client.metadata.grant_types;
    !client.metadata.redirect_uris.is_empty()
        && (grants.is_empty() || grants.iter().any(|g| g == GRANT_AUTHORIZATION_CODE))
}

fn invalid_code() -> OAuthError {
    OAuthError::invalid_grant("REQUIRED parameter code is missing (or) invalid (or) expired")
}

/// Handles the grant for an authenticated `client`.
pub async fn grant(
    op: &Op,
    client: &Client,
    params: &Params,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    if !allows_device_initiated(client) {
        return Err(OAuthError::unauthorized_client(
            "The client is not allowed to make MC service request.",
        ));
    }
    let code = params.get("code");
    let row = match code {
        Some(c) => op.store.code(&token_hash(c)).await?,
        None => None,
    };
    let row = row.filter(|r| r.client_id == client.id());
    if let Some(r) = row.as_ref().filter(|r| r.used_at.is_some()) {
        let revoked = op.store.revoke_tokens_of(&r.grant_id, now).await?;
        tracing::warn!(
            client_id = client.id(),
            revoked,
            "authorization code replayed"
        );
    }
    let usable = row.filter(|r| r.used_at.is_none() && r.expires_at > now);
    let code_grant = match &usable {
        Some(r) => Some(serde_json::from_str::<CodeGrant>(&r.grant).map_err(|e| {
            tracing::error!(code = "E_CODE_ROW", error = %e, "unreadable code row");
            OAuthError::server_error("Internal error")
        })?),
        None => None,
    };
    let correlation_id = code_grant
        .as_ref()
        .and_then(|g| g.request.correlation_id.clone());
    check(client, params, usable.as_ref(), code_grant.as_ref())
        .map_err(|e| e.with_correlation_id(correlation_id.as_deref()))?;
    let (row, code_grant) = usable.zip(code_grant).expect("checked");
    let extras = code_grant.request.id_token_extras(None);
    let issued = mint(
        op,
        client.id(),
        Some(&row.grant_id),
        &code_grant.grant,
        &extras,
        now,
    )
    .await?;
    if !op
        .store
        .redeem_code(&row.code_hash, &issued.rows, now)
        .await
        .map_err(|e| OAuthError::from(e).with_correlation_id(correlation_id.as_deref()))?
    {
        // Redeemed concurrently: that is a replay too.
        op.store.revoke_tokens_of(&row.grant_id, now).await?;
        return Err(invalid_code().with_correlation_id(correlation_id.as_deref()));
    }
    op.event(
        &row.grant_id,
        correlation_id.as_deref(),
        "OP",
        "tokens issued (authorization code)",
        "ok",
        None,
    )
    .await;
    Ok(issued
        .response
        .with_correlation_id(correlation_id.as_deref()))
}

/// Table 8: the code, `redirect_uri` and `correlation_id` checks, all of them; more than one
/// failing is "Multiple problems in token request" (`access_denied`).
fn check(
    client: &Client,
    params: &Params,
    row: Option<&CodeRow>,
    code_grant: Option<&CodeGrant>,
) -> Result<(), OAuthError> {
    let mut problems = Vec::new();
    if row.is_none() {
        problems.push(invalid_code());
    }
    let redirect_uri = params.get("redirect_uri");
    let redirect_ok = match (redirect_uri, row) {
        (Some(sent), Some(r)) => sent == r.redirect_uri,
        (Some(sent), None) => client.metadata.redirect_uris.iter().any(|u| u == sent),
        (None, _) => false,
    };
    if !redirect_ok {
        problems.push(OAuthError::invalid_request(
            "REQUIRED parameter redirect_uri is missing (or) is invalid",
        ));
    }
    let correlation = match code_grant {
        Some(g) => check_correlation_id(params, g.request.correlation_id.as_deref()).is_ok(),
        None => params.raw("correlation_id") != Some(""),
    };
    if !correlation {
        problems.push(OAuthError::invalid_request(
            "Missing REQUIRED parameter correlation ID (or) invalid",
        ));
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(problems.remove(0)),
        _ => Err(OAuthError::access_denied(
            "Multiple problems were in the token request",
        )),
    }
}
