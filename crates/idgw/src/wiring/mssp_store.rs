//! The MSSP's transactions kept in the idgw store (migration 0005), so several `idgw mssp`
//! nodes on one database serve the same ETSI TS 102 204 transactions: an `AP_TransID`
//! retried on any node joins its transaction, any node answers `MSS_StatusQuery`, takes the
//! applet's answer or an OTA failure, and reports expiry. The store keeps statuses as
//! numbers; this adapter maps them to [`Outcome`]s.

use async_trait::async_trait;
use idgw_mss::applet::NONCE_LEN;
use idgw_mss::mssp::{
    Insertion, Millis, MsspTransaction, MsspTransactions, Outcome, TransactionStoreError,
};
use idgw_mss::profile::SignatureProfile;
use idgw_mss::StatusCode;
use idgw_store::{MsspInsert, MsspTransactionRow, Store, StoreError};
use std::sync::Arc;

pub struct StoreMsspTransactions(pub Arc<dyn Store>);

fn store_error(e: StoreError) -> TransactionStoreError {
    TransactionStoreError::Unavailable(e.to_string())
}

fn corrupt(what: &str, id: &str) -> TransactionStoreError {
    TransactionStoreError::Corrupt(format!("{what} of {id}"))
}

fn row(t: &MsspTransaction) -> MsspTransactionRow {
    let (status, signature) = match &t.outcome {
        None => (None, None),
        Some(Outcome::Signed(evidence)) => (Some(StatusCode::Signature), Some(evidence.clone())),
        Some(Outcome::Failed(code)) => (Some(*code), None),
    };
    MsspTransactionRow {
        mssp_trans_id: t.mssp_trans_id.clone(),
        ap_id: t.ap_id.clone(),
        ap_trans_id: t.ap_trans_id.clone(),
        msisdn: t.msisdn.clone(),
        fingerprint: t.fingerprint.to_vec(),
        profile: t.profile.uri().to_owned(),
        nonce: t.nonce.to_vec(),
        deadline: t.deadline,
        status: status.map(|s| i64::from(s.code())),
        signature,
        ended_at: t.ended_at,
        receipt_at: None,
        created_at: idgw_oidc::now_ms(),
    }
}

fn transaction(r: MsspTransactionRow) -> Result<MsspTransaction, TransactionStoreError> {
    let id = r.mssp_trans_id.as_str();
    let signed = i64::from(StatusCode::Signature.code());
    let outcome = match (r.status, r.signature) {
        (None, _) => None,
        (Some(code), Some(evidence)) if code == signed => Some(Outcome::Signed(evidence)),
        (Some(code), None) if code == signed => return Err(corrupt("signature", id)),
        (Some(code), _) => Some(Outcome::Failed(StatusCode::from_code(
            u16::try_from(code).map_err(|_| corrupt("status", id))?,
        ))),
    };
    let nonce: [u8; NONCE_LEN] = r.nonce.try_into().map_err(|_| corrupt("nonce", id))?;
    Ok(MsspTransaction {
        fingerprint: r
            .fingerprint
            .try_into()
            .map_err(|_| corrupt("fingerprint", id))?,
        profile: SignatureProfile::from_uri(&r.profile).ok_or_else(|| corrupt("profile", id))?,
        nonce,
        deadline: r.deadline,
        ended_at: r.ended_at,
        outcome,
        receipt_received: r.receipt_at.is_some(),
        mssp_trans_id: r.mssp_trans_id,
        ap_id: r.ap_id,
        ap_trans_id: r.ap_trans_id,
        msisdn: r.msisdn,
    })
}

#[async_trait]
impl MsspTransactions for StoreMsspTransactions {
    async fn insert(&self, txn: &MsspTransaction) -> Result<Insertion, TransactionStoreError> {
        match self
            .0
            .insert_mssp_transaction(&row(txn))
            .await
            .map_err(store_error)?
        {
            MsspInsert::Inserted => Ok(Insertion::Inserted),
            MsspInsert::Known(known) => Ok(Insertion::Known(transaction(*known)?)),
            MsspInsert::MsisdnBusy => Ok(Insertion::MsisdnBusy),
        }
    }

    async fn get(
        &self,
        mssp_trans_id: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError> {
        let found = self.0.mssp_transaction(mssp_trans_id).await;
        found.map_err(store_error)?.map(transaction).transpose()
    }

    async fn outstanding_for(
        &self,
        msisdn: &str,
    ) -> Result<Option<MsspTransaction>, TransactionStoreError> {
        let found = self.0.mssp_outstanding(msisdn).await;
        found.map_err(store_error)?.map(transaction).transpose()
    }

    async fn finish(
        &self,
        mssp_trans_id: &str,
        outcome: &Outcome,
        ended_at: Millis,
    ) -> Result<bool, TransactionStoreError> {
        let (code, evidence) = match outcome {
            Outcome::Signed(evidence) => (StatusCode::Signature, Some(evidence.as_slice())),
            Outcome::Failed(code) => (*code, None),
        };
        self.0
            .finish_mssp_transaction(mssp_trans_id, i64::from(code.code()), evidence, ended_at)
            .await
            .map_err(store_error)
    }

    async fn expire_due(
        &self,
        now: Millis,
    ) -> Result<Vec<(String, String)>, TransactionStoreError> {
        let expired = i64::from(StatusCode::ExpiredTransaction.code());
        self.0
            .expire_mssp_transactions(now, expired)
            .await
            .map_err(store_error)
    }

    async fn forget_ended_before(&self, before: Millis) -> Result<u64, TransactionStoreError> {
        self.0
            .forget_mssp_transactions(before)
            .await
            .map_err(store_error)
    }

    async fn mark_receipt(&self, mssp_trans_id: &str) -> Result<bool, TransactionStoreError> {
        self.0
            .mssp_receipt(mssp_trans_id, idgw_oidc::now_ms())
            .await
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests;
