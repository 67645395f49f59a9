//! Versioned schema migrations, embedded in the binary, applied in order inside one database
//! transaction and recorded in `schema_migrations`. The files differ between the backends in
//! their column types only; [`apply`] is the same for both.

use crate::{Millis, Result};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

/// The table of applied versions on SQLite.
pub(crate) const SQLITE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)";

/// The table of applied versions on PostgreSQL.
pub(crate) const POSTGRES_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// (version, description, SQL) for SQLite.
pub(crate) const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "ota_cards",
        include_str!("../migrations/sqlite/0002_ota_cards.sql"),
    ),
    (
        3,
        "mc_di",
        include_str!("../migrations/sqlite/0003_mc_di.sql"),
    ),
    (
        4,
        "transaction_leases",
        include_str!("../migrations/sqlite/0004_transaction_leases.sql"),
    ),
    (
        5,
        "mssp_transactions",
        include_str!("../migrations/sqlite/0005_mssp_transactions.sql"),
    ),
    (
        6,
        "mssp_notifications",
        include_str!("../migrations/sqlite/0006_mssp_notifications.sql"),
    ),
];

/// (version, description, SQL) for PostgreSQL: the same tables, with BIGINT milliseconds and
/// BYTEA blobs.
pub(crate) const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "ota_cards",
        include_str!("../migrations/postgres/0002_ota_cards.sql"),
    ),
    (
        3,
        "mc_di",
        include_str!("../migrations/postgres/0003_mc_di.sql"),
    ),
    (
        4,
        "transaction_leases",
        include_str!("../migrations/postgres/0004_transaction_leases.sql"),
    ),
    (
        5,
        "mssp_transactions",
        include_str!("../migrations/postgres/0005_mssp_transactions.sql"),
    ),
    (
        6,
        "mssp_notifications",
        include_str!("../migrations/postgres/0006_mssp_notifications.sql"),
    ),
];

/// The `pg_advisory_xact_lock` key held while migrating PostgreSQL, so nodes starting at once
/// apply each migration once ("idgwmigr" in ASCII).
pub(crate) const POSTGRES_LOCK: i64 = 0x6964_6777_6d69_6772;

/// Applies those of `migrations` (version, description, SQL) not recorded yet, each on its
/// own (branches number their migrations apart, so a lower number may arrive after a higher
/// one was applied), creating `schema_migrations` with `ddl` first. Run it in the database
/// transaction of the backend's `migrate`, which may lock first.
pub(crate) async fn apply<DB>(
    conn: &mut DB::Connection,
    ddl: &str,
    migrations: &[(i64, &str, &str)],
) -> Result<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
    // Without arguments a statement goes over the simple protocol, which runs every
    // statement of a migration file. (`sqlx::raw_sql` would do the same, but its future is
    // not `Send` for every lifetime, so `open` could not be spawned.)
    conn.execute(ddl).await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for &(version, description, sql) in migrations {
        if applied.contains(&version) {
            continue;
        }
        conn.execute(sql).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(description)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
