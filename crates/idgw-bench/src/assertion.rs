//! `private_key_jwt` client authentication (RFC 7523 section 3, OIDC Core 9): one ES256 key
//! pair for the bench client, and a fresh assertion (new `jti`, `iat`, `exp`) per request.

use josekit::jwk::alg::ec::{EcCurve, EcKeyPair};
use josekit::jws::alg::ecdsa::EcdsaJwsSigner;
use josekit::jws::{JwsHeader, ES256};
use josekit::jwt::JwtPayload;
use std::time::{Duration, SystemTime};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub struct ClientKey {
    signer: EcdsaJwsSigner,
    /// The public key as a JWK, for the client's registered `jwks`.
    pub public_jwk: serde_json::Value,
}

impl ClientKey {
    pub fn generate() -> anyhow::Result<ClientKey> {
        let mut pair = EcKeyPair::generate(EcCurve::P256)?;
        pair.set_algorithm(Some("ES256"));
        pair.set_key_id(Some("bench-es256"));
        let signer = ES256.signer_from_jwk(&pair.to_jwk_private_key())?;
        let public_jwk = serde_json::to_value(pair.to_jwk_public_key())?;
        Ok(ClientKey { signer, public_jwk })
    }

    /// A new assertion by `client_id` for `audience` (the issuer: both servers accept it).
    pub fn assertion(&self, client_id: &str, audience: &str) -> Result<String, String> {
        let now = SystemTime::now();
        let mut payload = JwtPayload::new();
        payload.set_issuer(client_id);
        payload.set_subject(client_id);
        payload
            .set_claim("aud", Some(audience.into()))
            .map_err(|e| e.to_string())?;
        payload.set_jwt_id(format!("{:032x}", rand::random::<u128>()));
        payload.set_issued_at(&now);
        payload.set_expires_at(&(now + Duration::from_secs(60)));
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id("bench-es256");
        josekit::jwt::encode_with_signer(&payload, &header, &self.signer).map_err(|e| e.to_string())
    }
}
