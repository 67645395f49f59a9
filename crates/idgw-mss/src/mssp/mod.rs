//! The MSSP (Mobile Signature Service Provider) of ETSI TS 102 204: the
//! domain layer, no HTTP types. It answers `MSS_SignatureReq` (clause 7.2),
//! `MSS_StatusReq` (clause 7.3) and `MSS_ReceiptReq` (clause 7.4) for
//! registered APs, by asking the subscriber's SIM applet (see
//! [`crate::applet`]) through an [`OtaPlatform`]. [`http`] puts it on the
//! SOAP and JSON bindings.
//!
//! A signature request, step by step:
//!
//! 1. `AP_ID`/`AP_PWD` are checked ([`ApRegistry`]): 104 UNAUTHORIZED_ACCESS.
//! 2. The request is validated: `SignatureProfile` one of
//!    [`crate::profile`]'s (absent: sim-pin) else 109; `MessagingMode`
//!    `asynchServerServer` needs an http(s) `AP_URL` (absent: 102, other: 101);
//!    `TimeOut` in seconds, default [`DEFAULT_TIME_OUT`], capped at
//!    [`MAX_TIME_OUT`], 0 is 101; the text shown is `DataToBeDisplayed`
//!    or else `DataToBeSigned`, which must be text (107) of at most
//!    [`crate::applet::MAX_DISPLAY_TEXT_LEN`] octets (103).
//! 3. The MSISDN's applet key comes from [`AppletKeys`]: none is 105
//!    UNKNOWN_CLIENT (clause 6.2.8: "the user is unknown"). A second request
//!    while one is outstanding for the MSISDN is 406 PB_SIGNATURE_PROCESS.
//! 4. `AP_TransID` must be new for the AP. A repeat carrying the same
//!    request (same MSISDN, data, profile and mode) is taken as a retry of
//!    a request whose answer was lost: it joins the existing transaction
//!    (same `MSSP_TransID`, no second prompt on the phone); in
//!    asynchServerServer its `AP_URL` replaces the stored one and, if the
//!    transaction has ended, the notification is delivered again (an AP that
//!    restarted learns the outcome). A repeat with a different request is 101
//!    WRONG_PARAM. An `AP_TransID` is remembered
//!    as long as its transaction ([`MsspConfig::retention`] after it ended).
//!    Status and receipt requests carry their own `AP_TransID`s, which are
//!    not checked.
//! 5. A challenge (fresh nonce, the text, the PIN flag, `MSSP_TransID` as
//!    reference) is MACed with the applet key and handed to
//!    [`OtaPlatform::send_challenge`]; a failure there ends the
//!    transaction with 209 OTA_ERROR.
//! 6. `synch`: the request waits for the outcome or `TimeOut`.
//!    `asynchClientServer` and `asynchServerServer`: 100 REQUEST_OK with the
//!    `MSSP_TransID`; status queries answer 504 OUTSTANDING_TRANSACTION until
//!    the end. In asynchServerServer the final `MSS_StatusResp` is delivered to
//!    the `AP_URL` ([`callback`], [`notify::run`]), retried with backoff while
//!    the transaction is retained; the AP answers with an `MSS_ReceiptReq`.
//! 7. The OTA platform passes the applet's answer to [`Mssp::on_answer`];
//!    with a good MAC and the outstanding nonce it ends the transaction:
//!    500 SIGNATURE (the `MSS_Signature` is the applet's MACed answer,
//!    `Base64Signature`), 401, 402 or 403. Anything else is logged and
//!    ignored, and the transaction stays outstanding until it expires
//!    (208 EXPIRED_TRANSACTION).
//!
//! Failures are returned as [`MsspError`]s; each names its TS 102 204
//! status, and the bindings answer them as faults (clause 9), also for a
//! status query of a transaction that ended without a signature (as
//! Kiuru-based MSSPs do).
//!
//! Transactions live behind [`MsspTransactions`]: in memory by default
//! ([`MemoryTransactions`]), or in a shared store ([`Mssp::with_transactions`]), so several
//! MSSP nodes serve the same transactions: any node answers `MSS_StatusQuery`, takes the
//! applet's answer or an OTA failure, expires at `TimeOut`, and recognises a retried
//! `AP_TransID`. A `synch` request waits on the node that accepted it, woken at once by an
//! outcome recorded on that node and polling the store (every
//! [`MsspConfig::outcome_poll`]) for one recorded elsewhere.

mod answer;
mod callback;
mod clock;
mod error;
pub mod http;
pub mod notify;
mod registry;
mod signature;
mod store;
mod txn;

