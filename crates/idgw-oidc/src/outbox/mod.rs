//! Delivery of client notifications from the durable outbox (CIBA Core 10.2 ping, 10.3 push,
//! 12 push errors). Each notification is claimed with a lease, POSTed with
//! `Authorization: Bearer <client_notification_token>`, and retried with capped exponential
//! backoff until its deadline ([`delivery`]). 2xx is delivered; redirects are never followed;
//! 401 and 403 mean the client refuses our token, so they are not retried.

pub mod delivery;

use crate::op::Op;
use delivery::classify;
use idgw_store::{DeliveryResult, Millis, OutboxItem};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a claimed notification is reserved for this node.
const LEASE_MS: Millis = 30_000;
const BATCH: u32 = 64;

async fn deliver(op: &Op, item: &OutboxItem) -> Result<u16, String> {
    let response = op
        .http
        .post(&item.url)
        .bearer_auth(&item.bearer)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(item.body.clone())
        .send()
        .await
        .map_err(|e| format!("transport: {}", without_url(&e)))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let body = response.text().await.unwrap_or_default();
        tracing::warn!(auth_req_id = %item.auth_req_id, status, body = %body.chars().take(200).collect::<String>(), "client refused notification");
    }
    Ok(status)
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<endpoint>");
    }
    text
}

/// Runs one round: claims due notifications and attempts each. Returns how many it tried.
pub async fn run_once(op: &Arc<Op>) -> usize {
    let now = op.now();
    let items = match op.store.claim_outbox(now, LEASE_MS, BATCH).await {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(code = "E_OUTBOX", error = %e, "cannot claim notifications");
            return 0;
        }
    };
    let count = items.len();
    let mut tasks = tokio::task::JoinSet::new();
    for item in items {
        let op = op.clone();
        tasks.spawn(async move {
            let status = if item.deadline < op.now() { Err("deadline passed".to_string()) } else { deliver(&op, &item).await };
            let now = op.now();
            let result = if item.deadline < now && status.is_err() {
                DeliveryResult::Failed { status: None, error: "deadline passed".into() }
            } else {
                classify(&item, status, now)
            };
            let label = match &result {
                DeliveryResult::Delivered { .. } => "delivered",
                DeliveryResult::Retry { .. } => "retry",
                DeliveryResult::Failed { .. } => "failed",
            };
            op.metrics.notification(label);
            let detail = match &result {
                DeliveryResult::Delivered { status } => format!("HTTP {status}"),
                DeliveryResult::Retry { error, .. } | DeliveryResult::Failed { error, .. } => error.clone(),
            };
            op.event(&item.auth_req_id, None, "OP", "POST notification", label, Some(&detail)).await;
            if let Err(e) = op.store.record_delivery(item.id, &result, now).await {
                tracing::error!(code = "E_OUTBOX", error = %e, "cannot record delivery; the lease will expire and it is retried");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    count
}

/// Delivers notifications until `shutdown` turns true; wakes on new work or every 250 ms.
pub async fn run(op: Arc<Op>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let busy = run_once(&op).await > 0;
        if busy {
            continue;
        }
        tokio::select! {
            _ = op.outbox_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
