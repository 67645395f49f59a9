//! A client's public keys for verifying what it signs (request objects, client assertions):
//! its inline `jwks`, or the JWK Set at its `jwks_uri` (Mobile Connect SI Table 2, OIDC
//! Core 10.1.1), fetched through [`crate::fetch`] and cached.
//!
//! A cached set is used for [`CACHE_TTL_MS`]. A token naming a `kid` the cached set lacks
//! means the client may have rotated its keys (OIDC Core 10.1.1), so the set is fetched again,
//! at most once per [`MIN_REFETCH_MS`] per client: unknown `kid`s cannot make us hammer the
//! client's server. When a fetch fails, the last good set is used until it is replaced.

use crate::client::Client;
use crate::error::{Dependency, OAuthError};
use crate::fetch::{FetchError, Fetcher};
use crate::jose::{JoseFailure, KeySet};
use idgw_store::Millis;
use josekit::jws::JwsHeader;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a fetched set is used before it is fetched again.
pub const CACHE_TTL_MS: Millis = 300_000;
/// At most one fetch per client in this interval (also after a failure).
pub const MIN_REFETCH_MS: Millis = 10_000;
/// Bound on cached clients.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error(transparent)]
    Jose(#[from] JoseFailure),
    /// The client's `jwks_uri` could not be fetched or is not a usable JWK Set, and no
    /// earlier set is cached.
    #[error("jwks_uri: {0}")]
    Unavailable(String),
}

/// The client's `jwks_uri` cannot be fetched: our connection problem, logged with its detail.
pub fn unavailable_keys(detail: &str) -> OAuthError {
    tracing::warn!(
        code = "E_JWKS_UNAVAILABLE",
        detail,
        "no keys to verify a client's signature"
    );
    OAuthError::unavailable(
        Dependency::ClientKeys,
        "Connection problem: the client's jwks_uri cannot be fetched",
    )
}

#[derive(Default)]
struct Entry {
    uri: String,
    keys: Option<Arc<KeySet>>,
    fetched_at: Millis,
    attempted_at: Option<Millis>,
}

/// Cache of the key sets fetched from clients' `jwks_uri`s.
pub struct ClientKeys {
    fetcher: Fetcher,
    /// One async lock per client, so concurrent requests share one fetch.
    entries: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Entry>>>>,
}

impl ClientKeys {
    pub fn new(fetcher: Fetcher) -> ClientKeys {
        ClientKeys {
            fetcher,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies a compact JWS signed by `client` with an alg in `allowed`.
    pub async fn verify(
        &self,
        client: &Client,
        token: &str,
        allowed: &[&str],
        now: Millis,
    ) -> Result<(JwsHeader, Map<String, Value>), KeysError> {
        let Some(uri) = client.metadata.jwks_uri.as_deref() else {
            return Ok(client.keys.verify(token, allowed)?);
        };
        let slot = self.slot(client.id());
        let mut entry = slot.lock().await;
        if entry.uri != uri {
            *entry = Entry {
                uri: uri.to_string(),
                ..Entry::default()
            };
        }
        let fresh = entry.keys.is_some() && now - entry.fetched_at < CACHE_TTL_MS;
        if !fresh {
            self.refresh(&mut entry, now).await;
        }
        let keys = entry.keys.clone().ok_or_else(|| last_failure(&entry))?;
        match keys.verify(token, allowed) {
            // An unknown kid: the client may have rotated its keys.
            Err(JoseFailure::NoKey) if self.refresh(&mut entry, now).await => {
                let keys = entry.keys.clone().ok_or_else(|| last_failure(&entry))?;
                Ok(keys.verify(token, allowed)?)
            }
            other => Ok(other?),
        }
    }

    fn slot(&self, client_id: &str) -> Arc<tokio::sync::Mutex<Entry>> {
        let mut entries = self.entries.lock().expect("client keys lock");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(client_id) {
            entries.clear();
        }
        entries.entry(client_id.to_string()).or_default().clone()
    }

    /// Fetches the set again unless one was tried in the last [`MIN_REFETCH_MS`]; true when
    /// a new set replaced the cached one.
    async fn refresh(&self, entry: &mut Entry, now: Millis) -> bool {
        if entry
            .attempted_at
            .is_some_and(|at| now - at < MIN_REFETCH_MS)
        {
            return false;
        }
        entry.attempted_at = Some(now);
        match self.fetch(&entry.uri).await {
            Ok(keys) => {
                entry.keys = Some(Arc::new(keys));
                entry.fetched_at = now;
                true
            }
            Err(e) => {
                tracing::warn!(code = "E_JWKS_FETCH", error = %e, "cannot fetch a client's jwks_uri");
                false
            }
        }
    }

    async fn fetch(&self, uri: &str) -> Result<KeySet, FetchError> {
        let document: Value = self.fetcher.get_json(uri).await?;
        KeySet::from_jwks(&document).map_err(|detail| FetchError::NotJson {
            url: uri.to_string(),
            detail,
        })
    }
}

fn last_failure(entry: &Entry) -> KeysError {
    KeysError::Unavailable(format!("{} cannot be fetched", entry.uri))
}
