//! idgw's OpenID Provider: OpenID CIBA Core 1.0 (poll, ping, push) with the MODRNA CIBA
//! profile, the 2017 MODRNA draft dialect, GSMA Mobile Connect Server-Initiated ([`mc_si`])
//! and Device-Initiated ([`mc_di`]), discovery, JWKS, refresh tokens and userinfo.
//!
//! Layout: [`params`], [`client_auth`] and the HTTP layer ([`http`]) parse and render;
//! [`ciba`], [`mc_si`], [`mc_di`], [`endpoint`] and [`transaction`] decide; everything
//! persistent goes through [`idgw_store::Store`]. Subscribers are authenticated through the
//! [`authenticator::Authenticator`] boundary.

pub mod authenticator;
pub mod ciba;
pub mod client;
pub mod client_auth;
pub mod client_keys;
pub mod discovery;
pub mod endpoint;
pub mod error;
pub mod fetch;
pub mod hint;
pub mod http;
pub mod issue;
pub mod jose;
pub mod keys;
pub mod lease;
pub mod mc_di;
pub mod mc_si;
pub mod metrics;
pub mod outbox;
pub mod params;
pub mod polls;
pub mod registry;
pub mod sector;
pub mod transaction;

use authenticator::Authenticator;
use idgw_store::{Event, Millis, Store};
use keys::KeyRing;
use registry::ClientRegistry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

pub use error::{Dialect, ErrorCode, OAuthError};

/// OP settings (DESIGN.md section 5), with the defaults of [`OpConfig::new`].
#[derive(Debug, Clone)]
pub struct OpConfig {
    /// Issuer identifier, without a trailing slash.
    pub issuer: String,
    pub signing_alg: String,
    pub default_expires_in_s: u64,
    pub max_expires_in_s: u64,
    pub interval_s: u64,
    pub access_token_ttl_s: u64,
    pub refresh_token_ttl_s: u64,
    pub id_token_ttl_s: u64,
    /// Limits on fetching client documents (`jwks_uri`, `sector_identifier_uri`).
    pub fetch: fetch::FetchPolicy,
    /// Scopes published in discovery but out of service for now: requests for them get
    /// `temporarily_unavailable` (503, Mobile Connect SI Table 12).
    pub unavailable_scopes: Vec<String>,
    /// The number ranges (MSISDN prefixes) this operator serves; empty: every number. An
    /// unprovisioned MSISDN inside them is "not registered" for Mobile Connect, one outside
    /// is an unknown user (Mobile Connect SI Table 13).
    pub home_msisdn_prefixes: Vec<String>,
    /// This node's id in the store (owner of the transactions it works); default random.
    pub node_id: String,
    /// How long a node's hold on a pending transaction lasts unrenewed (see [`lease`]).
    pub lease_ms: Millis,
}

impl OpConfig {
    pub fn new(issuer: &str) -> OpConfig {
        OpConfig {
            issuer: issuer.trim_end_matches('/').to_string(),
            signing_alg: "RS256".into(),
            default_expires_in_s: 300,
            max_expires_in_s: 3600,
            interval_s: 2,
            access_token_ttl_s: 3600,
            refresh_token_ttl_s: 30 * 24 * 3600,
            id_token_ttl_s: 600,
            fetch: fetch::FetchPolicy::default(),
            unavailable_scopes: vec![],
            home_msisdn_prefixes: vec![],
            node_id: lease::Node::random().id,
            lease_ms: lease::LEASE_MS,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.issuer, path)
    }

    pub fn bc_authorize_url(&self) -> String {
        self.url("/bc-authorize")
    }

    pub fn si_authorize_url(&self) -> String {
        self.url("/si-authorize")
    }

    pub fn token_url(&self) -> String {
        self.url("/token")
    }

    /// What a client assertion's `aud` may name at `endpoint`: the endpoint itself, the
    /// token endpoint or the issuer (OIDC Core 9, CIBA Core 7.1).
    pub fn audiences(&self, endpoint: &str) -> Vec<String> {
        vec![endpoint.to_string(), self.token_url(), self.issuer.clone()]
    }
}

