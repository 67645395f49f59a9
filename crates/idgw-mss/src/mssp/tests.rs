//! Domain tests of the MSSP: fixed clock for the state machine, paused
//! tokio time for the synch wait.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::applet::{Answer, AnswerResult, AppletKey, Challenge};
use crate::profile::PROFILE_SIM_OK;

const AP: &str = "http://ap.example";
const PWD: &str = "pwd";
const USER: &str = "447700900001";

#[derive(Default)]
struct RecordingOta {
    sent: Mutex<Vec<(String, String, Vec<u8>)>>,
    fail: bool,
}

#[async_trait::async_trait]
impl OtaPlatform for RecordingOta {
    async fn send_challenge(
        &self,
        msisdn: &str,
        id: &str,
        challenge: Vec<u8>,
    ) -> Result<(), OtaError> {
        if self.fail {
            return Err(OtaError::Platform("SMSC down".into()));
        }
        let entry = (msisdn.to_owned(), id.to_owned(), challenge);
        self.sent.lock().unwrap().push(entry);
        Ok(())
    }
}

fn key() -> AppletKey {
    AppletKey::new([7; 32])
}

fn mssp_with(ota: Arc<RecordingOta>) -> Arc<Mssp> {
    let mut keys = MemoryAppletKeys::new();
    keys.insert(USER, key());
    let aps = ApRegistry::new().with(AP, PWD);
    Arc::new(Mssp::new(MsspConfig::default(), aps, Arc::new(keys), ota))
}

fn header(ap_trans_id: &str) -> MessageAbstract {
    MessageAbstract {
        major_version: 1,
        minor_version: 1,
        ap_info: ApInfo {
            ap_id: AP.into(),
            ap_trans_id: ap_trans_id.into(),
            ap_pwd: Some(PWD.into()),
            instant: "2024-05-01T12:00:00Z".into(),
            ap_url: None,
        },
        mssp_info: MsspInfo::default(),
    }
}

fn sig_req(ap_trans_id: &str, mode: MessagingMode, time_out: Option<u32>) -> MssSignatureReq {
    MssSignatureReq {
        header: header(ap_trans_id),
        mobile_user: MobileUser {
            msisdn: USER.into(),
        },
        data_to_be_signed: Data::text("Log in to Example Bank?"),
        data_to_be_displayed: None,
        signature_profile: None,
        additional_services: vec![],
        mss_format: None,
        validity_date: None,
        time_out,
        messaging_mode: mode,
    }
}

fn status_req(id: &str) -> MssStatusReq {
    MssStatusReq {
        header: header("S1"),
        mssp_trans_id: id.into(),
    }
}

/// The challenge last sent, decoded as the SIM would.
fn last_challenge(ota: &RecordingOta) -> Challenge {
    let sent = ota.sent.lock().unwrap();
    let (_, id, bytes) = sent.last().expect("a challenge was sent");
    let challenge = Challenge::decode(bytes, &key()).expect("MAC verifies with the applet key");
    assert_eq!(&challenge.reference, id);
    challenge
}

fn answer(challenge: &Challenge, result: AnswerResult, key: &AppletKey) -> Vec<u8> {
    Answer {
        nonce: challenge.nonce,
        result,
    }
    .encode(key)
}

