//! The OP's own keys: the signing key for ID tokens (RS256 by default; PS256 and ES256
//! supported), older signing keys kept for verification after a rotation, and the RSA-OAEP-256
//! key clients encrypt `login_hint_token` and `ENCR_MSISDN` to. Keys are generated on first
//! start, persisted in the store (so every node signs with the same key) and loaded once.

use crate::jose::{b64, KeySet};
use idgw_store::{Millis, Store, StoreError, StoredKey};
use josekit::jwe::{JweDecrypter, RSA_OAEP_256};
use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, JwsSigner, ES256, PS256, RS256};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("unsupported signing alg {0}")]
    UnsupportedAlg(String),
    #[error("key material: {0}")]
    Jose(#[from] josekit::JoseError),
    #[error("stored key {0} is unreadable")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct KeyRing {
    signer: Box<dyn JwsSigner>,
    signing_kid: String,
    signing_alg: &'static str,
    /// Every signing key, retired ones included, for `id_token_hint`.
    verifiers: KeySet,
    decrypter: Box<dyn JweDecrypter>,
    /// The public JWK Set served at `/jwks.json`.
    public_jwks: Value,
}

fn static_alg(alg: &str) -> Result<&'static str, KeyError> {
    crate::jose::SUPPORTED_ALGS
        .iter()
        .find(|a| **a == alg)
        .copied()
        .ok_or_else(|| KeyError::UnsupportedAlg(alg.to_string()))
}

fn generate(alg: &str, key_use: &str, now: Millis) -> Result<StoredKey, KeyError> {
    let mut jwk = match alg {
        "ES256" => Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256)?,
        _ => Jwk::generate_rsa_key(2048)?,
    };
    let mut id = [0u8; 12];
    rand::Rng::fill(&mut rand::thread_rng(), &mut id);
    let kid = b64(&id);
    jwk.set_key_id(&kid);
    jwk.set_key_use(key_use);
    jwk.set_algorithm(alg);
    Ok(StoredKey {
        kid,
        key_use: key_use.to_string(),
        alg: alg.to_string(),
        private_jwk: jwk.to_string(),
        created_at: now,
        retired_at: None,
    })
}

fn signer_for(alg: &str, jwk: &Jwk) -> Result<Box<dyn JwsSigner>, KeyError> {
    Ok(match alg {
        "RS256" => Box::new(RS256.signer_from_jwk(jwk)?),
        "PS256" => Box::new(PS256.signer_from_jwk(jwk)?),
        "ES256" => Box::new(ES256.signer_from_jwk(jwk)?),
        other => return Err(KeyError::UnsupportedAlg(other.to_string())),
    })
}

impl KeyRing {
    /// Loads the keys from the store, generating whatever is missing: a signing key for
    /// `signing_alg` and an encryption key.
    pub async fn load_or_generate(
        store: &dyn Store,
        signing_alg: &str,
        now: Millis,
    ) -> Result<KeyRing, KeyError> {
        static_alg(signing_alg)?;
        let mut keys = store.keys().await?;
        let has_signing = keys
            .iter()
            .any(|k| k.key_use == "sig" && k.alg == signing_alg && k.retired_at.is_none());
        if !has_signing {
            let key = generate(signing_alg, "sig", now)?;
            store.insert_key(&key).await?;
        }
        if !keys
            .iter()
            .any(|k| k.key_use == "enc" && k.retired_at.is_none())
        {
            store
                .insert_key(&generate("RSA-OAEP-256", "enc", now)?)
                .await?;
        }
        if !has_signing || keys.is_empty() {
            // Another node may have generated concurrently: read back what the store holds.
            keys = store.keys().await?;
        }
        KeyRing::from_stored(&keys, signing_alg)
    }

    /// Rotates the signing key: a new key signs from now on, the old one stays in the JWKS
    /// for verification.
    pub async fn rotate(
        store: &dyn Store,
        signing_alg: &str,
        now: Millis,
    ) -> Result<String, KeyError> {
        static_alg(signing_alg)?;
        let new = generate(signing_alg, "sig", now)?;
        for key in store.keys().await? {
            if key.key_use == "sig" && key.retired_at.is_none() {
                store.retire_key(&key.kid, now).await?;
            }
        }
        store.insert_key(&new).await?;
        Ok(new.kid)
    }

