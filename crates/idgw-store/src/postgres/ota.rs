//! The OTA card database and its counters on PostgreSQL. Counters change in single
//! statements (or under the row lock an `UPDATE` takes), so no counter is issued twice
//! whatever the number of nodes (TS 102 225 5.1.1).

use crate::{CardRow, Millis, Result, StoreError};
use sqlx::postgres::PgPool;
use sqlx::Row;

const CARD_COLUMNS: &str = "msisdn, iccid, algorithm, kvn, kic, kid, tar, applet_key";

/// The card whose `column` (`msisdn` or `iccid`, both unique) equals `value`.
pub(super) async fn card_where(
    pool: &PgPool,
    column: &'static str,
    value: &str,
) -> Result<Option<CardRow>> {
    let Some(r) = sqlx::query(&format!(
        "SELECT {CARD_COLUMNS} FROM ota_cards WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let kvn: i64 = r.try_get("kvn")?;
    Ok(Some(CardRow {
        msisdn: r.try_get("msisdn")?,
        iccid: r.try_get("iccid")?,
        algorithm: r.try_get("algorithm")?,
        kvn: u8::try_from(kvn).map_err(|_| StoreError::Corrupt(format!("kvn {kvn}")))?,
        kic: r.try_get("kic")?,
        kid: r.try_get("kid")?,
        tar: r.try_get("tar")?,
        applet_key: r.try_get("applet_key")?,
    }))
}

/// `INSERT` of a card followed by `tail` (its conflict clause).
async fn write_card(pool: &PgPool, c: &CardRow, now: Millis, tail: &str) -> Result<u64> {
    let r = sqlx::query(&format!(
        "INSERT INTO ota_cards ({CARD_COLUMNS}, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {tail}"
    ))
    .bind(&c.msisdn)
    .bind(&c.iccid)
    .bind(&c.algorithm)
    .bind(i64::from(c.kvn))
    .bind(&c.kic)
    .bind(&c.kid)
    .bind(&c.tar)
    .bind(&c.applet_key)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

pub(super) async fn upsert_card(pool: &PgPool, c: &CardRow, now: Millis) -> Result<()> {
    write_card(
        pool,
        c,
        now,
        "ON CONFLICT (msisdn) DO UPDATE SET iccid = excluded.iccid, algorithm = excluded.algorithm,
            kvn = excluded.kvn, kic = excluded.kic, kid = excluded.kid, tar = excluded.tar,
            applet_key = excluded.applet_key, updated_at = excluded.updated_at",
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_card(pool: &PgPool, c: &CardRow, now: Millis) -> Result<bool> {
    Ok(write_card(pool, c, now, "ON CONFLICT DO NOTHING").await? == 1)
}

pub(super) async fn next_mt_counter(pool: &PgPool, iccid: &str, kvn: u8) -> Result<u64> {
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO ota_counters (iccid, kvn, mt_counter, mo_counter) VALUES ($1, $2, 1, 0)
         ON CONFLICT (iccid, kvn) DO UPDATE SET mt_counter = ota_counters.mt_counter + 1
         RETURNING mt_counter",
    )
    .bind(iccid)
    .bind(i64::from(kvn))
    .fetch_one(pool)
    .await?;
    u64::try_from(next).map_err(|_| StoreError::Corrupt(format!("mt counter {next}")))
}

pub(super) async fn last_mt_counter(pool: &PgPool, iccid: &str, kvn: u8) -> Result<u64> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT mt_counter FROM ota_counters WHERE iccid = $1 AND kvn = $2")
            .bind(iccid)
            .bind(i64::from(kvn))
            .fetch_optional(pool)
            .await?;
    let last = last.unwrap_or(0);
    u64::try_from(last).map_err(|_| StoreError::Corrupt(format!("mt counter {last}")))
}

pub(super) async fn accept_mo_counter(
    pool: &PgPool,
    iccid: &str,
    kvn: u8,
    cntr: u64,
) -> Result<bool> {
    let cntr = i64::try_from(cntr).map_err(|_| StoreError::Corrupt("counter too large".into()))?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO ota_counters (iccid, kvn, mt_counter, mo_counter) VALUES ($1, $2, 0, 0)
         ON CONFLICT (iccid, kvn) DO NOTHING",
    )
    .bind(iccid)
    .bind(i64::from(kvn))
    .execute(&mut *tx)
    .await?;
    // Under READ COMMITTED a concurrent UPDATE waits for the row lock and re-checks the
    // condition against the committed value, so of two equal counters only one is accepted.
    let r = sqlx::query(
        "UPDATE ota_counters SET mo_counter = $1 WHERE iccid = $2 AND kvn = $3 AND mo_counter < $1",
    )
    .bind(cntr)
    .bind(iccid)
    .bind(i64::from(kvn))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(r.rows_affected() == 1)
}