#[tokio::test]
async fn asynch_approve_then_receipt() {
    let ota = Arc::new(RecordingOta::default());
    let mssp = mssp_with(ota.clone());
    let t0 = Instant::now();
    let resp = mssp
        .signature(
            &sig_req("A1", MessagingMode::AsynchClientServer, None),
            Binding::Soap,
            t0,
        )
        .await
        .unwrap();
    assert_eq!(resp.status.code, StatusCode::RequestOk);
    let id = resp.mssp_trans_id;
    let challenge = last_challenge(&ota);
    assert!(challenge.pin_required, "no profile means sim-pin");
    assert_eq!(challenge.text, "Log in to Example Bank?");
    let st = mssp.status(&status_req(&id), t0).await.unwrap();
    assert_eq!(st.status.code, StatusCode::OutstandingTransaction);

    let receipt = MssReceiptReq {
        header: header("R1"),
        mobile_user: MobileUser {
            msisdn: USER.into(),
        },
        status: None,
        message: None,
        mssp_trans_id: id.clone(),
    };
    assert_eq!(
        mssp.receipt(&receipt, t0).await,
        Err(MsspError::NotFinished)
    );

    let bytes = answer(&challenge, AnswerResult::Ok, &key());
    let done = mssp
        .on_answer(USER, &bytes, t0 + Duration::from_secs(3))
        .await
        .unwrap();
    assert!(
        matches!(done, AnswerDisposition::Accepted { ref mssp_trans_id, status: StatusCode::Signature } if *mssp_trans_id == id)
    );
    let st = mssp.status(&status_req(&id), t0).await.unwrap();
    assert_eq!(st.status.code, StatusCode::Signature);
    assert_eq!(st.mss_signature, Some(MssSignature::Base64(bytes.clone())));
    // A replay of the same answer finds nothing outstanding.
    assert_eq!(
        mssp.on_answer(USER, &bytes, t0).await.unwrap(),
        AnswerDisposition::NoOutstandingTransaction
    );
    assert_eq!(
        mssp.receipt(&receipt, t0).await.unwrap().status.code,
        StatusCode::RequestOk
    );
}

#[tokio::test]
async fn forged_answers_are_ignored_until_expiry_then_purged() {
    let ota = Arc::new(RecordingOta::default());
    let mssp = mssp_with(ota.clone());
    let t0 = Instant::now();
    let req = sig_req("A1", MessagingMode::AsynchClientServer, Some(5));
    let id = mssp
        .signature(&req, Binding::Soap, t0)
        .await
        .unwrap()
        .mssp_trans_id;
    let challenge = last_challenge(&ota);
    let forged = answer(&challenge, AnswerResult::Ok, &AppletKey::new([8; 32]));
    assert!(matches!(
        mssp.on_answer(USER, &forged, t0).await.unwrap(),
        AnswerDisposition::Rejected(_)
    ));
    let mut tampered = answer(&challenge, AnswerResult::Ok, &key());
    tampered[17] ^= 0x01;
    assert!(matches!(
        mssp.on_answer(USER, &tampered, t0).await.unwrap(),
        AnswerDisposition::Rejected(_)
    ));
    let other = Challenge {
        nonce: [0; 16],
        ..challenge.clone()
    };
    let stale = answer(&other, AnswerResult::Ok, &key());
    assert_eq!(
        mssp.on_answer(USER, &stale, t0).await.unwrap(),
        AnswerDisposition::NonceMismatch
    );
    assert_eq!(
        mssp.status(&status_req(&id), t0 + Duration::from_secs(4))
            .await
            .unwrap()
            .status
            .code,
        StatusCode::OutstandingTransaction
    );
    let t_exp = t0 + Duration::from_secs(5);
    assert_eq!(
        mssp.status(&status_req(&id), t_exp).await,
        Err(MsspError::Ended(StatusCode::ExpiredTransaction))
    );
    // A good answer after the deadline is too late.
    let late = answer(&challenge, AnswerResult::Ok, &key());
    assert_eq!(
        mssp.on_answer(USER, &late, t_exp).await.unwrap(),
        AnswerDisposition::NoOutstandingTransaction
    );
    // Purged after the retention; the AP_TransID is free again.
    let t_gone = t_exp + RETENTION;
    assert_eq!(
        mssp.status(&status_req(&id), t_gone).await,
        Err(MsspError::UnknownTransaction)
    );
    let again = sig_req("A1", MessagingMode::AsynchClientServer, Some(5));
    assert_ne!(
        mssp.signature(&again, Binding::Soap, t_gone)
            .await
            .unwrap()
            .mssp_trans_id,
        id
    );
}

