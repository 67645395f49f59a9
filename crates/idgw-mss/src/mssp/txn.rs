//! The MSSP's transaction table (TS 102 204 clause 7.2 to 7.4: a
//! transaction is named by the MSSP's `MSSP_TransID` and the AP's
//! `AP_TransID`). Pure state with the time passed in: transactions start
//! outstanding (504), end once (500 or a failure status), expire at their
//! deadline (208) and are forgotten `retention` after they ended.
//!
//! Kept in memory only. Durable MSSP state is future work: after a restart
//! the OP side re-drives its transactions with new requests.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::applet::NONCE_LEN;
use crate::profile::SignatureProfile;
use crate::StatusCode;

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The applet confirmed; its MACed answer is the signature evidence.
    Signed(Vec<u8>),
    /// It ended without a signature, with this status.
    Failed(StatusCode),
}

/// One signature transaction.
#[derive(Debug)]
pub(crate) struct Transaction {
    pub mssp_trans_id: String,
    pub ap_id: String,
    pub ap_trans_id: String,
    pub msisdn: String,
    /// Digest of what was asked, to recognise a retried request.
    pub fingerprint: [u8; 32],
    pub profile: SignatureProfile,
    pub nonce: [u8; NONCE_LEN],
    pub deadline: Instant,
    pub ended_at: Option<Instant>,
    pub receipt_received: bool,
    /// `None` while outstanding; waiters of synch requests watch it.
    pub outcome: watch::Sender<Option<Outcome>>,
}

impl Transaction {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.borrow().clone()
    }
}

/// All transactions, indexed three ways.
#[derive(Debug, Default)]
pub(crate) struct Table {
    by_id: HashMap<String, Transaction>,
    /// (`AP_ID`, `AP_TransID`) -> `MSSP_TransID`.
    by_ap: HashMap<(String, String), String>,
    /// MSISDN -> `MSSP_TransID` of its outstanding transaction.
    outstanding: HashMap<String, String>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn contains(&self, mssp_trans_id: &str) -> bool {
        self.by_id.contains_key(mssp_trans_id)
    }

    pub fn get(&self, mssp_trans_id: &str) -> Option<&Transaction> {
        self.by_id.get(mssp_trans_id)
    }

    pub fn get_mut(&mut self, mssp_trans_id: &str) -> Option<&mut Transaction> {
        self.by_id.get_mut(mssp_trans_id)
    }

    pub fn by_ap_trans_id(&self, ap_id: &str, ap_trans_id: &str) -> Option<&Transaction> {
        self.by_ap
            .get(&(ap_id.to_owned(), ap_trans_id.to_owned()))
            .and_then(|id| self.by_id.get(id))
    }

    pub fn outstanding_for(&self, msisdn: &str) -> Option<&Transaction> {
        self.outstanding
            .get(msisdn)
            .and_then(|id| self.by_id.get(id))
    }

    /// Adds an outstanding transaction. The caller checked that the ids
    /// are free and the MSISDN has nothing outstanding.
    pub fn insert(&mut self, txn: Transaction) {
        self.by_ap.insert(
            (txn.ap_id.clone(), txn.ap_trans_id.clone()),
            txn.mssp_trans_id.clone(),
        );
        self.outstanding
            .insert(txn.msisdn.clone(), txn.mssp_trans_id.clone());
        self.by_id.insert(txn.mssp_trans_id.clone(), txn);
    }

    /// Ends an outstanding transaction; false if it is unknown or ended.
    pub fn finish(&mut self, mssp_trans_id: &str, outcome: Outcome, now: Instant) -> bool {
        let Some(txn) = self.by_id.get_mut(mssp_trans_id) else {
            return false;
        };
        if txn.ended_at.is_some() {
            return false;
        }
        txn.ended_at = Some(now);
        txn.outcome.send_replace(Some(outcome));
        if self.outstanding.get(&txn.msisdn).map(String::as_str) == Some(mssp_trans_id) {
            self.outstanding.remove(&txn.msisdn);
        }
        true
    }

    /// Expires outstanding transactions whose deadline is reached (208
    /// EXPIRED_TRANSACTION) and forgets those ended `retention` ago. Returns the
    /// (MSISDN, `MSSP_TransID`) of the transactions it expired.
    pub fn sweep(&mut self, now: Instant, retention: Duration) -> Vec<(String, String)> {
        let overdue: Vec<String> = self
            .by_id
            .values()
            .filter(|t| t.ended_at.is_none() && t.deadline <= now)
            .map(|t| t.mssp_trans_id.clone())
            .collect();
        let mut expired = Vec::with_capacity(overdue.len());
        for id in overdue {
            tracing::info!(mssp_trans_id = %id, "transaction expired");
            let deadline = self.by_id[&id].deadline;
            self.finish(
                &id,
                Outcome::Failed(StatusCode::ExpiredTransaction),
                deadline,
            );
            expired.push((self.by_id[&id].msisdn.clone(), id));
        }
        let stale: Vec<String> = self
            .by_id
            .values()
            .filter(|t| t.ended_at.is_some_and(|end| end + retention <= now))
            .map(|t| t.mssp_trans_id.clone())
            .collect();
        for id in stale {
            if let Some(txn) = self.by_id.remove(&id) {
                self.by_ap.remove(&(txn.ap_id, txn.ap_trans_id));
            }
        }
        expired
    }
}
