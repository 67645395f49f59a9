//! JOSE plumbing on josekit (OpenSSL): JWS verification against a JWK set, compact
//! serialization of claims, and the base64url/hash helpers of OIDC Core 3.1.3.6 (`at_hash`).
//!
//! Verifiers are built once per key when a key set is loaded, never per request.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, JwsVerifier};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Asymmetric JWS algorithms idgw accepts from clients and can sign with.
pub const SUPPORTED_ALGS: &[&str] = &["RS256", "PS256", "ES256"];

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Left half of SHA-256 of the ASCII value, base64url (OIDC Core 3.1.3.6 `at_hash`, CIBA
/// Core 10.3.1 `urn:openid:params:jwt:claim:rt_hash`). Correct for the SHA-256 algs we sign with.
pub fn half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    b64(&digest[..16])
}

/// Lowercase hex SHA-256 (Mobile Connect `hashed_login_hint`).
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum JoseFailure {
    #[error("not a compact JWS")]
    Malformed,
    #[error("unsupported or disallowed alg {0}")]
    Alg(String),
    #[error("no key matches kid/alg")]
    NoKey,
    #[error("several keys match; kid required")]
    AmbiguousKey,
    #[error("bad signature")]
    Signature,
    #[error("payload is not a JSON object")]
    Payload,
}

/// A verifier for one (key, alg) pair.
#[derive(Debug)]
struct KeyVerifier {
    kid: Option<String>,
    alg: &'static str,
    verifier: Box<dyn JwsVerifier>,
}

/// Public keys of one party (a client's `jwks`, or the OP's own), ready to verify.
#[derive(Debug, Default)]
pub struct KeySet {
    verifiers: Vec<KeyVerifier>,
    /// How many JWKs yielded verifiers.
    keys: usize,
}

impl KeySet {
    /// Builds verifiers for every usable key of a JWK Set document. Keys with `use` = `enc`
    /// are skipped; a key without `alg` gets a verifier for each supported alg of its type.
    pub fn from_jwks(jwks: &Value) -> Result<KeySet, String> {
        let keys = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("jwks has no keys array")?;
        let mut set = KeySet::default();
        for key in keys {
            let map = key.as_object().ok_or("jwks key is not an object")?.clone();
            let jwk = Jwk::from_map(map).map_err(|e| format!("bad jwk: {e}"))?;
            if jwk.key_use() == Some("enc") {
                continue;
            }
            set.add(&jwk)?;
        }
        Ok(set)
    }

    pub fn add(&mut self, jwk: &Jwk) -> Result<(), String> {
        let algs: Vec<&'static str> = match (jwk.algorithm(), jwk.key_type()) {
            (Some(alg), _) => match SUPPORTED_ALGS.iter().find(|a| **a == alg) {
                Some(a) => vec![*a],
                None => return Ok(()),
            },
            (None, "RSA") => vec!["RS256", "PS256"],
            (None, "EC") if jwk.curve() == Some("P-256") => vec!["ES256"],
            _ => return Ok(()),
        };
        self.keys += 1;
        for alg in algs {
            let verifier =
                verifier_for(alg, jwk).map_err(|e| format!("key unusable for {alg}: {e}"))?;
            self.verifiers.push(KeyVerifier {
                kid: jwk.key_id().map(str::to_string),
                alg,
                verifier,
            });
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.verifiers.is_empty()
    }

    /// Verifies a compact JWS whose `alg` is in `allowed`, returning its header and claims.
    pub fn verify(
        &self,
        token: &str,
        allowed: &[&str],
    ) -> Result<(JwsHeader, Map<String, Value>), JoseFailure> {
        let header = josekit::jwt::decode_header(token).map_err(|_| JoseFailure::Malformed)?;
        let alg = header
            .claim("alg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !allowed.contains(&alg.as_str()) || !SUPPORTED_ALGS.contains(&alg.as_str()) {
            return Err(JoseFailure::Alg(alg));
        }
        let kid = header.claim("kid").and_then(Value::as_str);
        // OIDC Core 10.1, Mobile Connect SI "Signing": with several keys a kid is required.
        if kid.is_none() && self.keys > 1 {
            return Err(JoseFailure::AmbiguousKey);
        }
        let candidates: Vec<&KeyVerifier> = self
            .verifiers
            .iter()
            .filter(|v| v.alg == alg && (kid.is_none() || v.kid.as_deref() == kid))
            .collect();
        let verifier = match candidates.as_slice() {
            [] => return Err(JoseFailure::NoKey),
            [one] => one,
            [first, ..] => first,
        };
        let (payload, header) =
            josekit::jws::deserialize_compact(token, verifier.verifier.as_ref())
                .map_err(|_| JoseFailure::Signature)?;
        match serde_json::from_slice(&payload) {
            Ok(Value::Object(claims)) => Ok((header, claims)),
            _ => Err(JoseFailure::Payload),
        }
    }
}

