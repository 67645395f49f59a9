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
];
