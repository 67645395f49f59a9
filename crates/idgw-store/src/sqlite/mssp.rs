//! The MSSP's transactions on SQLite (statements in `crate::mssp`).

use sqlx::Row;

crate::mssp::mssp_methods!(sqlx::sqlite::SqlitePool);
