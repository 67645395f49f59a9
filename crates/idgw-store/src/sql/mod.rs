//! The store's SQL, written once for both backends. One module per aggregate holds its
//! statements, with `$N` placeholders (which SQLite and PostgreSQL both accept), and a
//! `for_backend!` macro that instantiates them for one backend's database type, in a module
//! of the backend's named after the aggregate (`crate::sqlite::tokens`):
//! - functions on that backend's connection, one per statement or per group of statements
//!   that must be atomic, so that a caller can run several in one database transaction (a
//!   `Transaction` dereferences to its connection) and decide when to commit;
//! - the aggregate's trait (`crate::traits`) for [`SqlStore`] on that backend, each method
//!   on a pooled connection, or in a database transaction where its writes must be atomic.
//!
//! Macros rather than generic functions: sqlx would have every generic function restate, type
//! by type, that the backend encodes what it binds and decodes what it reads.
//! What truly differs between the backends is [`Backend`]'s, and their pools and migrations
//! (`crate::sqlite`, `crate::postgres`).

pub(crate) mod clients;
pub(crate) mod codes;
pub(crate) mod events;
pub(crate) mod keys;
pub(crate) mod leases;
pub(crate) mod mssp;
pub(crate) mod ota;
pub(crate) mod outbox;
pub(crate) mod subscribers;
pub(crate) mod tokens;
pub(crate) mod transactions;

use crate::{Millis, Result};
use sqlx::{Database, Pool, Transaction};
use std::future::Future;

/// The store on one SQL backend: [`crate::SqliteStore`] or [`crate::PostgresStore`].
pub struct SqlStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
}

/// What differs between the backends' statements.
pub(crate) trait Backend: Database {
    /// Ends the query that selects a claim's rows. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
    /// that nodes claiming at once split the due rows instead of waiting for each other;
    /// SQLite: nothing, as it runs one writer at a time.
    const SKIP_LOCKED: &'static str;

    /// Extends `owner`'s lease to `until` on those of `auth_req_ids` that are pending and
    /// its own; returns how many. The list is an array bind on PostgreSQL and `IN` lists on
    /// SQLite.
    fn renew_leases(
        conn: &mut Self::Connection,
        owner: &str,
        auth_req_ids: &[String],
        until: Millis,
    ) -> impl Future<Output = Result<u64>> + Send;
}

/// Commits `tx` when `keep`, else rolls it back; returns `keep`. For the compare-and-set
/// groups, which write nothing more once their guard failed.
pub(crate) async fn settle<DB: Database>(tx: Transaction<'_, DB>, keep: bool) -> Result<bool> {
    if keep {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(keep)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Instantiates every aggregate for backend `$db` (a path, as `sqlx::Sqlite`), each in a
/// module of the invoking module named after it; invoked once in `crate::sqlite` and once in
/// `crate::postgres`.
macro_rules! for_backend {
    ($db:ty) => {
        $crate::sql::for_backend!($db, keys, clients, subscribers, transactions, leases, tokens,
            outbox, ota, codes, mssp, events);
    };
    ($db:ty, $($aggregate:ident),+) => {
        $(
            pub(crate) mod $aggregate {
                $crate::sql::$aggregate::for_backend!($db);
            }
        )+
    };
}
pub(crate) use for_backend;
