//! The PostgreSQL backend, for several idgw nodes sharing one database. Statements are
//! prepared and cached per connection by sqlx. Every multi-row change runs in one transaction;
//! compare-and-set updates rely on READ COMMITTED re-checking their `WHERE` clause after
//! waiting for a concurrent writer, so a state or counter moves once whatever the number of
//! nodes.

mod di;
mod events;
mod leases;
mod mssp;
mod ota;
mod outbox;
mod rows;

use self::rows::{
    insert_token_on, is_unique_violation, now_ms, token_row, transaction_row, TOKEN_COLUMNS,
    TX_COLUMNS,
};
use crate::{
    migrate, CardRow, ClientRow, CodeRow, DeliveryResult, Event, Finish, Millis, MsspInsert,
    MsspTransactionRow, OutboxItem, Result, SessionRow, Store, StoreError, StoredKey,
    SubscriberRow, TokenRow, TransactionRow, TxState,
};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Executor, Row};
use std::str::FromStr;
use std::time::Duration;

/// Connections per node. Each node holds its own pool; the server's `max_connections` bounds
/// the sum.
const POOL_SIZE: u32 = 16;
/// How long a caller waits for a connection (also bounds connecting at startup).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`) and applies pending migrations.
    pub async fn open(url: &str) -> Result<PostgresStore> {
        let options = PgConnectOptions::from_str(url)?.application_name("idgw");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Some(Duration::from_secs(600)))
            .max_lifetime(Some(Duration::from_secs(3600)))
            .connect_with(options)
            .await?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations not yet recorded, in one transaction holding an advisory lock,
    /// so nodes starting together apply each migration exactly once.
    async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(migrate::POSTGRES_LOCK)
            .execute(&mut *tx)
            .await?;
        // A query without arguments goes over the simple protocol, which runs every statement
        // of a migration file. (`sqlx::raw_sql` would do the same, but its future is not `Send`
        // for every lifetime, so `open` could not be spawned.)
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        // Each version on its own: branches number their migrations apart, so a lower
        // number may arrive after a higher one was applied.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for &(version, description, sql) in migrate::POSTGRES {
            if applied.contains(&version) {
                continue;
            }
            tx.execute(sql).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(version)
            .bind(description)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn key_row(r: &PgRow) -> Result<StoredKey> {
    Ok(StoredKey {
        kid: r.try_get("kid")?,
        key_use: r.try_get("key_use")?,
        alg: r.try_get("alg")?,
        private_jwk: r.try_get("private_jwk")?,
        created_at: r.try_get("created_at")?,
        retired_at: r.try_get("retired_at")?,
    })
}

fn client_row(r: &PgRow) -> Result<ClientRow> {
    Ok(ClientRow {
        client_id: r.try_get("client_id")?,
        secret_hash: r.try_get("secret_hash")?,
        metadata: r.try_get("metadata")?,
    })
}

fn subscriber_row(r: &PgRow) -> Result<SubscriberRow> {
    Ok(SubscriberRow {
        msisdn: r.try_get("msisdn")?,
        user_code: r.try_get("user_code")?,
    })
}

