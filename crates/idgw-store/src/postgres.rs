//! The PostgreSQL backend, for several idgw nodes sharing one database: its pool, its
//! migrations (under an advisory lock) and what its statements do differently ([`Backend`]).
//! The statements are `crate::sql`'s; sqlx prepares and caches them per connection.
//! Compare-and-set updates rely on READ COMMITTED re-checking their `WHERE` clause after
//! waiting for a concurrent writer, so a state or counter moves once whatever the number of
//! nodes.

use crate::sql::{Backend, SqlStore};
use crate::{migrate, Millis, Result};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::Postgres;
use std::str::FromStr;
use std::time::Duration;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<Postgres>;

crate::sql::for_backend!(sqlx::Postgres);

/// Connections per node. Each node holds its own pool; the server's `max_connections` bounds
/// the sum.
const POOL_SIZE: u32 = 16;
/// How long a caller waits for a connection (also bounds connecting at startup).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Backend for Postgres {
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";

    async fn renew_leases(
        conn: &mut PgConnection,
        owner: &str,
        auth_req_ids: &[String],
        until: Millis,
    ) -> Result<u64> {
        let r = sqlx::query(
            "UPDATE transactions SET lease_until = $1
             WHERE owner = $2 AND state = 'pending' AND auth_req_id = ANY($3)",
        )
        .bind(until)
        .bind(owner)
        .bind(auth_req_ids)
        .execute(conn)
        .await?;
        Ok(r.rows_affected())
    }
}

impl SqlStore<Postgres> {
    /// Connects to `url` (`postgres://user:pass@host:port/db`) and applies pending migrations
    /// in one transaction holding an advisory lock, so nodes starting together apply each
    /// migration exactly once.
    pub async fn open(url: &str) -> Result<PostgresStore> {
        let options = PgConnectOptions::from_str(url)?.application_name("idgw");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Some(Duration::from_secs(600)))
            .max_lifetime(Some(Duration::from_secs(3600)))
            .connect_with(options)
            .await?;
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(migrate::POSTGRES_LOCK)
            .execute(&mut *tx)
            .await?;
        migrate::apply::<Postgres>(&mut tx, migrate::POSTGRES_TABLE, migrate::POSTGRES).await?;
        tx.commit().await?;
        Ok(SqlStore { pool })
    }
}
