//! Versioned schema migrations, embedded in the binary, applied in order inside one database
//! transaction and recorded in `schema_migrations`.

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
