//! Issued tokens and used `jti`s (migration 0001), for [`crate::TokenStore`]. Tokens are
//! stored by hash only.

pub(crate) const COLUMNS: &str =
    "token_hash, kind, client_id, auth_req_id, grant_data, created_at, expires_at, revoked_at";

/// Instantiates the statements and [`crate::TokenStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::tokens::COLUMNS;
        use $crate::sql::{settle, SqlStore};
        use $crate::{Millis, Result, TokenRow, TokenStore};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl TokenStore for SqlStore<$db> {
            async fn use_jti(&self, issuer: &str, jti: &str, expires_at: Millis) -> Result<bool> {
                use_jti(&mut *self.pool.acquire().await?, issuer, jti, expires_at).await
            }

            async fn insert_token(&self, token: &TokenRow) -> Result<()> {
                insert(&mut *self.pool.acquire().await?, token).await
            }

            async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenRow>> {
                one(&mut *self.pool.acquire().await?, token_hash).await
            }

            async fn rotate_token(
                &self,
                old: &[u8],
                new: &[TokenRow],
                now: Millis,
            ) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = rotate(&mut tx, old, new, now).await?;
                settle(tx, done).await
            }

            async fn revoke_tokens_of(&self, auth_req_id: &str, now: Millis) -> Result<u64> {
                revoke_of(&mut *self.pool.acquire().await?, auth_req_id, now).await
            }

            async fn purge_tokens(&self, now: Millis) -> Result<u64> {
                purge(&mut *self.pool.acquire().await?, now).await
            }
        }

        /// False when `issuer` used `jti` already.
        pub(crate) async fn use_jti(
            conn: &mut Conn,
            issuer: &str,
            jti: &str,
            expires_at: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(
                "INSERT INTO used_jtis (issuer, jti, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (issuer, jti) DO NOTHING",
            )
            .bind(issuer)
            .bind(jti)
            .bind(expires_at)
            .execute(conn)
            .await?;
            Ok(r.rows_affected() == 1)
        }

        pub(crate) async fn insert(conn: &mut Conn, t: &TokenRow) -> Result<()> {
            sqlx::query(&format!(
                "INSERT INTO tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&t.token_hash)
            .bind(t.kind.as_str())
            .bind(&t.client_id)
            .bind(&t.auth_req_id)
            .bind(&t.grant)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.revoked_at)
            .execute(conn)
            .await?;
            Ok(())
        }

        pub(crate) async fn one(conn: &mut Conn, token_hash: &[u8]) -> Result<Option<TokenRow>> {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM tokens WHERE token_hash = $1"
            ))
            .bind(token_hash)
            .fetch_optional(conn)
            .await?
            .as_ref()
            .map(ReadRow::token_row)
            .transpose()
        }

        /// Revokes `old`, then stores `new`; false, having written nothing, when `old`
        /// was revoked already. Run it in a database transaction, committed only when it
        /// returns true.
        pub(crate) async fn rotate(
            conn: &mut Conn,
            old: &[u8],
            new: &[TokenRow],
            now: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(old)
            .execute(&mut *conn)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(false);
            }
            for token in new {
                insert(conn, token).await?;
            }
            Ok(true)
        }

        pub(crate) async fn revoke_of(
            conn: &mut Conn,
            auth_req_id: &str,
            now: Millis,
        ) -> Result<u64> {
            let r = sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE auth_req_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(auth_req_id)
            .execute(conn)
            .await?;
            Ok(r.rows_affected())
        }

        /// Expired `jti`s and tokens.
        pub(crate) async fn purge(conn: &mut Conn, now: Millis) -> Result<u64> {
            let jtis = sqlx::query("DELETE FROM used_jtis WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
            let tokens = sqlx::query("DELETE FROM tokens WHERE expires_at < $1")
                .bind(now)
                .execute(conn)
                .await?;
            Ok(jtis.rows_affected() + tokens.rows_affected())
        }
    };
}
pub(crate) use for_backend;
