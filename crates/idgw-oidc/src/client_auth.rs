//! Client authentication at the backchannel and token endpoints (OIDC Core section 9,
//! RFC 6749 section 2.3.1, RFC 7523 section 3): `client_secret_basic`, `client_secret_post`
//! and `private_key_jwt`. The client must use the method it registered.

use crate::client::{secret_matches, AuthMethod, Client};
use crate::client_keys::{unavailable_keys, KeysError};
use crate::error::{Kind, OAuthError};
use crate::jose::{audience_matches, numeric_claim, SUPPORTED_ALGS};
use crate::op::Op;
use crate::params::Params;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use idgw_store::Millis;
use std::sync::Arc;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on assertion times.
pub const SKEW_S: i64 = 60;

/// Credentials as presented, before they are checked.
enum Presented {
    Secret {
        client_id: String,
        secret: String,
        method: AuthMethod,
    },
    Assertion {
        client_id: Option<String>,
        assertion: String,
    },
}

/// RFC 6749 2.3.1: the id and secret are form-urlencoded before Basic encoding.
fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
    let bad = || OAuthError::invalid_client("malformed Basic authorization header");
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))
        .ok_or_else(bad)?;
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| -> Result<String, OAuthError> {
        let s = s.replace('+', " ");
        percent_decode(&s).ok_or_else(bad)
    };
    Ok((unescape(id)?, unescape(secret)?))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn presented(authorization: Option<&str>, params: &mut Params) -> Result<Presented, OAuthError> {
    let basic = authorization.filter(|h| h.len() > 6 && h[..6].eq_ignore_ascii_case("basic "));
    let post_secret = params.remove("client_secret");
    let assertion_type = params.remove("client_assertion_type");
    let assertion = params.remove("client_assertion");
    let body_client_id = params.remove("client_id");
    let methods = basic.is_some() as u8 + post_secret.is_some() as u8 + assertion.is_some() as u8;
    if methods > 1 {
        return Err(OAuthError::invalid_request(
            "more than one client authentication method used",
        ));
    }
    if let Some(header) = basic {
        let (client_id, secret) =
            parse_basic(header).map_err(|e| e.of_kind(Kind::BasicAuthentication))?;
        if body_client_id.as_deref().is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_request(
                "client_id does not match the authorization header",
            ));
        }
        return Ok(Presented::Secret {
            client_id,
            secret,
            method: AuthMethod::ClientSecretBasic,
        });
    }
    if let Some(secret) = post_secret {
        let client_id = body_client_id
            .ok_or_else(|| OAuthError::invalid_request("client_secret without client_id"))?;
        return Ok(Presented::Secret {
            client_id,
            secret,
            method: AuthMethod::ClientSecretPost,
        });
    }
    if let Some(assertion) = assertion {
        if assertion_type.as_deref() != Some(JWT_BEARER) {
            return Err(OAuthError::invalid_request(format!(
                "client_assertion_type must be {JWT_BEARER}"
            )));
        }
        return Ok(Presented::Assertion {
            client_id: body_client_id,
            assertion,
        });
    }
    Err(OAuthError::invalid_client(
        "client authentication is required",
    ))
}

/// Authenticates the client of a request, removing the credentials from `params`.
/// `audiences` are the values a `private_key_jwt` assertion may carry in `aud`.
pub async fn authenticate(
    op: &Op,
    authorization: Option<&str>,
    params: &mut Params,
    audiences: &[String],
    now: Millis,
) -> Result<Arc<Client>, OAuthError> {
    let audiences: Vec<&str> = audiences.iter().map(String::as_str).collect();
    let audiences = audiences.as_slice();
    let presented = presented(authorization, params)?;
    let unknown = || OAuthError::invalid_client("unknown client or bad credentials");
    // RFC 6749 5.2: a failed Basic authentication is answered with a challenge.
    let kind = |method| match method {
        AuthMethod::ClientSecretBasic => Kind::BasicAuthentication,
        _ => Kind::Refused,
    };
    match presented {
        Presented::Secret {
            client_id,
            secret,
            method,
        } => {
            let client = op
                .clients
                .get(&client_id, now)
                .await?
                .ok_or_else(|| unknown().of_kind(kind(method)))?;
            let ok = client
                .secret_hash
                .as_deref()
                .is_some_and(|h| secret_matches(op.clients.secret_key(), h, &secret));
            if !ok {
                return Err(unknown().of_kind(kind(method)));
            }
            if client.metadata.token_endpoint_auth_method != method {
                return Err(OAuthError::invalid_client(format!(
                    "client is registered for {}",
                    client.metadata.token_endpoint_auth_method.as_str()
                )));
            }
            Ok(client)
        }
        Presented::Assertion {
            client_id,
            assertion,
        } => verify_assertion(op, client_id.as_deref(), &assertion, audiences, now).await,
    }
}

