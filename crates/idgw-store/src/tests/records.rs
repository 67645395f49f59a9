//! Cases for the records kept beside transactions: keys, settings, clients, subscribers and
//! their PCRs, trace events, OTA cards and counters.

use super::TestStore;
use crate::*;

pub async fn pcr_is_stable_per_sector(s: &TestStore) {
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

pub async fn settings_first_writer_wins(s: &TestStore) {
    assert_eq!(s.setting_get_or_insert("k", "v1").await.unwrap(), "v1");
    assert_eq!(s.setting_get_or_insert("k", "v2").await.unwrap(), "v1");
}

pub async fn clients_and_subscribers(s: &TestStore) {
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

pub async fn events_in_order(s: &TestStore) {
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

pub async fn keys_round_trip(s: &TestStore) {
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

pub async fn ota_counters_never_reissue(s: &TestStore) {
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
