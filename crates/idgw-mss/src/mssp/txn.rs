//! [`MemoryTransactions`]: the MSSP's transactions in one process (unit tests, embedded
//! use, a single MSSP). Indexed three ways behind one lock; nothing survives a restart.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::store::{
    Insertion, Millis, MsspTransaction, MsspTransactions, Outcome, TransactionStoreError,
};
use crate::StatusCode;

#[derive(Debug, Default)]
struct Table {
    by_id: HashMap<String, MsspTransaction>,
    /// (`AP_ID`, `AP_TransID`) -> `MSSP_TransID`.
    by_ap: HashMap<(String, String), String>,
    /// MSISDN -> `MSSP_TransID` of its outstanding transaction.
    outstanding: HashMap<String, String>,
}

impl Table {
    fn finish(&mut self, mssp_trans_id: &str, outcome: &Outcome, ended_at: Millis) -> bool {
        let Some(txn) = self.by_id.get_mut(mssp_trans_id) else {
            return false;
        };
        if txn.outcome.is_some() {
            return false;
        }
        txn.outcome = Some(outcome.clone());
        txn.ended_at = Some(ended_at);
        if self.outstanding.get(&txn.msisdn).map(String::as_str) == Some(mssp_trans_id) {
            self.outstanding.remove(&txn.msisdn);
        }
        true
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
            return Ok(Insertion::Known(known.clone()));
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
        table.by_ap.insert(ap, txn.mssp_trans_id.clone());
        table
            .outstanding
            .insert(txn.msisdn.clone(), txn.mssp_trans_id.clone());
        table.by_id.insert(txn.mssp_trans_id.clone(), txn.clone());
        Ok(Insertion::Inserted)
    }

    async fn get(
        &self,
        mssp_trans_id: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError> {
        Ok(self.lock().by_id.get(mssp_trans_id).cloned())
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
            .cloned())
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
        let due: Vec<(String, String, Millis)> = table
            .by_id
            .values()
            .filter(|t| t.outcome.is_none() && t.deadline <= now)
            .map(|t| (t.msisdn.clone(), t.mssp_trans_id.clone(), t.deadline))
            .collect();
        let expired = Outcome::Failed(StatusCode::ExpiredTransaction);
        Ok(due
            .into_iter()
            .filter(|(_, id, deadline)| table.finish(id, &expired, *deadline))
            .map(|(msisdn, id, _)| (msisdn, id))
            .collect())
    }

    async fn forget_ended_before(&self, before: Millis) -> Result<u64, TransactionStoreError> {
        let mut table = self.lock();
        let stale: Vec<String> = table
            .by_id
            .values()
            .filter(|t| t.ended_at.is_some_and(|end| end < before))
            .map(|t| t.mssp_trans_id.clone())
            .collect();
        for id in &stale {
            if let Some(txn) = table.by_id.remove(id) {
                table.by_ap.remove(&(txn.ap_id, txn.ap_trans_id));
            }
        }
        Ok(stale.len() as u64)
    }

    async fn mark_receipt(&self, mssp_trans_id: &str) -> Result<bool, TransactionStoreError> {
        let mut table = self.lock();
        match table.by_id.get_mut(mssp_trans_id) {
            Some(txn) if txn.outcome.is_some() => {
                txn.receipt_received = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::SignatureProfile;

    fn txn(id: &str, ap_trans_id: &str, msisdn: &str) -> MsspTransaction {
        MsspTransaction {
            mssp_trans_id: id.into(),
            ap_id: "http://ap".into(),
            ap_trans_id: ap_trans_id.into(),
            msisdn: msisdn.into(),
            fingerprint: [1; 32],
            profile: SignatureProfile::SimPin,
            nonce: [2; crate::applet::NONCE_LEN],
            deadline: 100,
            ended_at: None,
            outcome: None,
            receipt_received: false,
        }
    }

    #[tokio::test]
    async fn the_limit_counts_retained_transactions_until_forgotten() {
        let table = MemoryTransactions::new(1);
        let first = txn("M1", "A1", "4477");
        assert_eq!(table.insert(&first).await, Ok(Insertion::Inserted));
        let expired = table.expire_due(100).await.unwrap();
        assert_eq!(expired, vec![("4477".to_owned(), "M1".to_owned())]);
        assert_eq!(
            table.insert(&txn("M2", "A2", "4478")).await,
            Err(TransactionStoreError::Full(1))
        );
        // A retry is still recognised while the table is full.
        assert!(matches!(
            table.insert(&txn("M3", "A1", "4477")).await,
            Ok(Insertion::Known(t)) if t.mssp_trans_id == "M1"
        ));
        assert_eq!(table.forget_ended_before(101).await, Ok(1));
        assert_eq!(
            table.insert(&txn("M2", "A2", "4478")).await,
            Ok(Insertion::Inserted)
        );
    }
}
