//! Versioned schema migrations, embedded in the binary and applied in order, each in its own
//! database transaction, recorded in `schema_migrations`.

/// (version, description, SQL) for SQLite.
pub(crate) const SQLITE: &[(i64, &str, &str)] = &[(
    1,
    "init",
    include_str!("../migrations/sqlite/0001_init.sql"),
)];
