//! The notification outbox on SQLite: claiming due work under a lease, recording attempts.

use super::rows::{outbox_row, OUTBOX_COLUMNS};
use crate::{DeliveryResult, Millis, OutboxItem, OutboxState, Result};
use sqlx::sqlite::SqlitePool;

pub(super) async fn claim_outbox(
    pool: &SqlitePool,
    now: Millis,
    lease: Millis,
    limit: u32,
) -> Result<Vec<OutboxItem>> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ? AND claimed_until <= ?
         ORDER BY next_attempt_at, id LIMIT ?"
    ))
    .bind(now)
    .bind(now)
    .bind(limit as i64)
    .fetch_all(&mut *tx)
    .await?;
    let items = rows.iter().map(outbox_row).collect::<Result<Vec<_>>>()?;
    for item in &items {
        sqlx::query("UPDATE outbox SET claimed_until = ? WHERE id = ?")
            .bind(now + lease)
            .bind(item.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(items)
}

pub(super) async fn record_delivery(
    pool: &SqlitePool,
    id: i64,
    result: &DeliveryResult,
    now: Millis,
) -> Result<()> {
    let (state, status, error, next) = match result {
        DeliveryResult::Delivered { status } => (OutboxState::Delivered, Some(*status), None, None),
        DeliveryResult::Retry {
            status,
            error,
            next_attempt_at,
        } => (
            OutboxState::Pending,
            *status,
            Some(error.as_str()),
            Some(*next_attempt_at),
        ),
        DeliveryResult::Failed { status, error } => {
            (OutboxState::Failed, *status, Some(error.as_str()), None)
        }
    };
    sqlx::query(
        "UPDATE outbox SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?,
            next_attempt_at = COALESCE(?, next_attempt_at), claimed_until = 0, updated_at = ?
         WHERE id = ?",
    )
    .bind(state.as_str())
    .bind(status.map(i64::from))
    .bind(error)
    .bind(next)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn outbox_for(pool: &SqlitePool, auth_req_id: &str) -> Result<Vec<OutboxItem>> {
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE auth_req_id = ? ORDER BY id"
    ))
    .bind(auth_req_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(outbox_row).collect()
}
