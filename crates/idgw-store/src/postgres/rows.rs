//! Reading PostgreSQL rows into model types, and the statements several methods share.

use crate::{
    Millis, OutboxItem, OutboxState, Result, StoreError, TokenKind, TokenRow, TransactionRow,
    TxState,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

pub(super) const TX_COLUMNS: &str =
    "auth_req_id, client_id, msisdn, state, request, outcome, created_at, expires_at, completed_at";
pub(super) const OUTBOX_COLUMNS: &str = "id, auth_req_id, url, bearer, body, state, attempts, next_attempt_at, deadline, last_status, last_error";
pub(super) const TOKEN_COLUMNS: &str =
    "token_hash, kind, client_id, auth_req_id, grant_data, created_at, expires_at, revoked_at";

pub(super) fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

pub(super) fn transaction_row(row: &PgRow) -> Result<TransactionRow> {
    let state: String = row.try_get("state")?;
    let state =
        TxState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?;
    Ok(TransactionRow {
        auth_req_id: row.try_get("auth_req_id")?,
        client_id: row.try_get("client_id")?,
        msisdn: row.try_get("msisdn")?,
        state,
        request: row.try_get("request")?,
        outcome: row.try_get("outcome")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

pub(super) fn token_row(row: &PgRow) -> Result<TokenRow> {
    let kind: String = row.try_get("kind")?;
    let kind = match kind.as_str() {
        "access" => TokenKind::Access,
        "refresh" => TokenKind::Refresh,
        other => return Err(StoreError::Corrupt(format!("token kind {other}"))),
    };
    Ok(TokenRow {
        token_hash: row.try_get("token_hash")?,
        kind,
        client_id: row.try_get("client_id")?,
        auth_req_id: row.try_get("auth_req_id")?,
        grant: row.try_get("grant_data")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(super) fn outbox_row(row: &PgRow) -> Result<OutboxItem> {
    let state: String = row.try_get("state")?;
    let state = OutboxState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("outbox state {state}")))?;
    Ok(OutboxItem {
        id: row.try_get("id")?,
        auth_req_id: row.try_get("auth_req_id")?,
        url: row.try_get("url")?,
        bearer: row.try_get("bearer")?,
        body: row.try_get("body")?,
        state,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        deadline: row.try_get("deadline")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
    })
}

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
