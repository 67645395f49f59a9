//! The embedded SQLite backend (WAL mode), one process on one file: its pool, its
//! migrations and what its statements do differently ([`Backend`]). The statements are
//! `crate::sql`'s.

use crate::sql::{Backend, SqlStore};
use crate::{migrate, Millis, Result, StoreError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Sqlite;
use std::str::FromStr;
use std::time::Duration;

/// The store on SQLite.
pub type SqliteStore = SqlStore<Sqlite>;

crate::sql::for_backend!(sqlx::Sqlite);

/// Identifiers per statement, well under SQLite's bound on parameters.
const CHUNK: usize = 500;

impl Backend for Sqlite {
    /// SQLite runs one writer at a time and has no row locks.
    const SKIP_LOCKED: &'static str = "";

    async fn renew_leases(
        conn: &mut SqliteConnection,
        owner: &str,
        auth_req_ids: &[String],
        until: Millis,
    ) -> Result<u64> {
        let mut renewed = 0;
        for chunk in auth_req_ids.chunks(CHUNK) {
            let marks: Vec<String> = (3..3 + chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "UPDATE transactions SET lease_until = $1
                 WHERE owner = $2 AND state = 'pending' AND auth_req_id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(until).bind(owner);
            for id in chunk {
                query = query.bind(id);
            }
            renewed += query.execute(&mut *conn).await?.rows_affected();
        }
        Ok(renewed)
    }
}

impl SqlStore<Sqlite> {
    /// Opens (creating if needed) the database at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let in_memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .filter(|_| !in_memory)
            .map(|p| p.split('?').next().unwrap_or(p))
        {
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Backend(sqlx::Error::Io(e)))?;
                }
            }
        }
        // An in-memory database lives as long as its one connection.
        let max = if in_memory { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(if in_memory {
                None
            } else {
                Some(Duration::from_secs(3600))
            })
            .connect_with(options)
            .await?;
        let mut tx = pool.begin().await?;
        migrate::apply::<Sqlite>(&mut tx, migrate::SQLITE_TABLE, migrate::SQLITE).await?;
        tx.commit().await?;
        Ok(SqlStore { pool })
    }
}
