//! The PostgreSQL statements several methods share; the row mapping is shared by every
//! backend (`crate::rows`).

use crate::{Result, TokenRow};
use sqlx::PgConnection;

pub(super) use crate::rows::{
    is_unique_violation, now_ms, outbox_row, token_row, transaction_row, OUTBOX_COLUMNS,
    TOKEN_COLUMNS, TX_COLUMNS,
};

/// Inserts one token on `conn` (a transaction when it must be atomic with other writes).
pub(super) async fn insert_token_on(conn: &mut PgConnection, t: &TokenRow) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&t.token_hash)
    .bind(t.kind.as_str())
    .bind(&t.client_id)
    .bind(&t.auth_req_id)
    .bind(&t.grant)
    .bind(t.created_at)
    .bind(t.expires_at)
    .bind(t.revoked_at)
    .execute(conn)
    .await?;
    Ok(())
}