/// RFC 7523 section 3 with OIDC Core 9: `iss` = `sub` = client_id, `aud` names us, `exp`
/// in the future, `jti` never seen before.
async fn verify_assertion(
    op: &Op,
    client_id: Option<&str>,
    assertion: &str,
    audiences: &[&str],
    now: Millis,
) -> Result<Arc<Client>, OAuthError> {
    // The subject names the client whose keys verify the signature below.
    let payload = crate::jose::unverified_claims(assertion)
        .ok_or_else(|| OAuthError::invalid_client("client_assertion is not a JWT"))?;
    let sub = payload.get("sub").and_then(|v| v.as_str()).unwrap_or("");
    if client_id.is_some_and(|id| id != sub) {
        return Err(OAuthError::invalid_client(
            "client_id does not match the assertion subject",
        ));
    }
    let client = op
        .clients
        .get(sub, now)
        .await?
        .ok_or_else(|| OAuthError::invalid_client("unknown client or bad credentials"))?;
    if client.metadata.token_endpoint_auth_method != AuthMethod::PrivateKeyJwt {
        return Err(OAuthError::invalid_client(format!(
            "client is registered for {}",
            client.metadata.token_endpoint_auth_method.as_str()
        )));
    }
    let allowed: Vec<&str> = match &client.metadata.token_endpoint_auth_signing_alg {
        Some(alg) => vec![alg.as_str()],
        None => SUPPORTED_ALGS.to_vec(),
    };
    let (_, claims) = op
        .client_keys
        .verify(&client, assertion, &allowed, now)
        .await
        .map_err(|e| match e {
            KeysError::Jose(e) => {
                OAuthError::invalid_client(format!("client_assertion rejected: {e}"))
            }
            KeysError::Unavailable(e) => unavailable_keys(&e),
        })?;
    if claims.get("iss").and_then(|v| v.as_str()) != Some(client.id())
        || claims.get("sub").and_then(|v| v.as_str()) != Some(client.id())
    {
        return Err(OAuthError::invalid_client(
            "client_assertion iss and sub must be the client_id",
        ));
    }
    if !audience_matches(&claims, audiences) {
        return Err(OAuthError::invalid_client(
            "client_assertion aud does not name this endpoint",
        ));
    }
    let now_s = now / 1000;
    let exp = numeric_claim(&claims, "exp")
        .ok_or_else(|| OAuthError::invalid_client("client_assertion has no exp"))?;
    if exp + SKEW_S < now_s {
        return Err(OAuthError::invalid_client("client_assertion has expired"));
    }
    if numeric_claim(&claims, "iat").is_some_and(|iat| iat > now_s + SKEW_S) {
        return Err(OAuthError::invalid_client(
            "client_assertion iat is in the future",
        ));
    }
    let jti = claims
        .get("jti")
        .and_then(|v| v.as_str())
        .filter(|j| !j.is_empty())
        .ok_or_else(|| OAuthError::invalid_client("client_assertion has no jti"))?;
    if !op
        .store
        .use_jti(
            &format!("assertion:{}", client.id()),
            jti,
            (exp + SKEW_S) * 1000,
        )
        .await?
    {
        return Err(OAuthError::invalid_client(
            "client_assertion jti was already used",
        ));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        // id "sp 1", secret "a:b%c" -> form-encoded "sp+1" and "a%3Ab%25c".
        let header = format!("Basic {}", STANDARD.encode("sp+1:a%3Ab%25c"));
        assert_eq!(
            parse_basic(&header).unwrap(),
            ("sp 1".to_string(), "a:b%c".to_string())
        );
        assert!(parse_basic("Basic !!!").is_err());
        assert!(parse_basic(&format!("Basic {}", STANDARD.encode("nocolon"))).is_err());
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let mut p = Params::from_form(b"client_id=a&client_secret=b").unwrap();
        let header = format!("Basic {}", STANDARD.encode("a:b"));
        assert!(presented(Some(&header), &mut p).is_err());
    }
}
