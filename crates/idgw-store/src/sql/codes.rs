//! Mobile Connect DI (migration 0003): authorization codes and browser sessions, for
//! [`crate::CodeStore`]. Codes are stored by hash only.

pub(crate) const CODE_COLUMNS: &str =
    "code_hash, client_id, redirect_uri, grant_id, grant_data, created_at, expires_at, used_at";
pub(crate) const SESSION_COLUMNS: &str =
    "session_hash, msisdn, session_data, auth_time, expires_at";

/// Instantiates the statements and [`crate::CodeStore`] for backend `$db` (see
/// [`crate::sql`]).
macro_rules! for_backend {
    ($db:ty) => {
        use $crate::rows::ReadRow;
        use $crate::sql::codes::{CODE_COLUMNS, SESSION_COLUMNS};
        use $crate::sql::{settle, SqlStore};
        use $crate::{CodeRow, CodeStore, Millis, Result, SessionRow, TokenRow, TxState};

        type Conn = <$db as sqlx::Database>::Connection;

        #[async_trait::async_trait]
        impl CodeStore for SqlStore<$db> {
            async fn issue_code(
                &self,
                code: &CodeRow,
                from: Option<&str>,
                session: Option<&SessionRow>,
            ) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = issue(&mut tx, code, from, session).await?;
                settle(tx, done).await
            }

            async fn code(&self, code_hash: &[u8]) -> Result<Option<CodeRow>> {
                code(&mut *self.pool.acquire().await?, code_hash).await
            }

            async fn redeem_code(
                &self,
                code_hash: &[u8],
                tokens: &[TokenRow],
                now: Millis,
            ) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = redeem(&mut tx, code_hash, tokens, now).await?;
                settle(tx, done).await
            }

            async fn session(&self, session_hash: &[u8]) -> Result<Option<SessionRow>> {
                session(&mut *self.pool.acquire().await?, session_hash).await
            }

            async fn purge_codes(&self, now: Millis) -> Result<u64> {
                purge(&mut *self.pool.acquire().await?, now).await
            }
        }

        /// Turns an approved transaction (`from`) into a code, and records the browser
        /// session; false, having written nothing, when `from` was not approved. Run it
        /// in a database transaction, committed only when it returns true.
        pub(crate) async fn issue(
            conn: &mut Conn,
            code: &CodeRow,
            from: Option<&str>,
            session: Option<&SessionRow>,
        ) -> Result<bool> {
            if let Some(auth_req_id) = from {
                let (approved, redeemed) = (TxState::Approved, TxState::Redeemed);
                if !super::transactions::advance(conn, auth_req_id, approved, redeemed).await? {
                    return Ok(false);
                }
            }
            sqlx::query(&format!(
                "INSERT INTO authorization_codes ({CODE_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&code.code_hash)
            .bind(&code.client_id)
            .bind(&code.redirect_uri)
            .bind(&code.grant_id)
            .bind(&code.grant)
            .bind(code.created_at)
            .bind(code.expires_at)
            .bind(code.used_at)
            .execute(&mut *conn)
            .await?;
            if let Some(s) = session {
                sqlx::query(&format!(
                    "INSERT INTO browser_sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (session_hash) DO UPDATE SET msisdn = excluded.msisdn,
                        session_data = excluded.session_data, auth_time = excluded.auth_time,
                        expires_at = excluded.expires_at"
                ))
                .bind(&s.session_hash)
                .bind(&s.msisdn)
                .bind(&s.data)
                .bind(s.auth_time)
                .bind(s.expires_at)
                .execute(conn)
                .await?;
            }
            Ok(true)
        }

        pub(crate) async fn code(conn: &mut Conn, code_hash: &[u8]) -> Result<Option<CodeRow>> {
            sqlx::query(&format!(
                "SELECT {CODE_COLUMNS} FROM authorization_codes WHERE code_hash = $1"
            ))
            .bind(code_hash)
            .fetch_optional(conn)
            .await?
            .as_ref()
            .map(ReadRow::code_row)
            .transpose()
        }

        /// Spends the code (once, before its expiry) and stores the tokens issued from
        /// it; false, having written nothing, when it was spent or expired. Run it in a
        /// database transaction, committed only when it returns true.
        pub(crate) async fn redeem(
            conn: &mut Conn,
            code_hash: &[u8],
            tokens: &[TokenRow],
            now: Millis,
        ) -> Result<bool> {
            let r = sqlx::query(
                "UPDATE authorization_codes SET used_at = $1
                 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1",
            )
            .bind(now)
            .bind(code_hash)
            .execute(&mut *conn)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(false);
            }
            for token in tokens {
                super::tokens::insert(conn, token).await?;
            }
            Ok(true)
        }

        pub(crate) async fn session(
            conn: &mut Conn,
            session_hash: &[u8],
        ) -> Result<Option<SessionRow>> {
            sqlx::query(&format!(
                "SELECT {SESSION_COLUMNS} FROM browser_sessions WHERE session_hash = $1"
            ))
            .bind(session_hash)
            .fetch_optional(conn)
            .await?
            .as_ref()
            .map(ReadRow::session_row)
            .transpose()
        }

        /// Codes and sessions past their expiry.
        pub(crate) async fn purge(conn: &mut Conn, now: Millis) -> Result<u64> {
            let codes = sqlx::query("DELETE FROM authorization_codes WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
            let sessions = sqlx::query("DELETE FROM browser_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(conn)
                .await?;
            Ok(codes.rows_affected() + sessions.rows_affected())
        }
    };
}
pub(crate) use for_backend;
