//! The whole OTA path on loopback: the platform binds an ESME to the
//! idgw-smpp SMSC simulator (127.0.0.1:0), whose handset link delivers
//! SMS-DELIVER TPDUs (TS 23.040) to an idgw-sim card, whose radio sends the
//! card's SMS-SUBMITs back into the simulator as MO.

use std::sync::Arc;
use std::time::Duration;

use idgw_mss::applet::{Answer, AnswerResult, AppletKey, Challenge};
use idgw_mss::model::*;
use idgw_mss::mssp::{
    ApRegistry, MemoryAppletKeys, Mssp, MsspConfig, OtaError as MssOtaError, OtaPlatform as _,
};
use idgw_mss::StatusCode;
use idgw_ota::platform::*;
use idgw_ota::Tar;
use idgw_sim::{FarmConfig, SimFarm, SubscriberConfig};
use idgw_smpp::esme::EsmeConfig;
use idgw_smpp::smsc_sim::{self, Account, HandsetLink, MoSms, SmscConfig};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{timeout, Instant};

use crate::common::*;

const WAIT: Duration = Duration::from_secs(15);

fn subscriber(handset: &str) -> SubscriberConfig {
    serde_json::from_value(serde_json::json!({
        "msisdn": MSISDN,
        "pin": PIN,
        "handset": handset,
        "handset_delay_ms": 0,
        "ota_keys": {
            "algorithm": "aes128",
            "kvn": 1,
            "kic": hex::encode(KIC),
            "kid": hex::encode(KID),
        },
        "applet_key": hex::encode(APPLET_KEY),
        "tar": "494447",
    }))
    .expect("valid subscriber")
}

/// The radio hop, network to handset.
struct FarmLink(SimFarm);

impl HandsetLink for FarmLink {
    fn deliver(&self, msisdn: &str, tpdu: Vec<u8>) -> Result<(), smsc_sim::Unreachable> {
        self.0
            .deliver(msisdn, tpdu)
            .map_err(|_| smsc_sim::Unreachable)
    }
}

struct Harness {
    platform: Arc<OtaPlatform>,
    events: mpsc::UnboundedReceiver<Event>,
    _stop: Stop,
}

/// Keeps the simulator and the ESME session running while alive.
type Stop = (oneshot::Sender<()>, oneshot::Sender<()>);

async fn start(handset: &str, validity: Duration) -> Harness {
    let (sink, events) = recorder();
    let (platform, stop) = start_with(handset, validity, |_| sink as Arc<dyn MoSink>).await;
    Harness {
        platform,
        events,
        _stop: stop,
    }
}

async fn start_with(
    handset: &str,
    validity: Duration,
    sink: impl FnOnce(&Arc<OtaPlatform>) -> Arc<dyn MoSink>,
) -> (Arc<OtaPlatform>, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (mo_tx, mo_rx) = mpsc::channel::<MoSms>(64);
    let radio = move |from: &str, tpdu: Vec<u8>| {
        let _ = mo_tx.try_send(MoSms {
            msisdn: from.to_owned(),
            sms_submit: tpdu,
        });
    };
    let farm = SimFarm::new(FarmConfig::default(), Arc::new(radio));
    farm.provision(subscriber(handset)).unwrap();
    let mut account = Account::new("idgw-ota", "secret");
    account.short_codes = vec!["882".into()];
    let smsc = SmscConfig {
        accounts: vec![account],
        retry_interval: Duration::from_millis(100),
        ..SmscConfig::default()
    };
    let (stop_smsc, smsc_stopped) = oneshot::channel::<()>();
    tokio::spawn(smsc_sim::run(
        listener,
        smsc,
        Arc::new(FarmLink(farm)),
        mo_rx,
        async move {
            let _ = smsc_stopped.await;
        },
    ));
    let (stop_esme, esme_stopped) = oneshot::channel::<()>();
    let config = PlatformConfig {
        validity: Some(validity),
        ..PlatformConfig::default()
    };
    let esme = EsmeConfig::new(addr.to_string(), "idgw-ota", "secret");
    let (platform, handle, deliveries) = OtaPlatform::connect(
        config,
        esme,
        cards(),
        Arc::new(MemoryCounters::new()),
        async move {
            let _ = esme_stopped.await;
        },
    );
    assert!(timeout(WAIT, handle.wait_bound()).await.unwrap());
    let sink = sink(&platform);
    tokio::spawn(platform.clone().run(deliveries, sink));
    (platform, (stop_smsc, stop_esme))
}

fn challenge(reference: &str, text: &str) -> (Challenge, Vec<u8>) {
    let c = Challenge {
        nonce: [9; 16],
        pin_required: true,
        reference: reference.into(),
        text: text.into(),
    };
    let bytes = c.encode(&AppletKey::new(APPLET_KEY)).unwrap();
    (c, bytes)
}