/// Errors that stop the OP from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("OP keys: {0}")]
    Keys(#[from] keys::KeyError),
    #[error(transparent)]
    Store(#[from] idgw_store::StoreError),
}

/// The OpenID Provider: shared state of every endpoint and background task.
pub struct Op {
    pub config: OpConfig,
    pub store: Arc<dyn Store>,
    pub keys: Arc<KeyRing>,
    pub clients: ClientRegistry,
    /// Keys of clients that registered a `jwks_uri`.
    pub client_keys: client_keys::ClientKeys,
    pub authenticator: Arc<dyn Authenticator>,
    pub metrics: metrics::Metrics,
    pub polls: polls::PollTracker,
    pub node: Arc<lease::Node>,
    pub outbox_wake: Notify,
    pub http: reqwest::Client,
}

pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

impl Op {
    /// Loads (or generates) keys and the client-secret key; the store must be migrated.
    pub async fn new(
        config: OpConfig,
        store: Arc<dyn Store>,
        authenticator: Arc<dyn Authenticator>,
    ) -> Result<Arc<Op>, StartError> {
        let now = now_ms();
        let keys = KeyRing::load_or_generate(&*store, &config.signing_alg, now).await?;
        let secret_key = hex::decode(
            store
                .setting_get_or_insert("client_secret_hmac_key", &hex::encode(tokens_key()))
                .await?,
        )
        .map_err(|_| idgw_store::StoreError::Corrupt("client_secret_hmac_key".into()))?;
        let fetcher = fetch::Fetcher::new(config.fetch.clone());
        Ok(Arc::new(Op {
            clients: ClientRegistry::new(store.clone(), secret_key, fetcher.clone()),
            client_keys: client_keys::ClientKeys::new(fetcher),
            node: Arc::new(lease::Node::new(config.node_id.clone())),
            config,
            store,
            keys: Arc::new(keys),
            authenticator,
            metrics: metrics::Metrics::default(),
            polls: polls::PollTracker::default(),
            outbox_wake: Notify::new(),
            http: outbox::http_client(),
        }))
    }

    /// Reads the clock; handlers call this once per request and pass the time down.
    pub fn now(&self) -> Millis {
        now_ms()
    }

    /// Signs `claims` with the active key, off the async threads (an RSA signature costs
    /// about a millisecond).
    pub async fn sign(&self, claims: serde_json::Value) -> Result<String, keys::KeyError> {
        let keys = self.keys.clone();
        tokio::task::spawn_blocking(move || keys.sign(&claims))
            .await
            .map_err(|e| keys::KeyError::Corrupt(format!("signing task failed: {e}")))?
    }

    /// Decrypts a JWE to our encryption key, off the async threads.
    pub async fn decrypt(&self, jwe: &str) -> Option<Vec<u8>> {
        let keys = self.keys.clone();
        let jwe = jwe.to_string();
        tokio::task::spawn_blocking(move || keys.decrypt(&jwe))
            .await
            .ok()
            .flatten()
    }

    /// The PCR (pairwise subject) of `msisdn` in `sector`: random, stable, never derived
    /// from the MSISDN.
    pub async fn pcr(&self, sector: &str, msisdn: &str) -> Result<String, idgw_store::StoreError> {
        self.store
            .pcr_for(sector, msisdn, &issue::random_token())
            .await
    }

    /// Records a trace step; a failure to record never fails the transaction.
    pub async fn event(
        &self,
        auth_req_id: &str,
        correlation_id: Option<&str>,
        component: &str,
        step: &str,
        outcome: &str,
        detail: Option<&str>,
    ) {
        let event = Event {
            auth_req_id: auth_req_id.to_string(),
            correlation_id: correlation_id.map(str::to_string),
            component: component.to_string(),
            step: step.to_string(),
            outcome: outcome.to_string(),
            detail: detail.map(str::to_string),
            at: self.now(),
        };
        if let Err(e) = self.store.record_event(&event).await {
            tracing::warn!(code = "E_TRACE", error = %e, "cannot record trace event");
        }
    }

    /// Takes over pending transactions whose node stopped or died, and runs the background
    /// work (expiry sweeper, lease renewal and take-over, outbox, purge) until `shutdown`
    /// turns true; then releases this node's leases.
    pub async fn run_background(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        tracing::info!(node = %self.node.id, "OP node running");
        self.take_over(self.now()).await;
        let outbox = tokio::spawn(outbox::run(self.clone(), shutdown.clone()));
        let mut shutdown = shutdown;
        let mut sweep = tokio::time::interval(Duration::from_millis(500));
        let mut renew = tokio::time::interval(lease::renew_every(self.config.lease_ms));
        let mut take_over = tokio::time::interval(lease::TAKE_OVER_EVERY);
        let mut purge = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = sweep.tick() => {
                    if let Err(e) = transaction::lifecycle::sweep_expired(&self, self.now()).await {
                        tracing::error!(error = %e, "expiry sweep failed");
                    }
                }
                _ = renew.tick() => {
                    if let Err(e) = lease::renew(&self, self.now()).await {
                        tracing::error!(error = %e, "cannot renew transaction leases");
                    }
                }
                _ = take_over.tick() => self.take_over(self.now()).await,
                _ = purge.tick() => {
                    let now = self.now();
                    self.polls.purge(now);
                    if let Err(e) = self.store.purge(now).await {
                        tracing::warn!(error = %e, "purge failed");
                    }
                }
                _ = shutdown.changed() => break,
            }
        }
        match lease::release(&self).await {
            Ok(n) if n > 0 => tracing::info!(released = n, "released transaction leases"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot release transaction leases"),
        }
        let _ = outbox.await;
    }

    async fn take_over(self: &Arc<Self>, now: Millis) {
        match lease::take_over(self, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(taken_over = n, "resumed pending transactions"),
            Err(e) => tracing::error!(error = %e, "cannot take over pending transactions"),
        }
    }
}

fn tokens_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut key);
    key
}
