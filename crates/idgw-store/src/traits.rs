//! What the store offers, one trait per aggregate, so a caller can depend on the part it
//! uses; [`Store`] is all of them, for callers that hold the whole store (`Arc<dyn Store>`).
//!
//! Every operation that must be atomic (finishing a transaction together with its tokens and
//! its notification, rotating a refresh token, claiming outbox work) is one method.

use crate::{
    CardRow, ClientRow, CodeRow, DeliveryResult, Event, Finish, Millis, MsspInsert,
    MsspTransactionRow, OutboxItem, Result, SessionRow, StoredKey, SubscriberRow, TokenRow,
    TransactionRow, TxState,
};
use async_trait::async_trait;

/// The OP's keys and settings.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Every key, oldest first (`created_at`, then `kid`).
    async fn keys(&self) -> Result<Vec<StoredKey>>;
    /// Fails with [`crate::StoreError::Conflict`] when the `kid` is taken.
    async fn insert_key(&self, key: &StoredKey) -> Result<()>;
    async fn retire_key(&self, kid: &str, at: Millis) -> Result<bool>;
    /// Stores `value` under `name` unless a value is already there; returns the stored value.
    /// The first writer wins, so concurrent nodes agree on generated secrets.
    async fn setting_get_or_insert(&self, name: &str, value: &str) -> Result<String>;
}

/// Registered clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn upsert_client(&self, client: &ClientRow, now: Millis) -> Result<()>;
    async fn client(&self, client_id: &str) -> Result<Option<ClientRow>>;
    /// Every client, by `client_id`.
    async fn clients(&self) -> Result<Vec<ClientRow>>;
    async fn delete_client(&self, client_id: &str) -> Result<bool>;
}

/// Subscribers and their pairwise subject identifiers (PCR).
#[async_trait]
pub trait SubscriberStore: Send + Sync {
    async fn upsert_subscriber(&self, subscriber: &SubscriberRow, now: Millis) -> Result<()>;
    async fn subscriber(&self, msisdn: &str) -> Result<Option<SubscriberRow>>;
    /// Every subscriber, by MSISDN.
    async fn subscribers(&self) -> Result<Vec<SubscriberRow>>;
    async fn delete_subscriber(&self, msisdn: &str) -> Result<bool>;
    /// The PCR of `msisdn` in `sector`, storing `candidate` if none exists yet.
    async fn pcr_for(&self, sector: &str, msisdn: &str, candidate: &str) -> Result<String>;
    async fn msisdn_for_pcr(&self, sector: &str, pcr: &str) -> Result<Option<String>>;
}

/// Authentication transactions (CIBA `auth_req_id`).
#[async_trait]
pub trait TransactionStore: Send + Sync {
    /// Inserts a pending transaction. Fails with [`crate::StoreError::Busy`] when another
    /// pending transaction exists for the same MSISDN (one past its expiry counts until the
    /// sweeper has finished it, so its client is told).
    async fn insert_transaction(&self, tx: &TransactionRow) -> Result<()>;
    async fn transaction(&self, auth_req_id: &str) -> Result<Option<TransactionRow>>;
    /// Moves a transaction out of `from` into `finish.state`, atomically with the tokens and
    /// the notification it produces. Returns false (and writes nothing) when the transaction
    /// is not in state `from` any more.
    async fn finish_transaction(&self, from: TxState, finish: &Finish) -> Result<bool>;
    /// Pending transactions whose `expires_at` is at or before `now`, soonest first.
    async fn expired_pending(&self, now: Millis, limit: u32) -> Result<Vec<TransactionRow>>;
    /// Every pending transaction (nodes resume theirs through [`LeaseStore::claim_lapsed`]).
    async fn pending_transactions(&self) -> Result<Vec<TransactionRow>>;
}

