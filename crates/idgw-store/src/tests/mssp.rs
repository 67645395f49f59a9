//! The MSSP's transactions (ETSI TS 102 204): one `AP_TransID` per AP, one outstanding
//! transaction per MSISDN, one outcome each, and the asynchServerServer notifications.

use super::TestStore;
use crate::*;

pub fn mssp_txn(id: &str, ap_trans_id: &str, msisdn: &str, deadline: Millis) -> MsspTransactionRow {
    MsspTransactionRow {
        mssp_trans_id: id.into(),
        ap_id: "http://ap".into(),
        ap_trans_id: ap_trans_id.into(),
        msisdn: msisdn.into(),
        fingerprint: vec![1; 32],
        profile: "http://mss.example/sim-pin".into(),
        nonce: vec![2; 16],
        deadline,
        status: None,
        signature: None,
        ended_at: None,
        receipt_at: None,
        created_at: 0,
        ap_url: None,
        ap_binding: None,
        ap_instant: None,
        notify_due: None,
        notify_attempts: 0,
    }
}

/// asynchServerServer: a transaction with an `ap_url` has its notification due when it ends
/// (finished or expired), claimed by one claim at a time, rescheduled after a failed attempt,
/// done after a delivered one; a retry moves the callback and makes an ended one due again.
pub async fn mssp_notifications_are_due_claimed_and_rescheduled(s: &TestStore) {
    let with_url = |id: &str, ap: &str, msisdn: &str, deadline| MsspTransactionRow {
        ap_url: Some("http://ap/notify".into()),
        ap_binding: Some("soap".into()),
        ap_instant: Some("2024-05-01T12:00:00.000Z".into()),
        ..mssp_txn(id, ap, msisdn, deadline)
    };
    s.insert_mssp_transaction(&with_url("N1", "B1", "4401", 1000))
        .await
        .unwrap();
    s.insert_mssp_transaction(&with_url("N2", "B2", "4402", 100))
        .await
        .unwrap();
    s.insert_mssp_transaction(&mssp_txn("N3", "B3", "4403", 100))
        .await
        .unwrap();
    assert!(s
        .claim_mssp_notifications(10_000, 20_000, 10)
        .await
        .unwrap()
        .is_empty());
    // N1 signed at 50; N2 (with a URL) and N3 (without) expire at 100.
    assert!(s
        .finish_mssp_transaction("N1", 500, Some(&[1]), 50)
        .await
        .unwrap());
    assert_eq!(s.expire_mssp_transactions(100, 208).await.unwrap().len(), 2);
    assert!(s
        .claim_mssp_notifications(49, 1_000, 10)
        .await
        .unwrap()
        .is_empty());
    let first = s.claim_mssp_notifications(60, 1_060, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].mssp_trans_id, "N1");
    assert_eq!(first[0].notify_due, Some(1_060), "leased");
    assert_eq!(first[0].ap_url.as_deref(), Some("http://ap/notify"));
    let second = s.claim_mssp_notifications(200, 1_200, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].mssp_trans_id, "N2");
    assert_eq!(second[0].status, Some(208));
    // N1 failed: due again at 500, one attempt counted; N2 delivered, with a receipt.
    s.reschedule_mssp_notification("N1", Some(500), None)
        .await
        .unwrap();
    s.reschedule_mssp_notification("N2", None, Some(300))
        .await
        .unwrap();
    assert_eq!(
        s.mssp_transaction("N2").await.unwrap().unwrap().receipt_at,
        Some(300)
    );
    assert!(s
        .claim_mssp_notifications(499, 2_000, 10)
        .await
        .unwrap()
        .is_empty());
    let again = s.claim_mssp_notifications(500, 2_000, 10).await.unwrap();
    assert_eq!((again.len(), again[0].notify_attempts), (1, 1));
    s.reschedule_mssp_notification("N1", None, Some(600))
        .await
        .unwrap();
    assert!(s
        .claim_mssp_notifications(i64::MAX, i64::MAX, 10)
        .await
        .unwrap()
        .is_empty());
    // A retry from another AP_URL: the callback moves and the ended N1 is due again.
    let moved = (
        "http://ap2/rest/notification",
        "json",
        "2024-05-01T12:01:00.000Z",
    );
    assert!(s.rearm_mssp_notification("N1", moved, 700).await.unwrap());
    assert!(!s.rearm_mssp_notification("nope", moved, 700).await.unwrap());
    let rearmed = s.claim_mssp_notifications(700, 3_000, 10).await.unwrap();
    assert_eq!(rearmed[0].ap_url.as_deref(), Some(moved.0));
    assert_eq!(rearmed[0].ap_binding.as_deref(), Some("json"));
    // A lease that lapses (the claiming node died) hands it to the next claim.
    assert_eq!(
        s.claim_mssp_notifications(3_000, 3_500, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    s.reschedule_mssp_notification("N1", None, None)
        .await
        .unwrap();
    // An outstanding transaction's callback moves without anything falling due.
    s.insert_mssp_transaction(&with_url("N4", "B4", "4404", 5_000))
        .await
        .unwrap();
    assert!(s.rearm_mssp_notification("N4", moved, 800).await.unwrap());
    assert!(s
        .claim_mssp_notifications(4_000, 5_000, 10)
        .await
        .unwrap()
        .is_empty());
    // The batch limit holds.
    for (id, ap, msisdn) in [("N5", "B5", "4405"), ("N6", "B6", "4406")] {
        s.insert_mssp_transaction(&with_url(id, ap, msisdn, 100))
            .await
            .unwrap();
        s.finish_mssp_transaction(id, 401, None, 900).await.unwrap();
    }
    assert_eq!(
        s.claim_mssp_notifications(900, 9_000, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.claim_mssp_notifications(900, 9_000, 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn mssp_transactions_keep_ap_trans_id_and_one_outcome(s: &TestStore) {
    let m1 = mssp_txn("M1", "A1", "4477", 1000);
    assert_eq!(
        s.insert_mssp_transaction(&m1).await.unwrap(),
        MsspInsert::Inserted
    );
    assert_eq!(s.mssp_transaction("M1").await.unwrap(), Some(m1.clone()));
    // The AP's AP_TransID is taken: the retry learns the transaction holding it.
    let retry = mssp_txn("M2", "A1", "4477", 2000);
    assert_eq!(
        s.insert_mssp_transaction(&retry).await.unwrap(),
        MsspInsert::Known(Box::new(m1.clone()))
    );
    // Another AP may use the same AP_TransID (for another subscriber here).
    let other_ap = MsspTransactionRow {
        ap_id: "http://ap2".into(),
        ..mssp_txn("M3", "A1", "4478", 1000)
    };
    assert_eq!(
        s.insert_mssp_transaction(&other_ap).await.unwrap(),
        MsspInsert::Inserted
    );
    // One outstanding transaction per MSISDN.
    assert_eq!(
        s.insert_mssp_transaction(&mssp_txn("M4", "A4", "4477", 1000))
            .await
            .unwrap(),
        MsspInsert::MsisdnBusy
    );
    assert!(s.mssp_transaction("M4").await.unwrap().is_none());
    assert_eq!(
        s.mssp_outstanding("4477")
            .await
            .unwrap()
            .unwrap()
            .mssp_trans_id,
        "M1"
    );
    // A receipt only for an ended transaction.
    assert!(!s.mssp_receipt("M1", 10).await.unwrap());
    // One outcome: the second finish changes nothing.
    assert!(s
        .finish_mssp_transaction("M1", 500, Some(&[9, 9]), 20)
        .await
        .unwrap());
    assert!(!s
        .finish_mssp_transaction("M1", 401, None, 30)
        .await
        .unwrap());
    let ended = s.mssp_transaction("M1").await.unwrap().unwrap();
    assert_eq!(
        (ended.status, ended.signature.as_deref(), ended.ended_at),
        (Some(500), Some(&[9u8, 9][..]), Some(20))
    );
    assert!(s.mssp_outstanding("4477").await.unwrap().is_none());
    assert!(s.mssp_receipt("M1", 40).await.unwrap());
    assert_eq!(
        s.mssp_transaction("M1").await.unwrap().unwrap().receipt_at,
        Some(40)
    );
    assert!(!s
        .finish_mssp_transaction("nope", 500, None, 20)
        .await
        .unwrap());
    // The MSISDN is free again; the ended transaction still holds its AP_TransID.
    let m5 = mssp_txn("M5", "A5", "4477", 100);
    assert_eq!(
        s.insert_mssp_transaction(&m5).await.unwrap(),
        MsspInsert::Inserted
    );
    assert!(matches!(
        s.insert_mssp_transaction(&mssp_txn("M6", "A1", "4479", 100)).await.unwrap(),
        MsspInsert::Known(k) if k.mssp_trans_id == "M1"
    ));
    // Expiry: due at the deadline, ended at it, reported once.
    assert!(s
        .expire_mssp_transactions(99, 208)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.expire_mssp_transactions(150, 208).await.unwrap(),
        vec![("4477".to_string(), "M5".to_string())]
    );
    assert!(s
        .expire_mssp_transactions(150, 208)
        .await
        .unwrap()
        .is_empty());
    let expired = s.mssp_transaction("M5").await.unwrap().unwrap();
    assert_eq!((expired.status, expired.ended_at), (Some(208), Some(100)));
    // Forgetting frees the AP_TransIDs of what ended before the cut only.
    assert_eq!(s.forget_mssp_transactions(20).await.unwrap(), 0);
    assert_eq!(s.forget_mssp_transactions(21).await.unwrap(), 1);
    assert!(s.mssp_transaction("M1").await.unwrap().is_none());
    assert!(s.mssp_transaction("M5").await.unwrap().is_some());
    assert_eq!(s.forget_mssp_transactions(1000).await.unwrap(), 1);
    assert!(s.mssp_transaction("M5").await.unwrap().is_none());
    assert_eq!(
        s.insert_mssp_transaction(&mssp_txn("M7", "A1", "4479", 100))
            .await
            .unwrap(),
        MsspInsert::Inserted
    );
    assert!(
        s.mssp_transaction("M3").await.unwrap().is_some(),
        "outstanding kept"
    );
}