#[tokio::test]
async fn ap_trans_id_retry_busy_and_duplicate() {
    let ota = Arc::new(RecordingOta::default());
    let mssp = mssp_with(ota.clone());
    let t0 = Instant::now();
    let req = sig_req("A1", MessagingMode::AsynchClientServer, None);
    let first = mssp
        .signature(&req, Binding::Soap, t0)
        .await
        .unwrap()
        .mssp_trans_id;
    let retry = mssp
        .signature(&req, Binding::Soap, t0)
        .await
        .unwrap()
        .mssp_trans_id;
    assert_eq!(first, retry);
    assert_eq!(
        ota.sent.lock().unwrap().len(),
        1,
        "a retry sends no second challenge"
    );
    let mut changed = req.clone();
    changed.data_to_be_signed = Data::text("Pay 100 EUR?");
    assert_eq!(
        mssp.signature(&changed, Binding::Soap, t0).await,
        Err(MsspError::DuplicateApTransId)
    );
    let other = sig_req("A2", MessagingMode::AsynchClientServer, None);
    assert_eq!(
        mssp.signature(&other, Binding::Soap, t0).await,
        Err(MsspError::UserBusy)
    );
    assert_eq!(MsspError::UserBusy.status(), StatusCode::PbSignatureProcess);
}

#[tokio::test]
async fn request_validation() {
    let ota = Arc::new(RecordingOta::default());
    let mssp = mssp_with(ota.clone());
    let t0 = Instant::now();
    let base = sig_req("A1", MessagingMode::Synch, None);
    let check = |f: &dyn Fn(&mut MssSignatureReq)| {
        let mut r = base.clone();
        f(&mut r);
        r
    };
    let cases: Vec<(MssSignatureReq, StatusCode)> = vec![
        (
            check(&|r| r.header.ap_info.ap_pwd = Some("bad".into())),
            StatusCode::UnauthorizedAccess,
        ),
        (
            check(&|r| r.header.ap_info.ap_id = "http://nobody".into()),
            StatusCode::UnauthorizedAccess,
        ),
        (
            check(&|r| r.mobile_user.msisdn = "447700900999".into()),
            StatusCode::UnknownClient,
        ),
        (
            check(&|r| r.signature_profile = Some("http://other/profile".into())),
            StatusCode::UnsupportedProfile,
        ),
        (
            // asynchServerServer needs an AP_URL (102), an http(s) one (101).
            check(&|r| r.messaging_mode = MessagingMode::AsynchServerServer),
            StatusCode::MissingParam,
        ),
        (
            check(&|r| {
                r.messaging_mode = MessagingMode::AsynchServerServer;
                r.header.ap_info.ap_url = Some("file:///etc/passwd".into());
            }),
            StatusCode::WrongParam,
        ),
        (check(&|r| r.time_out = Some(0)), StatusCode::WrongParam),
        (
            check(&|r| r.data_to_be_signed = Data::text("x".repeat(400))),
            StatusCode::WrongDataLength,
        ),
        (
            check(&|r| r.data_to_be_signed.encoding = Some("base64".into())),
            StatusCode::InappropriateData,
        ),
    ];
    for (req, code) in cases {
        let err = mssp.signature(&req, Binding::Soap, t0).await.unwrap_err();
        assert_eq!(err.status(), code, "{err}");
    }
    assert!(ota.sent.lock().unwrap().is_empty());
    assert_eq!(mssp.time_out(Some(1000)).unwrap(), MAX_TIME_OUT);
    assert_eq!(mssp.time_out(None).unwrap(), DEFAULT_TIME_OUT);
}