/// Which node works a pending transaction (several OP nodes on one database).
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Extends `owner`'s lease to `until` on those of `auth_req_ids` that are pending and
    /// still its own (a node that was taken over does not take back); returns how many.
    async fn renew_leases(
        &self,
        owner: &str,
        auth_req_ids: &[String],
        until: Millis,
    ) -> Result<u64>;
    /// Takes over up to `limit` pending, unexpired transactions whose lease lapsed at `now`,
    /// soonest expiry first, giving each to `owner` until `until`. Atomic per transaction:
    /// of nodes claiming at once, one gets it.
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
}

/// Issued tokens, and the `jti`s seen (replay protection).
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Records a `jti` for `issuer`; false when it was already used.
    async fn use_jti(&self, issuer: &str, jti: &str, expires_at: Millis) -> Result<bool>;
    async fn insert_token(&self, token: &TokenRow) -> Result<()>;
    async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenRow>>;
    /// Revokes `old` (a refresh token) and stores `new` in one step; false when `old` was
    /// already revoked.
    async fn rotate_token(&self, old: &[u8], new: &[TokenRow], now: Millis) -> Result<bool>;
    /// Revokes every token carrying `auth_req_id` (a replayed code's); returns how many.
    async fn revoke_tokens_of(&self, auth_req_id: &str, now: Millis) -> Result<u64>;
    /// Deletes expired tokens and `jti`s; returns how many.
    async fn purge_tokens(&self, now: Millis) -> Result<u64>;
}

/// Notifications to clients, delivered with retries.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` due notifications for `lease` milliseconds, the longest due first
    /// (`next_attempt_at`, then `id`).
    async fn claim_outbox(&self, now: Millis, lease: Millis, limit: u32)
        -> Result<Vec<OutboxItem>>;
    async fn record_delivery(&self, id: i64, result: &DeliveryResult, now: Millis) -> Result<()>;
    /// A transaction's notifications, in the order they were written.
    async fn outbox_for(&self, auth_req_id: &str) -> Result<Vec<OutboxItem>>;
}

/// The OTA card database and the counters of each card's key sets (TS 102 225 5.1.1).
#[async_trait]
pub trait CardStore: Send + Sync {
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
}

/// Mobile Connect DI: authorization codes and browser sessions.
#[async_trait]
pub trait CodeStore: Send + Sync {
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
    async fn session(&self, session_hash: &[u8]) -> Result<Option<SessionRow>>;
    /// Deletes expired codes and sessions; returns how many.
    async fn purge_codes(&self, now: Millis) -> Result<u64>;
}

/// The MSSP's transactions (ETSI TS 102 204), shared by MSSP nodes.
#[async_trait]
pub trait MsspStore: Send + Sync {
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
}

/// The trace of each transaction, for `idgw trace`.
#[async_trait]
pub trait EventStore: Send + Sync {
    async fn record_event(&self, event: &Event) -> Result<()>;
    /// A transaction's events by time, then in the order they were recorded.
    async fn events(&self, auth_req_id: &str) -> Result<Vec<Event>>;
}

/// Everything idgw keeps. Implementations must be safe to share between tasks and, for
/// server backends, between processes. Implemented for every type that implements each
/// aggregate's trait.
#[async_trait]
pub trait Store:
    KeyStore
    + ClientStore
    + SubscriberStore
    + TransactionStore
    + LeaseStore
    + TokenStore
    + OutboxStore
    + CardStore
    + CodeStore
    + MsspStore
    + EventStore
    + 'static
{
    /// Deletes what has outlived its use (used `jti`s, expired tokens, codes and sessions);
    /// returns how many rows.
    async fn purge(&self, now: Millis) -> Result<u64> {
        Ok(self.purge_tokens(now).await? + self.purge_codes(now).await?)
    }
}

impl<T> Store for T where
    T: KeyStore
        + ClientStore
        + SubscriberStore
        + TransactionStore
        + LeaseStore
        + TokenStore
        + OutboxStore
        + CardStore
        + CodeStore
        + MsspStore
        + EventStore
        + ?Sized
        + 'static
{
}
