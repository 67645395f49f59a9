//! The MSSP's transactions kept in the idgw store (migrations 0005 and 0006), so several
//! `idgw mssp` nodes on one database serve the same ETSI TS 102 204 transactions: an
//! `AP_TransID` retried on any node joins its transaction, any node answers
//! `MSS_StatusQuery`, takes the applet's answer or an OTA failure, reports expiry, and
//! delivers the asynchServerServer notifications left to deliver (also after a restart).
//! The store keeps statuses as numbers and bindings as names; this adapter maps them to
//! [`Outcome`]s and [`Callback`]s.

use async_trait::async_trait;
use idgw_mss::applet::NONCE_LEN;
use idgw_mss::mssp::{
    Callback, Delivery, Insertion, Millis, MsspTransaction, MsspTransactions, Outcome,
    TransactionStoreError,
};
use idgw_mss::profile::SignatureProfile;
use idgw_mss::{Binding, StatusCode};
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
        ap_url: t.callback.as_ref().map(|c| c.url.clone()),
        ap_binding: t.callback.as_ref().map(|c| c.binding.as_str().to_owned()),
        ap_instant: t.callback.as_ref().map(|c| c.instant.clone()),
        notify_due: None,
        notify_attempts: 0,
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
    let callback = match (r.ap_url, r.ap_binding, r.ap_instant) {
        (None, _, _) => None,
        (Some(url), Some(binding), Some(instant)) => Some(Callback {
            url,
            binding: Binding::parse(&binding).ok_or_else(|| corrupt("binding", id))?,
            instant,
        }),
        _ => return Err(corrupt("callback", id)),
    };
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
        callback,
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
            MsspInsert::Known(known) => Ok(Insertion::Known(Box::new(transaction(*known)?))),
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

    async fn rearm(
        &self,
        mssp_trans_id: &str,
        callback: &Callback,
        now: Millis,
    ) -> Result<bool, TransactionStoreError> {
        let stored = (
            callback.url.as_str(),
            callback.binding.as_str(),
            callback.instant.as_str(),
        );
        self.0
            .rearm_mssp_notification(mssp_trans_id, stored, now)
            .await
            .map_err(store_error)
    }

    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> Result<Vec<Delivery>, TransactionStoreError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let rows = self
            .0
            .claim_mssp_notifications(now, lease_until, limit)
            .await;
        rows.map_err(store_error)?
            .into_iter()
            .map(|r| {
                let attempts = u32::try_from(r.notify_attempts).unwrap_or(u32::MAX);
                Ok(Delivery {
                    txn: transaction(r)?,
                    attempts,
                })
            })
            .collect()
    }

    async fn reschedule_delivery(
        &self,
        mssp_trans_id: &str,
        next: Option<Millis>,
        receipt: bool,
    ) -> Result<(), TransactionStoreError> {
        let receipt_at = receipt.then(idgw_oidc::now_ms);
        self.0
            .reschedule_mssp_notification(mssp_trans_id, next, receipt_at)
            .await
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests;
