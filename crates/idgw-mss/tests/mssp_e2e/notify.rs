//! asynchServerServer end to end: the MSSP delivers the final status to the AP's notification
//! port and the AP acknowledges it, in both bindings; an AP that is down (the MSSP retries,
//! the AP falls back to one status query); an AP restarted with a transaction waiting (the
//! request sent again joins it and the outcome is delivered to the new `AP_URL`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode as HttpStatus;
use idgw_mss::client::{ApConfig, ClientOutcome};
use idgw_mss::mssp::{MsspConfig, MsspTransactions};

use crate::flows::auth;
use crate::harness::*;

fn notified() -> ApConfig {
    ApConfig::notified("set by Harness::ap")
}

#[tokio::test]
async fn the_outcome_arrives_as_a_notification_and_is_acknowledged() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        let ap = h.ap(binding, notified()).await;
        let before = h.requests.load(Ordering::SeqCst);
        let start = Instant::now();
        // A deadline far enough that the fallback query (half-way at the earliest) would
        // come long after the SIM's answer (200 ms).
        let outcome = auth(&ap.ap, APPROVE, true, "notified", 30.0).await;
        assert_eq!(
            outcome,
            ClientOutcome::Approved { pin: true },
            "{binding:?}"
        );
        assert!(start.elapsed() < Duration::from_secs(5), "{binding:?}");
        // One request to the MSSP: the MSS_SignatureReq. No status query.
        assert_eq!(h.requests.load(Ordering::SeqCst) - before, 1, "{binding:?}");
        let outcome = auth(&ap.ap, CANCEL, true, "notified-c", 30.0).await;
        assert_eq!(outcome, ClientOutcome::UserCancel, "{binding:?}");
        assert_eq!(ap.ap.pending(), 0);
    }
    // The MSSP recorded the APs' acknowledgements as the transactions' receipts.
    let deadline = Instant::now() + Duration::from_secs(5);
    let acknowledged = loop {
        let ids: Vec<String> = h
            .hops()
            .into_iter()
            .filter(|hop| hop.step == "MSS_StatusResp (notification)")
            .filter_map(|hop| {
                hop.detail?
                    .strip_prefix("MSS_ReceiptReq received, MSSP_TransID ")
                    .map(str::to_owned)
            })
            .collect();
        if ids.len() == 4 || Instant::now() > deadline {
            break ids;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(acknowledged.len(), 4);
    for id in acknowledged {
        let txn = h.txns.get(&id).await.unwrap().unwrap();
        assert!(txn.receipt_received, "{id}");
    }
}

/// A stand-in for an AP that is down: answers every notification with HTTP 503 and counts.
async fn down_ap() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async { HttpStatus::SERVICE_UNAVAILABLE }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (origin, hits)
}

#[tokio::test]
async fn an_ap_that_is_down_is_retried_and_falls_back_to_a_status_query() {
    let config = MsspConfig {
        first_retry: Duration::from_millis(300),
        ..MsspConfig::default()
    };
    let h = Harness::start_with(config).await;
    for binding in BINDINGS {
        let (down, hits) = down_ap().await;
        let mut config = notified();
        config.fallback_margin = Duration::from_secs(4);
        let ap = h.ap(binding, config).await;
        // The MSSP is told to call an AP_URL where nothing answers but 503.
        let ap_url = idgw_mss::client::notification::ap_url(&down, binding);
        let mut config = ap.ap.config().clone();
        config.ap_url = Some(ap_url);
        let ap = idgw_mss::client::Ap::new(ap.ap.client().clone(), config).unwrap();
        tokio::spawn(ap.clone().run(std::future::pending()));
        let before = h.requests.load(Ordering::SeqCst);
        let start = Instant::now();
        // Deadline 6 s: the fallback query goes at 3 s (half the time; 6 - 4 = 2 is earlier).
        let outcome = auth(&ap, APPROVE, true, "down", 6.0).await;
        let took = start.elapsed();
        assert_eq!(
            outcome,
            ClientOutcome::Approved { pin: true },
            "{binding:?}"
        );
        assert!(
            took >= Duration::from_millis(2_900) && took < Duration::from_secs(5),
            "{binding:?}: learnt by the fallback query, after {took:?}"
        );
        // The signature request and one status query.
        assert_eq!(h.requests.load(Ordering::SeqCst) - before, 2, "{binding:?}");
        // The MSSP tried, and tried again: at 0.2 s, 0.5 s, 1.1 s, 2.3 s.
        let tries = hits.load(Ordering::SeqCst);
        assert!(tries >= 3, "{binding:?}: {tries} attempts");
    }
}

#[tokio::test]
async fn a_restarted_ap_sends_the_request_again_and_is_notified_at_its_new_url() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        let first = h.ap(binding, notified()).await;
        let ap = first.ap.clone();
        let waiting = tokio::spawn(async move { auth(&ap, LATER, true, "restart", 20.0).await });
        // The challenge reached the SIM: the transaction waits for its user.
        let deadline = Instant::now() + Duration::from_secs(5);
        while h.held() == 0 {
            assert!(Instant::now() < deadline, "no challenge");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The AP goes down with it (its process ends), then the user answers.
        waiting.abort();
        drop(first);
        assert_eq!(h.release(), 1);
        tokio::time::sleep(Duration::from_millis(500)).await;
        // The restarted AP (another listener, another AP_URL) hands the same
        // authentication over again: same AP_TransID.
        let second = h.ap(binding, notified()).await;
        let start = Instant::now();
        let outcome = auth(&second.ap, LATER, true, "restart", 20.0).await;
        assert_eq!(
            outcome,
            ClientOutcome::Approved { pin: true },
            "{binding:?}"
        );
        // Notified at once, long before its fallback query (10 s on).
        assert!(start.elapsed() < Duration::from_secs(3), "{binding:?}");
    }
}
