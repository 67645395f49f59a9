//! The store test suite. Each case is written against `&dyn Store`, and `backend_tests!`
//! instantiates every case for a backend, so all backends pass the same suite: SQLite here,
//! PostgreSQL in [`postgres`] (against a real server, see `scripts/postgres.sh`).

mod postgres;

use crate::*;

pub fn tx(id: &str, msisdn: &str, created_at: Millis, expires_at: Millis) -> TransactionRow {
    TransactionRow {
        auth_req_id: id.into(),
        client_id: "sp1".into(),
        msisdn: msisdn.into(),
        state: TxState::Pending,
        request: "{}".into(),
        outcome: None,
        created_at,
        expires_at,
        completed_at: None,
        owner: Some("n1".into()),
        lease_until: created_at + 100,
    }
}

fn token(hash: u8, kind: TokenKind) -> TokenRow {
    TokenRow {
        token_hash: vec![hash; 32],
        kind,
        client_id: "sp1".into(),
        auth_req_id: Some("a1".into()),
        grant: "{}".into(),
        created_at: 1,
        expires_at: 10_000,
        revoked_at: None,
    }
}

pub fn finish(id: &str, state: TxState, now: Millis) -> Finish {
    Finish {
        auth_req_id: id.into(),
        state,
        outcome: Some("{\"ok\":1}".into()),
        tokens: vec![],
        notification: None,
        now,
    }
}

pub async fn one_pending_transaction_per_msisdn(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "4477", 0, 1000))
        .await
        .unwrap();
    assert!(matches!(
        s.insert_transaction(&tx("a2", "4477", 10, 1000)).await,
        Err(StoreError::Busy)
    ));
    // Another subscriber is independent.
    s.insert_transaction(&tx("a3", "4478", 10, 1000))
        .await
        .unwrap();
    // Once finished, the subscriber is free again.
    assert!(s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Denied, 20))
        .await
        .unwrap());
    s.insert_transaction(&tx("a2", "4477", 30, 1000))
        .await
        .unwrap();
    assert_eq!(
        s.transaction("a1").await.unwrap().unwrap().state,
        TxState::Denied
    );
    assert_eq!(
        s.transaction("a2").await.unwrap().unwrap().state,
        TxState::Pending
    );
}

pub async fn finish_is_compare_and_set(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "4477", 0, 1000))
        .await
        .unwrap();
    assert!(s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Approved, 5))
        .await
        .unwrap());
    // A second outcome (say, the expiry sweeper racing the authenticator) loses.
    assert!(!s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Expired, 6))
        .await
        .unwrap());
    let row = s.transaction("a1").await.unwrap().unwrap();
    assert_eq!(row.state, TxState::Approved);
    assert_eq!(row.completed_at, Some(5));
    assert_eq!(row.outcome.as_deref(), Some("{\"ok\":1}"));
    // Redemption writes tokens atomically, once.
    let mut redeem = finish("a1", TxState::Redeemed, 7);
    redeem.outcome = None;
    redeem.tokens = vec![token(1, TokenKind::Access), token(2, TokenKind::Refresh)];
    assert!(s
        .finish_transaction(TxState::Approved, &redeem)
        .await
        .unwrap());
    assert!(!s
        .finish_transaction(TxState::Approved, &redeem)
        .await
        .unwrap());
    let row = s.transaction("a1").await.unwrap().unwrap();
    assert_eq!(row.state, TxState::Redeemed);
    assert_eq!(row.completed_at, Some(5), "completion time is kept");
    assert_eq!(
        row.outcome.as_deref(),
        Some("{\"ok\":1}"),
        "outcome is kept"
    );
    assert_eq!(
        s.token(&[1; 32]).await.unwrap().unwrap().kind,
        TokenKind::Access
    );
}

pub async fn expired_pending_lists_only_due(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "1", 0, 100)).await.unwrap();
    s.insert_transaction(&tx("a2", "2", 0, 200)).await.unwrap();
    s.insert_transaction(&tx("a3", "3", 0, 50)).await.unwrap();
    s.finish_transaction(TxState::Pending, &finish("a3", TxState::Approved, 10))
        .await
        .unwrap();
    let due = s.expired_pending(150, 10).await.unwrap();
    assert_eq!(
        due.iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"]
    );
    assert_eq!(s.pending_transactions().await.unwrap().len(), 2);
}

