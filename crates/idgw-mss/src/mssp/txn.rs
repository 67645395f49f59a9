//! [`MemoryTransactions`]: the MSSP's transactions in one process (unit tests, embedded
//! use, a single MSSP). Indexed by id, by (`AP_ID`, `AP_TransID`), by MSISDN, and by time
//! (deadlines of outstanding ones, ends, due notifications), so that expiring, forgetting
//! and claiming cost what they find, not what the table holds. One lock; nothing survives a
//! restart.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::store::{
    Callback, Delivery, Insertion, Millis, MsspTransaction, MsspTransactions, Outcome,
    TransactionStoreError,
};
use crate::StatusCode;

#[derive(Debug)]
struct Entry {
    txn: MsspTransaction,
    /// When its notification is due (asynchServerServer); `None`: nothing to deliver.
    notify_due: Option<Millis>,
    attempts: u32,
}

#[derive(Debug, Default)]
struct Table {
    by_id: HashMap<String, Entry>,
    /// (`AP_ID`, `AP_TransID`) -> `MSSP_TransID`.
    by_ap: HashMap<(String, String), String>,
    /// MSISDN -> `MSSP_TransID` of its outstanding transaction.
    outstanding: HashMap<String, String>,
    /// (deadline, `MSSP_TransID`) of outstanding transactions.
    deadlines: BTreeSet<(Millis, String)>,
    /// (ended at, `MSSP_TransID`) of ended transactions.
    ended: BTreeSet<(Millis, String)>,
    /// (due, `MSSP_TransID`) of notifications to deliver.
    due: BTreeSet<(Millis, String)>,
}

impl Table {
    fn finish(&mut self, mssp_trans_id: &str, outcome: &Outcome, ended_at: Millis) -> bool {
        let Some(entry) = self.by_id.get_mut(mssp_trans_id) else {
            return false;
        };
        let txn = &mut entry.txn;
        if txn.outcome.is_some() {
            return false;
        }
        txn.outcome = Some(outcome.clone());
        txn.ended_at = Some(ended_at);
        let (id, msisdn, deadline) = (txn.mssp_trans_id.clone(), txn.msisdn.clone(), txn.deadline);
        if txn.callback.is_some() {
            entry.notify_due = Some(ended_at);
            self.due.insert((ended_at, id.clone()));
        }
        if self.outstanding.get(&msisdn).map(String::as_str) == Some(mssp_trans_id) {
            self.outstanding.remove(&msisdn);
        }
        self.deadlines.remove(&(deadline, id.clone()));
        self.ended.insert((ended_at, id));
        true
    }

    /// Sets when `id`'s notification is due, keeping the index in step.
    fn set_due(&mut self, id: &str, next: Option<Millis>) {
        let Some(entry) = self.by_id.get_mut(id) else {
            return;
        };
        if let Some(old) = entry.notify_due.take() {
            self.due.remove(&(old, id.to_owned()));
        }
        if let Some(next) = next {
            entry.notify_due = Some(next);
            self.due.insert((next, id.to_owned()));
        }
    }
}

/// Transactions held in memory, at most `limit` at once (outstanding or retained).
#[derive(Debug)]
pub struct MemoryTransactions {
    limit: usize,
    table: Mutex<Table>,
}

