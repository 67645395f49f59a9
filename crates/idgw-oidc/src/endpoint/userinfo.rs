//! The UserInfo Endpoint (OIDC Core 5.3; Mobile Connect premiuminfo): `sub` always, and
//! `phone_number` / `phone_number_verified` when the `phone` scope was granted.

use crate::error::{ErrorCode, OAuthError};
use crate::issue::Grant;
use crate::op::Op;
use crate::opaque::token_hash;
use idgw_store::{Millis, TokenKind};
use serde_json::{json, Value};

fn invalid_token(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, description)
}

/// Answers for the access token presented in `Authorization: Bearer` or, for POST, in the
/// `access_token` form parameter (RFC 6750 2.1, 2.2).
pub async fn userinfo(
    op: &Op,
    authorization: Option<&str>,
    form_token: Option<&str>,
    now: Millis,
) -> Result<Value, OAuthError> {
    let header_token = authorization.and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
    });
    let token = match (header_token, form_token) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "access token sent in more than one way",
            ))
        }
        (Some(t), None) | (None, Some(t)) => t.trim(),
        (None, None) => return Err(invalid_token("an access token is required")),
    };
    let row = op
        .store
        .token(&token_hash(token))
        .await?
        .ok_or_else(|| invalid_token("the access token is not valid"))?;
    if row.kind != TokenKind::Access || row.revoked_at.is_some() || row.expires_at <= now {
        return Err(invalid_token("the access token is expired or revoked"));
    }
    let grant: Grant = serde_json::from_str(&row.grant)
        .map_err(|_| OAuthError::server_error("internal error (E_GRANT)"))?;
    let mut claims = json!({ "sub": grant.sub });
    if grant.scope.split(' ').any(|s| s == "phone") {
        claims["phone_number"] = json!(format!("+{}", grant.msisdn));
        claims["phone_number_verified"] = json!(true);
    }
    Ok(claims)
}
