//! Nothing is lost across a restart (DESIGN.md section 8): a transaction accepted before a
//! stop is handed to the authenticator again and its client is told; one that expired while
//! the OP was down is ended and pushed as `expired_token`; one whose node died is taken over by
//! another node.

mod common;

use common::*;
use reqwest::StatusCode;
use std::sync::Arc;

fn db_url(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("idgw-restart-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (format!("sqlite://{}/idgw.db", dir.display()), dir)
}

#[tokio::test]
async fn pending_transaction_survives_a_restart() {
    let (url, dir) = db_url("pending");
    let first = Harness::start_with(&url, Arc::new(TestAuthenticator::default()), None).await;
    let keys = first.client_keys();
    let id = first.start_auth("poll", SUBSCRIBER).await;
    // Wait until the first OP handed it over, then stop without answering.
    assert_eq!(first.auth.wait_requests(1).await, 1);
    first.stop().await;

    let second =
        Harness::start_with(&url, Arc::new(TestAuthenticator::default()), Some(keys)).await;
    // The restarted OP resumes it: the authenticator sees it again.
    second.auth.answer(SUBSCRIBER, approved()).await;
    assert_eq!(second.auth.last_request().auth_req_id, id);
    let (status, tokens) = second.poll_until_done("poll", &id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    verify_id_token(&second, tokens["id_token"].as_str().unwrap(), "poll").await;
    second.stop().await;
    std::fs::remove_dir_all(dir).ok();
}

/// Leases of this test's nodes: short, so the take-over comes soon.
const LEASE_MS: i64 = 1_500;

/// Two nodes on one store; the one that accepted a transaction dies (no release): the other
/// leaves it alone while the lease holds, then takes it over and the client gets its tokens.
#[tokio::test]
async fn survivor_takes_over_a_dead_nodes_transaction() {
    let (url, dir) = db_url("takeover");
    let auth = || Arc::new(TestAuthenticator::default());
    let first = Harness::start_node(&url, auth(), None, LEASE_MS).await;
    let keys = first.client_keys();
    let id = first.start_auth("poll", SUBSCRIBER).await;
    assert_eq!(first.auth.wait_requests(1).await, 1);
    let second = Harness::start_node(&url, auth(), Some(keys), LEASE_MS).await;
    // While the first node lives, it renews its lease: nobody else works the transaction.
    tokio::time::sleep(std::time::Duration::from_millis(2 * LEASE_MS as u64)).await;
    assert_eq!(second.auth.requests.lock().unwrap().len(), 0);
    let first_node = first.op.node.id.clone();
    let row = second.op.store.transaction(&id).await.unwrap().unwrap();
    assert_eq!(row.owner.as_deref(), Some(first_node.as_str()));
    first.kill();
    // Within a lease and a take-over period, the survivor resumes it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while second.auth.wait_requests(1).await == 0 {
        assert!(std::time::Instant::now() < deadline, "never taken over");
    }
    assert_eq!(second.auth.last_request().auth_req_id, id);
    let row = second.op.store.transaction(&id).await.unwrap().unwrap();
    assert_eq!(row.owner.as_deref(), Some(second.op.node.id.as_str()));
    second.auth.answer(SUBSCRIBER, approved()).await;
    let (status, tokens) = second.poll_until_done("poll", &id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    second.stop().await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn expiry_while_down_is_pushed_after_restart() {
    let (url, dir) = db_url("expired");
    let first = Harness::start_with(&url, Arc::new(TestAuthenticator::default()), None).await;
    let keys = first.client_keys();
    let (status, ack) = first
        .bc(
            "push",
            &[
                ("scope", "openid"),
                ("acr_values", "2"),
                ("login_hint", "447700900002"),
                ("client_notification_token", "t"),
                ("requested_expiry", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.auth.wait_requests(1).await, 1);
    first.stop().await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;

    // The notification URL was stored with the transaction (the old receiver is gone), so
    // check what the restarted OP recorded and queued.
    let second =
        Harness::start_with(&url, Arc::new(TestAuthenticator::default()), Some(keys)).await;
    let id = ack["auth_req_id"].as_str().unwrap();
    let mut state = None;
    for _ in 0..30 {
        state = second
            .op
            .store
            .transaction(id)
            .await
            .unwrap()
            .map(|t| t.state);
        if state == Some(idgw_store::TxState::Expired) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, Some(idgw_store::TxState::Expired));
    let outbox = second.op.store.outbox_for(id).await.unwrap();
    assert_eq!(outbox.len(), 1, "the push client is told");
    assert!(outbox[0].body.contains("expired_token"));
    second.stop().await;
    std::fs::remove_dir_all(dir).ok();
}
