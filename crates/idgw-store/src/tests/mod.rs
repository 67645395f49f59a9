//! The store test suite. Each case is written against a [`TestStore`] (the store as
//! `dyn Store`), and `backend_tests!` instantiates every case for a backend, so all backends
//! pass the same suite: SQLite here, PostgreSQL in [`postgres`] (against a real server, see
//! `scripts/postgres.sh`). The cases are in [`transactions`], [`tokens`], [`records`] and
//! [`drifts`].

mod drifts;
mod mssp;
mod postgres;
mod records;
mod tokens;
mod transactions;

pub use drifts::*;
pub use mssp::*;
pub use records::*;
pub use tokens::*;
pub use transactions::*;

use crate::*;

pub fn tx(id: &str, msisdn: &str, created_at: Millis, expires_at: Millis) -> TransactionRow {
    TransactionRow {
        auth_req_id: id.into(),
        client_id: "sp1".into(),
        msisdn: msisdn.into(),
        state: TxState::Pending,
        request: "{}".into(),
        outcome: None,
        created_at,
        expires_at,
        completed_at: None,
        owner: Some("n1".into()),
        lease_until: created_at + 100,
    }
}

pub fn token(hash: u8, kind: TokenKind) -> TokenRow {
    TokenRow {
        token_hash: vec![hash; 32],
        kind,
        client_id: "sp1".into(),
        auth_req_id: Some("a1".into()),
        grant: "{}".into(),
        created_at: 1,
        expires_at: 10_000,
        revoked_at: None,
    }
}

pub fn finish(id: &str, state: TxState, now: Millis) -> Finish {
    Finish {
        auth_req_id: id.into(),
        state,
        outcome: Some("{\"ok\":1}".into()),
        tokens: vec![],
        notification: None,
        now,
    }
}

/// Finishes `n` transactions, each with a notification due at `now`.
pub async fn with_notifications(s: &TestStore, n: usize, now: Millis) {
    for i in 0..n {
        let id = format!("a{i}");
        s.insert_transaction(&tx(&id, &format!("44{i}"), 0, 100_000))
            .await
            .unwrap();
        let mut f = finish(&id, TxState::Approved, now);
        f.notification = Some(NewNotification {
            auth_req_id: id.clone(),
            url: "http://127.0.0.1:1/cb".into(),
            bearer: "tok".into(),
            body: "{}".into(),
            deadline: 100_000,
        });
        assert!(s.finish_transaction(TxState::Pending, &f).await.unwrap());
    }
}

/// A store under test, and what to clean up once the case has passed. Dereferences to the
/// store.
pub struct TestStore {
    pub store: std::sync::Arc<dyn Store>,
    /// The same database, for what the store itself never writes.
    pub raw: RawPool,
    /// The scratch PostgreSQL database to drop afterwards.
    pub scratch: Option<crate::testing::ScratchDatabase>,
}

/// The pool under a [`TestStore`].
pub enum RawPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl TestStore {
    pub fn sqlite(store: SqliteStore) -> TestStore {
        TestStore {
            raw: RawPool::Sqlite(store.pool.clone()),
            store: std::sync::Arc::new(store),
            scratch: None,
        }
    }

    pub fn postgres(store: PostgresStore, scratch: crate::testing::ScratchDatabase) -> TestStore {
        TestStore {
            raw: RawPool::Postgres(store.pool.clone()),
            store: std::sync::Arc::new(store),
            scratch: Some(scratch),
        }
    }

    /// Runs `sql` directly on the database (planting rows the store would never write).
    pub async fn exec(&self, sql: &str) {
        use sqlx::Executor;
        match &self.raw {
            RawPool::Sqlite(pool) => pool.execute(sql).await.map(drop),
            RawPool::Postgres(pool) => pool.execute(sql).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub async fn done(self) {
        drop(self.store);
        drop(self.raw);
        if let Some(scratch) = self.scratch {
            scratch.drop_database().await;
        }
    }
}

impl std::ops::Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        &*self.store
    }
}

/// One `#[tokio::test]` per case; `$open` yields `None` when the backend is not available
/// (the case then passes after saying it was skipped). `backend_tests!(open())` instantiates
/// every case, so no backend can miss one.
macro_rules! backend_tests {
    ($open:expr) => {
        backend_tests!(
            $open,
            one_pending_transaction_per_msisdn,
            finish_is_compare_and_set,
            expired_pending_lists_only_due,
            lapsed_leases_are_taken_over,
            jti_is_single_use,
            refresh_rotation_is_single_use,
            outbox_claim_and_retry,
            pcr_is_stable_per_sector,
            settings_first_writer_wins,
            clients_and_subscribers,
            events_in_order,
            keys_round_trip,
            ota_counters_never_reissue,
            outbox_lease_expires,
            code_from_an_approved_transaction_once,
            code_redeems_once_and_replay_revokes,
            mssp_transactions_keep_ap_trans_id_and_one_outcome,
            keys_by_creation_then_kid,
            negative_mt_counter_is_corrupt,
            outbox_ties_claimed_by_id,
            transaction_ties_by_auth_req_id,
            mssp_notifications_are_due_claimed_and_rescheduled,
        );
    };
    ($open:expr, $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(t) = $open.await else { return };
                super::$case(&t).await;
                t.done().await;
            }
        )*
    };
}
use backend_tests;

mod sqlite {
    use super::TestStore;

    async fn open() -> Option<TestStore> {
        let store = crate::SqliteStore::open("sqlite::memory:").await.unwrap();
        Some(TestStore::sqlite(store))
    }

    backend_tests!(open());

    #[tokio::test]
    async fn file_database_survives_reopen() {
        let dir = std::env::temp_dir().join(format!("idgw-store-{}", std::process::id()));
        let url = format!("sqlite://{}/t.db", dir.display());
        {
            let s = crate::open(&url).await.unwrap();
            s.setting_get_or_insert("k", "v").await.unwrap();
        }
        let s = crate::open(&url).await.unwrap();
        assert_eq!(s.setting_get_or_insert("k", "other").await.unwrap(), "v");
        std::fs::remove_dir_all(dir).ok();
    }
}
