//! Several OP nodes on one store (DESIGN.md section 8: an accepted transaction ends and its
//! client is told, also if a node dies). Each pending transaction is worked by one node, its
//! owner, under a lease the owner renews while it waits for the authenticator. When a node
//! dies its leases lapse, and a surviving node takes the transactions over (an atomic claim in
//! the store) and hands them to its authenticator again; the authenticator is idempotent per
//! `auth_req_id` (the MSSP joins a repeated `AP_TransID` to the running signature). A node
//! stopping releases its leases, so a restart resumes at once.

use crate::transaction::lifecycle::{parse_request, spawn_authentication};
use crate::Op;
use idgw_store::{Millis, StoreError};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a lease lasts by default (`OpConfig::lease_ms`): how long a dead node's
/// transactions wait before a survivor takes them over (plus up to [`TAKE_OVER_EVERY`]).
pub const LEASE_MS: Millis = 10_000;

/// How often a node renews the leases of the transactions it works: three times a lease.
pub fn renew_every(lease_ms: Millis) -> Duration {
    Duration::from_millis((lease_ms / 3).max(1) as u64)
}
/// How often a node looks for lapsed leases.
pub const TAKE_OVER_EVERY: Duration = Duration::from_secs(1);
/// Most transactions taken over in one claim.
const CLAIM_BATCH: u32 = 200;

/// This node: its id in the store's `owner` column and the transactions it works now.
pub struct Node {
    pub id: String,
    working: Mutex<HashSet<String>>,
}

impl Node {
    pub fn new(id: impl Into<String>) -> Node {
        Node {
            id: id.into(),
            working: Mutex::default(),
        }
    }

    /// A node with a fresh random id (one per process).
    pub fn random() -> Node {
        Node::new(format!("op-{}", hex::encode(rand::random::<[u8; 6]>())))
    }

    fn lock(&self) -> MutexGuard<'_, HashSet<String>> {
        self.working.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks `auth_req_id` as worked here until the returned guard is dropped.
    pub fn work(self: &Arc<Self>, auth_req_id: &str) -> Working {
        self.lock().insert(auth_req_id.to_string());
        Working {
            node: self.clone(),
            auth_req_id: auth_req_id.to_string(),
        }
    }

    /// The transactions worked here now.
    pub fn working(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }

    fn is_working(&self, auth_req_id: &str) -> bool {
        self.lock().contains(auth_req_id)
    }
}

/// A transaction worked by this node; dropping it stops renewing its lease.
pub struct Working {
    node: Arc<Node>,
    auth_req_id: String,
}

impl Drop for Working {
    fn drop(&mut self) {
        self.node.lock().remove(&self.auth_req_id);
    }
}

/// Extends the leases of the transactions this node works.
pub async fn renew(op: &Op, now: Millis) -> Result<u64, StoreError> {
    let ids = op.node.working();
    if ids.is_empty() {
        return Ok(0);
    }
    op.store
        .renew_leases(&op.node.id, &ids, now + op.config.lease_ms)
        .await
}

/// Takes over pending transactions whose lease lapsed (their node died or stopped) and
/// hands them to the authenticator; returns how many.
pub async fn take_over(op: &Arc<Op>, now: Millis) -> Result<usize, StoreError> {
    let mut taken = 0;
    loop {
        let rows = op
            .store
            .claim_lapsed(&op.node.id, now, now + op.config.lease_ms, CLAIM_BATCH)
            .await?;
        let full = rows.len() == CLAIM_BATCH as usize;
        for row in rows {
            if op.node.is_working(&row.auth_req_id) {
                continue; // its renewal was late: held again, and still worked here
            }
            tracing::info!(auth_req_id = %row.auth_req_id, node = %op.node.id, "taking over a transaction whose lease lapsed");
            if let Some(request) = parse_request(&row) {
                spawn_authentication(op.clone(), row, request);
                taken += 1;
            }
        }
        if !full {
            return Ok(taken);
        }
    }
}

/// A node stopping: its transactions may be taken over at once.
pub async fn release(op: &Op) -> Result<u64, StoreError> {
    op.store.release_leases(&op.node.id).await
}
