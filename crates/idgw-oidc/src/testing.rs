//! Helpers for domain tests (STYLE.md 10): an OP on an in-memory SQLite store with a fixed
//! clock, whose authenticator never answers, so a test drives every transaction itself.

use crate::authenticator::{AuthOutcome, AuthenticationRequest, Authenticator};
use crate::client::{Client, ClientMetadata, ClientSecret};
use crate::op::{Clock, Op, OpConfig};
use idgw_store::Millis;
use std::sync::Arc;

/// An authenticator that never answers: the test decides each outcome.
pub struct Silent;

#[async_trait::async_trait]
impl Authenticator for Silent {
    async fn authenticate(&self, _: AuthenticationRequest) -> AuthOutcome {
        std::future::pending().await
    }
}

/// An OP on a fresh in-memory store whose clock stands at `now` until advanced.
pub async fn op_at(now: Millis) -> Arc<Op> {
    let store = idgw_store::open("sqlite::memory:")
        .await
        .expect("in-memory store");
    let config = OpConfig::new("http://127.0.0.1:8080");
    Op::with_clock(config, store, Arc::new(Silent), Clock::fixed(now))
        .await
        .expect("OP starts")
}

/// Registers a `client_secret_basic` poll client `client_id` with secret `s3cret`.
pub async fn poll_client(op: &Op, client_id: &str) -> Arc<Client> {
    let metadata = ClientMetadata {
        client_id: client_id.into(),
        client_secret: Some(ClientSecret("s3cret".into())),
        ..ClientMetadata::default()
    };
    op.clients
        .register(metadata, op.now())
        .await
        .expect("client registers")
}