    pub fn from_stored(keys: &[StoredKey], signing_alg: &str) -> Result<KeyRing, KeyError> {
        let mut verifiers = KeySet::default();
        let mut public = Vec::new();
        let mut signer = None;
        let mut decrypter: Option<Box<dyn JweDecrypter>> = None;
        // Newest first, so the newest active key wins.
        for key in keys.iter().rev() {
            let jwk = Jwk::from_bytes(key.private_jwk.as_bytes())
                .map_err(|_| KeyError::Corrupt(key.kid.clone()))?;
            let mut public_jwk = jwk.to_public_key()?;
            // to_public_key keeps only the key parameters.
            public_jwk.set_key_id(&key.kid);
            public_jwk.set_key_use(&key.key_use);
            public_jwk.set_algorithm(&key.alg);
            match key.key_use.as_str() {
                "sig" => {
                    verifiers
                        .add(&public_jwk)
                        .map_err(|_| KeyError::Corrupt(key.kid.clone()))?;
                    if signer.is_none() && key.retired_at.is_none() && key.alg == signing_alg {
                        signer = Some((
                            signer_for(&key.alg, &jwk)?,
                            key.kid.clone(),
                            static_alg(&key.alg)?,
                        ));
                    }
                }
                "enc" if key.retired_at.is_none() && decrypter.is_none() => {
                    decrypter = Some(Box::new(RSA_OAEP_256.decrypter_from_jwk(&jwk)?));
                }
                _ => {}
            }
            public.push(Value::Object(public_jwk.as_ref().clone()));
        }
        let (signer, signing_kid, signing_alg) = signer
            .ok_or_else(|| KeyError::UnsupportedAlg(format!("no active {signing_alg} key")))?;
        let decrypter = decrypter.ok_or_else(|| KeyError::Corrupt("no encryption key".into()))?;
        Ok(KeyRing {
            signer,
            signing_kid,
            signing_alg,
            verifiers,
            decrypter,
            public_jwks: serde_json::json!({ "keys": public }),
        })
    }

    pub fn signing_alg(&self) -> &'static str {
        self.signing_alg
    }

    /// Signs `claims` as a compact JWS with the active key (`typ` JWT).
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id(&self.signing_kid);
        let payload = serde_json::to_vec(claims).map_err(|e| KeyError::Corrupt(e.to_string()))?;
        Ok(josekit::jws::serialize_compact(
            &payload,
            &header,
            self.signer.as_ref(),
        )?)
    }

    /// Verifies a JWS signed by one of our keys (an `id_token_hint`).
    pub fn verify(
        &self,
        token: &str,
    ) -> Result<serde_json::Map<String, Value>, crate::jose::JoseFailure> {
        self.verifiers
            .verify(token, crate::jose::SUPPORTED_ALGS)
            .map(|(_, claims)| claims)
    }

    /// Decrypts a compact JWE addressed to our encryption key; only `RSA-OAEP-256` with
    /// `A256GCM` is accepted.
    pub fn decrypt(&self, jwe: &str) -> Option<Vec<u8>> {
        let (payload, header) =
            josekit::jwe::deserialize_compact(jwe, self.decrypter.as_ref()).ok()?;
        (header.content_encryption() == Some("A256GCM")).then_some(payload)
    }

    pub fn public_jwks(&self) -> &Value {
        &self.public_jwks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn generated_once_and_reloaded() {
        let store = idgw_store::open("sqlite::memory:").await.unwrap();
        let a = KeyRing::load_or_generate(&*store, "RS256", 1)
            .await
            .unwrap();
        let b = KeyRing::load_or_generate(&*store, "RS256", 2)
            .await
            .unwrap();
        assert_eq!(a.signing_kid, b.signing_kid);
        let token = a.sign(&serde_json::json!({"sub": "x"})).unwrap();
        assert_eq!(b.verify(&token).unwrap()["sub"], "x");
        assert_eq!(a.public_jwks()["keys"].as_array().unwrap().len(), 2);
        assert!(
            a.public_jwks().to_string().find("\"d\"").is_none(),
            "no private parts published"
        );
    }

    #[tokio::test]
    async fn rotation_keeps_old_tokens_verifiable() {
        let store = idgw_store::open("sqlite::memory:").await.unwrap();
        let before = KeyRing::load_or_generate(&*store, "ES256", 1)
            .await
            .unwrap();
        let old = before.sign(&serde_json::json!({"n": 1})).unwrap();
        let kid = KeyRing::rotate(&*store, "ES256", 2).await.unwrap();
        let after = KeyRing::load_or_generate(&*store, "ES256", 3)
            .await
            .unwrap();
        assert_eq!(after.signing_kid, kid);
        assert!(after.verify(&old).is_ok());
    }

    #[tokio::test]
    async fn decrypts_rsa_oaep_256_a256gcm() {
        let store = idgw_store::open("sqlite::memory:").await.unwrap();
        let ring = KeyRing::load_or_generate(&*store, "PS256", 1)
            .await
            .unwrap();
        let enc = ring.public_jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["use"] == "enc")
            .unwrap()
            .clone();
        let jwk = Jwk::from_bytes(enc.to_string()).unwrap();
        let encrypter = RSA_OAEP_256.encrypter_from_jwk(&jwk).unwrap();
        let mut header = josekit::jwe::JweHeader::new();
        header.set_content_encryption("A256GCM");
        let jwe = josekit::jwe::serialize_compact(b"447700900001", &header, &encrypter).unwrap();
        assert_eq!(ring.decrypt(&jwe).unwrap(), b"447700900001");
        header.set_content_encryption("A128GCM");
        let weak = josekit::jwe::serialize_compact(b"x", &header, &encrypter).unwrap();
        assert!(ring.decrypt(&weak).is_none());
    }
}
