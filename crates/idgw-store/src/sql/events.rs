//! The trace of each transaction (migration 0001), for [`crate::EventStore`] and
//! `idgw trace`.

/// Instantiates the statements and [`crate::EventStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::SqlStore;
        use $crate::{Event, EventStore, Result};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl EventStore for SqlStore<$db> {
            async fn record_event(&self, e: &Event) -> Result<()> {
                record(&mut *self.pool.acquire().await?, e).await
            }

            async fn events(&self, auth_req_id: &str) -> Result<Vec<Event>> {
                of_transaction(&mut *self.pool.acquire().await?, auth_req_id).await
            }
        }

        pub(crate) async fn record(conn: &mut Conn, e: &Event) -> Result<()> {
            sqlx::query(
                "INSERT INTO events (auth_req_id, correlation_id, component, step, outcome,
                    detail, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&e.auth_req_id)
            .bind(&e.correlation_id)
            .bind(&e.component)
            .bind(&e.step)
            .bind(&e.outcome)
            .bind(&e.detail)
            .bind(e.at)
            .execute(conn)
            .await?;
            Ok(())
        }

        /// By time, then in the order they were recorded.
        pub(crate) async fn of_transaction(
            conn: &mut Conn,
            auth_req_id: &str,
        ) -> Result<Vec<Event>> {
            sqlx::query(
                "SELECT auth_req_id, correlation_id, component, step, outcome, detail, at
                 FROM events WHERE auth_req_id = $1 ORDER BY at, id",
            )
            .bind(auth_req_id)
            .fetch_all(conn)
            .await?
            .iter()
            .map(ReadRow::event)
            .collect()
        }
    };
}
pub(crate) use for_backend;
