//! Client registry: clients live in the store and are cached in memory, parsed once, so a
//! request costs a map lookup. A cached entry is re-read after [`CACHE_TTL_MS`], so a client
//! changed by `idgw client add` on another process takes effect without a restart.
//!
//! Registration (configuration or `idgw client add`) fetches the `sector_identifier_uri`
//! document and refuses the client unless it lists the client's URIs ([`crate::sector`]), and
//! refuses a `jwks_uri` or notification URI the fetch policy would not reach
//! ([`crate::fetch`]).

use crate::client::{hash_secret, Client, ClientError, ClientMetadata};
use crate::fetch::Fetcher;
use idgw_store::{ClientRow, Millis, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub const CACHE_TTL_MS: Millis = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("client {client_id}: {source}")]
    Invalid {
        client_id: String,
        source: ClientError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// When the entry was loaded, and the client (None: not registered).
type CacheEntry = (Millis, Option<Arc<Client>>);

pub struct ClientRegistry {
    store: Arc<dyn Store>,
    secret_key: Vec<u8>,
    fetcher: Fetcher,
    cache: RwLock<HashMap<String, CacheEntry>>,
}

impl ClientRegistry {
    /// `fetcher` fetches `sector_identifier_uri` documents at registration.
    pub fn new(store: Arc<dyn Store>, secret_key: Vec<u8>, fetcher: Fetcher) -> ClientRegistry {
        ClientRegistry {
            store,
            secret_key,
            fetcher,
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub fn secret_key(&self) -> &[u8] {
        &self.secret_key
    }

    /// Validates and stores a client registration (from config or `idgw client add`).
    pub async fn register(
        &self,
        metadata: ClientMetadata,
        now: Millis,
    ) -> Result<Arc<Client>, RegistryError> {
        let secret_hash = metadata
            .client_secret
            .as_ref()
            .map(|s| hash_secret(&self.secret_key, &s.0));
        let client_id = metadata.client_id.clone();
        let invalid = |source| RegistryError::Invalid {
            client_id: client_id.clone(),
            source,
        };
        let client = Client::from_metadata(metadata, secret_hash).map_err(invalid)?;
        // Notification URIs are called later, with tokens: a target the fetch policy refuses
        // (a literal private or link-local address, loopback unless allowed) is refused now.
        for uri in client.registered_notification_urls() {
            self.fetcher
                .vet_literal(uri)
                .map_err(|e| invalid(ClientError::NotificationUri(e.to_string())))?;
        }
        crate::sector::check(&self.fetcher, &client.metadata)
            .await
            .map_err(invalid)?;
        // A jwks_uri we would refuse to fetch is refused now, not at the first request.
        if let Some(uri) = &client.metadata.jwks_uri {
            self.fetcher
                .vet(uri)
                .await
                .map_err(|e| invalid(ClientError::JwksUri(e.to_string())))?;
        }
        let row = ClientRow {
            client_id: client_id.clone(),
            secret_hash: client.secret_hash.clone(),
            metadata: serde_json::to_string(&client.metadata).expect("metadata serializes"),
        };
        self.store.upsert_client(&row, now).await?;
        let client = Arc::new(client);
        self.cache
            .write()
            .expect("cache lock")
            .insert(client_id, (now, Some(client.clone())));
        Ok(client)
    }

    /// The client named `client_id`, if registered.
    pub async fn get(
        &self,
        client_id: &str,
        now: Millis,
    ) -> Result<Option<Arc<Client>>, StoreError> {
        if let Some((loaded, client)) = self.cache.read().expect("cache lock").get(client_id) {
            if now - loaded < CACHE_TTL_MS {
                return Ok(client.clone());
            }
        }
        let client = match self.store.client(client_id).await? {
            Some(row) => match parse_row(&row) {
                Ok(c) => Some(Arc::new(c)),
                Err(e) => {
                    tracing::error!(code = "E_CLIENT_ROW", client_id, error = %e, "stored client is invalid");
                    None
                }
            },
            None => None,
        };
        let mut cache = self.cache.write().expect("cache lock");
        // Bound the negative cache: unknown ids must not grow memory without limit.
        if client.is_none() && cache.len() > 100_000 {
            cache.retain(|_, (_, c)| c.is_some());
        }
        cache.insert(client_id.to_string(), (now, client.clone()));
        Ok(client)
    }
}

fn parse_row(row: &ClientRow) -> Result<Client, ClientError> {
    let metadata: ClientMetadata =
        serde_json::from_str(&row.metadata).map_err(|e| ClientError::Metadata(e.to_string()))?;
    Client::from_metadata(metadata, row.secret_hash.clone())
}
