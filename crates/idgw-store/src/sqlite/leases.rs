//! Transaction leases on SQLite: which node works a pending transaction, and taking over
//! those whose lease lapsed. SQLite runs one writer at a time, so each statement is atomic.

use super::rows::{transaction_row, TX_COLUMNS};
use crate::{Millis, Result, TransactionRow};
use sqlx::sqlite::SqlitePool;

/// Identifiers per statement, well under SQLite's bound on parameters.
const CHUNK: usize = 500;

pub(super) async fn renew_leases(
    pool: &SqlitePool,
    owner: &str,
    auth_req_ids: &[String],
    until: Millis,
) -> Result<u64> {
    let mut renewed = 0;
    for chunk in auth_req_ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "UPDATE transactions SET lease_until = ?
             WHERE owner = ? AND state = 'pending' AND auth_req_id IN ({marks})"
        );
        let mut query = sqlx::query(&sql).bind(until).bind(owner);
        for id in chunk {
            query = query.bind(id);
        }
        renewed += query.execute(pool).await?.rows_affected();
    }
    Ok(renewed)
}

pub(super) async fn claim_lapsed(
    pool: &SqlitePool,
    owner: &str,
    now: Millis,
    until: Millis,
    limit: u32,
) -> Result<Vec<TransactionRow>> {
    let rows = sqlx::query(&format!(
        "UPDATE transactions SET owner = ?, lease_until = ?
         WHERE auth_req_id IN (
             SELECT auth_req_id FROM transactions
             WHERE state = 'pending' AND lease_until <= ? AND expires_at > ?
             ORDER BY expires_at LIMIT ?)
         RETURNING {TX_COLUMNS}"
    ))
    .bind(owner)
    .bind(until)
    .bind(now)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(transaction_row).collect()
}

pub(super) async fn release_leases(pool: &SqlitePool, owner: &str) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE transactions SET lease_until = 0 WHERE owner = ? AND state = 'pending'",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}