#[async_trait]
impl Store for PostgresStore {
    async fn keys(&self) -> Result<Vec<StoredKey>> {
        let rows = sqlx::query(
            "SELECT kid, key_use, alg, private_jwk, created_at, retired_at FROM op_keys
             ORDER BY created_at, kid",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_row).collect()
    }

    async fn insert_key(&self, key: &StoredKey) -> Result<()> {
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
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(key.kid.clone())),
            Err(e) => Err(e.into()),
        }
    }

    async fn retire_key(&self, kid: &str, at: Millis) -> Result<bool> {
        let r =
            sqlx::query("UPDATE op_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL")
                .bind(at)
                .bind(kid)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn setting_get_or_insert(&self, name: &str, value: &str) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn upsert_client(&self, c: &ClientRow, now: Millis) -> Result<()> {
        sqlx::query(
            "INSERT INTO clients (client_id, secret_hash, metadata, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash,
                metadata = excluded.metadata, updated_at = excluded.updated_at",
        )
        .bind(&c.client_id)
        .bind(&c.secret_hash)
        .bind(&c.metadata)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn client(&self, client_id: &str) -> Result<Option<ClientRow>> {
        sqlx::query("SELECT client_id, secret_hash, metadata FROM clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(client_row)
            .transpose()
    }

    async fn clients(&self) -> Result<Vec<ClientRow>> {
        let rows =
            sqlx::query("SELECT client_id, secret_hash, metadata FROM clients ORDER BY client_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(client_row).collect()
    }

    async fn delete_client(&self, client_id: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM clients WHERE client_id = $1")
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn upsert_subscriber(&self, s: &SubscriberRow, now: Millis) -> Result<()> {
        sqlx::query(
            "INSERT INTO subscribers (msisdn, user_code, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (msisdn) DO UPDATE SET user_code = excluded.user_code,
                updated_at = excluded.updated_at",
        )
        .bind(&s.msisdn)
        .bind(&s.user_code)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn subscriber(&self, msisdn: &str) -> Result<Option<SubscriberRow>> {
        sqlx::query("SELECT msisdn, user_code FROM subscribers WHERE msisdn = $1")
            .bind(msisdn)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(subscriber_row)
            .transpose()
    }

    async fn subscribers(&self) -> Result<Vec<SubscriberRow>> {
        let rows = sqlx::query("SELECT msisdn, user_code FROM subscribers ORDER BY msisdn")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(subscriber_row).collect()
    }

    async fn delete_subscriber(&self, msisdn: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM subscribers WHERE msisdn = $1")
            .bind(msisdn)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn pcr_for(&self, sector: &str, msisdn: &str, candidate: &str) -> Result<String> {
        let select = "SELECT pcr FROM pcrs WHERE sector = $1 AND msisdn = $2";
        // The common case (a known subscriber) is one read; a first sight inserts, and when
        // another node inserted meanwhile, its PCR wins and is read back.
        let known: Option<String> = sqlx::query_scalar(select)
            .bind(sector)
            .bind(msisdn)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(pcr) = known {
            return Ok(pcr);
        }
        sqlx::query(
            "INSERT INTO pcrs (sector, msisdn, pcr) VALUES ($1, $2, $3)
             ON CONFLICT (sector, msisdn) DO NOTHING",
        )
        .bind(sector)
        .bind(msisdn)
        .bind(candidate)
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar(select)
            .bind(sector)
            .bind(msisdn)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn msisdn_for_pcr(&self, sector: &str, pcr: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT msisdn FROM pcrs WHERE sector = $1 AND pcr = $2")
                .bind(sector)
                .bind(pcr)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn insert_transaction(&self, t: &TransactionRow) -> Result<()> {
        // The partial unique index admits one pending transaction per MSISDN, across nodes.
        let r = sqlx::query(&format!(
            "INSERT INTO transactions ({TX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
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
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Busy),
            Err(e) => Err(e.into()),
        }
    }

    async fn transaction(&self, auth_req_id: &str) -> Result<Option<TransactionRow>> {
        sqlx::query(&format!(
            "SELECT {TX_COLUMNS} FROM transactions WHERE auth_req_id = $1"
        ))
        .bind(auth_req_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(transaction_row)
        .transpose()
    }

    async fn finish_transaction(&self, from: TxState, f: &Finish) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
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
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for token in &f.tokens {
            insert_token_on(&mut tx, token).await?;
        }
        if let Some(n) = &f.notification {
            sqlx::query(
                "INSERT INTO outbox (auth_req_id, url, bearer, body, state, attempts,
                    next_attempt_at, deadline, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $5, $5)",
            )
            .bind(&n.auth_req_id)
            .bind(&n.url)
            .bind(&n.bearer)
            .bind(&n.body)
            .bind(f.now)
            .bind(n.deadline)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn expired_pending(&self, now: Millis, limit: u32) -> Result<Vec<TransactionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {TX_COLUMNS} FROM transactions WHERE state = 'pending' AND expires_at <= $1
             ORDER BY expires_at LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(transaction_row).collect()
    }

    async fn pending_transactions(&self) -> Result<Vec<TransactionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {TX_COLUMNS} FROM transactions WHERE state = 'pending' ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(transaction_row).collect()
    }

    async fn renew_leases(
        &self,
        owner: &str,
        auth_req_ids: &[String],
        until: Millis,
    ) -> Result<u64> {
        leases::renew_leases(&self.pool, owner, auth_req_ids, until).await
    }

    async fn claim_lapsed(
        &self,
        owner: &str,
        now: Millis,
        until: Millis,
        limit: u32,
    ) -> Result<Vec<TransactionRow>> {
        leases::claim_lapsed(&self.pool, owner, now, until, limit).await
    }

    async fn release_leases(&self, owner: &str) -> Result<u64> {
        leases::release_leases(&self.pool, owner).await
    }

    async fn use_jti(&self, issuer: &str, jti: &str, expires_at: Millis) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO used_jtis (issuer, jti, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (issuer, jti) DO NOTHING",
        )
        .bind(issuer)
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn insert_token(&self, token: &TokenRow) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        insert_token_on(&mut conn, token).await
    }

    async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenRow>> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(token_row)
        .transpose()
    }

    async fn rotate_token(&self, old: &[u8], new: &[TokenRow], now: Millis) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(old)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for token in new {
            insert_token_on(&mut tx, token).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn claim_outbox(
        &self,
        now: Millis,
        lease: Millis,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        outbox::claim_outbox(&self.pool, now, lease, limit).await
    }

    async fn record_delivery(&self, id: i64, result: &DeliveryResult, now: Millis) -> Result<()> {
        outbox::record_delivery(&self.pool, id, result, now).await
    }

    async fn outbox_for(&self, auth_req_id: &str) -> Result<Vec<OutboxItem>> {
        outbox::outbox_for(&self.pool, auth_req_id).await
    }

    async fn upsert_card(&self, c: &CardRow, now: Millis) -> Result<()> {
        ota::upsert_card(&self.pool, c, now).await
    }

    async fn insert_card(&self, c: &CardRow, now: Millis) -> Result<bool> {
        ota::insert_card(&self.pool, c, now).await
    }

    async fn card(&self, msisdn: &str) -> Result<Option<CardRow>> {
        ota::card_where(&self.pool, "msisdn", msisdn).await
    }

    async fn card_by_iccid(&self, iccid: &str) -> Result<Option<CardRow>> {
        ota::card_where(&self.pool, "iccid", iccid).await
    }

    async fn next_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64> {
        ota::next_mt_counter(&self.pool, iccid, kvn).await
    }

    async fn last_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64> {
        ota::last_mt_counter(&self.pool, iccid, kvn).await
    }

    async fn accept_mo_counter(&self, iccid: &str, kvn: u8, cntr: u64) -> Result<bool> {
        ota::accept_mo_counter(&self.pool, iccid, kvn, cntr).await
    }

    async fn issue_code(
        &self,
        code: &CodeRow,
        from: Option<&str>,
        session: Option<&SessionRow>,
    ) -> Result<bool> {
        di::issue_code(&self.pool, code, from, session).await
    }

    async fn code(&self, code_hash: &[u8]) -> Result<Option<CodeRow>> {
        di::code(&self.pool, code_hash).await
    }

    async fn redeem_code(
        &self,
        code_hash: &[u8],
        tokens: &[TokenRow],
        now: Millis,
    ) -> Result<bool> {
        di::redeem_code(&self.pool, code_hash, tokens, now).await
    }

    async fn revoke_tokens_of(&self, auth_req_id: &str, now: Millis) -> Result<u64> {
        di::revoke_tokens_of(&self.pool, auth_req_id, now).await
    }

    async fn session(&self, session_hash: &[u8]) -> Result<Option<SessionRow>> {
        di::session(&self.pool, session_hash).await
    }

    async fn insert_mssp_transaction(&self, t: &MsspTransactionRow) -> Result<MsspInsert> {
        mssp::insert(&self.pool, t).await
    }

    async fn mssp_transaction(&self, mssp_trans_id: &str) -> Result<Option<MsspTransactionRow>> {
        mssp::one(&self.pool, crate::mssp::BY_ID, mssp_trans_id).await
    }

    async fn mssp_outstanding(&self, msisdn: &str) -> Result<Option<MsspTransactionRow>> {
        mssp::one(&self.pool, crate::mssp::OUTSTANDING, msisdn).await
    }

    async fn finish_mssp_transaction(
        &self,
        mssp_trans_id: &str,
        status: i64,
        signature: Option<&[u8]>,
        ended_at: Millis,
    ) -> Result<bool> {
        mssp::finish(&self.pool, mssp_trans_id, status, signature, ended_at).await
    }

    async fn expire_mssp_transactions(
        &self,
        now: Millis,
        status: i64,
    ) -> Result<Vec<(String, String)>> {
        mssp::expire(&self.pool, now, status).await
    }

    async fn forget_mssp_transactions(&self, ended_before: Millis) -> Result<u64> {
        mssp::forget(&self.pool, ended_before).await
    }

    async fn mssp_receipt(&self, mssp_trans_id: &str, at: Millis) -> Result<bool> {
        mssp::receipt(&self.pool, mssp_trans_id, at).await
    }

    async fn rearm_mssp_notification(
        &self,
        mssp_trans_id: &str,
        callback: (&str, &str, &str),
        now: Millis,
    ) -> Result<bool> {
        mssp::rearm(&self.pool, mssp_trans_id, callback, now).await
    }

    async fn claim_mssp_notifications(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<MsspTransactionRow>> {
        mssp::claim(&self.pool, now, lease_until, limit).await
    }

    async fn reschedule_mssp_notification(
        &self,
        mssp_trans_id: &str,
        next: Option<Millis>,
        receipt_at: Option<Millis>,
    ) -> Result<()> {
        mssp::reschedule(&self.pool, mssp_trans_id, next, receipt_at).await
    }

    async fn record_event(&self, e: &Event) -> Result<()> {
        events::record_event(&self.pool, e).await
    }

    async fn events(&self, auth_req_id: &str) -> Result<Vec<Event>> {
        events::events(&self.pool, auth_req_id).await
    }

    async fn purge(&self, now: Millis) -> Result<u64> {
        let jtis = sqlx::query("DELETE FROM used_jtis WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        let tokens = sqlx::query("DELETE FROM tokens WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(jtis.rows_affected() + tokens.rows_affected() + di::purge(&self.pool, now).await?)
    }
}