/// Node n1 holds what it inserted until its lease lapses; then one other node takes it over.
pub async fn lapsed_leases_are_taken_over(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "1", 0, 1000)).await.unwrap(); // lease until 100
    s.insert_transaction(&tx("a2", "2", 0, 1000)).await.unwrap();
    s.insert_transaction(&tx("a3", "3", 0, 150)).await.unwrap();
    assert!(s.claim_lapsed("n2", 50, 500, 10).await.unwrap().is_empty());
    // n1 renews a1 only; n2 cannot renew what it does not hold.
    let ids = ["a1".to_string(), "a2".to_string()];
    assert_eq!(s.renew_leases("n1", &ids[..1], 400).await.unwrap(), 1);
    assert_eq!(s.renew_leases("n2", &ids, 900).await.unwrap(), 0);
    // At 200: a2's lease lapsed, a3 expired (the sweeper ends it, nobody resumes it).
    let taken = s.claim_lapsed("n2", 200, 700, 10).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a2"]
    );
    assert_eq!(taken[0].owner.as_deref(), Some("n2"));
    assert_eq!(taken[0].lease_until, 700);
    assert!(s.claim_lapsed("n3", 200, 700, 10).await.unwrap().is_empty());
    // n1, taken over, does not take back; n2 renews its own.
    assert_eq!(s.renew_leases("n1", &ids, 900).await.unwrap(), 1);
    assert_eq!(s.renew_leases("n2", &ids, 800).await.unwrap(), 1);
    let a2 = s.transaction("a2").await.unwrap().unwrap();
    assert_eq!((a2.owner.as_deref(), a2.lease_until), (Some("n2"), 800));
    // A node stopping releases its leases: claimable at once.
    assert_eq!(
        s.release_leases("n1").await.unwrap(),
        2,
        "a1 and the expired a3"
    );
    let taken = s.claim_lapsed("n3", 300, 900, 10).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"]
    );
    // Ended transactions are never claimed.
    s.finish_transaction(TxState::Pending, &finish("a2", TxState::Approved, 300))
        .await
        .unwrap();
    assert_eq!(s.release_leases("n2").await.unwrap(), 0);
    let taken = s.claim_lapsed("n4", 950, 2000, 10).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|t| t.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        ["a1"],
        "only the pending, unexpired one whose lease lapsed"
    );
}

pub async fn jti_is_single_use(s: &dyn Store) {
    assert!(s.use_jti("sp1", "j1", 100).await.unwrap());
    assert!(!s.use_jti("sp1", "j1", 100).await.unwrap());
    assert!(
        s.use_jti("sp2", "j1", 100).await.unwrap(),
        "jti is scoped by issuer"
    );
    assert_eq!(s.purge(101).await.unwrap(), 2);
    assert!(s.use_jti("sp1", "j1", 300).await.unwrap());
}

pub async fn refresh_rotation_is_single_use(s: &dyn Store) {
    s.insert_token(&token(9, TokenKind::Refresh)).await.unwrap();
    assert!(s
        .rotate_token(&[9; 32], &[token(10, TokenKind::Refresh)], 5)
        .await
        .unwrap());
    assert!(!s
        .rotate_token(&[9; 32], &[token(11, TokenKind::Refresh)], 6)
        .await
        .unwrap());
    assert!(
        s.token(&[11; 32]).await.unwrap().is_none(),
        "nothing written by a failed rotation"
    );
    assert_eq!(
        s.token(&[9; 32]).await.unwrap().unwrap().revoked_at,
        Some(5)
    );
}

pub async fn outbox_claim_and_retry(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "1", 0, 10_000))
        .await
        .unwrap();
    let mut f = finish("a1", TxState::Approved, 100);
    f.notification = Some(NewNotification {
        auth_req_id: "a1".into(),
        url: "http://127.0.0.1:1/cb".into(),
        bearer: "tok".into(),
        body: "{\"auth_req_id\":\"a1\"}".into(),
        deadline: 10_000,
    });
    assert!(s.finish_transaction(TxState::Pending, &f).await.unwrap());
    let claimed = s.claim_outbox(100, 1000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // Leased: a second worker gets nothing until the lease ends.
    assert!(s.claim_outbox(200, 1000, 10).await.unwrap().is_empty());
    let retry = DeliveryResult::Retry {
        status: Some(503),
        error: "busy".into(),
        next_attempt_at: 2000,
    };
    s.record_delivery(claimed[0].id, &retry, 300).await.unwrap();
    assert!(s.claim_outbox(1999, 1000, 10).await.unwrap().is_empty());
    let again = s.claim_outbox(2000, 1000, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_status, Some(503));
    s.record_delivery(
        again[0].id,
        &DeliveryResult::Delivered { status: 204 },
        2100,
    )
    .await
    .unwrap();
    assert!(s.claim_outbox(99_999, 1000, 10).await.unwrap().is_empty());
    let all = s.outbox_for("a1").await.unwrap();
    assert_eq!(all[0].state, OutboxState::Delivered);
    assert_eq!(all[0].attempts, 2);
}

