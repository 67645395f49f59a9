//! Two MSSP nodes on one store: what one node starts, the other answers, completes or
//! expires (TS 102 204 clause 7.2 and 7.3), a `synch` waiter on the first node learns an
//! outcome recorded by the second, and an asynchServerServer notification the first could
//! not deliver is delivered by the second (as by the first after a restart).

use super::StoreMsspTransactions;
use idgw_mss::applet::{Answer, AnswerResult, AppletKey, Challenge};
use idgw_mss::model::*;
use idgw_mss::mssp::{
    notify, AnswerDisposition, ApRegistry, MemoryAppletKeys, Mssp, MsspConfig, MsspError, OtaError,
    OtaPlatform,
};
use idgw_mss::{Binding, StatusCode};
use idgw_store::Store;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AP: &str = "http://ap.example";
const MSISDN: &str = "447700900123";

/// The SIM side: keeps the challenges either node sent.
#[derive(Default)]
struct Sims(Mutex<Vec<Vec<u8>>>);

#[async_trait::async_trait]
impl OtaPlatform for Sims {
    async fn send_challenge(&self, _: &str, _: &str, challenge: Vec<u8>) -> Result<(), OtaError> {
        self.0.lock().unwrap().push(challenge);
        Ok(())
    }
}

impl Sims {
    fn sent(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The SIM's answer to the newest challenge.
    fn answer(&self, result: AnswerResult) -> Vec<u8> {
        let key = applet_key();
        let sent = self.0.lock().unwrap();
        let challenge = Challenge::decode(sent.last().expect("a challenge"), &key).unwrap();
        Answer {
            nonce: challenge.nonce,
            result,
        }
        .encode(&key)
    }
}

fn applet_key() -> AppletKey {
    AppletKey::new([0x42; 32])
}

/// Two MSSP nodes sharing one SQLite store, and the SIMs they talk to.
async fn two_nodes() -> (Arc<Mssp>, Arc<Mssp>, Arc<Sims>) {
    let (one, two, sims, _) = two_nodes_on_store().await;
    (one, two, sims)
}

async fn two_nodes_on_store() -> (Arc<Mssp>, Arc<Mssp>, Arc<Sims>, Arc<dyn Store>) {
    let store = idgw_store::open("sqlite::memory:").await.unwrap();
    let sims = Arc::new(Sims::default());
    let node = || {
        let mut keys = MemoryAppletKeys::new();
        keys.insert(MSISDN, applet_key());
        let config = MsspConfig {
            outcome_poll: Duration::from_millis(20),
            first_retry: Duration::from_millis(100),
            ..MsspConfig::default()
        };
        let mssp = Mssp::new(
            config,
            ApRegistry::new().with(AP, "pw"),
            Arc::new(keys),
            sims.clone(),
        );
        Arc::new(mssp.with_transactions(Arc::new(StoreMsspTransactions(store.clone()))))
    };
    (node(), node(), sims, store)
}

fn header(ap_trans_id: &str) -> MessageAbstract {
    MessageAbstract {
        major_version: 1,
        minor_version: 1,
        ap_info: ApInfo {
            ap_id: AP.into(),
            ap_trans_id: ap_trans_id.into(),
            ap_pwd: Some("pw".into()),
            instant: "2026-11-22T04:00:00Z".into(),
            ap_url: None,
        },
        mssp_info: MsspInfo::default(),
    }
}

fn signature_req(ap_trans_id: &str, mode: MessagingMode, secs: u32) -> MssSignatureReq {
    MssSignatureReq {
        header: header(ap_trans_id),
        mobile_user: MobileUser {
            msisdn: MSISDN.into(),
        },
        data_to_be_signed: Data::text("Sign in to the shop?"),
        data_to_be_displayed: None,
        signature_profile: None,
        additional_services: vec![],
        mss_format: None,
        validity_date: None,
        time_out: Some(secs),
        messaging_mode: mode,
    }
}

async fn status(node: &Mssp, mssp_trans_id: &str) -> Result<StatusCode, MsspError> {
    let req = MssStatusReq {
        header: header("S"),
        mssp_trans_id: mssp_trans_id.into(),
    };
    let resp = node.status(&req, Instant::now()).await?;
    Ok(resp.status.code)
}

#[tokio::test]
async fn a_transaction_accepted_by_one_node_is_retried_answered_and_completed_on_the_other() {
    let (one, two, sims) = two_nodes().await;
    let req = signature_req("A1", MessagingMode::AsynchClientServer, 60);
    let accepted = one
        .signature(&req, Binding::Soap, Instant::now())
        .await
        .unwrap();
    assert_eq!(accepted.status.code, StatusCode::RequestOk);
    let id = accepted.mssp_trans_id;
    // The AP retries on the other node: same transaction, no second prompt.
    let retried = two
        .signature(&req, Binding::Soap, Instant::now())
        .await
        .unwrap();
    assert_eq!(retried.mssp_trans_id, id);
    assert_eq!(sims.sent(), 1);
    // A different request under the same AP_TransID, and a second one for the MSISDN.
    let mut other = req.clone();
    other.data_to_be_signed = Data::text("Pay 100 EUR?");
    let changed = two.signature(&other, Binding::Soap, Instant::now()).await;
    assert_eq!(changed.unwrap_err(), MsspError::DuplicateApTransId);
    let busy = signature_req("A2", MessagingMode::AsynchClientServer, 60);
    let busy = two.signature(&busy, Binding::Soap, Instant::now()).await;
    assert_eq!(busy.unwrap_err(), MsspError::UserBusy);
    assert_eq!(
        status(&two, &id).await,
        Ok(StatusCode::OutstandingTransaction)
    );
    // The applet's answer reaches node two; node one answers the status query.
    let answer = sims.answer(AnswerResult::Ok);
    let taken = two.on_answer(MSISDN, &answer, Instant::now()).await;
    assert_eq!(
        taken.unwrap(),
        AnswerDisposition::Accepted {
            mssp_trans_id: id.clone(),
            status: StatusCode::Signature
        }
    );
    let req = MssStatusReq {
        header: header("S"),
        mssp_trans_id: id.clone(),
    };
    let done = one.status(&req, Instant::now()).await.unwrap();
    assert_eq!(done.status.code, StatusCode::Signature);
    assert_eq!(
        done.mss_signature,
        Some(MssSignature::Base64(answer.clone()))
    );
    // A replay of the answer, on either node, ends nothing.
    let replay = one.on_answer(MSISDN, &answer, Instant::now()).await;
    assert_eq!(replay.unwrap(), AnswerDisposition::NoOutstandingTransaction);
}

#[tokio::test]
async fn a_synch_request_learns_the_outcome_recorded_by_the_other_node() {
    let (one, two, sims) = two_nodes().await;
    let req = signature_req("A1", MessagingMode::Synch, 30);
    let waiting = tokio::spawn({
        let one = one.clone();
        async move { one.signature(&req, Binding::Soap, Instant::now()).await }
    });
    while sims.sent() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let answered = Instant::now();
    let answer = sims.answer(AnswerResult::UserCancel);
    let taken = two
        .on_answer(MSISDN, &answer, Instant::now())
        .await
        .unwrap();
    assert!(matches!(taken, AnswerDisposition::Accepted { .. }));
    let outcome = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiter polls the store")
        .unwrap();
    assert_eq!(outcome, Err(MsspError::Ended(StatusCode::UserCancel)));
    assert!(answered.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn expiry_and_ota_failures_are_seen_by_every_node() {
    let (one, two, _sims) = two_nodes().await;
    let req = signature_req("A1", MessagingMode::AsynchClientServer, 1);
    let expiring = one
        .signature(&req, Binding::Soap, Instant::now())
        .await
        .unwrap();
    let later = Instant::now() + Duration::from_millis(1100);
    let req = MssStatusReq {
        header: header("S"),
        mssp_trans_id: expiring.mssp_trans_id.clone(),
    };
    assert_eq!(
        two.status(&req, later).await.unwrap_err(),
        MsspError::Ended(StatusCode::ExpiredTransaction)
    );
    assert_eq!(
        status(&one, &expiring.mssp_trans_id).await,
        Err(MsspError::Ended(StatusCode::ExpiredTransaction))
    );
    // The MSISDN is free again; an OTA failure reported to node two ends node one's.
    let req = signature_req("A2", MessagingMode::AsynchClientServer, 60);
    let failing = one
        .signature(&req, Binding::Soap, Instant::now())
        .await
        .unwrap();
    let ended = two.on_ota_failure(MSISDN, "UNDELIVERABLE", Instant::now());
    assert_eq!(ended.await, Ok(true));
    assert_eq!(
        status(&one, &failing.mssp_trans_id).await,
        Err(MsspError::Ended(StatusCode::OtaError))
    );
}

/// An AP's notification port that is down (HTTP 503) until switched up, then acknowledges
/// each notification with an `MSS_ReceiptReq`; it records the notifications it took.
struct FakeAp {
    url: String,
    up: Arc<std::sync::atomic::AtomicBool>,
    taken: Arc<Mutex<Vec<MssStatusResp>>>,
}

async fn fake_ap() -> FakeAp {
    use axum::http::StatusCode as Http;
    use std::sync::atomic::{AtomicBool, Ordering};
    let up = Arc::new(AtomicBool::new(false));
    let taken = Arc::new(Mutex::new(Vec::new()));
    let (state_up, state_taken) = (up.clone(), taken.clone());
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let (up, taken) = (state_up.clone(), state_taken.clone());
        async move {
            if !up.load(Ordering::SeqCst) {
                return (Http::SERVICE_UNAVAILABLE, String::new());
            }
            let Ok(Envelope::Message(MssMessage::StatusResp(resp))) = Binding::Soap.decode(&body)
            else {
                return (Http::BAD_REQUEST, String::new());
            };
            let ack = MssReceiptReq {
                header: header(&resp.header.ap_info.ap_trans_id),
                mobile_user: resp.mobile_user.clone(),
                status: None,
                message: None,
                mssp_trans_id: "Mack".into(),
            };
            taken.lock().unwrap().push(resp);
            (
                Http::OK,
                Binding::Soap.encode_notification_ack(&ack).unwrap(),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    FakeAp { url, up, taken }
}

#[tokio::test]
async fn a_notification_node_one_could_not_deliver_is_delivered_by_node_two() {
    let (one, two, sims, store) = two_nodes_on_store().await;
    let ap = fake_ap().await;
    let mut req = signature_req("A1", MessagingMode::AsynchServerServer, 60);
    req.header.ap_info.ap_url = Some(ap.url.clone());
    let accepted = one.signature(&req, Binding::Soap, Instant::now()).await;
    let id = accepted.unwrap().mssp_trans_id;
    let (stop_one, stopped) = tokio::sync::watch::channel(false);
    let notifier = tokio::spawn(notify::run(one.clone(), async move {
        let mut stopped = stopped;
        let _ = stopped.wait_for(|s| *s).await;
    }));
    let answer = sims.answer(AnswerResult::Ok);
    one.on_answer(MSISDN, &answer, Instant::now())
        .await
        .unwrap();
    // Node one tries (the AP is down) and schedules a retry, kept in the store.
    let deadline = Instant::now() + Duration::from_secs(5);
    let row = loop {
        let row = store.mssp_transaction(&id).await.unwrap().unwrap();
        if row.notify_attempts >= 1 {
            break row;
        }
        assert!(Instant::now() < deadline, "no attempt");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(row.notify_due.is_some() && row.receipt_at.is_none());
    // Node one stops; the AP comes back; node two delivers what was left.
    stop_one.send(true).unwrap();
    notifier.await.unwrap();
    ap.up.store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::spawn(notify::run(two.clone(), std::future::pending()));
    let deadline = Instant::now() + Duration::from_secs(5);
    while ap.taken.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = ap.taken.lock().unwrap()[0].clone();
    assert_eq!(delivered.header.ap_info.ap_trans_id, "A1");
    assert_eq!(
        delivered.header.ap_info.ap_pwd, None,
        "never the AP's password"
    );
    assert_eq!(delivered.status.code, StatusCode::Signature);
    assert_eq!(delivered.mss_signature, Some(MssSignature::Base64(answer)));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let row = store.mssp_transaction(&id).await.unwrap().unwrap();
        if row.receipt_at.is_some() {
            assert_eq!(row.notify_due, None, "nothing left to deliver");
            break;
        }
        assert!(Instant::now() < deadline, "receipt not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
