//! Persistence for idgw behind one trait, [`Store`], with one implementation per backend.
//!
//! Callers never see SQL: every operation that must be atomic (finishing a transaction together
//! with its tokens and its notification, rotating a refresh token, claiming outbox work) is one
//! trait method, implemented by [`SqliteStore`] (embedded, one process) and [`PostgresStore`]
//! (several nodes on one database) alike; [`open`] picks one from the storage URL. Times are integer milliseconds since the Unix epoch ([`Millis`]).

mod di;
mod migrate;
mod model;
mod mssp;
mod postgres;
mod rows;
mod sqlite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use std::sync::Arc;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// What can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another authentication is already in flight for this MSISDN (DESIGN.md section 8).
    #[error("another transaction is pending for this subscriber")]
    Busy,
    /// A row that must be unique already exists.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The URL names a backend this build does not have.
    #[error("unsupported storage url: {0}")]
    UnsupportedUrl(String),
    /// The database answered with an error.
    #[error("database error: {0}")]
    Backend(#[from] sqlx::Error),
    /// A stored value could not be read back.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the database could not be reached or did not answer in time, as opposed to
    /// refusing what was asked: I/O or TLS failure, a pool exhausted or closed, a lock held
    /// past the busy timeout (SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`), a PostgreSQL connection
    /// exception (SQLSTATE class 08), lack of resources (class 53) or a server shutting down
    /// (57P01-57P03). Callers answer these as "Service is not available" (e.g. Mobile
    /// Connect DI Table 8 "System connection problem").
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Backend(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(d) => {
                let code = d.code().unwrap_or_default();
                if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // Extended result codes keep the primary code in the low byte.
                    code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
                } else {
                    code.starts_with("08")
                        || code.starts_with("53")
                        || matches!(&*code, "57P01" | "57P02" | "57P03")
                }
            }
            _ => false,
        }
    }
}

