//! Finding the subscriber a backchannel request names (CIBA Core 7.1, MODRNA CIBA profile 4,
//! Mobile Connect `login_hint` formats): `login_hint` as `MSISDN:<digits>`, bare E.164,
//! `ENCR_MSISDN:<JWE>` or `PCR:<pcr>`; an encrypted `login_hint_token`; or an `id_token_hint`
//! we issued.

use crate::client::Client;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::jose::{numeric_claim, sha256_hex};
use crate::op::Op;
use idgw_store::Millis;
use serde_json::{Map, Value};

/// The one hint of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    LoginHint(String),
    LoginHintToken(String),
    IdTokenHint(String),
}

impl Hint {
    /// Mobile Connect `hashed_login_hint`: hex SHA-256 of the hint as sent (not of an
    /// `id_token_hint`).
    pub fn hashed(&self) -> Option<String> {
        match self {
            Hint::LoginHint(v) | Hint::LoginHintToken(v) => Some(sha256_hex(v)),
            Hint::IdTokenHint(_) => None,
        }
    }
}

/// E.164 digits without `+`: 6 to 15 digits (ITU-T E.164 allows at most 15).
pub fn normalize_msisdn(raw: &str) -> Option<String> {
    let digits = raw.trim().strip_prefix('+').unwrap_or(raw.trim());
    (digits.len() >= 6 && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.to_string())
}

fn unknown_user(dialect: Dialect) -> OAuthError {
    OAuthError::unknown_user_id("the subscriber named by the hint is not known").in_dialect(dialect)
}

/// Resolves a hint to an MSISDN; the subscriber's existence is checked by the caller.
pub async fn resolve(
    op: &Op,
    client: &Client,
    hint: &Hint,
    dialect: Dialect,
    now: Millis,
) -> Result<String, OAuthError> {
    match hint {
        Hint::LoginHint(value) => login_hint(op, client, value, dialect).await,
        Hint::LoginHintToken(token) => login_hint_token(op, client, token, dialect, now).await,
        Hint::IdTokenHint(token) => id_token_hint(op, client, token, dialect, now).await,
    }
}

async fn login_hint(
    op: &Op,
    client: &Client,
    value: &str,
    dialect: Dialect,
) -> Result<String, OAuthError> {
    let invalid =
        |what: &str| OAuthError::invalid_request(format!("login_hint {what}")).in_dialect(dialect);
    if let Some(digits) = value.strip_prefix("MSISDN:") {
        return normalize_msisdn(digits).ok_or_else(|| invalid("MSISDN is not an E.164 number"));
    }
    if let Some(jwe) = value.strip_prefix("ENCR_MSISDN:") {
        let plain = op
            .decrypt(jwe)
            .await
            .ok_or_else(|| invalid("ENCR_MSISDN cannot be decrypted"))?;
        let plain = String::from_utf8(plain).map_err(|_| invalid("ENCR_MSISDN is not text"))?;
        let plain = plain.strip_prefix("MSISDN:").unwrap_or(&plain);
        return normalize_msisdn(plain)
            .ok_or_else(|| invalid("ENCR_MSISDN is not an E.164 number"));
    }
    if let Some(pcr) = value.strip_prefix("PCR:") {
        return op
            .store
            .msisdn_for_pcr(&client.sector, pcr)
            .await?
            .ok_or_else(|| unknown_user(dialect));
    }
    normalize_msisdn(value)
        .ok_or_else(|| invalid("is not MSISDN:, ENCR_MSISDN:, PCR: or an E.164 number"))
}

/// The phone number a `login_hint_token` payload names: `sub_id` `{format: phone_number}`
/// (the subject identifier form), or a `login_hint` / `phone_number` claim.
fn phone_in(claims: &Map<String, Value>) -> Option<String> {
    if let Some(sub_id) = claims.get("sub_id").and_then(Value::as_object) {
        if sub_id.get("format").and_then(Value::as_str) == Some("phone_number") {
            return sub_id
                .get("phone_number")
                .and_then(Value::as_str)
                .and_then(normalize_msisdn);
        }
        if sub_id.get("format").and_then(Value::as_str) == Some("phone") {
            return sub_id
                .get("phone")
                .and_then(Value::as_str)
                .and_then(normalize_msisdn);
        }
    }
    if let Some(hint) = claims.get("login_hint").and_then(Value::as_str) {
        return normalize_msisdn(hint.strip_prefix("MSISDN:").unwrap_or(hint));
    }
    claims
        .get("phone_number")
        .and_then(Value::as_str)
        .and_then(normalize_msisdn)
}

