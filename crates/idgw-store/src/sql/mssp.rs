//! The MSSP's transactions (migration 0005), for [`crate::MsspStore`]. Each change is one
//! statement guarded by `status IS NULL`, so a transaction ends once whichever node ends
//! it: under READ COMMITTED an `INSERT .. ON CONFLICT DO NOTHING` racing another waits for
//! it to commit, and a guarded `UPDATE` re-checks `status IS NULL` on the committed row.

pub(crate) const COLUMNS: &str = "mssp_trans_id, ap_id, ap_trans_id, msisdn, fingerprint, \
    profile, nonce, deadline, status, signature, ended_at, receipt_at, created_at";

/// Any unique index stops it: the `MSSP_TransID`, the AP's `AP_TransID`, the MSISDN's one
/// outstanding transaction.
pub(crate) const INSERT: &str = "INSERT INTO mssp_transactions (mssp_trans_id, ap_id, \
    ap_trans_id, msisdn, fingerprint, profile, nonce, deadline, status, signature, ended_at, \
    receipt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
    ON CONFLICT DO NOTHING";
pub(crate) const BY_ID: &str = "WHERE mssp_trans_id = $1";
pub(crate) const BY_AP: &str = "WHERE ap_id = $1 AND ap_trans_id = $2";
pub(crate) const OUTSTANDING: &str = "WHERE msisdn = $1 AND status IS NULL";
pub(crate) const FINISH: &str = "UPDATE mssp_transactions SET status = $2, signature = $3, \
    ended_at = $4 WHERE mssp_trans_id = $1 AND status IS NULL";
pub(crate) const EXPIRE: &str = "UPDATE mssp_transactions SET status = $2, ended_at = deadline \
    WHERE status IS NULL AND deadline <= $1 RETURNING msisdn, mssp_trans_id";
pub(crate) const FORGET: &str = "DELETE FROM mssp_transactions WHERE ended_at < $1";
pub(crate) const RECEIPT: &str = "UPDATE mssp_transactions \
    SET receipt_at = COALESCE(receipt_at, $2) WHERE mssp_trans_id = $1 AND status IS NOT NULL";

/// `SELECT` of every column with `filter`.
pub(crate) fn select(filter: &str) -> String {
    format!("SELECT {COLUMNS} FROM mssp_transactions {filter}")
}

/// Instantiates the statements and [`crate::MsspStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use sqlx::Row;
        use $crate::rows::ReadRow;
        use $crate::sql::mssp::{self as sql, select};
        use $crate::sql::SqlStore;
        use $crate::{Millis, MsspInsert, MsspStore, MsspTransactionRow, Result};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl MsspStore for SqlStore<$db> {
            async fn insert_mssp_transaction(&self, t: &MsspTransactionRow) -> Result<MsspInsert> {
                insert(&mut *self.pool.acquire().await?, t).await
            }

            async fn mssp_transaction(&self, id: &str) -> Result<Option<MsspTransactionRow>> {
                one(&mut *self.pool.acquire().await?, sql::BY_ID, id).await
            }

            async fn mssp_outstanding(&self, msisdn: &str) -> Result<Option<MsspTransactionRow>> {
                one(&mut *self.pool.acquire().await?, sql::OUTSTANDING, msisdn).await
            }

            async fn finish_mssp_transaction(
                &self,
                mssp_trans_id: &str,
                status: i64,
                signature: Option<&[u8]>,
                ended_at: Millis,
            ) -> Result<bool> {
                let mut conn = self.pool.acquire().await?;
                finish(&mut conn, mssp_trans_id, status, signature, ended_at).await
            }

            async fn expire_mssp_transactions(
                &self,
                now: Millis,
                status: i64,
            ) -> Result<Vec<(String, String)>> {
                expire(&mut *self.pool.acquire().await?, now, status).await
            }

            async fn forget_mssp_transactions(&self, ended_before: Millis) -> Result<u64> {
                forget(&mut *self.pool.acquire().await?, ended_before).await
            }

            async fn mssp_receipt(&self, mssp_trans_id: &str, at: Millis) -> Result<bool> {
                receipt(&mut *self.pool.acquire().await?, mssp_trans_id, at).await
            }
        }

        pub(crate) async fn insert(conn: &mut Conn, t: &MsspTransactionRow) -> Result<MsspInsert> {
            let r = sqlx::query(sql::INSERT)
                .bind(&t.mssp_trans_id)
                .bind(&t.ap_id)
                .bind(&t.ap_trans_id)
                .bind(&t.msisdn)
                .bind(&t.fingerprint)
                .bind(&t.profile)
                .bind(&t.nonce)
                .bind(t.deadline)
                .bind(t.status)
                .bind(&t.signature)
                .bind(t.ended_at)
                .bind(t.receipt_at)
                .bind(t.created_at)
                .execute(&mut *conn)
                .await?;
            if r.rows_affected() == 1 {
                return Ok(MsspInsert::Inserted);
            }
            // A later statement sees the row that stopped the insert, if it was the AP's.
            let known = sqlx::query(&select(sql::BY_AP))
                .bind(&t.ap_id)
                .bind(&t.ap_trans_id)
                .fetch_optional(conn)
                .await?;
            Ok(match known {
                Some(row) => MsspInsert::Known(Box::new(row.mssp_row()?)),
                None => MsspInsert::MsisdnBusy,
            })
        }

        /// The row selected by `filter` (one `$1` parameter).
        pub(crate) async fn one(
            conn: &mut Conn,
            filter: &str,
            value: &str,
        ) -> Result<Option<MsspTransactionRow>> {
            sqlx::query(&select(filter))
                .bind(value)
                .fetch_optional(conn)
                .await?
                .as_ref()
                .map(ReadRow::mssp_row)
                .transpose()
        }

        pub(crate) async fn finish(
            conn: &mut Conn,
            mssp_trans_id: &str,
            status: i64,
            signature: Option<&[u8]>,
            ended_at: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(sql::FINISH)
                .bind(mssp_trans_id)
                .bind(status)
                .bind(signature)
                .bind(ended_at)
                .execute(conn)
                .await?;
            Ok(r.rows_affected() == 1)
        }

        pub(crate) async fn expire(
            conn: &mut Conn,
            now: Millis,
            status: i64,
        ) -> Result<Vec<(String, String)>> {
            let rows = sqlx::query(sql::EXPIRE)
                .bind(now)
                .bind(status)
                .fetch_all(conn)
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("msisdn")?, r.try_get("mssp_trans_id")?)))
                .collect()
        }

        pub(crate) async fn forget(conn: &mut Conn, ended_before: Millis) -> Result<u64> {
            let r = sqlx::query(sql::FORGET)
                .bind(ended_before)
                .execute(conn)
                .await?;
            Ok(r.rows_affected())
        }

        pub(crate) async fn receipt(
            conn: &mut Conn,
            mssp_trans_id: &str,
            at: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(sql::RECEIPT)
                .bind(mssp_trans_id)
                .bind(at)
                .execute(conn)
                .await?;
            Ok(r.rows_affected() == 1)
        }
    };
}
pub(crate) use for_backend;
