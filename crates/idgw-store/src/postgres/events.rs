//! Trace events on PostgreSQL, for `idgw trace`.

use crate::{Event, Result};
use sqlx::postgres::PgPool;
use sqlx::Row;

pub(super) async fn record_event(pool: &PgPool, e: &Event) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (auth_req_id, correlation_id, component, step, outcome, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&e.auth_req_id)
    .bind(&e.correlation_id)
    .bind(&e.component)
    .bind(&e.step)
    .bind(&e.outcome)
    .bind(&e.detail)
    .bind(e.at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn events(pool: &PgPool, auth_req_id: &str) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT auth_req_id, correlation_id, component, step, outcome, detail, at FROM events
         WHERE auth_req_id = $1 ORDER BY at, id",
    )
    .bind(auth_req_id)
    .fetch_all(pool)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        events.push(Event {
            auth_req_id: r.try_get("auth_req_id")?,
            correlation_id: r.try_get("correlation_id")?,
            component: r.try_get("component")?,
            step: r.try_get("step")?,
            outcome: r.try_get("outcome")?,
            detail: r.try_get("detail")?,
            at: r.try_get("at")?,
        });
    }
    Ok(events)
}
