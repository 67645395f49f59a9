use super::*;
use crate::profile::SignatureProfile;
use crate::Binding;

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
        callback: None,
    }
}

fn callback(url: &str) -> Callback {
    Callback {
        url: url.into(),
        binding: Binding::Soap,
        instant: "2024-05-01T12:00:00.000Z".into(),
    }
}

#[tokio::test]
async fn the_limit_counts_retained_transactions_until_forgotten() {
    let table = MemoryTransactions::new(1);
    let first = txn("M1", "A1", "4477");
    assert_eq!(table.insert(&first).await, Ok(Insertion::Inserted));
    assert_eq!(table.expire_due(99).await, Ok(vec![]));
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
    assert_eq!(table.forget_ended_before(100).await, Ok(0));
    assert_eq!(table.forget_ended_before(101).await, Ok(1));
    assert_eq!(
        table.insert(&txn("M2", "A2", "4478")).await,
        Ok(Insertion::Inserted)
    );
}

#[tokio::test]
async fn an_ended_callback_transaction_is_claimed_rescheduled_and_delivered_once() {
    let table = MemoryTransactions::new(10);
    let with = MsspTransaction {
        callback: Some(callback("http://ap/notify")),
        ..txn("M1", "A1", "4477")
    };
    table.insert(&with).await.unwrap();
    table.insert(&txn("M2", "A2", "4478")).await.unwrap();
    // Nothing is due while outstanding, nor for a transaction without a callback.
    assert_eq!(table.claim_deliveries(1_000, 2_000, 10).await, Ok(vec![]));
    let signed = Outcome::Signed(vec![1]);
    assert_eq!(table.finish("M1", &signed, 50).await, Ok(true));
    assert_eq!(table.finish("M2", &signed, 50).await, Ok(true));
    assert_eq!(table.claim_deliveries(49, 2_000, 10).await, Ok(vec![]));
    let claimed = table.claim_deliveries(60, 1_060, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].txn.mssp_trans_id, "M1");
    assert_eq!(claimed[0].attempts, 0);
    // Leased: not claimed again before the lease ends.
    assert_eq!(table.claim_deliveries(1_000, 2_000, 10).await, Ok(vec![]));
    // A failed attempt: due again later, one attempt counted.
    table
        .reschedule_delivery("M1", Some(1_500), false)
        .await
        .unwrap();
    assert_eq!(table.claim_deliveries(1_499, 3_000, 10).await, Ok(vec![]));
    let again = table.claim_deliveries(1_500, 3_000, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    // Delivered, with the AP's receipt: nothing left.
    table.reschedule_delivery("M1", None, true).await.unwrap();
    assert_eq!(table.claim_deliveries(10_000, 20_000, 10).await, Ok(vec![]));
    assert!(table.get("M1").await.unwrap().unwrap().receipt_received);
}

#[tokio::test]
async fn a_retry_moves_the_callback_and_rearms_an_ended_transaction() {
    let table = MemoryTransactions::new(10);
    table.insert(&txn("M1", "A1", "4477")).await.unwrap();
    let moved = callback("http://other-ap/notify");
    // Outstanding: the callback moves, nothing is due yet.
    assert_eq!(table.rearm("M1", &moved, 10).await, Ok(true));
    assert_eq!(table.claim_deliveries(10, 20, 10).await, Ok(vec![]));
    // Expiry ends it at its deadline; its notification is due then.
    table.expire_due(100).await.unwrap();
    let claimed = table.claim_deliveries(100, 200, 10).await.unwrap();
    assert_eq!(claimed[0].txn.callback, Some(moved.clone()));
    table.reschedule_delivery("M1", None, false).await.unwrap();
    // Ended and delivered: a retry makes it due again, at once.
    assert_eq!(table.rearm("M1", &moved, 300).await, Ok(true));
    assert_eq!(table.claim_deliveries(300, 400, 10).await.unwrap().len(), 1);
    assert_eq!(table.rearm("nope", &moved, 300).await, Ok(false));
    // Forgetting drops what was still due.
    table
        .reschedule_delivery("M1", Some(500), false)
        .await
        .unwrap();
    table.forget_ended_before(1_000).await.unwrap();
    assert_eq!(table.claim_deliveries(10_000, 20_000, 10).await, Ok(vec![]));
}
