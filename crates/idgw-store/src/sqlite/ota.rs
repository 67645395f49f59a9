//! The OTA card database and its counters on SQLite (TS 102 225 5.1.1).

use crate::{CardRow, Millis, Result, StoreError};
use sqlx::sqlite::SqlitePool;
use sqlx::Row;

/// The card whose `column` (`msisdn` or `iccid`, both unique) equals `value`.
pub(super) async fn card_where(
    pool: &SqlitePool,
    column: &'static str,
    value: &str,
) -> Result<Option<CardRow>> {
    let row = sqlx::query(&format!(
        "SELECT msisdn, iccid, algorithm, kvn, kic, kid, tar, applet_key FROM ota_cards WHERE {column} = ?"
    ))
    .bind(value)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        let kvn: i64 = r.try_get("kvn")?;
        Ok(CardRow {
            msisdn: r.try_get("msisdn")?,
            iccid: r.try_get("iccid")?,
            algorithm: r.try_get("algorithm")?,
            kvn: u8::try_from(kvn).map_err(|_| StoreError::Corrupt(format!("kvn {kvn}")))?,
            kic: r.try_get("kic")?,
            kid: r.try_get("kid")?,
            tar: r.try_get("tar")?,
            applet_key: r.try_get("applet_key")?,
        })
    })
    .transpose()
}

pub(super) async fn upsert_card(pool: &SqlitePool, c: &CardRow, now: Millis) -> Result<()> {
    sqlx::query(
        "INSERT INTO ota_cards (msisdn, iccid, algorithm, kvn, kic, kid, tar, applet_key, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (msisdn) DO UPDATE SET iccid = excluded.iccid, algorithm = excluded.algorithm,
            kvn = excluded.kvn, kic = excluded.kic, kid = excluded.kid, tar = excluded.tar,
            applet_key = excluded.applet_key, updated_at = excluded.updated_at",
    )
    .bind(&c.msisdn)
    .bind(&c.iccid)
    .bind(&c.algorithm)
    .bind(c.kvn as i64)
    .bind(&c.kic)
    .bind(&c.kid)
    .bind(&c.tar)
    .bind(&c.applet_key)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn insert_card(pool: &SqlitePool, c: &CardRow, now: Millis) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO ota_cards (msisdn, iccid, algorithm, kvn, kic, kid, tar, applet_key, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(&c.msisdn)
    .bind(&c.iccid)
    .bind(&c.algorithm)
    .bind(c.kvn as i64)
    .bind(&c.kic)
    .bind(&c.kid)
    .bind(&c.tar)
    .bind(&c.applet_key)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub(super) async fn card(pool: &SqlitePool, msisdn: &str) -> Result<Option<CardRow>> {
    card_where(pool, "msisdn", msisdn).await
}

pub(super) async fn card_by_iccid(pool: &SqlitePool, iccid: &str) -> Result<Option<CardRow>> {
    card_where(pool, "iccid", iccid).await
}

pub(super) async fn next_mt_counter(pool: &SqlitePool, iccid: &str, kvn: u8) -> Result<u64> {
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO ota_counters (iccid, kvn, mt_counter, mo_counter) VALUES (?, ?, 1, 0)
         ON CONFLICT (iccid, kvn) DO UPDATE SET mt_counter = ota_counters.mt_counter + 1
         RETURNING mt_counter",
    )
    .bind(iccid)
    .bind(kvn as i64)
    .fetch_one(pool)
    .await?;
    u64::try_from(next).map_err(|_| StoreError::Corrupt(format!("mt counter {next}")))
}

pub(super) async fn last_mt_counter(pool: &SqlitePool, iccid: &str, kvn: u8) -> Result<u64> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT mt_counter FROM ota_counters WHERE iccid = ? AND kvn = ?")
            .bind(iccid)
            .bind(i64::from(kvn))
            .fetch_optional(pool)
            .await?;
    let last = last.unwrap_or(0);
    u64::try_from(last).map_err(|_| StoreError::Corrupt(format!("mt counter {last}")))
}

pub(super) async fn accept_mo_counter(
    pool: &SqlitePool,
    iccid: &str,
    kvn: u8,
    cntr: u64,
) -> Result<bool> {
    let cntr = i64::try_from(cntr).map_err(|_| StoreError::Corrupt("counter too large".into()))?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO ota_counters (iccid, kvn, mt_counter, mo_counter) VALUES (?, ?, 0, 0)
         ON CONFLICT (iccid, kvn) DO NOTHING",
    )
    .bind(iccid)
    .bind(kvn as i64)
    .execute(&mut *tx)
    .await?;
    let r = sqlx::query(
        "UPDATE ota_counters SET mo_counter = ? WHERE iccid = ? AND kvn = ? AND mo_counter < ?",
    )
    .bind(cntr)
    .bind(iccid)
    .bind(kvn as i64)
    .bind(cntr)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(r.rows_affected() == 1)
}