#[cfg(test)]
mod tests;

pub use error::{MsspError, OtaError};
pub use registry::{ApRegistry, AppletKeys, AppletKeysError, MemoryAppletKeys};
pub use store::{
    Callback, Delivery, Insertion, Millis, MsspTransaction, MsspTransactions, Outcome,
    TransactionStoreError,
};
pub use txn::MemoryTransactions;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::applet::AppletError;
use crate::model::*;
use crate::trace::Trace;
use crate::{Binding, StatusCode};

/// This component's lane in `idgw trace`.
pub(crate) const LANE: &str = "MSSP";

/// Default `TimeOut` when the request has none: 120 s.
pub const DEFAULT_TIME_OUT: Duration = Duration::from_secs(120);
/// Longest `TimeOut` honoured; longer requests are cut to it: 300 s.
pub const MAX_TIME_OUT: Duration = Duration::from_secs(300);
/// How long an ended transaction (and its `AP_TransID`) is kept: 10 min.
pub const RETENTION: Duration = Duration::from_secs(600);
/// Most transactions held at once (outstanding or retained) by
/// [`MemoryTransactions`]; beyond it new requests get 900 INTERNAL_ERROR.
pub const MAX_TRANSACTIONS: usize = 100_000;
/// How often a waiting `synch` request looks for an outcome recorded by another
/// node: 250 ms.
pub const OUTCOME_POLL: Duration = Duration::from_millis(250);
/// Ended transactions are forgotten at most this often per node: 10 s.
const FORGET_EVERY: Millis = 10_000;
/// First retry of a notification the AP did not take: 1 s, doubling each time.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Longest wait between notification attempts: 60 s.
pub const MAX_RETRY: Duration = Duration::from_secs(60);

/// Hands challenges to the SIM. The OTA platform (idgw-ota) implements it:
/// it wraps `challenge` in a TS 31.115 secured packet for the applet and
/// later calls [`Mssp::on_answer`] with the applet's decrypted answer.
#[async_trait::async_trait]
pub trait OtaPlatform: Send + Sync {
    /// Sends `challenge` (already MACed) to the SIM of `msisdn`. Returns
    /// once the platform accepted it; the answer comes back separately.
    async fn send_challenge(
        &self,
        msisdn: &str,
        mssp_trans_id: &str,
        challenge: Vec<u8>,
    ) -> Result<(), OtaError>;
}

/// Settings of an [`Mssp`].
#[derive(Debug, Clone)]
pub struct MsspConfig {
    /// The MSSP's identity, sent as `MSSP_Info/MSSP_ID/URI`.
    pub mssp_id: String,
    /// See [`DEFAULT_TIME_OUT`].
    pub default_time_out: Duration,
    /// See [`MAX_TIME_OUT`].
    pub max_time_out: Duration,
    /// See [`RETENTION`].
    pub retention: Duration,
    /// See [`MAX_TRANSACTIONS`].
    pub max_transactions: usize,
    /// See [`OUTCOME_POLL`].
    pub outcome_poll: Duration,
    /// See [`FIRST_RETRY`].
    pub first_retry: Duration,
    /// See [`MAX_RETRY`].
    pub max_retry: Duration,
}

impl Default for MsspConfig {
    fn default() -> MsspConfig {
        MsspConfig {
            mssp_id: "http://idgw.local/mssp".into(),
            default_time_out: DEFAULT_TIME_OUT,
            max_time_out: MAX_TIME_OUT,
            retention: RETENTION,
            max_transactions: MAX_TRANSACTIONS,
            outcome_poll: OUTCOME_POLL,
            first_retry: FIRST_RETRY,
            max_retry: MAX_RETRY,
        }
    }
}

/// What [`Mssp::on_answer`] did with an applet answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerDisposition {
    /// It ended the outstanding transaction with this status.
    Accepted {
        /// The transaction it ended.
        mssp_trans_id: String,
        /// 500, 401, 402 or 403.
        status: StatusCode,
    },
    /// No applet key for the MSISDN.
    UnknownUser,
    /// Malformed, or the MAC does not verify.
    Rejected(AppletError),
    /// Nothing outstanding for the MSISDN (late, or a replay).
    NoOutstandingTransaction,
    /// The nonce is not the outstanding challenge's.
    NonceMismatch,
}

