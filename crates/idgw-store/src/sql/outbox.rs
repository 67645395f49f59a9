//! The notification outbox (migration 0001), for [`crate::OutboxStore`]. A claim leases the
//! due rows through `claimed_until`, so each notification is worked on by one node at a
//! time, and taken over by another once the lease ends if its node dies; on PostgreSQL the
//! claim also locks the rows it selects `FOR UPDATE SKIP LOCKED`
//! ([`crate::sql::Backend::SKIP_LOCKED`]), so nodes claiming at once split them. The
//! selection is a `MATERIALIZED` common table expression, as in `crate::sql::leases`, so
//! that a claim never takes more than its limit.

use crate::{DeliveryResult, Millis, OutboxState};

pub(crate) const COLUMNS: &str = "id, auth_req_id, url, bearer, body, state, attempts, \
    next_attempt_at, deadline, last_status, last_error";

/// What one delivery attempt writes.
pub(crate) struct Attempt<'a> {
    pub state: OutboxState,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    /// When to try again; `None` keeps `next_attempt_at`.
    pub next: Option<Millis>,
}

impl Attempt<'_> {
    pub(crate) fn of(result: &DeliveryResult) -> Attempt<'_> {
        match result {
            DeliveryResult::Delivered { status } => Attempt {
                state: OutboxState::Delivered,
                status: Some(*status),
                error: None,
                next: None,
            },
            DeliveryResult::Retry {
                status,
                error,
                next_attempt_at,
            } => Attempt {
                state: OutboxState::Pending,
                status: *status,
                error: Some(error),
                next: Some(*next_attempt_at),
            },
            DeliveryResult::Failed { status, error } => Attempt {
                state: OutboxState::Failed,
                status: *status,
                error: Some(error),
                next: None,
            },
        }
    }
}

/// Instantiates the statements and [`crate::OutboxStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::outbox::{Attempt, COLUMNS};
        use $crate::sql::{Backend, SqlStore};
        use $crate::{DeliveryResult, Millis, NewNotification, OutboxItem, OutboxStore, Result};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl OutboxStore for SqlStore<$db> {
            async fn claim_outbox(
                &self,
                now: Millis,
                lease: Millis,
                limit: u32,
            ) -> Result<Vec<OutboxItem>> {
                claim(&mut *self.pool.acquire().await?, now, lease, limit).await
            }

            async fn record_delivery(
                &self,
                id: i64,
                result: &DeliveryResult,
                now: Millis,
            ) -> Result<()> {
                record_delivery(&mut *self.pool.acquire().await?, id, result, now).await
            }

            async fn outbox_for(&self, auth_req_id: &str) -> Result<Vec<OutboxItem>> {
                of_transaction(&mut *self.pool.acquire().await?, auth_req_id).await
            }
        }

        /// A notification due at once (`now`).
        pub(crate) async fn insert(
            conn: &mut Conn,
            n: &NewNotification,
            now: Millis,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO outbox (auth_req_id, url, bearer, body, state, attempts,
                    next_attempt_at, deadline, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $5, $5)",
            )
            .bind(&n.auth_req_id)
            .bind(&n.url)
            .bind(&n.bearer)
            .bind(&n.body)
            .bind(now)
            .bind(n.deadline)
            .execute(conn)
            .await?;
            Ok(())
        }

        /// Up to `limit` due, unclaimed notifications, leased until `now + lease`; the
        /// longest due first, ties by `id`.
        pub(crate) async fn claim(
            conn: &mut Conn,
            now: Millis,
            lease: Millis,
            limit: u32,
        ) -> Result<Vec<OutboxItem>> {
            let lock = <$db as Backend>::SKIP_LOCKED;
            let rows = sqlx::query(&format!(
                "WITH due AS MATERIALIZED (
                     SELECT id FROM outbox
                     WHERE state = 'pending' AND next_attempt_at <= $1 AND claimed_until <= $1
                     ORDER BY next_attempt_at, id LIMIT $2 {lock})
                 UPDATE outbox SET claimed_until = $3 WHERE id IN (SELECT id FROM due)
                 RETURNING {COLUMNS}"
            ))
            .bind(now)
            .bind(i64::from(limit))
            .bind(now + lease)
            .fetch_all(conn)
            .await?;
            let mut items = rows
                .iter()
                .map(ReadRow::outbox_item)
                .collect::<Result<Vec<_>>>()?;
            // RETURNING keeps no order.
            items.sort_by_key(|item| (item.next_attempt_at, item.id));
            Ok(items)
        }

        /// Records one attempt and ends the claim.
        pub(crate) async fn record_delivery(
            conn: &mut Conn,
            id: i64,
            result: &DeliveryResult,
            now: Millis,
        ) -> Result<()> {
            let Attempt {
                state,
                status,
                error,
                next,
            } = Attempt::of(result);
            sqlx::query(
                "UPDATE outbox SET state = $1, attempts = attempts + 1, last_status = $2,
                    last_error = $3, next_attempt_at = COALESCE($4, next_attempt_at),
                    claimed_until = 0, updated_at = $5
                 WHERE id = $6",
            )
            .bind(state.as_str())
            .bind(status.map(i64::from))
            .bind(error)
            .bind(next)
            .bind(now)
            .bind(id)
            .execute(conn)
            .await?;
            Ok(())
        }

        /// In the order they were written.
        pub(crate) async fn of_transaction(
            conn: &mut Conn,
            auth_req_id: &str,
        ) -> Result<Vec<OutboxItem>> {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE auth_req_id = $1 ORDER BY id"
            ))
            .bind(auth_req_id)
            .fetch_all(conn)
            .await?
            .iter()
            .map(ReadRow::outbox_item)
            .collect()
        }
    };
}
pub(crate) use for_backend;
