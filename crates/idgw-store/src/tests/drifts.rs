//! What the two backends once did differently (issue 14), pinned down on both so they
//! cannot drift apart again.

use super::TestStore;
use crate::*;

fn key(kid: &str, created_at: Millis) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        key_use: "sig".into(),
        alg: "ES256".into(),
        private_jwk: "{}".into(),
        created_at,
        retired_at: None,
    }
}

/// Keys come oldest first, and keys made in the same millisecond by `kid` (SQLite used to
/// leave those in any order).
pub async fn keys_by_creation_then_kid(s: &TestStore) {
    for (kid, created_at) in [("k3", 2), ("k2", 1), ("k1", 2)] {
        s.insert_key(&key(kid, created_at)).await.unwrap();
    }
    let kids: Vec<String> = s.keys().await.unwrap().into_iter().map(|k| k.kid).collect();
    assert_eq!(kids, ["k2", "k1", "k3"]);
}

/// A negative MT counter in the database is corrupt, not a huge `u64` (SQLite used to
/// convert with `as`): counters are never negative (TS 102 225 5.1.1).
pub async fn negative_mt_counter_is_corrupt(t: &TestStore) {
    assert_eq!(t.next_mt_counter("8944", 1).await.unwrap(), 1);
    t.exec("UPDATE ota_counters SET mt_counter = -5").await;
    assert!(matches!(
        t.next_mt_counter("8944", 1).await,
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        t.last_mt_counter("8944", 1).await,
        Err(StoreError::Corrupt(_))
    ));
}

/// Notifications due at the same time are claimed in the order they were written (`id`),
/// also after retries rewrote them in the opposite order (SQLite's claim had no tie-break).
pub async fn outbox_ties_claimed_by_id(s: &TestStore) {
    super::with_notifications(s, 3, 100).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.extend(
            s.outbox_for(&format!("a{i}"))
                .await
                .unwrap()
                .iter()
                .map(|n| n.id),
        );
    }
    assert_eq!(s.claim_outbox(100, 10, 10).await.unwrap().len(), 3);
    let retry = DeliveryResult::Retry {
        status: None,
        error: "refused".into(),
        next_attempt_at: 500,
    };
    for id in ids.iter().rev() {
        s.record_delivery(*id, &retry, 200).await.unwrap();
    }
    let claimed = |limit| async move {
        let items = s.claim_outbox(500, 1000, limit).await.unwrap();
        items.iter().map(|n| n.id).collect::<Vec<_>>()
    };
    assert_eq!(claimed(2).await, ids[..2]);
    assert_eq!(claimed(2).await, ids[2..]);
}

/// Transactions expiring in the same millisecond are swept and taken over by `auth_req_id`,
/// and pending ones listed by creation then `auth_req_id` (both backends left these ties in
/// any order).
pub async fn transaction_ties_by_auth_req_id(s: &TestStore) {
    for (id, msisdn) in [("a3", "1"), ("a1", "2"), ("a2", "3")] {
        s.insert_transaction(&super::tx(id, msisdn, 0, 1000)) // lease until 100
            .await
            .unwrap();
    }
    let ids =
        |rows: Vec<TransactionRow>| rows.into_iter().map(|t| t.auth_req_id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.pending_transactions().await.unwrap()),
        ["a1", "a2", "a3"]
    );
    assert_eq!(
        ids(s.claim_lapsed("n2", 500, 600, 2).await.unwrap()),
        ["a1", "a2"]
    );
    assert_eq!(ids(s.expired_pending(1000, 2).await.unwrap()), ["a1", "a2"]);
}