/// The MSSP domain service. Share it as `Arc<Mssp>`.
pub struct Mssp {
    config: MsspConfig,
    aps: ApRegistry,
    keys: Arc<dyn AppletKeys>,
    ota: Arc<dyn OtaPlatform>,
    txns: Arc<dyn MsspTransactions>,
    clock: clock::Clock,
    /// Woken whenever this node ends a transaction (for `synch` waiters).
    ended: tokio::sync::Notify,
    /// Woken when a notification became due on this node (for [`notify::run`]).
    deliveries: tokio::sync::Notify,
    /// When this node last forgot ended transactions.
    forgot_at: AtomicI64,
    trace: Trace,
}

impl std::fmt::Debug for Mssp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mssp")
            .field("config", &self.config)
            .field("aps", &self.aps)
            .finish_non_exhaustive()
    }
}

impl Mssp {
    /// An MSSP serving `aps`, with subscribers' keys from `keys`, talking
    /// to SIMs through `ota`, its transactions in memory
    /// ([`MsspConfig::max_transactions`] at most).
    pub fn new(
        config: MsspConfig,
        aps: ApRegistry,
        keys: Arc<dyn AppletKeys>,
        ota: Arc<dyn OtaPlatform>,
    ) -> Mssp {
        let txns = Arc::new(MemoryTransactions::new(config.max_transactions));
        Mssp {
            config,
            aps,
            keys,
            ota,
            txns,
            clock: clock::Clock::now(),
            ended: tokio::sync::Notify::new(),
            deliveries: tokio::sync::Notify::new(),
            forgot_at: AtomicI64::new(Millis::MIN),
            trace: Trace::default(),
        }
    }

    /// Keeps the transactions in `txns` instead (a store shared by several MSSP nodes).
    pub fn with_transactions(mut self, txns: Arc<dyn MsspTransactions>) -> Mssp {
        self.txns = txns;
        self
    }

    /// Reports each step (request received, challenge signed and sent, answer verified,
    /// final status) to `trace`, by MSISDN.
    pub fn with_trace(mut self, trace: Trace) -> Mssp {
        self.trace = trace;
        self
    }

    /// Reports that the transaction of `msisdn` ended with `code`.
    pub(crate) fn trace_end(&self, msisdn: &str, mssp_trans_id: &str, code: StatusCode) {
        self.trace.step(
            msisdn,
            LANE,
            "transaction ended",
            &code.to_string(),
            Some(format!("MSSP_TransID {mssp_trans_id}")),
        );
    }

    /// The settings.
    pub fn config(&self) -> &MsspConfig {
        &self.config
    }