impl MemoryTransactions {
    /// An empty table holding at most `limit` transactions; beyond it inserts fail with
    /// [`TransactionStoreError::Full`].
    pub fn new(limit: usize) -> MemoryTransactions {
        MemoryTransactions {
            limit,
            table: Mutex::new(Table::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Each method leaves the table consistent before it can panic.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl MsspTransactions for MemoryTransactions {
    async fn insert(&self, txn: &MsspTransaction) -> Result<Insertion, TransactionStoreError> {
        let mut table = self.lock();
        let ap = (txn.ap_id.clone(), txn.ap_trans_id.clone());
        if let Some(known) = table.by_ap.get(&ap).and_then(|id| table.by_id.get(id)) {
            return Ok(Insertion::Known(Box::new(known.txn.clone())));
        }
        if table.outstanding.contains_key(&txn.msisdn) {
            return Ok(Insertion::MsisdnBusy);
        }
        if table.by_id.len() >= self.limit {
            return Err(TransactionStoreError::Full(self.limit));
        }
        if table.by_id.contains_key(&txn.mssp_trans_id) {
            // 64 random bits collided: refuse rather than overwrite.
            return Err(TransactionStoreError::Unavailable(
                "MSSP_TransID already in use".into(),
            ));
        }
        let id = txn.mssp_trans_id.clone();
        table.by_ap.insert(ap, id.clone());
        table.outstanding.insert(txn.msisdn.clone(), id.clone());
        table.deadlines.insert((txn.deadline, id.clone()));
        let entry = Entry {
            txn: txn.clone(),
            notify_due: None,
            attempts: 0,
        };
        table.by_id.insert(id, entry);
        Ok(Insertion::Inserted)
    }

    async fn get(
        &self,
        mssp_trans_id: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError> {
        Ok(self.lock().by_id.get(mssp_trans_id).map(|e| e.txn.clone()))
    }

    async fn outstanding_for(
        &self,
        msisdn: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError> {
        let table = self.lock();
        Ok(table
            .outstanding
            .get(msisdn)
            .and_then(|id| table.by_id.get(id))
            .map(|e| e.txn.clone()))
    }

    async fn finish(
        &self,
        mssp_trans_id: &str,
        outcome: &Outcome,
        ended_at: Millis,
    ) -> Result<bool, TransactionStoreError> {
        Ok(self.lock().finish(mssp_trans_id, outcome, ended_at))
    }

    async fn expire_due(
        &self,
        now: Millis,
    ) -> Result<Vec<(String, String)>, TransactionStoreError> {
        let mut table = self.lock();
        let due: Vec<(Millis, String)> = table
            .deadlines
            .range(..(now.saturating_add(1), String::new()))
            .cloned()
            .collect();
        let expired = Outcome::Failed(StatusCode::ExpiredTransaction);
        let mut ended = Vec::with_capacity(due.len());
        for (deadline, id) in due {
            if table.finish(&id, &expired, deadline) {
                let msisdn = table.by_id[&id].txn.msisdn.clone();
                ended.push((msisdn, id));
            }
        }
        Ok(ended)
    }

    async fn forget_ended_before(&self, before: Millis) -> Result<u64, TransactionStoreError> {
        let mut table = self.lock();
        let stale: Vec<(Millis, String)> = table
            .ended
            .range(..(before, String::new()))
            .cloned()
            .collect();
        for key in &stale {
            table.ended.remove(key);
            table.set_due(&key.1, None);
            if let Some(entry) = table.by_id.remove(&key.1) {
                table
                    .by_ap
                    .remove(&(entry.txn.ap_id, entry.txn.ap_trans_id));
            }
        }
        Ok(stale.len() as u64)
    }

    async fn mark_receipt(&self, mssp_trans_id: &str) -> Result<bool, TransactionStoreError> {
        let mut table = self.lock();
        match table.by_id.get_mut(mssp_trans_id) {
            Some(entry) if entry.txn.outcome.is_some() => {
                entry.txn.receipt_received = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn rearm(
        &self,
        mssp_trans_id: &str,
        callback: &Callback,
        now: Millis,
    ) -> Result<bool, TransactionStoreError> {
        let mut table = self.lock();
        let Some(entry) = table.by_id.get_mut(mssp_trans_id) else {
            return Ok(false);
        };
        entry.txn.callback = Some(callback.clone());
        if entry.txn.outcome.is_some() {
            table.set_due(mssp_trans_id, Some(now));
        }
        Ok(true)
    }

    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> Result<Vec<Delivery>, TransactionStoreError> {
        let mut table = self.lock();
        let due: Vec<String> = table
            .due
            .range(..(now.saturating_add(1), String::new()))
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect();
        let mut claimed = Vec::with_capacity(due.len());
        for id in due {
            table.set_due(&id, Some(lease_until));
            let entry = &table.by_id[&id];
            claimed.push(Delivery {
                txn: entry.txn.clone(),
                attempts: entry.attempts,
            });
        }
        Ok(claimed)
    }

    async fn reschedule_delivery(
        &self,
        mssp_trans_id: &str,
        next: Option<Millis>,
        receipt: bool,
    ) -> Result<(), TransactionStoreError> {
        let mut table = self.lock();
        table.set_due(mssp_trans_id, next);
        if let Some(entry) = table.by_id.get_mut(mssp_trans_id) {
            if next.is_some() {
                entry.attempts += 1;
            }
            entry.txn.receipt_received |= receipt;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
