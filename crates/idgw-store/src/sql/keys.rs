//! The OP's keys and settings (migration 0001), for [`crate::KeyStore`].

/// Instantiates the statements and [`crate::KeyStore`] for backend `$db` (see [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::{is_unique_violation, SqlStore};
        use $crate::{KeyStore, Millis, Result, StoreError, StoredKey};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl KeyStore for SqlStore<$db> {
            async fn keys(&self) -> Result<Vec<StoredKey>> {
                all(&mut *self.pool.acquire().await?).await
            }

            async fn insert_key(&self, key: &StoredKey) -> Result<()> {
                insert(&mut *self.pool.acquire().await?, key).await
            }

            async fn retire_key(&self, kid: &str, at: Millis) -> Result<bool> {
                retire(&mut *self.pool.acquire().await?, kid, at).await
            }

            async fn setting_get_or_insert(&self, name: &str, value: &str) -> Result<String> {
                setting(&mut *self.pool.acquire().await?, name, value).await
            }
        }

        /// Oldest first; keys made in the same millisecond by `kid`.
        pub(crate) async fn all(conn: &mut Conn) -> Result<Vec<StoredKey>> {
            sqlx::query(
                "SELECT kid, key_use, alg, private_jwk, created_at, retired_at FROM op_keys
                 ORDER BY created_at, kid",
            )
            .fetch_all(conn)
            .await?
            .iter()
            .map(ReadRow::stored_key)
            .collect()
        }

        pub(crate) async fn insert(conn: &mut Conn, key: &StoredKey) -> Result<()> {
            let r = sqlx::query(
                "INSERT INTO op_keys (kid, key_use, alg, private_jwk, created_at, retired_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&key.kid)
            .bind(&key.key_use)
            .bind(&key.alg)
            .bind(&key.private_jwk)
            .bind(key.created_at)
            .bind(key.retired_at)
            .execute(conn)
            .await;
            match r {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(key.kid.clone())),
                Err(e) => Err(e.into()),
            }
        }

        pub(crate) async fn retire(conn: &mut Conn, kid: &str, at: Millis) -> Result<bool> {
            let r = sqlx::query(
                "UPDATE op_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL",
            )
            .bind(at)
            .bind(kid)
            .execute(conn)
            .await?;
            Ok(r.rows_affected() == 1)
        }

        /// The first writer's value wins; the second statement reads back whichever won.
        pub(crate) async fn setting(conn: &mut Conn, name: &str, value: &str) -> Result<String> {
            sqlx::query(
                "INSERT INTO settings (name, value) VALUES ($1, $2)
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await?;
            Ok(
                sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                    .bind(name)
                    .fetch_one(conn)
                    .await?,
            )
        }
    };
}
pub(crate) use for_backend;
