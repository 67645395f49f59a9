//! Registered clients (migration 0001), for [`crate::ClientStore`].

/// Instantiates the statements and [`crate::ClientStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::SqlStore;
        use $crate::{ClientRow, ClientStore, Millis, Result};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl ClientStore for SqlStore<$db> {
            async fn upsert_client(&self, client: &ClientRow, now: Millis) -> Result<()> {
                upsert(&mut *self.pool.acquire().await?, client, now).await
            }

            async fn client(&self, client_id: &str) -> Result<Option<ClientRow>> {
                one(&mut *self.pool.acquire().await?, client_id).await
            }

            async fn clients(&self) -> Result<Vec<ClientRow>> {
                all(&mut *self.pool.acquire().await?).await
            }

            async fn delete_client(&self, client_id: &str) -> Result<bool> {
                delete(&mut *self.pool.acquire().await?, client_id).await
            }
        }

        pub(crate) async fn upsert(conn: &mut Conn, c: &ClientRow, now: Millis) -> Result<()> {
            sqlx::query(
                "INSERT INTO clients (client_id, secret_hash, metadata, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash,
                    metadata = excluded.metadata, updated_at = excluded.updated_at",
            )
            .bind(&c.client_id)
            .bind(&c.secret_hash)
            .bind(&c.metadata)
            .bind(now)
            .execute(conn)
            .await?;
            Ok(())
        }

        pub(crate) async fn one(conn: &mut Conn, client_id: &str) -> Result<Option<ClientRow>> {
            sqlx::query("SELECT client_id, secret_hash, metadata FROM clients WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(conn)
                .await?
                .as_ref()
                .map(ReadRow::client_row)
                .transpose()
        }

        pub(crate) async fn all(conn: &mut Conn) -> Result<Vec<ClientRow>> {
            sqlx::query("SELECT client_id, secret_hash, metadata FROM clients ORDER BY client_id")
                .fetch_all(conn)
                .await?
                .iter()
                .map(ReadRow::client_row)
                .collect()
        }

        pub(crate) async fn delete(conn: &mut Conn, client_id: &str) -> Result<bool> {
            let r = sqlx::query("DELETE FROM clients WHERE client_id = $1")
                .bind(client_id)
                .execute(conn)
                .await?;
            Ok(r.rows_affected() == 1)
        }
    };
}
pub(crate) use for_backend;
