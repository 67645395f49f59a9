//! Subscribers and their pairwise subject identifiers, PCRs (migration 0001), for
//! [`crate::SubscriberStore`].

/// Instantiates the statements and [`crate::SubscriberStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::SqlStore;
        use $crate::{Millis, Result, SubscriberRow, SubscriberStore};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl SubscriberStore for SqlStore<$db> {
            async fn upsert_subscriber(&self, s: &SubscriberRow, now: Millis) -> Result<()> {
                upsert(&mut *self.pool.acquire().await?, s, now).await
            }

            async fn subscriber(&self, msisdn: &str) -> Result<Option<SubscriberRow>> {
                one(&mut *self.pool.acquire().await?, msisdn).await
            }

            async fn subscribers(&self) -> Result<Vec<SubscriberRow>> {
                all(&mut *self.pool.acquire().await?).await
            }

            async fn delete_subscriber(&self, msisdn: &str) -> Result<bool> {
                delete(&mut *self.pool.acquire().await?, msisdn).await
            }

            async fn pcr_for(&self, sector: &str, msisdn: &str, candidate: &str) -> Result<String> {
                pcr_for(&mut *self.pool.acquire().await?, sector, msisdn, candidate).await
            }

            async fn msisdn_for_pcr(&self, sector: &str, pcr: &str) -> Result<Option<String>> {
                msisdn_for_pcr(&mut *self.pool.acquire().await?, sector, pcr).await
            }
        }

        pub(crate) async fn upsert(conn: &mut Conn, s: &SubscriberRow, now: Millis) -> Result<()> {
            sqlx::query(
                "INSERT INTO subscribers (msisdn, user_code, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (msisdn) DO UPDATE SET user_code = excluded.user_code,
                    updated_at = excluded.updated_at",
            )
            .bind(&s.msisdn)
            .bind(&s.user_code)
            .bind(now)
            .execute(conn)
            .await?;
            Ok(())
        }

        pub(crate) async fn one(conn: &mut Conn, msisdn: &str) -> Result<Option<SubscriberRow>> {
            sqlx::query("SELECT msisdn, user_code FROM subscribers WHERE msisdn = $1")
                .bind(msisdn)
                .fetch_optional(conn)
                .await?
                .as_ref()
                .map(ReadRow::subscriber_row)
                .transpose()
        }

        pub(crate) async fn all(conn: &mut Conn) -> Result<Vec<SubscriberRow>> {
            sqlx::query("SELECT msisdn, user_code FROM subscribers ORDER BY msisdn")
                .fetch_all(conn)
                .await?
                .iter()
                .map(ReadRow::subscriber_row)
                .collect()
        }

        pub(crate) async fn delete(conn: &mut Conn, msisdn: &str) -> Result<bool> {
            let r = sqlx::query("DELETE FROM subscribers WHERE msisdn = $1")
                .bind(msisdn)
                .execute(conn)
                .await?;
            Ok(r.rows_affected() == 1)
        }

        /// The common case (a known subscriber) is one read; a first sight inserts, and
        /// when another node inserted meanwhile, its PCR wins and is read back.
        pub(crate) async fn pcr_for(
            conn: &mut Conn,
            sector: &str,
            msisdn: &str,
            candidate: &str,
        ) -> Result<String> {
            const SELECT: &str = "SELECT pcr FROM pcrs WHERE sector = $1 AND msisdn = $2";
            let known: Option<String> = sqlx::query_scalar(SELECT)
                .bind(sector)
                .bind(msisdn)
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(pcr) = known {
                return Ok(pcr);
            }
            sqlx::query(
                "INSERT INTO pcrs (sector, msisdn, pcr) VALUES ($1, $2, $3)
                 ON CONFLICT (sector, msisdn) DO NOTHING",
            )
            .bind(sector)
            .bind(msisdn)
            .bind(candidate)
            .execute(&mut *conn)
            .await?;
            Ok(sqlx::query_scalar(SELECT)
                .bind(sector)
                .bind(msisdn)
                .fetch_one(conn)
                .await?)
        }

        pub(crate) async fn msisdn_for_pcr(
            conn: &mut Conn,
            sector: &str,
            pcr: &str,
        ) -> Result<Option<String>> {
            Ok(
                sqlx::query_scalar("SELECT msisdn FROM pcrs WHERE sector = $1 AND pcr = $2")
                    .bind(sector)
                    .bind(pcr)
                    .fetch_optional(conn)
                    .await?,
            )
        }
    };
}
pub(crate) use for_backend;