/// Everything idgw keeps. Implementations must be safe to share between tasks and, for
/// server backends, between processes.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- OP keys and settings ---
    async fn keys(&self) -> Result<Vec<StoredKey>>;
    async fn insert_key(&self, key: &StoredKey) -> Result<()>;
    async fn retire_key(&self, kid: &str, at: Millis) -> Result<bool>;
    /// Stores `value` under `name` unless a value is already there; returns the stored value.
    /// The first writer wins, so concurrent nodes agree on generated secrets.
    async fn setting_get_or_insert(&self, name: &str, value: &str) -> Result<String>;

    // --- clients and subscribers ---
    async fn upsert_client(&self, client: &ClientRow, now: Millis) -> Result<()>;
    async fn client(&self, client_id: &str) -> Result<Option<ClientRow>>;
    async fn clients(&self) -> Result<Vec<ClientRow>>;
    async fn delete_client(&self, client_id: &str) -> Result<bool>;
    async fn upsert_subscriber(&self, subscriber: &SubscriberRow, now: Millis) -> Result<()>;
    async fn subscriber(&self, msisdn: &str) -> Result<Option<SubscriberRow>>;
    async fn subscribers(&self) -> Result<Vec<SubscriberRow>>;
    async fn delete_subscriber(&self, msisdn: &str) -> Result<bool>;

    // --- pairwise subject identifiers (PCR) ---
    /// The PCR of `msisdn` in `sector`, storing `candidate` if none exists yet.
    async fn pcr_for(&self, sector: &str, msisdn: &str, candidate: &str) -> Result<String>;
    async fn msisdn_for_pcr(&self, sector: &str, pcr: &str) -> Result<Option<String>>;

    // --- authentication transactions ---
    /// Inserts a pending transaction. Fails with [`StoreError::Busy`] when another pending,
    /// transaction exists for the same MSISDN (one past its expiry counts until the sweeper
    /// has finished it, so its client is told).
    async fn insert_transaction(&self, tx: &TransactionRow) -> Result<()>;
    async fn transaction(&self, auth_req_id: &str) -> Result<Option<TransactionRow>>;
    /// Moves a transaction out of `from` into `finish.state`, atomically with the tokens and
    /// the notification it produces. Returns false (and writes nothing) when the transaction
    /// is not in state `from` any more.
    async fn finish_transaction(&self, from: TxState, finish: &Finish) -> Result<bool>;
    /// Pending transactions whose `expires_at` is at or before `now`.
    async fn expired_pending(&self, now: Millis, limit: u32) -> Result<Vec<TransactionRow>>;
    /// Every pending transaction (nodes resume theirs through [`Store::claim_lapsed`]).
    async fn pending_transactions(&self) -> Result<Vec<TransactionRow>>;

    // --- transaction leases (several OP nodes) ---
    /// Extends `owner`'s lease to `until` on those of `auth_req_ids` that are pending and
    /// still its own (a node that was taken over does not take back); returns how many.
    async fn renew_leases(
        &self,
        owner: &str,
        auth_req_ids: &[String],
        until: Millis,
    ) -> Result<u64>;
    /// Takes over up to `limit` pending, unexpired transactions whose lease lapsed at `now`,
    /// giving each to `owner` until `until`. Atomic per transaction: of nodes claiming at
    /// once, one gets it.
    async fn claim_lapsed(
        &self,
        owner: &str,
        now: Millis,
        until: Millis,
        limit: u32,
    ) -> Result<Vec<TransactionRow>>;
    /// Ends `owner`'s leases at once (a node stopping), so other nodes need not wait for them
    /// to lapse; returns how many.
    async fn release_leases(&self, owner: &str) -> Result<u64>;

    // --- replay protection ---
    /// Records a `jti` for `issuer`; false when it was already used.
    async fn use_jti(&self, issuer: &str, jti: &str, expires_at: Millis) -> Result<bool>;

    // --- tokens ---
    async fn insert_token(&self, token: &TokenRow) -> Result<()>;
    async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenRow>>;
    /// Revokes `old` (a refresh token) and stores `new` in one step; false when `old` was
    /// already revoked.
    async fn rotate_token(&self, old: &[u8], new: &[TokenRow], now: Millis) -> Result<bool>;

    // --- notification outbox ---
    /// Claims up to `limit` due notifications for `lease` milliseconds.
    async fn claim_outbox(&self, now: Millis, lease: Millis, limit: u32)
        -> Result<Vec<OutboxItem>>;
    async fn record_delivery(&self, id: i64, result: &DeliveryResult, now: Millis) -> Result<()>;
    async fn outbox_for(&self, auth_req_id: &str) -> Result<Vec<OutboxItem>>;

    // --- OTA card database ---
    /// Stores a card's keys; its counters are kept.
    async fn upsert_card(&self, card: &CardRow, now: Millis) -> Result<()>;
    /// Stores a card unless one exists for its MSISDN; false when one did. Lets processes
    /// that provision the same subscriber at once agree on one set of generated keys.
    async fn insert_card(&self, card: &CardRow, now: Millis) -> Result<bool>;
    async fn card(&self, msisdn: &str) -> Result<Option<CardRow>>;
    async fn card_by_iccid(&self, iccid: &str) -> Result<Option<CardRow>>;
    /// The next MT counter for a card's key set: atomically incremented, never reissued,
    /// whatever the number of processes (TS 102 225 5.1.1).
    async fn next_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64>;
    /// The last MT counter issued for a card's key set (0 before the first), so any node can
    /// tell whether a PoR answers the newest packet.
    async fn last_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64>;
    /// Accepts an MO counter only if it is higher than the last accepted one, atomically.
    async fn accept_mo_counter(&self, iccid: &str, kvn: u8, cntr: u64) -> Result<bool>;

    // --- Mobile Connect DI: authorization codes and browser sessions ---
    /// Stores a new authorization code. With `from`, the transaction `from` must be `approved`
    /// and becomes `redeemed` in the same step (false, and nothing written, when it was not);
    /// `session`, when given, replaces the browser's session in that step too.
    async fn issue_code(
        &self,
        code: &CodeRow,
        from: Option<&str>,
        session: Option<&SessionRow>,
    ) -> Result<bool>;
    async fn code(&self, code_hash: &[u8]) -> Result<Option<CodeRow>>;
    /// Marks a code used and stores the tokens minted from it, atomically; false (nothing
    /// written) when the code was already used or has expired.
    async fn redeem_code(&self, code_hash: &[u8], tokens: &[TokenRow], now: Millis)
        -> Result<bool>;
    /// Revokes every token carrying `auth_req_id` (a replayed code's); returns how many.
    async fn revoke_tokens_of(&self, auth_req_id: &str, now: Millis) -> Result<u64>;
    async fn session(&self, session_hash: &[u8]) -> Result<Option<SessionRow>>;

    // --- MSSP transactions (ETSI TS 102 204), shared by MSSP nodes ---
    /// Stores an outstanding MSSP transaction unless the AP's `AP_TransID` is taken (the
    /// transaction holding it is returned) or the MSISDN has one outstanding; atomic across
    /// nodes.
    async fn insert_mssp_transaction(&self, txn: &MsspTransactionRow) -> Result<MsspInsert>;
    async fn mssp_transaction(&self, mssp_trans_id: &str) -> Result<Option<MsspTransactionRow>>;
    /// The MSISDN's outstanding MSSP transaction.
    async fn mssp_outstanding(&self, msisdn: &str) -> Result<Option<MsspTransactionRow>>;
    /// Ends an outstanding MSSP transaction with `status` (and the signature evidence);
    /// false (nothing written) when it is unknown or already ended.
    async fn finish_mssp_transaction(
        &self,
        mssp_trans_id: &str,
        status: i64,
        signature: Option<&[u8]>,
        ended_at: Millis,
    ) -> Result<bool>;
    /// Ends every outstanding MSSP transaction whose deadline is at or before `now` with
    /// `status`, ended at its deadline; returns the (MSISDN, `MSSP_TransID`) of those this
    /// call ended.
    async fn expire_mssp_transactions(
        &self,
        now: Millis,
        status: i64,
    ) -> Result<Vec<(String, String)>>;
    /// Deletes MSSP transactions that ended before `ended_before`; returns how many.
    async fn forget_mssp_transactions(&self, ended_before: Millis) -> Result<u64>;
    /// Records the AP's receipt of an ended MSSP transaction; false when it is unknown or
    /// outstanding.
    async fn mssp_receipt(&self, mssp_trans_id: &str, at: Millis) -> Result<bool>;
    /// asynchServerServer (ending a transaction with an `ap_url` makes its notification due):
    /// a retried request's callback (`ap_url`, `ap_binding`, `ap_instant`) replaces the
    /// stored one, and an ended transaction's notification is due again at `now`. False when
    /// the transaction is unknown.
    async fn rearm_mssp_notification(
        &self,
        mssp_trans_id: &str,
        callback: (&str, &str, &str),
        now: Millis,
    ) -> Result<bool>;
    /// Claims up to `limit` MSSP notifications due at or before `now`: each is leased until
    /// `lease_until` (no other claim gets it before), atomically across nodes.
    async fn claim_mssp_notifications(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<MsspTransactionRow>>;
    /// After a notification attempt: due again at `next` (one more failed attempt) or, with
    /// `None`, nothing left to deliver; `receipt_at` records the AP's receipt.
    async fn reschedule_mssp_notification(
        &self,
        mssp_trans_id: &str,
        next: Option<Millis>,
        receipt_at: Option<Millis>,
    ) -> Result<()>;

    // --- trace events ---
    async fn record_event(&self, event: &Event) -> Result<()>;
    async fn events(&self, auth_req_id: &str) -> Result<Vec<Event>>;

    /// Deletes what has outlived its use (used `jti`s, expired tokens, codes and sessions).
    async fn purge(&self, now: Millis) -> Result<u64>;
}

/// Opens the store named by `url` (`sqlite://path`, `sqlite::memory:`, or
/// `postgres://user:pass@host:port/db`), running migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

#[cfg(test)]
mod tests;
