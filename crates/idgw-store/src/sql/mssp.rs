//! The MSSP's transactions (migrations 0005 and 0006), for [`crate::MsspStore`]. Each change
//! is one statement guarded by `status IS NULL`, so a transaction ends once whichever node
//! ends it: under READ COMMITTED an `INSERT .. ON CONFLICT DO NOTHING` racing another waits
//! for it to commit, and a guarded `UPDATE` re-checks `status IS NULL` on the committed row.
//! Ending one that has an `ap_url` (asynchServerServer) makes its notification due in the
//! same statement; a notification claim leases the due rows (`notify_due` moved past now),
//! selected as in `crate::sql::outbox`, so nodes claiming at once split them.

pub(crate) const COLUMNS: &str = "mssp_trans_id, ap_id, ap_trans_id, msisdn, fingerprint, \
    profile, nonce, deadline, status, signature, ended_at, receipt_at, created_at, ap_url, \
    ap_binding, ap_instant, notify_due, notify_attempts";

/// Any unique index stops it: the `MSSP_TransID`, the AP's `AP_TransID`, the MSISDN's one
/// outstanding transaction.
pub(crate) const INSERT: &str = "INSERT INTO mssp_transactions (mssp_trans_id, ap_id, \
    ap_trans_id, msisdn, fingerprint, profile, nonce, deadline, status, signature, ended_at, \
    receipt_at, created_at, ap_url, ap_binding, ap_instant) VALUES ($1, $2, $3, $4, $5, $6, $7, \
    $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING";
pub(crate) const BY_ID: &str = "WHERE mssp_trans_id = $1";
pub(crate) const BY_AP: &str = "WHERE ap_id = $1 AND ap_trans_id = $2";
pub(crate) const OUTSTANDING: &str = "WHERE msisdn = $1 AND status IS NULL";
pub(crate) const FINISH: &str = "UPDATE mssp_transactions SET status = $2, signature = $3, \
    ended_at = $4, notify_due = CASE WHEN ap_url IS NULL THEN NULL ELSE $4 END \
    WHERE mssp_trans_id = $1 AND status IS NULL";
pub(crate) const EXPIRE: &str = "UPDATE mssp_transactions SET status = $2, ended_at = deadline, \
    notify_due = CASE WHEN ap_url IS NULL THEN NULL ELSE deadline END \
    WHERE status IS NULL AND deadline <= $1 RETURNING msisdn, mssp_trans_id";
/// A retried asynchServerServer request: its callback, and an ended transaction's
/// notification due again.
pub(crate) const REARM: &str = "UPDATE mssp_transactions SET ap_url = $2, ap_binding = $3, \
    ap_instant = $4, notify_due = CASE WHEN status IS NULL THEN notify_due ELSE $5 END \
    WHERE mssp_trans_id = $1";
/// After an attempt: the next one (or none), failed attempts counted, the AP's receipt.
pub(crate) const RESCHEDULE: &str = "UPDATE mssp_transactions SET notify_due = $2, \
    notify_attempts = notify_attempts + $3, receipt_at = COALESCE(receipt_at, $4) \
    WHERE mssp_trans_id = $1";
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
        use $crate::sql::{Backend, SqlStore};
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

            async fn rearm_mssp_notification(
                &self,
                mssp_trans_id: &str,
                callback: (&str, &str, &str),
                now: Millis,
            ) -> Result<bool> {
                let mut conn = self.pool.acquire().await?;
                rearm(&mut conn, mssp_trans_id, callback, now).await
            }

            async fn claim_mssp_notifications(
                &self,
                now: Millis,
                lease_until: Millis,
                limit: u32,
            ) -> Result<Vec<MsspTransactionRow>> {
                let mut conn = self.pool.acquire().await?;
                claim_notifications(&mut conn, now, lease_until, limit).await
            }

            async fn reschedule_mssp_notification(
                &self,
                mssp_trans_id: &str,
                next: Option<Millis>,
                receipt_at: Option<Millis>,
            ) -> Result<()> {
                let mut conn = self.pool.acquire().await?;
                reschedule(&mut conn, mssp_trans_id, next, receipt_at).await
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
                .bind(&t.ap_url)
                .bind(&t.ap_binding)
                .bind(&t.ap_instant)
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

        pub(crate) async fn rearm(
            conn: &mut Conn,
            mssp_trans_id: &str,
            (ap_url, ap_binding, ap_instant): (&str, &str, &str),
            now: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(sql::REARM)
                .bind(mssp_trans_id)
                .bind(ap_url)
                .bind(ap_binding)
                .bind(ap_instant)
                .bind(now)
                .execute(conn)
                .await?;
            Ok(r.rows_affected() == 1)
        }

        /// Up to `limit` notifications due at `now`, leased until `lease_until`; the longest
        /// due first, ties by `MSSP_TransID`.
        pub(crate) async fn claim_notifications(
            conn: &mut Conn,
            now: Millis,
            lease_until: Millis,
            limit: u32,
        ) -> Result<Vec<MsspTransactionRow>> {
            let lock = <$db as Backend>::SKIP_LOCKED;
            let rows = sqlx::query(&format!(
                "WITH due AS MATERIALIZED (
                     SELECT mssp_trans_id FROM mssp_transactions WHERE notify_due <= $1
                     ORDER BY notify_due, mssp_trans_id LIMIT $3 {lock})
                 UPDATE mssp_transactions SET notify_due = $2
                 WHERE mssp_trans_id IN (SELECT mssp_trans_id FROM due)
                 RETURNING {}",
                sql::COLUMNS
            ))
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
            rows.iter().map(ReadRow::mssp_row).collect()
        }

        pub(crate) async fn reschedule(
            conn: &mut Conn,
            mssp_trans_id: &str,
            next: Option<Millis>,
            receipt_at: Option<Millis>,
        ) -> Result<()> {
            sqlx::query(sql::RESCHEDULE)
                .bind(mssp_trans_id)
                .bind(next)
                .bind(i64::from(next.is_some()))
                .bind(receipt_at)
                .execute(conn)
                .await?;
            Ok(())
        }
    };
}
pub(crate) use for_backend;