    /// Ends what is past its `TimeOut` (208, traced here if this call ended it) and,
    /// every [`FORGET_EVERY`], forgets what ended [`MsspConfig::retention`] ago.
    async fn sweep(&self, now: Instant) -> Result<(), MsspError> {
        let now = self.clock.millis(now);
        let expired = self.txns.expire_due(now).await?;
        for (msisdn, mssp_trans_id) in &expired {
            tracing::info!(%mssp_trans_id, "transaction expired");
            self.trace_end(msisdn, mssp_trans_id, StatusCode::ExpiredTransaction);
        }
        if !expired.is_empty() {
            // Those with a callback have a notification due.
            self.deliveries.notify_one();
        }
        let last = self.forgot_at.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= FORGET_EVERY
            && self
                .forgot_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let retention = Millis::try_from(self.config.retention.as_millis()).unwrap_or(0);
            self.txns
                .forget_ended_before(now.saturating_sub(retention) + 1)
                .await?;
        }
        Ok(())
    }

    /// Ends `mssp_trans_id` with `outcome` at `ended_at` unless it already ended; wakes
    /// this node's `synch` waiters, and its notifier when the transaction has a callback.
    async fn finish(
        &self,
        mssp_trans_id: &str,
        outcome: &Outcome,
        ended_at: Instant,
        has_callback: bool,
    ) -> Result<bool, MsspError> {
        let ended = self
            .txns
            .finish(mssp_trans_id, outcome, self.clock.millis(ended_at))
            .await?;
        if ended {
            self.ended.notify_waiters();
            if has_callback {
                self.deliveries.notify_one();
            }
        }
        Ok(ended)
    }

    /// The transaction `mssp_trans_id` of the AP `ap_id`, after a sweep.
    async fn of_ap(
        &self,
        ap_id: &str,
        mssp_trans_id: &str,
        now: Instant,
    ) -> Result<MsspTransaction, MsspError> {
        self.sweep(now).await?;
        self.txns
            .get(mssp_trans_id)
            .await?
            .filter(|t| t.ap_id == ap_id)
            .ok_or(MsspError::UnknownTransaction)
    }

    /// The header of an answer: the request's `AP_Info` without `AP_PWD`,
    /// this MSSP's `MSSP_ID`. `MSSP_Info/Instant` is left to the binding,
    /// which reads the wall clock.
    fn answer_header(&self, request: &MessageAbstract) -> MessageAbstract {
        MessageAbstract {
            major_version: MAJOR_VERSION,
            minor_version: MINOR_VERSION,
            ap_info: ApInfo {
                ap_pwd: None,
                ..request.ap_info.clone()
            },
            mssp_info: MsspInfo {
                mssp_id: MeshMember::uri(&self.config.mssp_id),
                instant: None,
            },
        }
    }

    fn check_ap(&self, header: &MessageAbstract) -> Result<(), MsspError> {
        let ap = &header.ap_info;
        self.aps.check(&ap.ap_id, ap.ap_pwd.as_deref())
    }

    /// Answers any request message (what the bindings call); `binding` is the one it came
    /// in, which an asynchServerServer notification uses too.
    pub async fn handle(
        &self,
        message: MssMessage,
        binding: Binding,
        now: Instant,
    ) -> Result<MssMessage, MsspError> {
        let name = message.element_name();
        let ap = message.header().ap_info.clone();
        let result = match message {
            MssMessage::SignatureReq(r) => self
                .signature(&r, binding, now)
                .await
                .map(MssMessage::SignatureResp),
            MssMessage::StatusReq(r) => self.status(&r, now).await.map(MssMessage::StatusResp),
            MssMessage::ReceiptReq(r) => self.receipt(&r, now).await.map(MssMessage::ReceiptResp),
            other => Err(MsspError::WrongParam {
                field: "Body",
                reason: format!("{} is not a request", other.element_name()),
            }),
        };
        match &result {
            Ok(_) => {
                tracing::debug!(ap_id = %ap.ap_id, ap_trans_id = %ap.ap_trans_id, request = name, "answered")
            }
            Err(e @ (MsspError::Storage(_) | MsspError::Keys(_))) => {
                tracing::error!(ap_id = %ap.ap_id, ap_trans_id = %ap.ap_trans_id, request = name, error = %e, "request failed")
            }
            Err(e) => {
                tracing::info!(ap_id = %ap.ap_id, ap_trans_id = %ap.ap_trans_id, request = name, status = %e.status(), error = %e, "request failed")
            }
        }
        result
    }

    /// `MSS_StatusReq` (clause 7.3): 504 while outstanding, 500 with the
    /// signature, or the failure as an error.
    pub async fn status(
        &self,
        req: &MssStatusReq,
        now: Instant,
    ) -> Result<MssStatusResp, MsspError> {
        self.check_ap(&req.header)?;
        let txn = self
            .of_ap(&req.header.ap_info.ap_id, &req.mssp_trans_id, now)
            .await?;
        let (code, mss_signature) = match txn.outcome {
            None => (StatusCode::OutstandingTransaction, None),
            Some(Outcome::Signed(answer)) => {
                (StatusCode::Signature, Some(MssSignature::Base64(answer)))
            }
            Some(Outcome::Failed(code)) => return Err(MsspError::Ended(code)),
        };
        Ok(MssStatusResp {
            header: self.answer_header(&req.header),
            mobile_user: MobileUser { msisdn: txn.msisdn },
            mss_signature,
            status: Status::new(code),
        })
    }

    /// `MSS_ReceiptReq` (clause 7.4): accepted (100 REQUEST_OK) for an
    /// ended transaction of the AP. The receipt is recorded, not shown on
    /// the phone (future work: a receipt message through the OTA platform).
    pub async fn receipt(
        &self,
        req: &MssReceiptReq,
        now: Instant,
    ) -> Result<MssReceiptResp, MsspError> {
        self.check_ap(&req.header)?;
        let txn = self
            .of_ap(&req.header.ap_info.ap_id, &req.mssp_trans_id, now)
            .await?;
        if txn.msisdn != req.mobile_user.msisdn {
            return Err(MsspError::WrongParam {
                field: "MobileUser",
                reason: "not the transaction's MSISDN".into(),
            });
        }
        if !self.txns.mark_receipt(&txn.mssp_trans_id).await? {
            return Err(MsspError::NotFinished);
        }
        Ok(MssReceiptResp {
            header: self.answer_header(&req.header),
            status: Status::new(StatusCode::RequestOk),
        })
    }
}
