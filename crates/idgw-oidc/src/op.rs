//! The OpenID Provider's shared state ([`Op`]) and settings ([`OpConfig`]): what every endpoint
//! and background task reads. The background work itself is [`crate::background`].

use crate::authenticator::Authenticator;
use crate::client_keys::ClientKeys;
use crate::fetch::{FetchPolicy, Fetcher};
use crate::keys::{KeyError, KeyRing};
use crate::metrics::Metrics;
use crate::node::{Node, LEASE_MS};
use crate::opaque::random_token;
use crate::outbox::delivery;
use crate::polls::PollTracker;
use crate::registry::ClientRegistry;
use idgw_store::{Event, Millis, Store};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

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
    pub fetch: FetchPolicy,
    /// Scopes published in discovery but out of service for now: requests for them get
    /// `temporarily_unavailable` (503, Mobile Connect SI Table 12).
    pub unavailable_scopes: Vec<String>,
    /// The number ranges (MSISDN prefixes) this operator serves; empty: every number. An
    /// unprovisioned MSISDN inside them is "not registered" for Mobile Connect, one outside
    /// is an unknown user (Mobile Connect SI Table 13).
    pub home_msisdn_prefixes: Vec<String>,
    /// This node's id in the store (owner of the transactions it works); default random.
    pub node_id: String,
    /// How long a node's hold on a pending transaction lasts unrenewed (see [`crate::lease`]).
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
            fetch: FetchPolicy::default(),
            unavailable_scopes: vec![],
            home_msisdn_prefixes: vec![],
            node_id: Node::random().id,
            lease_ms: LEASE_MS,
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
    Keys(#[from] KeyError),
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
    pub client_keys: ClientKeys,
    pub authenticator: Arc<dyn Authenticator>,
    pub metrics: Metrics,
    pub polls: PollTracker,
    pub node: Arc<Node>,
    pub outbox_wake: Notify,
    pub http: reqwest::Client,
    /// Where [`Op::now`] reads the time.
    pub clock: Clock,
}

pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// Where the OP reads the time (STYLE.md 1: handlers read it once and pass `now` down).
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that stands still until it is set or advanced (tests).
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    pub fn fixed(at: Millis) -> Clock {
        Clock::Fixed(Arc::new(AtomicI64::new(at)))
    }

    pub fn now(&self) -> Millis {
        match self {
            Clock::System => now_ms(),
            Clock::Fixed(at) => at.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock forward; the system clock moves by itself.
    pub fn advance(&self, by: Millis) {
        if let Clock::Fixed(at) = self {
            at.fetch_add(by, Ordering::SeqCst);
        }
    }
}

impl Op {
    /// Loads (or generates) keys and the client-secret key; the store must be migrated.
    pub async fn new(
        config: OpConfig,
        store: Arc<dyn Store>,
        authenticator: Arc<dyn Authenticator>,
    ) -> Result<Arc<Op>, StartError> {
        Op::with_clock(config, store, authenticator, Clock::System).await
    }

    /// [`Op::new`] reading the time from `clock` (a [`Clock::fixed`] one in tests).
    pub async fn with_clock(
        config: OpConfig,
        store: Arc<dyn Store>,
        authenticator: Arc<dyn Authenticator>,
        clock: Clock,
    ) -> Result<Arc<Op>, StartError> {
        let now = clock.now();
        let keys = KeyRing::load_or_generate(&*store, &config.signing_alg, now).await?;
        let secret_key = hex::decode(
            store
                .setting_get_or_insert("client_secret_hmac_key", &hex::encode(tokens_key()))
                .await?,
        )
        .map_err(|_| idgw_store::StoreError::Corrupt("client_secret_hmac_key".into()))?;
        let fetcher = Fetcher::new(config.fetch.clone());
        Ok(Arc::new(Op {
            clients: ClientRegistry::new(store.clone(), secret_key, fetcher.clone()),
            client_keys: ClientKeys::new(fetcher),
            node: Arc::new(Node::new(config.node_id.clone())),
            config,
            store,
            keys: Arc::new(keys),
            authenticator,
            metrics: Metrics::default(),
            polls: PollTracker::default(),
            outbox_wake: Notify::new(),
            http: delivery::http_client(),
            clock,
        }))
    }

    /// Reads the clock; handlers call this once per request and pass the time down.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Signs `claims` with the active key, off the async threads (an RSA signature costs
    /// about a millisecond).
    pub async fn sign(&self, claims: serde_json::Value) -> Result<String, KeyError> {
        let keys = self.keys.clone();
        tokio::task::spawn_blocking(move || keys.sign(&claims))
            .await
            .map_err(|e| KeyError::Corrupt(format!("signing task failed: {e}")))?
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
        self.store.pcr_for(sector, msisdn, &random_token()).await
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
}

fn tokens_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut key);
    key
}
