//! Mobile Connect DI on SQLite: authorization codes and browser sessions (statements in
//! `crate::di`).

crate::di::di_methods!(sqlx::sqlite::SqlitePool, super::rows::insert_token_in);