pub async fn outbox_lease_expires(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "1", 0, 10_000))
        .await
        .unwrap();
    let mut f = finish("a1", TxState::Approved, 100);
    f.notification = Some(NewNotification {
        auth_req_id: "a1".into(),
        url: "http://127.0.0.1:1/cb".into(),
        bearer: "tok".into(),
        body: "{}".into(),
        deadline: 10_000,
    });
    assert!(s.finish_transaction(TxState::Pending, &f).await.unwrap());
    let first = s.claim_outbox(100, 1000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    // The worker holding it dies: nothing is recorded. Until the lease ends nobody else
    // takes it; then another worker does, and the attempt count is unchanged.
    assert!(s.claim_outbox(1099, 1000, 10).await.unwrap().is_empty());
    let second = s.claim_outbox(1100, 1000, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].attempts, 0);
}

pub async fn pcr_is_stable_per_sector(s: &dyn Store) {
    assert_eq!(s.pcr_for("bank.example", "4477", "p1").await.unwrap(), "p1");
    assert_eq!(s.pcr_for("bank.example", "4477", "p2").await.unwrap(), "p1");
    assert_eq!(s.pcr_for("shop.example", "4477", "p3").await.unwrap(), "p3");
    assert_eq!(
        s.msisdn_for_pcr("bank.example", "p1")
            .await
            .unwrap()
            .as_deref(),
        Some("4477")
    );
    assert_eq!(s.msisdn_for_pcr("shop.example", "p1").await.unwrap(), None);
}

pub async fn settings_first_writer_wins(s: &dyn Store) {
    assert_eq!(s.setting_get_or_insert("k", "v1").await.unwrap(), "v1");
    assert_eq!(s.setting_get_or_insert("k", "v2").await.unwrap(), "v1");
}

pub async fn clients_and_subscribers(s: &dyn Store) {
    let c = ClientRow {
        client_id: "sp1".into(),
        secret_hash: Some(vec![1, 2]),
        metadata: "{}".into(),
    };
    s.upsert_client(&c, 1).await.unwrap();
    let c2 = ClientRow {
        metadata: "{\"a\":1}".into(),
        ..c.clone()
    };
    s.upsert_client(&c2, 2).await.unwrap();
    assert_eq!(s.client("sp1").await.unwrap(), Some(c2));
    assert_eq!(s.clients().await.unwrap().len(), 1);
    assert!(s.delete_client("sp1").await.unwrap());
    assert_eq!(s.client("sp1").await.unwrap(), None);
    let sub = SubscriberRow {
        msisdn: "4477".into(),
        user_code: Some("42".into()),
    };
    s.upsert_subscriber(&sub, 1).await.unwrap();
    assert_eq!(s.subscriber("4477").await.unwrap(), Some(sub));
}

pub async fn events_in_order(s: &dyn Store) {
    for (i, step) in ["a", "b", "c"].iter().enumerate() {
        let e = Event {
            auth_req_id: "x".into(),
            correlation_id: None,
            component: "OP".into(),
            step: step.to_string(),
            outcome: "ok".into(),
            detail: None,
            at: 10 - i as i64,
        };
        s.record_event(&e).await.unwrap();
    }
    let steps: Vec<_> = s
        .events("x")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect();
    assert_eq!(steps, ["c", "b", "a"]);
}

