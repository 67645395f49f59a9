//! Transaction leases (migration 0004), for [`crate::LeaseStore`]: which node works a pending
//! transaction, and taking over those whose node stopped renewing them.
//!
//! On PostgreSQL a claim locks the rows it selects `FOR UPDATE SKIP LOCKED`
//! ([`crate::sql::Backend::SKIP_LOCKED`]): under READ COMMITTED the lock re-checks the
//! `WHERE` on a row another node changed meanwhile, and rows being claimed right now are left
//! to their claimant. The selection is a `MATERIALIZED` common table expression, evaluated
//! once per statement: as an `IN (SELECT .. LIMIT ..)` subquery, PostgreSQL may evaluate it
//! again (re-checking a row changed concurrently, or rescanning a join) and, skipping other
//! rows each time, take more than the limit.

/// Instantiates the statements and [`crate::LeaseStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::transactions::COLUMNS;
        use $crate::sql::{Backend, SqlStore};
        use $crate::{LeaseStore, Millis, Result, TransactionRow};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl LeaseStore for SqlStore<$db> {
            async fn renew_leases(
                &self,
                owner: &str,
                auth_req_ids: &[String],
                until: Millis,
            ) -> Result<u64> {
                let mut conn = self.pool.acquire().await?;
                <$db as Backend>::renew_leases(&mut conn, owner, auth_req_ids, until).await
            }

            async fn claim_lapsed(
                &self,
                owner: &str,
                now: Millis,
                until: Millis,
                limit: u32,
            ) -> Result<Vec<TransactionRow>> {
                claim_lapsed(&mut *self.pool.acquire().await?, owner, now, until, limit).await
            }

            async fn release_leases(&self, owner: &str) -> Result<u64> {
                release(&mut *self.pool.acquire().await?, owner).await
            }
        }

        /// Soonest expiry first.
        pub(crate) async fn claim_lapsed(
            conn: &mut Conn,
            owner: &str,
            now: Millis,
            until: Millis,
            limit: u32,
        ) -> Result<Vec<TransactionRow>> {
            let lock = <$db as Backend>::SKIP_LOCKED;
            let rows = sqlx::query(&format!(
                "WITH lapsed AS MATERIALIZED (
                     SELECT auth_req_id FROM transactions
                     WHERE state = 'pending' AND lease_until <= $3 AND expires_at > $3
                     ORDER BY expires_at, auth_req_id LIMIT $4 {lock})
                 UPDATE transactions SET owner = $1, lease_until = $2
                 WHERE auth_req_id IN (SELECT auth_req_id FROM lapsed)
                 RETURNING {COLUMNS}"
            ))
            .bind(owner)
            .bind(until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
            let mut taken = rows
                .iter()
                .map(ReadRow::transaction_row)
                .collect::<Result<Vec<_>>>()?;
            // RETURNING keeps no order.
            taken.sort_by(|a, b| {
                (a.expires_at, &a.auth_req_id).cmp(&(b.expires_at, &b.auth_req_id))
            });
            Ok(taken)
        }

        pub(crate) async fn release(conn: &mut Conn, owner: &str) -> Result<u64> {
            let r = sqlx::query(
                "UPDATE transactions SET lease_until = 0 WHERE owner = $1 AND state = 'pending'",
            )
            .bind(owner)
            .execute(conn)
            .await?;
            Ok(r.rows_affected())
        }
    };
}
pub(crate) use for_backend;
