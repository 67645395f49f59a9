//! Several OP nodes on one store (DESIGN.md section 8: an accepted transaction ends and its
//! client is told, also if a node dies). Each pending transaction is worked by one node, its
//! owner, under a lease the owner renews while it waits for the authenticator. When a node
//! dies its leases lapse, and a surviving node takes the transactions over (an atomic claim in
//! the store) and hands them to its authenticator again; the authenticator is idempotent per
//! `auth_req_id` (the MSSP joins a repeated `AP_TransID` to the running signature). A node
//! stopping releases its leases, so a restart resumes at once.

use crate::op::Op;
use crate::transaction::lifecycle::spawn_authentication;
use crate::transaction::record::AcceptedRequest;
use idgw_store::{Millis, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// How often a node renews the leases of the transactions it works: three times a lease.
pub fn renew_every(lease_ms: Millis) -> Duration {
    Duration::from_millis((lease_ms / 3).max(1) as u64)
}
/// How often a node looks for lapsed leases.
pub const TAKE_OVER_EVERY: Duration = Duration::from_secs(1);
/// Most transactions taken over in one claim.
const CLAIM_BATCH: u32 = 200;

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
            if let Some(request) = AcceptedRequest::of(&row) {
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
