//! The OP's background work on one node (DESIGN.md section 8): the expiry sweeper, lease
//! renewal and take-over ([`crate::lease`]), the notification outbox ([`crate::outbox`]) and the
//! purge of spent rows, until shutdown.

use crate::lease;
use crate::op::Op;
use crate::outbox;
use crate::transaction::lifecycle::sweep_expired;
use idgw_store::Millis;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

impl Op {
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
                    if let Err(e) = sweep_expired(&self, self.now()).await {
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
