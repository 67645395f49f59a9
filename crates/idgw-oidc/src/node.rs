//! This OP node: its id in the store's `owner` column and the transactions it works now, whose
//! leases it renews ([`crate::lease`]).

use idgw_store::Millis;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

/// How long a lease lasts by default (`OpConfig::lease_ms`): how long a dead node's
/// transactions wait before a survivor takes them over (plus up to [`crate::lease::TAKE_OVER_EVERY`]).
pub const LEASE_MS: Millis = 10_000;

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

    pub fn is_working(&self, auth_req_id: &str) -> bool {
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
