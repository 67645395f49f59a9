//! Signed authentication requests (CIBA Core 7.1.1): the `request` parameter is a JWT signed
//! with an asymmetric key of the client, whose claims are the request parameters plus
//! `aud` (the issuer), `iss` (the client_id), `exp`, `iat`, `nbf` and a single-use `jti`.

use crate::client::Client;
use crate::client_keys::{unavailable_keys, KeysError};
use crate::error::{Dialect, OAuthError};
use crate::jose::{audience_matches, numeric_claim, SUPPORTED_ALGS};
use crate::op::Op;
use crate::params::Params;
use idgw_store::Millis;
use serde_json::Value;

/// Clock skew tolerated on `iat` and `nbf`.
const SKEW_S: i64 = 60;
/// CIBA Core 7.1.1: `nbf` and `exp` are at most 60 minutes apart; `iat` no older than that.
const MAX_LIFETIME_S: i64 = 3600;

/// Verifies `jwt` and returns its claims as request parameters. The `jti` is spent even when a
/// later check fails, so a rejected request cannot be replayed either.
pub async fn open(
    op: &Op,
    client: &Client,
    jwt: &str,
    dialect: Dialect,
    now: Millis,
) -> Result<Params, OAuthError> {
    let invalid = |what: String| {
        OAuthError::invalid_request(format!("request object {what}")).in_dialect(dialect)
    };
    let allowed: Vec<&str> = match &client
        .metadata
        .backchannel_authentication_request_signing_alg
    {
        Some(alg) => vec![alg.as_str()],
        None => SUPPORTED_ALGS.to_vec(),
    };
    let (_, claims) = op
        .client_keys
        .verify(client, jwt, &allowed, now)
        .await
        .map_err(|e| match e {
            KeysError::Jose(e) => invalid(format!("rejected: {e}")),
            KeysError::Unavailable(e) => unavailable_keys(&e).in_dialect(dialect),
        })?;
    let now_s = now / 1000;
    if !audience_matches(&claims, &[op.config.issuer.as_str()]) {
        return Err(invalid("aud must be the issuer".into()));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(client.id()) {
        return Err(invalid("iss must be the client_id".into()));
    }
    let exp = numeric_claim(&claims, "exp").ok_or_else(|| invalid("has no exp".into()))?;
    let iat = numeric_claim(&claims, "iat").ok_or_else(|| invalid("has no iat".into()))?;
    let nbf = numeric_claim(&claims, "nbf").ok_or_else(|| invalid("has no nbf".into()))?;
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty())
        .ok_or_else(|| invalid("has no jti".into()))?;
    if !op
        .store
        .use_jti(
            &format!("request:{}", client.id()),
            jti,
            (exp.max(now_s) + SKEW_S) * 1000,
        )
        .await?
    {
        return Err(invalid("jti was already used".into()));
    }
    if exp <= now_s {
        return Err(invalid("has expired".into()));
    }
    if nbf > now_s + SKEW_S {
        return Err(invalid("is not valid yet (nbf)".into()));
    }
    if iat > now_s + SKEW_S {
        return Err(invalid("iat is in the future".into()));
    }
    if exp - nbf > MAX_LIFETIME_S || now_s - iat > MAX_LIFETIME_S || now_s - nbf > MAX_LIFETIME_S {
        return Err(invalid("lifetime exceeds 60 minutes".into()));
    }
    let mut params = Params::default();
    for (name, value) in claims {
        if matches!(name.as_str(), "aud" | "iss" | "exp" | "iat" | "nbf" | "jti") {
            continue;
        }
        let value = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Null => continue,
            other @ Value::Object(_) => other.to_string(),
            _ => return Err(invalid(format!("claim {name} has an unsupported type"))),
        };
        params.insert(&name, value);
    }
    Ok(params)
}
