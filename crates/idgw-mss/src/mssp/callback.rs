//! asynchServerServer (TS 102 204 clause 6.2.1 `MessagingMode`, clause 7.3): the MSSP
//! delivers a transaction's final `MSS_StatusResp` to the AP's `AP_URL`, in the
//! `MSS_Notification` operation, and the AP answers with an `MSS_ReceiptReq`. This module
//! decides; [`super::notify`] carries the messages.
//!
//! A notification is due when its transaction ends (the store records it with the outcome,
//! so a restarted or another MSSP node delivers it). An attempt is claimed for
//! [`DELIVERY_LEASE`]; after it:
//! - a receipt from the AP ends it (recorded as the transaction's receipt);
//! - a fault from the AP ends it too: the AP refused it (an `AP_TransID` it does not
//!   know), and asking again would not change its answer;
//! - no answer (the AP is down, a transport error, an HTTP error without a fault) is tried
//!   again after [`super::MsspConfig::first_retry`], doubling up to
//!   [`super::MsspConfig::max_retry`], as long as the transaction is retained
//!   ([`super::MsspConfig::retention`] after its end), then given up.

use std::time::{Duration, Instant};

use super::store::{Delivery, Millis, MsspTransaction, Outcome};
use super::{Mssp, MsspError, LANE};
use crate::model::*;
use crate::{MssFault, StatusCode};

/// How long a claimed notification is left to the node that claimed it: longer than an
/// attempt can last.
pub const DELIVERY_LEASE: Duration = Duration::from_secs(30);
/// Most notifications claimed at once.
pub const CLAIM_BATCH: usize = 64;

/// How the AP answered a notification.
#[derive(Debug)]
pub enum AttemptResult {
    /// Its `MSS_ReceiptReq`.
    Receipt(Box<MssReceiptReq>),
    /// A fault (clause 9): it refused the notification.
    Refused(MssFault),
    /// No TS 102 204 answer: why.
    Failed(String),
}

fn millis_of(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

impl Mssp {
    /// Waits until a notification may have become due on this node (a transaction with a
    /// callback ended, or a retry rearmed one).
    pub(crate) async fn delivery_due(&self) {
        self.deliveries.notified().await;
    }

    /// Ends what is past its `TimeOut` (their notifications fall due) and forgets what ended
    /// long ago.
    pub async fn expire(&self, now: Instant) -> Result<(), MsspError> {
        self.sweep(now).await
    }

    /// Claims up to [`CLAIM_BATCH`] due notifications.
    pub async fn claim_notifications(&self, now: Instant) -> Result<Vec<Delivery>, MsspError> {
        let at = self.clock.millis(now);
        let lease = at.saturating_add(millis_of(DELIVERY_LEASE));
        Ok(self.txns.claim_deliveries(at, lease, CLAIM_BATCH).await?)
    }

    /// The `MSS_StatusResp` for an ended transaction: the AP's `AP_Info` as its request
    /// carried it (without `AP_PWD`), the outcome as a status query would see it, except
    /// that a failure is a `Status` here (there is no request to fault).
    pub fn notification(&self, txn: &MsspTransaction) -> Option<MssStatusResp> {
        let callback = txn.callback.as_ref()?;
        let (code, mss_signature) = match txn.outcome.as_ref()? {
            Outcome::Signed(answer) => (
                StatusCode::Signature,
                Some(MssSignature::Base64(answer.clone())),
            ),
            Outcome::Failed(code) => (*code, None),
        };
        let request = MessageAbstract {
            ap_info: ApInfo {
                ap_id: txn.ap_id.clone(),
                ap_trans_id: txn.ap_trans_id.clone(),
                ap_pwd: None,
                instant: callback.instant.clone(),
                ap_url: Some(callback.url.clone()),
            },
            ..MessageAbstract::default()
        };
        Some(MssStatusResp {
            header: self.answer_header(&request),
            mobile_user: MobileUser {
                msisdn: txn.msisdn.clone(),
            },
            mss_signature,
            status: Status::new(code),
        })
    }

    /// Records how the AP answered `delivery`'s attempt, made at `now`; returns whether
    /// another attempt is scheduled.
    pub async fn notification_attempted(
        &self,
        delivery: &Delivery,
        result: &AttemptResult,
        now: Instant,
    ) -> Result<bool, MsspError> {
        let txn = &delivery.txn;
        let id = txn.mssp_trans_id.as_str();
        let status = self
            .notification(txn)
            .map(|n| n.status.code.to_string())
            .unwrap_or_default();
        let (next, receipt) = match result {
            AttemptResult::Receipt(ack) => {
                if ack.mssp_trans_id != id || ack.header.ap_info.ap_id != txn.ap_id {
                    tracing::warn!(mssp_trans_id = id, "receipt names another transaction");
                }
                tracing::info!(mssp_trans_id = id, ap_trans_id = %txn.ap_trans_id, %status, "notification delivered");
                self.trace.message(
                    &txn.msisdn,
                    LANE,
                    "OP",
                    "MSS_StatusResp (notification)",
                    &status,
                    Some(format!("MSS_ReceiptReq received, MSSP_TransID {id}")),
                );
                (None, true)
            }
            AttemptResult::Refused(fault) => {
                tracing::info!(mssp_trans_id = id, status = %fault.status, "AP refused the notification");
                (None, false)
            }
            AttemptResult::Failed(reason) => {
                let next = self.retry_at(delivery, now);
                match next {
                    Some(_) => {
                        tracing::warn!(mssp_trans_id = id, attempts = delivery.attempts + 1, %reason, "notification not delivered; will retry")
                    }
                    None => {
                        tracing::warn!(mssp_trans_id = id, %reason, "notification not delivered; giving up")
                    }
                }
                (next, false)
            }
        };
        self.txns.reschedule_delivery(id, next, receipt).await?;
        Ok(next.is_some())
    }

    /// When to try again after the attempt that failed at `now`: doubling from the first
    /// retry, capped; never once the transaction is to be forgotten.
    fn retry_at(&self, delivery: &Delivery, now: Instant) -> Option<Millis> {
        let doublings = delivery.attempts.min(20);
        let wait = self
            .config
            .first_retry
            .saturating_mul(1 << doublings)
            .min(self.config.max_retry);
        let next = self.clock.millis(now).saturating_add(millis_of(wait));
        let ended = delivery.txn.ended_at?;
        let forgotten = ended.saturating_add(millis_of(self.config.retention));
        (next < forgotten).then_some(next)
    }
}
