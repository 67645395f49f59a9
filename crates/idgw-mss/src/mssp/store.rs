//! The MSSP's storage boundary: where its signature transactions live (TS 102 204 clause
//! 7.2 to 7.4, a transaction named by the MSSP's `MSSP_TransID` and the AP's `AP_TransID`).
//! [`super::MemoryTransactions`] keeps them in one process; idgw's wiring puts them in its
//! store, so several MSSP nodes share them: any node answers `MSS_StatusQuery`, takes the
//! applet's answer, or recognises a retried `AP_TransID`.
//!
//! Times are milliseconds since the Unix epoch ([`Millis`]), comparable across nodes.
//! Every change is a compare-and-set, so a transaction ends once whichever node ends it.

use crate::applet::NONCE_LEN;
use crate::profile::SignatureProfile;
use crate::{Binding, StatusCode};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The applet confirmed; its MACed answer is the signature evidence.
    Signed(Vec<u8>),
    /// It ended without a signature, with this status.
    Failed(StatusCode),
}

/// One signature transaction as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsspTransaction {
    /// The MSSP's name for it (clause 6.2.4).
    pub mssp_trans_id: String,
    /// The AP that asked (`AP_Info/AP_ID`).
    pub ap_id: String,
    /// The AP's name for it (`AP_Info/AP_TransID`), unique per AP.
    pub ap_trans_id: String,
    /// `MobileUser/MSISDN`.
    pub msisdn: String,
    /// Digest of what was asked, to recognise a retried request.
    pub fingerprint: [u8; 32],
    /// The `SignatureProfile` in force.
    pub profile: SignatureProfile,
    /// The outstanding challenge's nonce; the applet's answer must carry it.
    pub nonce: [u8; NONCE_LEN],
    /// When `TimeOut` runs out.
    pub deadline: Millis,
    /// When it ended; `None` while outstanding.
    pub ended_at: Option<Millis>,
    /// How it ended; `None` while outstanding (504 OUTSTANDING_TRANSACTION).
    pub outcome: Option<Outcome>,
    /// Whether the AP sent its `MSS_ReceiptReq` (clause 7.4), or acknowledged the
    /// notification with one.
    pub receipt_received: bool,
    /// asynchServerServer: where the final status goes.
    pub callback: Option<Callback>,
}

/// Where an asynchServerServer transaction's final `MSS_StatusResp` is delivered: the AP's
/// `AP_URL`, in the binding of its request, echoing its request's `AP_Info/Instant`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// `AP_Info/AP_URL`.
    pub url: String,
    /// The binding the AP's request came in.
    pub binding: Binding,
    /// `AP_Info/Instant` of the request.
    pub instant: String,
}

/// A notification due for delivery, claimed by one node for a while.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The ended transaction (with its callback).
    pub txn: MsspTransaction,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// What [`MsspTransactions::insert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insertion {
    /// Stored; the transaction is outstanding.
    Inserted,
    /// The AP already used this `AP_TransID`: its transaction, unchanged.
    Known(Box<MsspTransaction>),
    /// Another transaction of the MSISDN is outstanding (406 PB_SIGNATURE_PROCESS).
    MsisdnBusy,
}

/// Why the transaction storage failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionStoreError {
    /// The storage could not be reached or refused the operation.
    #[error("transaction storage failed: {0}")]
    Unavailable(String),
    /// A stored transaction could not be read back.
    #[error("corrupt stored transaction: {0}")]
    Corrupt(String),
    /// The in-memory table holds its maximum.
    #[error("transaction table full ({0})")]
    Full(usize),
}

/// Where the MSSP keeps its transactions. Implementations must be safe to share between
/// tasks and, when backed by a database, between MSSP processes.
#[async_trait::async_trait]
pub trait MsspTransactions: Send + Sync {
    /// Stores an outstanding transaction unless its (`AP_ID`, `AP_TransID`) is known or its
    /// MSISDN has one outstanding; atomic against concurrent inserts on any node.
    async fn insert(&self, txn: &MsspTransaction) -> Result<Insertion, TransactionStoreError>;
    /// The transaction named `mssp_trans_id`.
    async fn get(
        &self,
        mssp_trans_id: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError>;
    /// The outstanding transaction of `msisdn`.
    async fn outstanding_for(
        &self,
        msisdn: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError>;
    /// Ends an outstanding transaction with `outcome` at `ended_at`; false when it is
    /// unknown or already ended (compare-and-set: one outcome per transaction).
    async fn finish(
        &self,
        mssp_trans_id: &str,
        outcome: &Outcome,
        ended_at: Millis,
    ) -> Result<bool, TransactionStoreError>;
    /// Ends every outstanding transaction whose deadline is at or before `now` with 208
    /// EXPIRED_TRANSACTION (ended at its deadline). Returns the (MSISDN, `MSSP_TransID`) of
    /// those this call ended.
    async fn expire_due(&self, now: Millis)
        -> Result<Vec<(String, String)>, TransactionStoreError>;
    /// Forgets transactions (and their `AP_TransID`s) that ended before `before`.
    async fn forget_ended_before(&self, before: Millis) -> Result<u64, TransactionStoreError>;
    /// Records the AP's receipt of an ended transaction; false when it is unknown or still
    /// outstanding.
    async fn mark_receipt(&self, mssp_trans_id: &str) -> Result<bool, TransactionStoreError>;

    // asynchServerServer: ending a transaction that has a callback (`finish`, `expire_due`)
    // makes its notification due at its end.

    /// A retried asynchServerServer request joined `mssp_trans_id`: its callback replaces the
    /// stored one, and if the transaction has ended its notification is due again at `now`.
    /// False when the transaction is unknown.
    async fn rearm(
        &self,
        mssp_trans_id: &str,
        callback: &Callback,
        now: Millis,
    ) -> Result<bool, TransactionStoreError>;
    /// Claims up to `limit` notifications due at or before `now`: none is handed to another
    /// claim before `lease_until` (a node that dies while delivering leaves it to others).
    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> Result<Vec<Delivery>, TransactionStoreError>;
    /// After an attempt: `next` is when to try again (one more failed attempt), `None` that
    /// nothing is left to deliver; `receipt` records the AP's receipt.
    async fn reschedule_delivery(
        &self,
        mssp_trans_id: &str,
        next: Option<Millis>,
        receipt: bool,
    ) -> Result<(), TransactionStoreError>;
}