#[tokio::test(start_paused = true)]
async fn synch_waits_for_the_answer_or_expires() {
    let ota = Arc::new(RecordingOta::default());
    let mssp = mssp_with(ota.clone());
    let now = tokio::time::Instant::now().into_std();
    let mut req = sig_req("A1", MessagingMode::Synch, Some(30));
    req.signature_profile = Some(PROFILE_SIM_OK.into());
    let waiting = tokio::spawn({
        let mssp = mssp.clone();
        let req = req.clone();
        async move { mssp.signature(&req, Binding::Soap, now).await }
    });
    tokio::time::sleep(Duration::from_secs(10)).await;
    let challenge = last_challenge(&ota);
    assert!(!challenge.pin_required);
    let bytes = answer(&challenge, AnswerResult::UserCancel, &key());
    let later = tokio::time::Instant::now().into_std();
    assert!(matches!(
        mssp.on_answer(USER, &bytes, later).await.unwrap(),
        AnswerDisposition::Accepted { .. }
    ));
    assert_eq!(
        waiting.await.unwrap(),
        Err(MsspError::Ended(StatusCode::UserCancel))
    );

    // Nobody answers: TimeOut (5 s) ends it with 208.
    let start = tokio::time::Instant::now();
    let req = sig_req("A2", MessagingMode::Synch, Some(5));
    let result = mssp.signature(&req, Binding::Soap, start.into_std()).await;
    assert_eq!(
        result,
        Err(MsspError::Ended(StatusCode::ExpiredTransaction))
    );
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test]
async fn ota_failure_is_209() {
    let ota = Arc::new(RecordingOta {
        fail: true,
        ..Default::default()
    });
    let mssp = mssp_with(ota);
    let t0 = Instant::now();
    for (i, mode) in [MessagingMode::Synch, MessagingMode::AsynchClientServer]
        .into_iter()
        .enumerate()
    {
        let req = sig_req(&format!("A{i}"), mode, None);
        assert_eq!(
            mssp.signature(&req, Binding::Soap, t0).await,
            Err(MsspError::Ended(StatusCode::OtaError))
        );
    }
}

#[tokio::test]
async fn every_step_is_traced_by_msisdn() {
    let hops = Arc::new(Mutex::new(Vec::new()));
    let sink = hops.clone();
    let ota = Arc::new(RecordingOta::default());
    let mut keys = MemoryAppletKeys::new();
    keys.insert(USER, key());
    let mssp = Mssp::new(
        MsspConfig::default(),
        ApRegistry::new().with(AP, PWD),
        Arc::new(keys),
        ota.clone(),
    )
    .with_trace(crate::trace::Trace::new(move |h| {
        sink.lock().unwrap().push(h)
    }));
    let t0 = Instant::now();
    mssp.signature(
        &sig_req("A1", MessagingMode::AsynchClientServer, None),
        Binding::Soap,
        t0,
    )
    .await
    .unwrap();
    let challenge = last_challenge(&ota);
    mssp.on_answer(USER, &answer(&challenge, AnswerResult::Ok, &key()), t0)
        .await
        .unwrap();
    let hops = hops.lock().unwrap();
    let steps: Vec<(&str, Option<&str>, &str, &str)> = hops
        .iter()
        .map(|h| (h.from, h.to, h.step.as_str(), h.outcome.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "MSSP",
                None,
                "MSS_SignatureReq received",
                "asynchClientServer"
            ),
            ("MSSP", None, "challenge signed", "ok"),
            (
                "MSSP",
                Some("OTA"),
                "Send(signed(challenge), MSISDN)",
                "sent"
            ),
            ("MSSP", Some("OP"), "MSS_SignatureResp", "100 REQUEST_OK"),
            ("MSSP", None, "answer verified", "Ok"),
            ("MSSP", None, "transaction ended", "500 SIGNATURE"),
        ]
    );
    assert!(hops.iter().all(|h| h.msisdn == USER));
    assert!(hops[0].detail.as_deref() == Some("AP_TransID A1"));
}

#[tokio::test]
async fn ota_failure_ends_the_transaction_with_ota_error() {
    let ota = Arc::new(RecordingOta::default());
    let mssp = mssp_with(ota.clone());
    let t0 = Instant::now();
    let req = sig_req("A1", MessagingMode::AsynchClientServer, Some(60));
    let id = mssp
        .signature(&req, Binding::Soap, t0)
        .await
        .unwrap()
        .mssp_trans_id;
    let challenge = last_challenge(&ota);
    assert!(mssp
        .on_ota_failure(USER, "EXPIRED receipt", t0 + Duration::from_secs(1))
        .await
        .unwrap());
    assert!(
        !mssp.on_ota_failure(USER, "again", t0).await.unwrap(),
        "nothing outstanding any more"
    );
    assert_eq!(
        mssp.status(&status_req(&id), t0).await,
        Err(MsspError::Ended(StatusCode::OtaError)),
        "209 at once, not 208 at TimeOut"
    );
    let late = answer(&challenge, AnswerResult::Ok, &key());
    assert_eq!(
        mssp.on_answer(USER, &late, t0).await.unwrap(),
        AnswerDisposition::NoOutstandingTransaction
    );
}