async fn next(h: &mut Harness) -> Event {
    timeout(WAIT, h.events.recv())
        .await
        .expect("event in time")
        .expect("open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_challenge_comes_back_as_verified_answer() {
    let mut h = start("approve", Duration::from_secs(60)).await;
    let (c, bytes) = challenge("MSSP-1", "Log in to Example Bank?");
    // Through the MSSP's trait, as idgw-mss calls it.
    h.platform
        .send_challenge(MSISDN, "MSSP-1", bytes)
        .await
        .unwrap();
    match next(&mut h).await {
        Event::Mo(msisdn, tar, data) => {
            assert_eq!(msisdn, MSISDN);
            assert_eq!(tar, TAR);
            let answer = Answer::decode(&data, &AppletKey::new(APPLET_KEY)).expect("MAC verifies");
            assert!(answer.answers(&c));
            assert_eq!(answer.result, AnswerResult::Ok);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_challenge_is_concatenated_both_ways() {
    let mut h = start("approve", Duration::from_secs(60)).await;
    let text = "x".repeat(idgw_mss::applet::MAX_DISPLAY_TEXT_LEN);
    let (c, bytes) = challenge("MSSP-LONG-REFERENCE1", &text);
    let sent = h
        .platform
        .send(MSISDN, None, &bytes, "MSSP-2", Instant::now())
        .await
        .unwrap();
    assert_eq!(sent.message_ids.len(), 3);
    match next(&mut h).await {
        Event::Mo(_, _, data) => {
            let answer = Answer::decode(&data, &AppletKey::new(APPLET_KEY)).unwrap();
            assert!(answer.answers(&c));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_msisdn_is_an_error() {
    let h = start("approve", Duration::from_secs(60)).await;
    let (_, bytes) = challenge("MSSP-3", "hi");
    let err = h
        .platform
        .send("447700900099", None, &bytes, "MSSP-3", Instant::now())
        .await;
    assert_eq!(
        err,
        Err(PlatformError::UnknownSubscriber("447700900099".into()))
    );
    let err = h
        .platform
        .send_challenge("447700900099", "MSSP-3", bytes)
        .await;
    assert!(matches!(err, Err(MssOtaError::Unreachable(_))), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tar_comes_back_as_an_error_por() {
    let mut h = start("approve", Duration::from_secs(60)).await;
    let (_, bytes) = challenge("MSSP-4", "hi");
    h.platform
        .send(
            MSISDN,
            Some(Tar([1, 2, 3])),
            &bytes,
            "MSSP-4",
            Instant::now(),
        )
        .await
        .unwrap();
    match next(&mut h).await {
        Event::Failure(msisdn, reason) => {
            assert_eq!(msisdn, MSISDN);
            assert!(
                reason.contains("0x09") && reason.contains("MSSP-4"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_handset_is_reported_after_expiry() {
    let mut h = start("unreachable", Duration::from_secs(1)).await;
    let (_, bytes) = challenge("MSSP-5", "hi");
    let sent = h
        .platform
        .send(MSISDN, None, &bytes, "MSSP-5", Instant::now())
        .await
        .unwrap();
    assert_eq!(sent.message_ids.len(), 1);
    match next(&mut h).await {
        Event::Failure(msisdn, reason) => {
            assert_eq!(msisdn, MSISDN);
            assert!(
                reason.contains("EXPIRED") && reason.contains("MSSP-5"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mssp_signature_request_is_signed_through_the_sim() {
    let mut mssp_slot = None;
    let (_platform, _stop) = start_with("approve", Duration::from_secs(60), |platform| {
        let mut keys = MemoryAppletKeys::new();
        keys.insert(MSISDN, AppletKey::new(APPLET_KEY));
        let aps = ApRegistry::new().with("http://ap.example", "pwd");
        let mssp = Arc::new(Mssp::new(
            MsspConfig::default(),
            aps,
            Arc::new(keys),
            platform.clone(),
        ));
        mssp_slot = Some(mssp.clone());
        Arc::new(MsspSink::new(mssp).only_tar(TAR))
    })
    .await;
    let mssp = mssp_slot.unwrap();
    let req = MssSignatureReq {
        header: MessageAbstract {
            major_version: 1,
            minor_version: 1,
            ap_info: ApInfo {
                ap_id: "http://ap.example".into(),
                ap_trans_id: "AP-1".into(),
                ap_pwd: Some("pwd".into()),
                instant: "2024-05-01T12:00:00Z".into(),
                ap_url: None,
            },
            mssp_info: MsspInfo::default(),
        },
        mobile_user: MobileUser {
            msisdn: MSISDN.into(),
        },
        data_to_be_signed: Data::text("Log in to Example Bank?"),
        data_to_be_displayed: None,
        signature_profile: None,
        additional_services: vec![],
        mss_format: None,
        validity_date: None,
        time_out: Some(10),
        messaging_mode: MessagingMode::Synch,
    };
    let resp = mssp
        .handle(
            MssMessage::SignatureReq(req),
            idgw_mss::Binding::Soap,
            std::time::Instant::now(),
        )
        .await
        .unwrap();
    match resp {
        MssMessage::SignatureResp(r) => {
            assert_eq!(r.status.code, StatusCode::Signature);
            assert!(r.mss_signature.is_some());
        }
        other => panic!("{other:?}"),
    }
}