pub async fn keys_round_trip(s: &dyn Store) {
    let k = StoredKey {
        kid: "k1".into(),
        key_use: "sig".into(),
        alg: "RS256".into(),
        private_jwk: "{}".into(),
        created_at: 1,
        retired_at: None,
    };
    s.insert_key(&k).await.unwrap();
    assert!(matches!(
        s.insert_key(&k).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(s.retire_key("k1", 5).await.unwrap());
    assert_eq!(s.keys().await.unwrap()[0].retired_at, Some(5));
    assert!(
        !format!("{k:?}").contains("{}"),
        "private key never printed"
    );
}

pub async fn ota_counters_never_reissue(s: &dyn Store) {
    let card = CardRow {
        msisdn: "4477".into(),
        iccid: "8944000000000000001".into(),
        algorithm: "aes128".into(),
        kvn: 1,
        kic: vec![1; 16],
        kid: vec![2; 16],
        tar: vec![0x49, 0x44, 0x47],
        applet_key: vec![3; 32],
    };
    assert!(s.insert_card(&card, 1).await.unwrap());
    let other = CardRow {
        kic: vec![9; 16],
        ..card.clone()
    };
    assert!(
        !s.insert_card(&other, 1).await.unwrap(),
        "the first card stays"
    );
    assert_eq!(s.card("4477").await.unwrap(), Some(card.clone()));
    assert_eq!(
        s.card_by_iccid(&card.iccid).await.unwrap(),
        Some(card.clone())
    );
    assert!(!format!("{card:?}").contains("[1, 1"), "keys never printed");
    assert_eq!(s.last_mt_counter(&card.iccid, 1).await.unwrap(), 0);
    let a = s.next_mt_counter(&card.iccid, 1).await.unwrap();
    let b = s.next_mt_counter(&card.iccid, 1).await.unwrap();
    assert_eq!((a, b), (1, 2));
    assert_eq!(s.last_mt_counter(&card.iccid, 1).await.unwrap(), 2);
    assert_eq!(
        s.next_mt_counter(&card.iccid, 2).await.unwrap(),
        1,
        "per key set"
    );
    s.upsert_card(&card, 2).await.unwrap();
    assert_eq!(
        s.next_mt_counter(&card.iccid, 1).await.unwrap(),
        3,
        "re-provisioning keeps counters"
    );
    assert!(s.accept_mo_counter(&card.iccid, 1, 5).await.unwrap());
    assert!(
        !s.accept_mo_counter(&card.iccid, 1, 5).await.unwrap(),
        "replay"
    );
    assert!(
        !s.accept_mo_counter(&card.iccid, 1, 4).await.unwrap(),
        "older"
    );
    assert!(s.accept_mo_counter(&card.iccid, 1, 6).await.unwrap());
}

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
pub async fn mssp_notifications_are_due_claimed_and_rescheduled(s: &dyn Store) {
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

pub async fn mssp_transactions_keep_ap_trans_id_and_one_outcome(s: &dyn Store) {
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

fn code(hash: u8, grant_id: &str, expires_at: Millis) -> CodeRow {
    CodeRow {
        code_hash: vec![hash; 32],
        client_id: "sp1".into(),
        redirect_uri: "https://sp.example/cb".into(),
        grant_id: grant_id.into(),
        grant: "{\"g\":1}".into(),
        created_at: 0,
        expires_at,
        used_at: None,
    }
}

fn session(hash: u8, msisdn: &str, auth_time: Millis) -> SessionRow {
    SessionRow {
        session_hash: vec![hash; 32],
        msisdn: msisdn.into(),
        data: "{\"acr\":\"3\"}".into(),
        auth_time,
        expires_at: 10_000,
    }
}

pub async fn code_from_an_approved_transaction_once(s: &dyn Store) {
    s.insert_transaction(&tx("a1", "4477", 0, 1000))
        .await
        .unwrap();
    // Still pending: no code, nothing written.
    assert!(!s
        .issue_code(
            &code(1, "a1", 500),
            Some("a1"),
            Some(&session(9, "4477", 10))
        )
        .await
        .unwrap());
    assert!(s.code(&[1; 32]).await.unwrap().is_none());
    assert!(s.session(&[9; 32]).await.unwrap().is_none());
    assert!(s
        .finish_transaction(TxState::Pending, &finish("a1", TxState::Approved, 10))
        .await
        .unwrap());
    assert!(s
        .issue_code(
            &code(1, "a1", 500),
            Some("a1"),
            Some(&session(9, "4477", 10))
        )
        .await
        .unwrap());
    assert_eq!(
        s.transaction("a1").await.unwrap().unwrap().state,
        TxState::Redeemed
    );
    assert_eq!(s.code(&[1; 32]).await.unwrap(), Some(code(1, "a1", 500)));
    assert_eq!(
        s.session(&[9; 32]).await.unwrap(),
        Some(session(9, "4477", 10))
    );
    // A second code for the same transaction is refused.
    assert!(!s
        .issue_code(&code(2, "a1", 500), Some("a1"), None)
        .await
        .unwrap());
    assert!(s.code(&[2; 32]).await.unwrap().is_none());
    // A code from a session alone; the session is replaced by a newer one.
    assert!(s
        .issue_code(&code(3, "g3", 500), None, Some(&session(9, "4478", 20)))
        .await
        .unwrap());
    assert_eq!(s.session(&[9; 32]).await.unwrap().unwrap().msisdn, "4478");
}

pub async fn code_redeems_once_and_replay_revokes(s: &dyn Store) {
    assert!(s.issue_code(&code(1, "g1", 500), None, None).await.unwrap());
    let mut access = token(7, TokenKind::Access);
    access.auth_req_id = Some("g1".into());
    let mut refresh = token(8, TokenKind::Refresh);
    refresh.auth_req_id = Some("g1".into());
    assert!(s
        .redeem_code(&[1; 32], &[access.clone(), refresh.clone()], 100)
        .await
        .unwrap());
    assert_eq!(s.code(&[1; 32]).await.unwrap().unwrap().used_at, Some(100));
    assert!(s.token(&access.token_hash).await.unwrap().is_some());
    // Second use: refused, nothing stored.
    assert!(!s
        .redeem_code(&[1; 32], &[token(9, TokenKind::Access)], 110)
        .await
        .unwrap());
    assert!(s.token(&[9; 32]).await.unwrap().is_none());
    // The replay revokes what the code produced, once.
    assert_eq!(s.revoke_tokens_of("g1", 120).await.unwrap(), 2);
    assert_eq!(s.revoke_tokens_of("g1", 130).await.unwrap(), 0);
    assert_eq!(
        s.token(&refresh.token_hash)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(120)
    );
    // An expired code is not redeemed.
    assert!(s.issue_code(&code(2, "g2", 500), None, None).await.unwrap());
    assert!(!s.redeem_code(&[2; 32], &[], 500).await.unwrap());
    // Purge forgets expired codes and sessions.
    assert!(s
        .issue_code(&code(3, "g3", 900), None, Some(&session(5, "4477", 1)))
        .await
        .unwrap());
    s.purge(20_000).await.unwrap();
    assert!(s.code(&[2; 32]).await.unwrap().is_none());
    assert!(s.session(&[5; 32]).await.unwrap().is_none());
}

/// A store under test, and what to clean up once the case has passed.
pub struct TestStore {
    pub store: std::sync::Arc<dyn Store>,
    /// The scratch PostgreSQL database to drop afterwards.
    pub scratch: Option<crate::testing::ScratchDatabase>,
}

impl TestStore {
    pub async fn done(self) {
        drop(self.store);
        if let Some(scratch) = self.scratch {
            scratch.drop_database().await;
        }
    }
}

/// One `#[tokio::test]` per case; `$open` yields `None` when the backend is not available
/// (the case then passes after saying it was skipped). `backend_tests!(open())` instantiates
/// every case, so no backend can miss one.
macro_rules! backend_tests {
    ($open:expr) => {
        backend_tests!(
            $open,
            one_pending_transaction_per_msisdn,
            finish_is_compare_and_set,
            expired_pending_lists_only_due,
            lapsed_leases_are_taken_over,
            jti_is_single_use,
            refresh_rotation_is_single_use,
            outbox_claim_and_retry,
            pcr_is_stable_per_sector,
            settings_first_writer_wins,
            clients_and_subscribers,
            events_in_order,
            keys_round_trip,
            ota_counters_never_reissue,
            outbox_lease_expires,
            code_from_an_approved_transaction_once,
            code_redeems_once_and_replay_revokes,
            mssp_transactions_keep_ap_trans_id_and_one_outcome,
            mssp_notifications_are_due_claimed_and_rescheduled,
        );
    };
    ($open:expr, $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(t) = $open.await else { return };
                super::$case(&*t.store).await;
                t.done().await;
            }
        )*
    };
}
use backend_tests;

mod sqlite {
    use super::TestStore;

    async fn open() -> Option<TestStore> {
        Some(TestStore {
            store: crate::open("sqlite::memory:").await.unwrap(),
            scratch: None,
        })
    }

    backend_tests!(open());

    #[tokio::test]
    async fn file_database_survives_reopen() {
        let dir = std::env::temp_dir().join(format!("idgw-store-{}", std::process::id()));
        let url = format!("sqlite://{}/t.db", dir.display());
        {
            let s = crate::open(&url).await.unwrap();
            s.setting_get_or_insert("k", "v").await.unwrap();
        }
        let s = crate::open(&url).await.unwrap();
        assert_eq!(s.setting_get_or_insert("k", "other").await.unwrap(), "v");
        std::fs::remove_dir_all(dir).ok();
    }
}
