//! The MSSP's transactions (migrations 0005 and 0006): the statements, written once with `$N`
//! placeholders (which both backends accept), and the row mapping. Each change is one
//! statement guarded by `status IS NULL`, so a transaction ends once whichever node ends it.
//! Ending one that has an `ap_url` (asynchServerServer) makes its notification due in the same
//! statement; a claim moves `notify_due` past now in one statement too, so under READ
//! COMMITTED a racing claim re-checks the committed row and skips it.

use crate::{MsspTransactionRow, Result};
use sqlx::{ColumnIndex, Decode, Row, Type};

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

/// Claims (leases until `$2`) up to `$3` notifications due at `$1`.
pub(crate) fn claim() -> String {
    format!(
        "UPDATE mssp_transactions SET notify_due = $2 WHERE notify_due <= $1 AND mssp_trans_id \
         IN (SELECT mssp_trans_id FROM mssp_transactions WHERE notify_due <= $1 \
         ORDER BY notify_due LIMIT $3) RETURNING {COLUMNS}"
    )
}
pub(crate) const FORGET: &str = "DELETE FROM mssp_transactions WHERE ended_at < $1";
pub(crate) const RECEIPT: &str = "UPDATE mssp_transactions \
    SET receipt_at = COALESCE(receipt_at, $2) WHERE mssp_trans_id = $1 AND status IS NOT NULL";

/// `SELECT` of every column with `filter`.
pub(crate) fn select(filter: &str) -> String {
    format!("SELECT {COLUMNS} FROM mssp_transactions {filter}")
}

pub(crate) fn mssp_row<R: Row>(row: &R) -> Result<MsspTransactionRow>
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(MsspTransactionRow {
        mssp_trans_id: row.try_get("mssp_trans_id")?,
        ap_id: row.try_get("ap_id")?,
        ap_trans_id: row.try_get("ap_trans_id")?,
        msisdn: row.try_get("msisdn")?,
        fingerprint: row.try_get("fingerprint")?,
        profile: row.try_get("profile")?,
        nonce: row.try_get("nonce")?,
        deadline: row.try_get("deadline")?,
        status: row.try_get("status")?,
        signature: row.try_get("signature")?,
        ended_at: row.try_get("ended_at")?,
        receipt_at: row.try_get("receipt_at")?,
        created_at: row.try_get("created_at")?,
        ap_url: row.try_get("ap_url")?,
        ap_binding: row.try_get("ap_binding")?,
        ap_instant: row.try_get("ap_instant")?,
        notify_due: row.try_get("notify_due")?,
        notify_attempts: row.try_get("notify_attempts")?,
    })
}

/// The store methods on one backend's pool type: the same statements and bindings for
/// SQLite and PostgreSQL. Invoked in each backend's `mssp` module.
macro_rules! mssp_methods {
    ($pool:ty) => {
        use crate::mssp::{self, mssp_row};
        use crate::{Millis, MsspInsert, MsspTransactionRow, Result};

        pub(super) async fn insert(pool: &$pool, t: &MsspTransactionRow) -> Result<MsspInsert> {
            let r = sqlx::query(mssp::INSERT)
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
                .execute(pool)
                .await?;
            if r.rows_affected() == 1 {
                return Ok(MsspInsert::Inserted);
            }
            // A later statement sees the row that stopped the insert, if it was the AP's.
            let known = sqlx::query(&mssp::select(mssp::BY_AP))
                .bind(&t.ap_id)
                .bind(&t.ap_trans_id)
                .fetch_optional(pool)
                .await?;
            Ok(match known {
                Some(row) => MsspInsert::Known(Box::new(mssp_row(&row)?)),
                None => MsspInsert::MsisdnBusy,
            })
        }

        /// The row selected by `filter` (one `$1` parameter).
        pub(super) async fn one(
            pool: &$pool,
            filter: &str,
            value: &str,
        ) -> Result<Option<MsspTransactionRow>> {
            sqlx::query(&mssp::select(filter))
                .bind(value)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(mssp_row)
                .transpose()
        }

        pub(super) async fn finish(
            pool: &$pool,
            mssp_trans_id: &str,
            status: i64,
            signature: Option<&[u8]>,
            ended_at: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(mssp::FINISH)
                .bind(mssp_trans_id)
                .bind(status)
                .bind(signature)
                .bind(ended_at)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() == 1)
        }

        pub(super) async fn expire(
            pool: &$pool,
            now: Millis,
            status: i64,
        ) -> Result<Vec<(String, String)>> {
            let rows = sqlx::query(mssp::EXPIRE)
                .bind(now)
                .bind(status)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("msisdn")?, r.try_get("mssp_trans_id")?)))
                .collect()
        }

        pub(super) async fn forget(pool: &$pool, ended_before: Millis) -> Result<u64> {
            let r = sqlx::query(mssp::FORGET)
                .bind(ended_before)
                .execute(pool)
                .await?;
            Ok(r.rows_affected())
        }

        pub(super) async fn rearm(
            pool: &$pool,
            mssp_trans_id: &str,
            (ap_url, ap_binding, ap_instant): (&str, &str, &str),
            now: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(mssp::REARM)
                .bind(mssp_trans_id)
                .bind(ap_url)
                .bind(ap_binding)
                .bind(ap_instant)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() == 1)
        }

        pub(super) async fn claim(
            pool: &$pool,
            now: Millis,
            lease_until: Millis,
            limit: u32,
        ) -> Result<Vec<MsspTransactionRow>> {
            let rows = sqlx::query(&mssp::claim())
                .bind(now)
                .bind(lease_until)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(mssp_row).collect()
        }

        pub(super) async fn reschedule(
            pool: &$pool,
            mssp_trans_id: &str,
            next: Option<Millis>,
            receipt_at: Option<Millis>,
        ) -> Result<()> {
            sqlx::query(mssp::RESCHEDULE)
                .bind(mssp_trans_id)
                .bind(next)
                .bind(i64::from(next.is_some()))
                .bind(receipt_at)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub(super) async fn receipt(pool: &$pool, mssp_trans_id: &str, at: Millis) -> Result<bool> {
            let r = sqlx::query(mssp::RECEIPT)
                .bind(mssp_trans_id)
                .bind(at)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() == 1)
        }
    };
}
pub(crate) use mssp_methods;
