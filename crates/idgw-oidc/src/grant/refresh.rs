//! The `refresh_token` grant (RFC 6749 6): a refresh token is single-use; redeeming it rotates
//! it, within the scope of the original grant.

use crate::client::Client;
use crate::error::OAuthError;
use crate::issue::{mint, Grant, IdTokenExtras, Issued, TokenResponse};
use crate::op::Op;
use crate::opaque::token_hash;
use crate::params::Params;
use idgw_store::{Millis, TokenKind};

/// Redeems the refresh token of `params` for an authenticated `client`.
pub async fn refresh(
    op: &Op,
    client: &Client,
    params: &Params,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
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
    Ok(issued.response)
}
