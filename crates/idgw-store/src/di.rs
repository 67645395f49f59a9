//! Mobile Connect DI (migration 0003): authorization codes and browser sessions. The store
//! methods are written once with `$N` placeholders (which both backends accept), like
//! [`crate::mssp`], and instantiated per backend.

/// The store methods on one backend's pool type; `$insert_token` writes a token inside the
/// backend's database transaction. Invoked in each backend's `di` module.
macro_rules! di_methods {
    ($pool:ty, $insert_token:path) => {
        use crate::rows::{code_row, session_row, CODE_COLUMNS, SESSION_COLUMNS};
        use crate::{CodeRow, Millis, Result, SessionRow, TokenRow};

        /// Turns an approved transaction (`from`) into a code, and records the browser
        /// session, in one database transaction; `false` if `from` was not approved.
        pub(super) async fn issue_code(
            pool: &$pool,
            code: &CodeRow,
            from: Option<&str>,
            session: Option<&SessionRow>,
        ) -> Result<bool> {
            let mut tx = pool.begin().await?;
            if let Some(auth_req_id) = from {
                let r = sqlx::query(
                    "UPDATE transactions SET state = 'redeemed' \
                     WHERE auth_req_id = $1 AND state = 'approved'",
                )
                .bind(auth_req_id)
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
            }
            sqlx::query(&format!(
                "INSERT INTO authorization_codes ({CODE_COLUMNS}) \
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
            .execute(&mut *tx)
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
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        }

        pub(super) async fn code(pool: &$pool, code_hash: &[u8]) -> Result<Option<CodeRow>> {
            sqlx::query(&format!(
                "SELECT {CODE_COLUMNS} FROM authorization_codes WHERE code_hash = $1"
            ))
            .bind(code_hash)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(code_row)
            .transpose()
        }

        /// Spends the code (once, before its expiry) and stores the tokens issued from it,
        /// in one database transaction.
        pub(super) async fn redeem_code(
            pool: &$pool,
            code_hash: &[u8],
            tokens: &[TokenRow],
            now: Millis,
        ) -> Result<bool> {
            let mut tx = pool.begin().await?;
            let r = sqlx::query(
                "UPDATE authorization_codes SET used_at = $1
                 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(now)
            .bind(code_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            for token in tokens {
                $insert_token(&mut tx, token).await?;
            }
            tx.commit().await?;
            Ok(true)
        }

        pub(super) async fn revoke_tokens_of(
            pool: &$pool,
            auth_req_id: &str,
            now: Millis,
        ) -> Result<u64> {
            let r = sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE auth_req_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(auth_req_id)
            .execute(pool)
            .await?;
            Ok(r.rows_affected())
        }

        pub(super) async fn session(
            pool: &$pool,
            session_hash: &[u8],
        ) -> Result<Option<SessionRow>> {
            sqlx::query(&format!(
                "SELECT {SESSION_COLUMNS} FROM browser_sessions WHERE session_hash = $1"
            ))
            .bind(session_hash)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(session_row)
            .transpose()
        }

        /// Codes and sessions past their expiry.
        pub(super) async fn purge(pool: &$pool, now: Millis) -> Result<u64> {
            let a = sqlx::query("DELETE FROM authorization_codes WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            let b = sqlx::query("DELETE FROM browser_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            Ok(a.rows_affected() + b.rows_affected())
        }
    };
}
pub(crate) use di_methods;
