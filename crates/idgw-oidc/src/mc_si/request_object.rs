//! The signed Request Object of Mobile Connect SI ("The Signed Request Object", "Authorization
//! Request Signatures", "Signature Validation", Table 4): a JWS whose `alg` is the client's
//! registered `request_object_signing_alg` (asymmetric only), verified with the client's
//! registered keys, with `iss` = client_id and `aud` naming the IDGW issuer.
//!
//! idgw also requires `exp` (the spec's examples carry it) and spends every object once: its
//! `jti` when present, else its signature, so a captured request cannot be replayed.

use crate::client::Client;
use crate::client_keys::{unavailable_keys, KeysError};
use crate::error::{Dialect, OAuthError};
use crate::jose::{audience_matches, numeric_claim, sha256_hex, JoseFailure};
use crate::op::Op;
use crate::params::Params;
use idgw_store::Millis;
use serde_json::Value;

/// Clock skew tolerated on `iat` and `nbf`.
const SKEW_S: i64 = 60;
/// An object is valid for at most an hour (as CIBA Core 7.1.1).
const MAX_LIFETIME_S: i64 = 3600;
/// Largest accepted Request Object (compact JWS characters).
pub const MAX_REQUEST_OBJECT: usize = 8 * 1024;

fn invalid(what: impl Into<String>) -> OAuthError {
    OAuthError::invalid_request(format!("request object {}", what.into()))
        .in_dialect(Dialect::MobileConnectSi)
}

/// Verifies `jwt` for `client` and returns its claims as request parameters (Table 4).
/// The object is spent even when a later check fails.
pub async fn open(op: &Op, client: &Client, jwt: &str, now: Millis) -> Result<Params, OAuthError> {
    if jwt.len() > MAX_REQUEST_OBJECT {
        return Err(invalid("is too large"));
    }
    let alg = client
        .metadata
        .request_object_signing_alg
        .as_deref()
        .ok_or_else(|| {
            OAuthError::unauthorized_client("no request_object_signing_alg is registered")
        })?;
    let verified = op.client_keys.verify(client, jwt, &[alg], now).await;
    let (_, claims) = verified.map_err(|e| match e {
        // Table 12 row 1: the object is signed with credentials this client never registered.
        KeysError::Jose(JoseFailure::NoKey) => OAuthError::invalid_client(
            "The client is not authorised to make Mobile Connect requests (unknown signing key)",
        ),
        KeysError::Jose(JoseFailure::Alg(a)) => {
            invalid(format!("alg {a} is not the registered {alg}"))
        }
        KeysError::Jose(other) => invalid(format!("rejected: {other}")),
        // Table 12 "System connection problem": 503 server_error.
        KeysError::Unavailable(e) => unavailable_keys(&e),
    })?;
    // Table 13: iss and aud.
    if claims.get("iss").and_then(Value::as_str) != Some(client.id()) {
        return Err(invalid("iss is missing or is not the client_id"));
    }
    if !audience_matches(&claims, &[op.config.issuer.as_str()]) {
        return Err(invalid("aud is missing or does not name the issuer"));
    }
    let now_s = now / 1000;
    let exp = numeric_claim(&claims, "exp").ok_or_else(|| invalid("has no exp"))?;
    let spent_key = match claims.get("jti") {
        Some(Value::String(j)) if !j.is_empty() => format!("jti:{j}"),
        Some(_) => return Err(invalid("jti must be a non-empty string")),
        None => format!("sig:{}", sha256_hex(jwt.rsplit('.').next().unwrap_or(jwt))),
    };
    let first_use = op
        .store
        .use_jti(
            &format!("si-request:{}", client.id()),
            &spent_key,
            (exp.max(now_s) + SKEW_S) * 1000,
        )
        .await?;
    if !first_use {
        return Err(invalid("was already used (jti)"));
    }
    if exp <= now_s {
        return Err(invalid("has expired"));
    }
    if numeric_claim(&claims, "nbf").is_some_and(|nbf| nbf > now_s + SKEW_S) {
        return Err(invalid("is not valid yet (nbf)"));
    }
    let iat = numeric_claim(&claims, "iat");
    if iat.is_some_and(|iat| iat > now_s + SKEW_S) {
        return Err(invalid("iat is in the future"));
    }
    if exp - iat.unwrap_or(now_s).min(now_s) > MAX_LIFETIME_S {
        return Err(invalid("lifetime exceeds 60 minutes"));
    }
    // Table 13 "Same parameter exists multiple times": a claim repeated in the object.
    if let Some(name) = crate::jose::repeated_claim(jwt) {
        return Err(invalid(format!(
            "Malformed request: claim {name} appears more than once"
        )));
    }
    if claims.contains_key("request") || claims.contains_key("request_uri") {
        return Err(invalid("must not contain request or request_uri"));
    }
    let mut params = Params::default();
    for (name, value) in claims {
        if matches!(
            name.as_str(),
            "aud" | "exp" | "iat" | "nbf" | "jti" | "sub" | "iss"
        ) {
            continue;
        }
        let value = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Null => continue,
            Value::Object(_) => value.to_string(),
            _ => return Err(invalid(format!("claim {name} has an unsupported type"))),
        };
        params.insert(&name, value);
    }
    Ok(params)
}
