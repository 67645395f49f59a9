//! Authentication transactions (migrations 0001 and 0004), for [`crate::TransactionStore`].
//! A transaction changes state by compare-and-set (`WHERE state = <from>`), so of two
//! outcomes racing (say the authenticator and the expiry sweeper) one wins, whatever the
//! number of nodes.

pub(crate) const COLUMNS: &str = "auth_req_id, client_id, msisdn, state, request, outcome, \
    created_at, expires_at, completed_at, owner, lease_until";

/// Instantiates the statements and [`crate::TransactionStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::transactions::COLUMNS;
        use $crate::sql::{is_unique_violation, settle, SqlStore};
        use $crate::{
            Finish, Millis, Result, StoreError, TransactionRow, TransactionStore, TxState,
        };

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl TransactionStore for SqlStore<$db> {
            async fn insert_transaction(&self, t: &TransactionRow) -> Result<()> {
                insert(&mut *self.pool.acquire().await?, t).await
            }

            async fn transaction(&self, auth_req_id: &str) -> Result<Option<TransactionRow>> {
                one(&mut *self.pool.acquire().await?, auth_req_id).await
            }

            async fn finish_transaction(&self, from: TxState, f: &Finish) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = finish(&mut tx, from, f).await?;
                settle(tx, done).await
            }

            async fn expired_pending(
                &self,
                now: Millis,
                limit: u32,
            ) -> Result<Vec<TransactionRow>> {
                expired_pending(&mut *self.pool.acquire().await?, now, limit).await
            }

            async fn pending_transactions(&self) -> Result<Vec<TransactionRow>> {
                pending(&mut *self.pool.acquire().await?).await
            }
        }

        /// The partial unique index admits one pending transaction per MSISDN, across
        /// nodes: [`StoreError::Busy`] for another. One past its expiry still holds the
        /// subscriber until the sweeper finishes it and tells its client.
        pub(crate) async fn insert(conn: &mut Conn, t: &TransactionRow) -> Result<()> {
            let r = sqlx::query(&format!(
                "INSERT INTO transactions ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(&t.auth_req_id)
            .bind(&t.client_id)
            .bind(&t.msisdn)
            .bind(t.state.as_str())
            .bind(&t.request)
            .bind(&t.outcome)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.completed_at)
            .bind(&t.owner)
            .bind(t.lease_until)
            .execute(conn)
            .await;
            match r {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => Err(StoreError::Busy),
                Err(e) => Err(e.into()),
            }
        }

        pub(crate) async fn one(
            conn: &mut Conn,
            auth_req_id: &str,
        ) -> Result<Option<TransactionRow>> {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM transactions WHERE auth_req_id = $1"
            ))
            .bind(auth_req_id)
            .fetch_optional(conn)
            .await?
            .as_ref()
            .map(ReadRow::transaction_row)
            .transpose()
        }

        /// Moves the transaction from `from` to `f.state`, then writes its tokens and its
        /// notification; false, having written nothing, when it was not in `from`. Run it
        /// in a database transaction, committed only when it returns true.
        pub(crate) async fn finish(conn: &mut Conn, from: TxState, f: &Finish) -> Result<bool> {
            let r = sqlx::query(
                "UPDATE transactions SET state = $1, outcome = COALESCE($2, outcome),
                    completed_at = COALESCE(completed_at, $3)
                 WHERE auth_req_id = $4 AND state = $5",
            )
            .bind(f.state.as_str())
            .bind(&f.outcome)
            .bind(f.now)
            .bind(&f.auth_req_id)
            .bind(from.as_str())
            .execute(&mut *conn)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(false);
            }
            for token in &f.tokens {
                super::tokens::insert(conn, token).await?;
            }
            if let Some(n) = &f.notification {
                super::outbox::insert(conn, n, f.now).await?;
            }
            Ok(true)
        }

        /// Moves the transaction from `from` to `to` and nothing else; false when it was
        /// not in `from`.
        pub(crate) async fn advance(
            conn: &mut Conn,
            auth_req_id: &str,
            from: TxState,
            to: TxState,
        ) -> Result<bool> {
            let r = sqlx::query(
                "UPDATE transactions SET state = $1 WHERE auth_req_id = $2 AND state = $3",
            )
            .bind(to.as_str())
            .bind(auth_req_id)
            .bind(from.as_str())
            .execute(conn)
            .await?;
            Ok(r.rows_affected() == 1)
        }

        /// Soonest expiry first.
        pub(crate) async fn expired_pending(
            conn: &mut Conn,
            now: Millis,
            limit: u32,
        ) -> Result<Vec<TransactionRow>> {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM transactions WHERE state = 'pending' AND expires_at <= $1
                 ORDER BY expires_at, auth_req_id LIMIT $2"
            ))
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?
            .iter()
            .map(ReadRow::transaction_row)
            .collect()
        }

        /// Oldest first.
        pub(crate) async fn pending(conn: &mut Conn) -> Result<Vec<TransactionRow>> {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM transactions WHERE state = 'pending'
                 ORDER BY created_at, auth_req_id"
            ))
            .fetch_all(conn)
            .await?
            .iter()
            .map(ReadRow::transaction_row)
            .collect()
        }
    };
}
pub(crate) use for_backend;
