//! Persistence for idgw behind one trait per aggregate ([`KeyStore`], [`TransactionStore`],
//! [`OutboxStore`], ...), and [`Store`], all of them.
//!
//! Callers never see SQL: every operation that must be atomic (finishing a transaction together
//! with its tokens and its notification, rotating a refresh token, claiming outbox work) is one
//! trait method, implemented by [`SqliteStore`] (embedded, one process) and [`PostgresStore`]
//! (several nodes on one database) alike, from one set of statements (`sql`); [`open`] picks
//! one from the storage URL. Times are integer milliseconds since the Unix epoch ([`Millis`]).

mod migrate;
mod model;
mod postgres;
mod rows;
mod sql;
mod sqlite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod traits;

pub use model::*;
pub use postgres::PostgresStore;
pub use sql::SqlStore;
pub use sqlite::SqliteStore;
pub use traits::*;

use std::sync::Arc;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// What can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another authentication is already in flight for this MSISDN (DESIGN.md section 8).
    #[error("another transaction is pending for this subscriber")]
    Busy,
    /// A row that must be unique already exists.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The URL names a backend this build does not have.
    #[error("unsupported storage url: {0}")]
    UnsupportedUrl(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Backend(#[from] sqlx::Error),
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the database could not be reached or did not answer in time, as opposed to
    /// refusing what was asked: I/O or TLS failure, a pool exhausted or closed, a lock held
    /// past the busy timeout (SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`), a PostgreSQL connection
    /// exception (SQLSTATE class 08), lack of resources (class 53) or a server shutting down
    /// (57P01-57P03). Callers answer these as "Service is not available" (e.g. Mobile
    /// Connect DI Table 8 "System connection problem").
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Backend(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(d) => {
                let code = d.code().unwrap_or_default();
                if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // Extended result codes keep the primary code in the low byte.
                    code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
                } else {
                    code.starts_with("08")
                        || code.starts_with("53")
                        || matches!(&*code, "57P01" | "57P02" | "57P03")
                }
            }
            _ => false,
        }
    }
}

/// Opens the store named by `url` (`sqlite://path`, `sqlite::memory:`, or
/// `postgres://user:pass@host:port/db`), running migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

#[cfg(test)]
mod tests;
