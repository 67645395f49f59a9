//! The store suite against a real PostgreSQL, plus what only several nodes can get wrong:
//! concurrent outbox claims, counters, compare-and-set and migrations.
//!
//! Each case runs in its own [`ScratchDatabase`] on the server named by
//! `IDGW_TEST_POSTGRES_URL`, so cases run in parallel; unset, the cases say they were skipped.

use super::{backend_tests, finish, mssp_txn, tx, with_notifications, TestStore};
use crate::testing::ScratchDatabase;
use crate::{MsspInsert, StoreError, TxState};
use sqlx::{Connection, PgConnection};
use std::collections::HashSet;
use std::sync::Arc;

async fn open() -> Option<TestStore> {
    let scratch = ScratchDatabase::create("PostgreSQL store case").await?;
    let store = crate::PostgresStore::open(&scratch.url())
        .await
        .expect("open PostgresStore");
    Some(TestStore::postgres(store, scratch))
}

backend_tests!(open());

/// Two nodes claiming at the same instant never get the same notification, and between
/// them get every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_are_disjoint() {
    let Some(t) = open().await else { return };
    const N: usize = 60;
    with_notifications(&t, N, 100).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (store, barrier) = (t.store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut ids = Vec::new();
                loop {
                    let claimed = store.claim_outbox(100, 60_000, 4).await.unwrap();
                    assert!(claimed.len() <= 4, "{} claimed at once", claimed.len());
                    if claimed.is_empty() {
                        return ids;
                    }
                    ids.extend(claimed.iter().map(|item| item.id));
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for worker in workers {
        for id in worker.await.unwrap() {
            assert!(seen.insert(id), "notification {id} claimed twice");
        }
    }
    assert_eq!(seen.len(), N);
    t.done().await;
}

/// Survivors of a dead node racing to take over its transactions: each goes to one of them,
/// and between them they get every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_takeovers_are_disjoint() {
    let Some(t) = open().await else { return };
    const N: usize = 60;
    for i in 0..N {
        let row = tx(&format!("a{i}"), &format!("44{i}"), 0, 100_000); // n1, lease until 100
        t.store.insert_transaction(&row).await.unwrap();
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(3));
    let survivors: Vec<_> = (2..5)
        .map(|n| {
            let (store, barrier) = (t.store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let owner = format!("n{n}");
                let mut ids = Vec::new();
                loop {
                    let taken = store.claim_lapsed(&owner, 200, 60_000, 4).await.unwrap();
                    assert!(taken.len() <= 4, "{} taken over at once", taken.len());
                    if taken.is_empty() {
                        return ids;
                    }
                    assert!(taken.iter().all(|t| t.owner.as_deref() == Some(&*owner)));
                    ids.extend(taken.into_iter().map(|t| t.auth_req_id));
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for survivor in survivors {
        for id in survivor.await.unwrap() {
            assert!(seen.insert(id.clone()), "{id} taken over twice");
        }
    }
    assert_eq!(seen.len(), N);
    t.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mt_counters_are_distinct() {
    let Some(t) = open().await else { return };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = t.store.clone();
            tokio::spawn(async move { store.next_mt_counter("8944", 1).await.unwrap() })
        })
        .collect();
    let mut counters = Vec::new();
    for task in tasks {
        counters.push(task.await.unwrap());
    }
    counters.sort_unstable();
    assert_eq!(counters, (1..=8).collect::<Vec<u64>>());
    t.done().await;
}

/// Racing nodes: one pending transaction per MSISDN, one outcome per transaction, one
/// acceptance per MO counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_compare_and_set() {
    let Some(t) = open().await else { return };
    let inserts: Vec<_> = (0..8)
        .map(|i| {
            let store = t.store.clone();
            tokio::spawn(async move {
                store
                    .insert_transaction(&tx(&format!("r{i}"), "4477", 0, 1000))
                    .await
            })
        })
        .collect();
    let (mut ok, mut busy) = (0, 0);
    for insert in inserts {
        match insert.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Busy) => busy += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ok, busy), (1, 7));
    let pending = t.store.pending_transactions().await.unwrap();
    let id = pending[0].auth_req_id.clone();
    let finishes: Vec<_> = [TxState::Approved, TxState::Expired, TxState::Denied]
        .into_iter()
        .cycle()
        .take(8)
        .map(|state| {
            let (store, id) = (t.store.clone(), id.clone());
            tokio::spawn(async move {
                store
                    .finish_transaction(TxState::Pending, &finish(&id, state, 5))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for f in finishes {
        won += usize::from(f.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one outcome");
    let accepts: Vec<_> = (0..8)
        .map(|_| {
            let store = t.store.clone();
            tokio::spawn(async move { store.accept_mo_counter("8944", 1, 7).await.unwrap() })
        })
        .collect();
    let mut accepted = 0;
    for a in accepts {
        accepted += usize::from(a.await.unwrap());
    }
    assert_eq!(accepted, 1, "an MO counter is accepted once");
    t.done().await;
}

/// MSSP nodes racing: one wins an AP's `AP_TransID` (the others learn its transaction),
/// one wins an MSISDN, one outcome ends a transaction, one node reports its expiry.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mssp_transactions() {
    let Some(t) = open().await else { return };
    let race = |rows: Vec<crate::MsspTransactionRow>| {
        let tasks: Vec<_> = rows
            .into_iter()
            .map(|row| {
                let store = t.store.clone();
                tokio::spawn(async move { store.insert_mssp_transaction(&row).await.unwrap() })
            })
            .collect();
        async move {
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            results
        }
    };
    // The same AP_TransID retried on 8 nodes at once.
    let same_ap = race(
        (0..8)
            .map(|i| mssp_txn(&format!("M{i}"), "A1", "4477", 1000))
            .collect(),
    )
    .await;
    let winners = same_ap
        .iter()
        .filter(|r| **r == MsspInsert::Inserted)
        .count();
    assert_eq!(winners, 1, "{same_ap:?}");
    let winner = t.store.mssp_outstanding("4477").await.unwrap().unwrap();
    assert!(same_ap
        .iter()
        .all(|r| *r == MsspInsert::Inserted || *r == MsspInsert::Known(Box::new(winner.clone()))));
    // Different AP_TransIDs for one MSISDN at once.
    let same_msisdn = race(
        (0..8)
            .map(|i| mssp_txn(&format!("N{i}"), &format!("B{i}"), "4478", 1000))
            .collect(),
    )
    .await;
    let inserted = same_msisdn
        .iter()
        .filter(|r| **r == MsspInsert::Inserted)
        .count();
    let busy = same_msisdn
        .iter()
        .filter(|r| **r == MsspInsert::MsisdnBusy)
        .count();
    assert_eq!((inserted, busy), (1, 7));
    // Outcomes and expiry racing on the first transaction.
    let id = winner.mssp_trans_id;
    let enders: Vec<_> = (0..8)
        .map(|i| {
            let (store, id) = (t.store.clone(), id.clone());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    usize::from(
                        store
                            .finish_mssp_transaction(&id, 500, Some(&[1]), 5)
                            .await
                            .unwrap(),
                    )
                } else {
                    store
                        .expire_mssp_transactions(2000, 208)
                        .await
                        .unwrap()
                        .iter()
                        .filter(|(_, m)| *m == id)
                        .count()
                }
            })
        })
        .collect();
    let mut ended = 0;
    for e in enders {
        ended += e.await.unwrap();
    }
    assert_eq!(ended, 1, "exactly one outcome");
    t.done().await;
}

/// MSSP nodes claiming due notifications at once: each notification goes to one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_mssp_notification_claims_are_disjoint() {
    let Some(t) = open().await else { return };
    for i in 0..40 {
        let row = crate::MsspTransactionRow {
            ap_url: Some("http://ap/notify".into()),
            ap_binding: Some("soap".into()),
            ap_instant: Some("2024-05-01T12:00:00.000Z".into()),
            ..mssp_txn(&format!("M{i}"), &format!("A{i}"), &format!("44{i}"), 1000)
        };
        t.store.insert_mssp_transaction(&row).await.unwrap();
        t.store
            .finish_mssp_transaction(&row.mssp_trans_id, 500, Some(&[1]), 10)
            .await
            .unwrap();
    }
    let nodes: Vec<_> = (0..8)
        .map(|_| {
            let store = t.store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = store
                        .claim_mssp_notifications(100, 10_000, 3)
                        .await
                        .unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|r| r.mssp_trans_id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for node in nodes {
        all.extend(node.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (40, 40), "{all:?}");
    t.done().await;
}

/// Nodes starting together on an empty database: the advisory lock lets one migrate and
/// the others find the schema in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations() {
    let Some(scratch) = ScratchDatabase::create("concurrent_migrations").await else {
        return;
    };
    let url = scratch.url();
    let nodes: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { crate::PostgresStore::open(&url).await.map(|_| ()) })
        })
        .collect();
    for node in nodes {
        node.await.unwrap().expect("every node opens the store");
    }
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        versions,
        crate::migrate::POSTGRES
            .iter()
            .map(|m| m.0)
            .collect::<Vec<_>>()
    );
    conn.close().await.ok();
    scratch.drop_database().await;
}