fn verifier_for(alg: &str, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, josekit::JoseError> {
    use josekit::jws::{ES256, PS256, RS256};
    Ok(match alg {
        "RS256" => Box::new(RS256.verifier_from_jwk(jwk)?),
        "PS256" => Box::new(PS256.verifier_from_jwk(jwk)?),
        "ES256" => Box::new(ES256.verifier_from_jwk(jwk)?),
        other => unreachable!("alg {other} filtered by SUPPORTED_ALGS"),
    })
}

/// The claims of a compact JWS, unverified: only to learn which key must verify it.
pub fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// The first claim name a compact JWS's payload holds more than once. RFC 7519 4 lets a
/// parser either reject such a JWT or keep the last value; JSON maps keep the last one
/// silently, so a caller that must refuse repeated parameters asks here.
pub fn repeated_claim(token: &str) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1)?).ok()?;
    serde_json::from_slice::<RepeatedName>(&payload).ok()?.0
}

/// Deserializes a JSON object's member names only, remembering the first one repeated.
struct RepeatedName(Option<String>);

impl<'de> serde::Deserialize<'de> for RepeatedName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RepeatedName, D::Error> {
        struct Names;
        impl<'de> serde::de::Visitor<'de> for Names {
            type Value = RepeatedName;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RepeatedName, A::Error> {
                let mut seen = std::collections::HashSet::new();
                let mut repeated = None;
                while let Some(name) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if !seen.insert(name.clone()) && repeated.is_none() {
                        repeated = Some(name);
                    }
                }
                Ok(RepeatedName(repeated))
            }
        }
        d.deserialize_map(Names)
    }
}

/// Reads a numeric date claim (RFC 7519 2), seconds since the epoch.
pub fn numeric_claim(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims
        .get(name)
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

/// Whether `aud` (string or array) contains one of `expected`.
pub fn audience_matches(claims: &Map<String, Value>, expected: &[&str]) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => expected.contains(&a.as_str()),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| expected.contains(&a)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_claim_names_are_found() {
        let jws = |payload: &str| format!("e30.{}.sig", b64(payload.as_bytes()));
        assert_eq!(
            repeated_claim(&jws(r#"{"a":1,"b":{"a":2},"a":3}"#)).as_deref(),
            Some("a")
        );
        assert_eq!(repeated_claim(&jws(r#"{"a":1,"b":{"a":2}}"#)), None);
        assert_eq!(repeated_claim("not-a-jws"), None);
    }

    #[test]
    fn at_hash_matches_oidc_core_example() {
        // OIDC Core 1.0 Appendix A.3: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        // has at_hash "77QmUPtjPfzWtF2AnpK9RQ".
        assert_eq!(
            half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn several_keys_need_a_kid() {
        let (a, b) = (
            Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap(),
            Jwk::generate_rsa_key(2048).unwrap(),
        );
        let public = |k: &Jwk| Value::Object(k.to_public_key().unwrap().as_ref().clone());
        let signer = josekit::jws::ES256.signer_from_jwk(&a).unwrap();
        let token =
            josekit::jws::serialize_compact(br#"{"a":1}"#, &JwsHeader::new(), &signer).unwrap();
        let one = KeySet::from_jwks(&serde_json::json!({ "keys": [public(&a)] })).unwrap();
        assert!(one.verify(&token, SUPPORTED_ALGS).is_ok());
        let two =
            KeySet::from_jwks(&serde_json::json!({ "keys": [public(&a), public(&b)] })).unwrap();
        assert!(matches!(
            two.verify(&token, SUPPORTED_ALGS),
            Err(JoseFailure::AmbiguousKey)
        ));
    }

    #[test]
    fn verify_rejects_none_and_unknown_keys() {
        let key = Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap();
        let mut public = key.to_public_key().unwrap();
        public.set_key_id("k1");
        let set = KeySet::from_jwks(&serde_json::json!({ "keys": [public.as_ref()] })).unwrap();
        let signer = josekit::jws::ES256.signer_from_jwk(&key).unwrap();
        let mut header = JwsHeader::new();
        header.set_key_id("k1");
        let token = josekit::jws::serialize_compact(br#"{"a":1}"#, &header, &signer).unwrap();
        let (_, claims) = set.verify(&token, SUPPORTED_ALGS).unwrap();
        assert_eq!(claims["a"], 1);
        assert!(matches!(
            set.verify(&token, &["RS256"]),
            Err(JoseFailure::Alg(_))
        ));
        let unsigned = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(br#"{"a":1}"#));
        assert!(matches!(
            set.verify(&unsigned, SUPPORTED_ALGS),
            Err(JoseFailure::Alg(_))
        ));
        let mut parts: Vec<&str> = token.split('.').collect();
        let other = b64(br#"{"a":2}"#);
        parts[1] = &other;
        assert!(matches!(
            set.verify(&parts.join("."), SUPPORTED_ALGS),
            Err(JoseFailure::Signature)
        ));
    }
}
