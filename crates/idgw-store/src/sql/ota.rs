//! The OTA card database and its counters (migration 0002), for [`crate::CardStore`].
//! Counters change in single statements, or under the row lock an `UPDATE` takes, so no
//! counter is issued twice whatever the number of nodes (TS 102 225 5.1.1).

use crate::{Result, StoreError};

pub(crate) const CARD_COLUMNS: &str = "msisdn, iccid, algorithm, kvn, kic, kid, tar, applet_key";

/// A stored counter as the `u64` it was issued as: a negative one is corrupt.
pub(crate) fn counter(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("counter {value}")))
}

/// Instantiates the statements and [`crate::CardStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::ota::{counter, CARD_COLUMNS};
        use $crate::sql::SqlStore;
        use $crate::{CardRow, CardStore, Millis, Result, StoreError};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl CardStore for SqlStore<$db> {
            async fn upsert_card(&self, c: &CardRow, now: Millis) -> Result<()> {
                upsert_card(&mut *self.pool.acquire().await?, c, now).await
            }

            async fn insert_card(&self, c: &CardRow, now: Millis) -> Result<bool> {
                insert_card(&mut *self.pool.acquire().await?, c, now).await
            }

            async fn card(&self, msisdn: &str) -> Result<Option<CardRow>> {
                card_where(&mut *self.pool.acquire().await?, "msisdn", msisdn).await
            }

            async fn card_by_iccid(&self, iccid: &str) -> Result<Option<CardRow>> {
                card_where(&mut *self.pool.acquire().await?, "iccid", iccid).await
            }

            async fn next_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64> {
                next_mt_counter(&mut *self.pool.acquire().await?, iccid, kvn).await
            }

            async fn last_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64> {
                last_mt_counter(&mut *self.pool.acquire().await?, iccid, kvn).await
            }

            async fn accept_mo_counter(&self, iccid: &str, kvn: u8, cntr: u64) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let accepted = accept_mo_counter(&mut tx, iccid, kvn, cntr).await?;
                tx.commit().await?;
                Ok(accepted)
            }
        }

        /// The card whose `column` (`msisdn` or `iccid`, both unique) equals `value`.
        pub(crate) async fn card_where(
            conn: &mut Conn,
            column: &'static str,
            value: &str,
        ) -> Result<Option<CardRow>> {
            sqlx::query(&format!("SELECT {CARD_COLUMNS} FROM ota_cards WHERE {column} = $1"))
                .bind(value)
                .fetch_optional(conn)
                .await?
                .as_ref()
                .map(ReadRow::card_row)
                .transpose()
        }

        /// `INSERT` of a card followed by `tail` (its conflict clause); rows written.
        async fn write_card(conn: &mut Conn, c: &CardRow, now: Millis, tail: &str) -> Result<u64> {
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
            .execute(conn)
            .await?;
            Ok(r.rows_affected())
        }

        pub(crate) async fn upsert_card(conn: &mut Conn, c: &CardRow, now: Millis) -> Result<()> {
            let tail = "ON CONFLICT (msisdn) DO UPDATE SET iccid = excluded.iccid,
                algorithm = excluded.algorithm, kvn = excluded.kvn, kic = excluded.kic,
                kid = excluded.kid, tar = excluded.tar, applet_key = excluded.applet_key,
                updated_at = excluded.updated_at";
            write_card(conn, c, now, tail).await?;
            Ok(())
        }

        /// False when a card exists for the MSISDN (or the ICCID).
        pub(crate) async fn insert_card(conn: &mut Conn, c: &CardRow, now: Millis) -> Result<bool> {
            Ok(write_card(conn, c, now, "ON CONFLICT DO NOTHING").await? == 1)
        }

        pub(crate) async fn next_mt_counter(conn: &mut Conn, iccid: &str, kvn: u8) -> Result<u64> {
            let next: i64 = sqlx::query_scalar(
                "INSERT INTO ota_counters (iccid, kvn, mt_counter, mo_counter)
                 VALUES ($1, $2, 1, 0)
                 ON CONFLICT (iccid, kvn) DO UPDATE SET mt_counter = ota_counters.mt_counter + 1
                 RETURNING mt_counter",
            )
            .bind(iccid)
            .bind(i64::from(kvn))
            .fetch_one(conn)
            .await?;
            counter(next)
        }

        /// 0 before the first.
        pub(crate) async fn last_mt_counter(conn: &mut Conn, iccid: &str, kvn: u8) -> Result<u64> {
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT mt_counter FROM ota_counters WHERE iccid = $1 AND kvn = $2",
            )
            .bind(iccid)
            .bind(i64::from(kvn))
            .fetch_optional(conn)
            .await?;
            counter(last.unwrap_or(0))
        }

        /// Two statements: run it in a database transaction. Under READ COMMITTED a
        /// concurrent `UPDATE` waits for the row lock and re-checks the condition against
        /// the committed value, so of two equal counters only one is accepted.
        pub(crate) async fn accept_mo_counter(
            conn: &mut Conn,
            iccid: &str,
            kvn: u8,
            cntr: u64,
        ) -> Result<bool> {
            let cntr = i64::try_from(cntr)
                .map_err(|_| StoreError::Corrupt("counter too large".into()))?;
            sqlx::query(
                "INSERT INTO ota_counters (iccid, kvn, mt_counter, mo_counter)
                 VALUES ($1, $2, 0, 0)
                 ON CONFLICT (iccid, kvn) DO NOTHING",
            )
            .bind(iccid)
            .bind(i64::from(kvn))
            .execute(&mut *conn)
            .await?;
            let r = sqlx::query(
                "UPDATE ota_counters SET mo_counter = $1
                 WHERE iccid = $2 AND kvn = $3 AND mo_counter < $1",
            )
            .bind(cntr)
            .bind(iccid)
            .bind(i64::from(kvn))
            .execute(conn)
            .await?;
            Ok(r.rows_affected() == 1)
        }
    };
}
pub(crate) use for_backend;
