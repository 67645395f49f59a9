//! Cases for transactions, their leases and the notifications they leave in the outbox.

use super::{finish, token, tx, with_notifications, TestStore};
use crate::*;

pub async fn one_pending_transaction_per_msisdn(s: &TestStore) {
    s.insert_transaction(&tx("a1", "4477", 0, 1000))
        .await
        .unwrap();
    assert!(matches!(
        s.insert_transaction(&tx("a2", "4477", 10, 1000)).await,
        Err(StoreError::Busy)
    ));
    // Another subscriber is independent.
    s.insert_transaction(&tx("a3", "4478", 10, 1000))
        .await
        .unwrap();
    // Once finished, the subscriber is free again.
    assert!(s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Denied, 20))
        .await
        .unwrap());
    s.insert_transaction(&tx("a2", "4477", 30, 1000))
        .await
        .unwrap();
    assert_eq!(
        s.transaction("a1").await.unwrap().unwrap().state,
        TxState::Denied
    );
    assert_eq!(
        s.transaction("a2").await.unwrap().unwrap().state,
        TxState::Pending
    );
}

pub async fn finish_is_compare_and_set(s: &TestStore) {
    s.insert_transaction(&tx("a1", "4477", 0, 1000))
        .await
        .unwrap();
    assert!(s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Approved, 5))
        .await
        .unwrap());
    // A second outcome (say, the expiry sweeper racing the authenticator) loses.
    assert!(!s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Expired, 6))
        .await
        .unwrap());
    let row = s.transaction("a1").await.unwrap().unwrap();
    assert_eq!(row.state, TxState::Approved);
    assert_eq!(row.completed_at, Some(5));
    assert_eq!(row.outcome.as_deref(), Some("{\"ok\":1}"));
    // Redemption writes tokens atomically, once.
    let mut redeem = finish("a1", TxState::Redeemed, 7);
    redeem.outcome = None;
    redeem.tokens = vec![token(1, TokenKind::Access), token(2, TokenKind::Refresh)];
    assert!(s
        .finish_transaction(TxState::Approved, &redeem)
        .await
        .unwrap());
    assert!(!s
        .finish_transaction(TxState::Approved, &redeem)
        .await
        .unwrap());
    let row = s.transaction("a1").await.unwrap().unwrap();
    assert_eq!(row.state, TxState::Redeemed);
    assert_eq!(row.completed_at, Some(5), "completion time is kept");
    assert_eq!(
        row.outcome.as_deref(),
        Some("{\"ok\":1}"),
        "outcome is kept"
    );
    assert_eq!(
        s.token(&[1; 32]).await.unwrap().unwrap().kind,
        TokenKind::Access
    );
}

pub async fn expired_pending_lists_only_due(s: &TestStore) {
    s.insert_transaction(&tx("a1", "1", 0, 100)).await.unwrap();
    s.insert_transaction(&tx("a2", "2", 0, 200)).await.unwrap();
    s.insert_transaction(&tx("a3", "3", 0, 50)).await.unwrap();
    s.finish_transaction(TxState::Pending, &finish("a3", TxState::Approved, 10))
        .await
        .unwrap();
    let due = s.expired_pending(150, 10).await.unwrap();
    assert_eq!(
        due.iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"]
    );
    assert_eq!(s.pending_transactions().await.unwrap().len(), 2);
}

/// Node n1 holds what it inserted until its lease lapses; then one other node takes it over.
pub async fn lapsed_leases_are_taken_over(s: &TestStore) {
    s.insert_transaction(&tx("a1", "1", 0, 1000)).await.unwrap(); // lease until 100
    s.insert_transaction(&tx("a2", "2", 0, 1000)).await.unwrap();
    s.insert_transaction(&tx("a3", "3", 0, 150)).await.unwrap();
    assert!(s.claim_lapsed("n2", 50, 500, 10).await.unwrap().is_empty());
    // n1 renews a1 only; n2 cannot renew what it does not hold.
    let ids = ["a1".to_string(), "a2".to_string()];
    assert_eq!(s.renew_leases("n1", &ids[..1], 400).await.unwrap(), 1);
    assert_eq!(s.renew_leases("n2", &ids, 900).await.unwrap(), 0);
    // At 200: a2's lease lapsed, a3 expired (the sweeper ends it, nobody resumes it).
    let taken = s.claim_lapsed("n2", 200, 700, 10).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a2"]
    );
    assert_eq!(taken[0].owner.as_deref(), Some("n2"));
    assert_eq!(taken[0].lease_until, 700);
    assert!(s.claim_lapsed("n3", 200, 700, 10).await.unwrap().is_empty());
    // n1, taken over, does not take back; n2 renews its own.
    assert_eq!(s.renew_leases("n1", &ids, 900).await.unwrap(), 1);
    assert_eq!(s.renew_leases("n2", &ids, 800).await.unwrap(), 1);
    let a2 = s.transaction("a2").await.unwrap().unwrap();
    assert_eq!((a2.owner.as_deref(), a2.lease_until), (Some("n2"), 800));
    // A node stopping releases its leases: claimable at once.
    assert_eq!(
        s.release_leases("n1").await.unwrap(),
        2,
        "a1 and the expired a3"
    );
    let taken = s.claim_lapsed("n3", 300, 900, 10).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"]
    );
    // Ended transactions are never claimed.
    s.finish_transaction(TxState::Pending, &finish("a2", TxState::Approved, 300))
        .await
        .unwrap();
    assert_eq!(s.release_leases("n2").await.unwrap(), 0);
    let taken = s.claim_lapsed("n4", 950, 2000, 10).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"],
        "only the pending, unexpired one whose lease lapsed"
    );
}

pub async fn outbox_claim_and_retry(s: &TestStore) {
    with_notifications(s, 1, 100).await; // a0
    let claimed = s.claim_outbox(100, 1000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // Leased: a second worker gets nothing until the lease ends.
    assert!(s.claim_outbox(200, 1000, 10).await.unwrap().is_empty());
    let retry = DeliveryResult::Retry {
        status: Some(503),
        error: "busy".into(),
        next_attempt_at: 2000,
    };
    s.record_delivery(claimed[0].id, &retry, 300).await.unwrap();
    assert!(s.claim_outbox(1999, 1000, 10).await.unwrap().is_empty());
    let again = s.claim_outbox(2000, 1000, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_status, Some(503));
    s.record_delivery(
        again[0].id,
        &DeliveryResult::Delivered { status: 204 },
        2100,
    )
    .await
    .unwrap();
    assert!(s.claim_outbox(99_999, 1000, 10).await.unwrap().is_empty());
    let all = s.outbox_for("a0").await.unwrap();
    assert_eq!(all[0].state, OutboxState::Delivered);
    assert_eq!(all[0].attempts, 2);
}

pub async fn outbox_lease_expires(s: &TestStore) {
    with_notifications(s, 1, 100).await; // a0
    let first = s.claim_outbox(100, 1000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    // The worker holding it dies: nothing is recorded. Until the lease ends nobody else
    // takes it; then another worker does, and the attempt count is unchanged.
    assert!(s.claim_outbox(1099, 1000, 10).await.unwrap().is_empty());
    let second = s.claim_outbox(1100, 1000, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].attempts, 0);
}
