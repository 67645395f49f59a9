//! The notification outbox on PostgreSQL. Claims lock the due rows with
//! `FOR UPDATE SKIP LOCKED` and lease them through `claimed_until`, so each notification is
//! worked on by one node at a time, and taken over by another once the lease ends if its node
//! dies.

use super::rows::{outbox_row, OUTBOX_COLUMNS};
use crate::{DeliveryResult, Millis, OutboxItem, OutboxState, Result};
use sqlx::postgres::PgPool;

pub(super) async fn claim_outbox(
    pool: &PgPool,
    now: Millis,
    lease: Millis,
    limit: u32,
) -> Result<Vec<OutboxItem>> {
    let mut tx = pool.begin().await?;
    // Rows another node is claiming right now are skipped, not waited for; rows it claimed
    // earlier are excluded by their lease.
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= $1 AND claimed_until <= $1
         ORDER BY next_attempt_at, id LIMIT $2
         FOR UPDATE SKIP LOCKED"
    ))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    let items = rows.iter().map(outbox_row).collect::<Result<Vec<_>>>()?;
    if !items.is_empty() {
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        sqlx::query("UPDATE outbox SET claimed_until = $1 WHERE id = ANY($2)")
            .bind(now + lease)
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(items)
}

pub(super) async fn record_delivery(
    pool: &PgPool,
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
        "UPDATE outbox SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3,
            next_attempt_at = COALESCE($4, next_attempt_at), claimed_until = 0, updated_at = $5
         WHERE id = $6",
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

pub(super) async fn outbox_for(pool: &PgPool, auth_req_id: &str) -> Result<Vec<OutboxItem>> {
    let rows = sqlx::query(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE auth_req_id = $1 ORDER BY id"
    ))
    .bind(auth_req_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(outbox_row).collect()
}
