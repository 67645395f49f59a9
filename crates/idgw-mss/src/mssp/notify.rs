//! The MSSP's notifier: one task per MSSP process that delivers asynchServerServer
//! notifications ([`super::callback`]) to the APs' `AP_URL`s, and ends transactions at their
//! `TimeOut` so that their expiry is notified too. The caller spawns it and owns its
//! shutdown: `tokio::spawn(notify::run(mssp, shutdown))`.
//!
//! It claims when woken (this node ended a transaction with a callback, or a retry rearmed
//! one) and every [`TICK`] (retries falling due, notifications left by other nodes), and ends
//! expired transactions once a tick. Its cost does not grow with the transactions waiting for their user: each turn is
//! a bounded claim from the store's due-time index. At most [`MAX_DELIVERIES`] attempts run
//! at once, each bounded by [`DELIVERY_TIMEOUT`]; HTTP connections to the AP are kept alive
//! between them.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;

use super::callback::AttemptResult;
use super::store::Delivery;
use super::Mssp;
use crate::model::{Envelope, MssMessage};
use crate::time::xs_date_time;
use crate::{MssFault, StatusCode};

/// How often the notifier looks for due work it was not woken for.
pub const TICK: Duration = Duration::from_secs(1);
/// Longest an attempt may take (connect, send, the AP's answer).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Most attempts in flight at once.
pub const MAX_DELIVERIES: usize = 64;
/// Largest answer read from an AP.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Runs the notifier of `mssp` until `shutdown` completes.
pub async fn run(mssp: Arc<Mssp>, shutdown: impl Future<Output = ()>) {
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(DELIVERY_TIMEOUT)
        .timeout(DELIVERY_TIMEOUT)
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "notifier cannot build its HTTP client");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(MAX_DELIVERIES));
    tokio::pin!(shutdown);
    let mut expired_at: Option<tokio::time::Instant> = None;
    loop {
        // Expiry once a tick, not at every wake-up (one ended transaction each).
        let now = tokio::time::Instant::now();
        if expired_at.is_none_or(|at| now.duration_since(at) >= TICK) {
            expired_at = Some(now);
            if let Err(e) = mssp.expire(now.into_std()).await {
                tracing::error!(error = %e, "cannot end expired transactions");
            }
        }
        // Claim while whole batches come back (and slots are free).
        loop {
            let claimed = match mssp
                .claim_notifications(tokio::time::Instant::now().into_std())
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim notifications");
                    break;
                }
            };
            let full = claimed.len() == super::callback::CLAIM_BATCH;
            for delivery in claimed {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (mssp, http) = (mssp.clone(), http.clone());
                tokio::spawn(async move {
                    attempt(&mssp, &http, delivery).await;
                    drop(slot);
                });
            }
            if !full {
                break;
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = mssp.delivery_due() => {}
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

/// One attempt: POST the notification, read the AP's answer, record what happened.
async fn attempt(mssp: &Mssp, http: &reqwest::Client, delivery: Delivery) {
    let result = match (mssp.notification(&delivery.txn), &delivery.txn.callback) {
        (Some(mut resp), Some(callback)) => {
            resp.header.mssp_info.instant = Some(xs_date_time(SystemTime::now()));
            post(http, callback, &resp).await
        }
        // Not an ended asynchServerServer transaction: nothing to deliver.
        _ => AttemptResult::Refused(MssFault::new(StatusCode::InternalError, None)),
    };
    let now = tokio::time::Instant::now().into_std();
    if let Err(e) = mssp.notification_attempted(&delivery, &result, now).await {
        // Still leased: another attempt follows when the lease lapses.
        tracing::error!(mssp_trans_id = %delivery.txn.mssp_trans_id, error = %e, "cannot record the notification attempt");
    }
}

async fn post(
    http: &reqwest::Client,
    callback: &super::Callback,
    resp: &crate::model::MssStatusResp,
) -> AttemptResult {
    let binding = callback.binding;
    let body = match binding.encode_notification(resp) {
        Ok(body) => body,
        Err(e) => return AttemptResult::Failed(format!("cannot encode: {e}")),
    };
    let mut request = http
        .post(&callback.url)
        .header(reqwest::header::CONTENT_TYPE, binding.content_type())
        .body(body);
    if binding == crate::Binding::Soap {
        // SOAP 1.1 section 6.1.1: the header must be present.
        request = request.header("SOAPAction", "\"\"");
    }
    let sent_at = Instant::now();
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(e) => return AttemptResult::Failed(format!("transport: {e}")),
    };
    let status = response.status();
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_ANSWER_BYTES => {
                bytes.extend_from_slice(&chunk)
            }
            Ok(Some(_)) => return AttemptResult::Failed("answer too large".into()),
            Ok(None) => break,
            Err(e) => return AttemptResult::Failed(format!("transport: {e}")),
        }
    }
    tracing::debug!(url = %callback.url, %status, elapsed = ?sent_at.elapsed(), "notification answered");
    match binding.decode(&bytes) {
        Ok(Envelope::Message(MssMessage::ReceiptReq(ack))) if status.is_success() => {
            AttemptResult::Receipt(Box::new(ack))
        }
        Ok(Envelope::Fault(fault)) => AttemptResult::Refused(fault),
        Ok(Envelope::Message(other)) => {
            AttemptResult::Failed(format!("HTTP {status} with {}", other.element_name()))
        }
        Err(e) => AttemptResult::Failed(format!("HTTP {status}, undecodable answer: {e}")),
    }
}