async fn login_hint_token(
    op: &Op,
    _client: &Client,
    token: &str,
    dialect: Dialect,
    now: Millis,
) -> Result<String, OAuthError> {
    let invalid = |what: &str| {
        OAuthError::invalid_request(format!("login_hint_token {what}")).in_dialect(dialect)
    };
    let plain = op
        .decrypt(token)
        .await
        .ok_or_else(|| invalid("is not a JWE (RSA-OAEP-256, A256GCM) to this OP"))?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&plain).map_err(|_| invalid("payload is not a JSON object"))?;
    if let Some(exp) = numeric_claim(&claims, "exp") {
        if exp * 1000 <= now {
            return Err(expired_hint(dialect, "login_hint_token has expired"));
        }
    }
    phone_in(&claims).ok_or_else(|| invalid("names no phone number"))
}

/// CIBA Core 13 `expired_login_hint_token`; the 2017 draft 6.5 `expired_token`.
fn expired_hint(dialect: Dialect, description: &str) -> OAuthError {
    let code = if dialect.is_draft() {
        ErrorCode::ExpiredToken
    } else {
        ErrorCode::ExpiredLoginHintToken
    };
    OAuthError::new(code, description).in_dialect(dialect)
}

async fn id_token_hint(
    op: &Op,
    client: &Client,
    token: &str,
    dialect: Dialect,
    now: Millis,
) -> Result<String, OAuthError> {
    let invalid = |what: &str| {
        OAuthError::invalid_request(format!("id_token_hint {what}")).in_dialect(dialect)
    };
    let claims = op
        .keys
        .verify(token)
        .map_err(|_| invalid("is not an ID token issued by this OP"))?;
    if claims.get("iss").and_then(Value::as_str) != Some(op.config.issuer.as_str()) {
        return Err(invalid("was issued by another issuer"));
    }
    if !crate::jose::audience_matches(&claims, &[client.id()]) {
        return Err(invalid("was issued to another client"));
    }
    // OIDC Core 3.1.2.1 lets an expired ID token serve as a hint; the 2017 draft does not.
    if dialect.is_draft() && numeric_claim(&claims, "exp").is_some_and(|exp| exp * 1000 <= now) {
        return Err(expired_hint(dialect, "id_token_hint has expired"));
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("has no sub"))?;
    op.store
        .msisdn_for_pcr(&client.sector, sub)
        .await?
        .ok_or_else(|| unknown_user(dialect))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msisdn_forms() {
        assert_eq!(
            normalize_msisdn("+447700900001").as_deref(),
            Some("447700900001")
        );
        assert_eq!(
            normalize_msisdn("447700900001").as_deref(),
            Some("447700900001")
        );
        assert_eq!(normalize_msisdn("44770090000112345"), None);
        assert_eq!(normalize_msisdn("4477a0900001"), None);
        assert_eq!(normalize_msisdn(""), None);
    }

    #[test]
    fn phone_number_in_each_token_form() {
        let obj = |v: serde_json::Value| v.as_object().unwrap().clone();
        let sub_id = obj(
            serde_json::json!({"sub_id": {"format": "phone_number", "phone_number": "+447700900001"}}),
        );
        assert_eq!(phone_in(&sub_id).as_deref(), Some("447700900001"));
        let hint = obj(serde_json::json!({"login_hint": "MSISDN:447700900002"}));
        assert_eq!(phone_in(&hint).as_deref(), Some("447700900002"));
        assert_eq!(
            phone_in(&obj(
                serde_json::json!({"sub_id": {"format": "email", "email": "a@b"}})
            )),
            None
        );
    }
}
