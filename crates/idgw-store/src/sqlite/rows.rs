//! The SQLite statements several methods share; the row mapping is shared by every
//! backend (`crate::rows`).

use crate::{Result, TokenRow};
use sqlx::{Sqlite, Transaction};

pub(super) use crate::rows::{
    is_unique_violation, now_ms, outbox_row, token_row, transaction_row, OUTBOX_COLUMNS,
    TOKEN_COLUMNS, TX_COLUMNS,
};

pub(super) async fn insert_token_in(tx: &mut Transaction<'_, Sqlite>, t: &TokenRow) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&t.token_hash)
    .bind(t.kind.as_str())
    .bind(&t.client_id)
    .bind(&t.auth_req_id)
    .bind(&t.grant)
    .bind(t.created_at)
    .bind(t.expires_at)
    .bind(t.revoked_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
