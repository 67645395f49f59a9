//! Transaction leases on PostgreSQL: which node works a pending transaction, and taking over
//! those of a node that died (`FOR UPDATE SKIP LOCKED`, so racing nodes split the work).

use super::rows::{transaction_row, TX_COLUMNS};
use crate::{Millis, Result, TransactionRow};
use sqlx::postgres::PgPool;

pub(super) async fn renew_leases(
    pool: &PgPool,
    owner: &str,
    auth_req_ids: &[String],
    until: Millis,
) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE transactions SET lease_until = $1
         WHERE owner = $2 AND state = 'pending' AND auth_req_id = ANY($3)",
    )
    .bind(until)
    .bind(owner)
    .bind(auth_req_ids)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

pub(super) async fn claim_lapsed(
    pool: &PgPool,
    owner: &str,
    now: Millis,
    until: Millis,
    limit: u32,
) -> Result<Vec<TransactionRow>> {
    // READ COMMITTED re-checks the inner WHERE on a row another node changed meanwhile, and
    // SKIP LOCKED leaves rows being claimed right now to their claimant.
    let rows = sqlx::query(&format!(
        "UPDATE transactions SET owner = $1, lease_until = $2
         WHERE auth_req_id IN (
             SELECT auth_req_id FROM transactions
             WHERE state = 'pending' AND lease_until <= $3 AND expires_at > $3
             ORDER BY expires_at LIMIT $4
             FOR UPDATE SKIP LOCKED)
         RETURNING {TX_COLUMNS}"
    ))
    .bind(owner)
    .bind(until)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(transaction_row).collect()
}

pub(super) async fn release_leases(pool: &PgPool, owner: &str) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE transactions SET lease_until = 0 WHERE owner = $1 AND state = 'pending'",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}
