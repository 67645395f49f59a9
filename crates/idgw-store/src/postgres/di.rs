//! Mobile Connect DI on PostgreSQL: authorization codes and browser sessions (statements in
//! `crate::di`).

crate::di::di_methods!(sqlx::postgres::PgPool, super::rows::insert_token_on);
