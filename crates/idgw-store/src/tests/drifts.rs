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
