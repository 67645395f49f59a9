//! Authentication flows through `Ap::authenticate` (asynchServerServer and
//! asynchClientServer) and the raw operations, in both bindings.

use std::time::Instant;

use idgw_mss::client::{Ap, ApConfig, ClientError, ClientOutcome, MssClient};
use idgw_mss::profile::{PROFILE_SIM_OK, PROFILE_SIM_PIN};
use idgw_mss::*;

use crate::harness::*;

pub async fn auth(ap: &Ap, msisdn: &str, pin: bool, tag: &str, secs: f64) -> ClientOutcome {
    let mode = ap.config().messaging_mode.as_str();
    let id = trans_id(&format!("{tag}-{mode}"), ap.client().binding());
    ap.authenticate(
        msisdn,
        "Log in to Example Bank?",
        pin,
        &id,
        deadline_in(secs),
    )
    .await
}

#[tokio::test]
async fn approve_with_and_without_pin() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        for mode in modes() {
            let ap = h.ap(binding, mode).await;
            let outcome = auth(&ap.ap, APPROVE, true, "ok-pin", 10.0).await;
            assert_eq!(
                outcome,
                ClientOutcome::Approved { pin: true },
                "{binding:?}"
            );
            let outcome = auth(&ap.ap, APPROVE, false, "ok-nopin", 10.0).await;
            assert_eq!(
                outcome,
                ClientOutcome::Approved { pin: false },
                "{binding:?}"
            );
            assert_eq!(ap.ap.pending(), 0);
        }
    }
}

#[tokio::test]
async fn cancel_pin_blocked_and_ota_failure() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        for mode in modes() {
            let ap = &h.ap(binding, mode).await.ap;
            assert_eq!(
                auth(ap, CANCEL, true, "c", 10.0).await,
                ClientOutcome::UserCancel
            );
            assert_eq!(
                auth(ap, PIN_BLOCKED, true, "b", 10.0).await,
                ClientOutcome::PinBlocked
            );
            assert_eq!(
                auth(ap, UNREACHABLE, true, "u", 10.0).await,
                ClientOutcome::OtaError
            );
            let unknown = auth(ap, UNKNOWN, true, "x", 10.0).await;
            assert!(
                matches!(&unknown, ClientOutcome::Failed(r) if r.contains("105")),
                "{unknown:?}"
            );
        }
    }
}

#[tokio::test]
async fn silent_and_tampered_answers_expire() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        for mode in modes() {
            let ap = &h.ap(binding, mode).await.ap;
            for (msisdn, tag) in [(SILENT, "silent"), (TAMPERED, "tampered")] {
                let start = Instant::now();
                let outcome = auth(ap, msisdn, true, tag, 2.5).await;
                assert_eq!(outcome, ClientOutcome::Expired, "{binding:?} {tag}");
                assert!(
                    start.elapsed().as_secs_f64() < 3.5,
                    "bounded by the deadline"
                );
            }
        }
    }
}

#[tokio::test]
async fn asynch_polling_and_receipt_by_hand() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        let client = h.client(binding);
        let mut req = signature_req(&client, APPROVE, "manual", binding);
        req.messaging_mode = MessagingMode::AsynchClientServer;
        let resp = client.signature(&req).await.unwrap();
        assert_eq!(resp.status.code, StatusCode::RequestOk);
        assert_eq!(resp.signature_profile.as_deref(), Some(PROFILE_SIM_PIN));
        let id = resp.mssp_trans_id;
        let first = client.status(&id).await.unwrap();
        assert_eq!(first.status.code, StatusCode::OutstandingTransaction);
        // Not finished yet: no receipt.
        let early = client.receipt(&id, APPROVE, Some("Thanks")).await;
        assert!(matches!(early, Err(ClientError::Fault(f)) if f.status == StatusCode::WrongParam));
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let done = client.status(&id).await.unwrap();
        assert_eq!(done.status.code, StatusCode::Signature);
        assert!(matches!(done.mss_signature, Some(MssSignature::Base64(ref b)) if b.len() == 34));
        assert_eq!(done.mobile_user.msisdn, APPROVE);
        assert!(done.header.mssp_info.instant.is_some());
        let mssp_id = done.header.mssp_info.mssp_id.uri.as_deref();
        assert_eq!(mssp_id, Some(h.mssp.config().mssp_id.as_str()));
        let receipt = client.receipt(&id, APPROVE, Some("Thanks")).await.unwrap();
        assert_eq!(receipt.status.code, StatusCode::RequestOk);
    }
}

pub fn signature_req(
    client: &MssClient,
    msisdn: &str,
    tag: &str,
    binding: client::Binding,
) -> MssSignatureReq {
    MssSignatureReq {
        header: client.header(trans_id(tag, binding)),
        mobile_user: MobileUser {
            msisdn: msisdn.into(),
        },
        data_to_be_signed: Data::text("Log in to Example Bank?"),
        data_to_be_displayed: None,
        signature_profile: None,
        additional_services: vec![],
        mss_format: None,
        validity_date: None,
        time_out: Some(10),
        messaging_mode: MessagingMode::Synch,
    }
}

#[tokio::test]
async fn synch_mode() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        let client = h.client(binding);
        let mut req = signature_req(&client, APPROVE, "synch", binding);
        req.signature_profile = Some(PROFILE_SIM_OK.into());
        let resp = client.signature(&req).await.unwrap();
        assert_eq!(resp.status.code, StatusCode::Signature, "{binding:?}");
        assert_eq!(resp.signature_profile.as_deref(), Some(PROFILE_SIM_OK));
        assert!(resp.mss_signature.is_some());
        let cancel = signature_req(&client, CANCEL, "synch-c", binding);
        let err = client.signature(&cancel).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Fault(ref f) if f.status == StatusCode::UserCancel),
            "{err}"
        );
        let mut silent = signature_req(&client, SILENT, "synch-s", binding);
        silent.time_out = Some(1);
        let err = client.signature(&silent).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Fault(ref f) if f.status == StatusCode::ExpiredTransaction),
            "{err}"
        );
    }
}

#[tokio::test]
async fn duplicate_ap_trans_id_and_unknown_mssp_trans_id() {
    for binding in BINDINGS {
        // A fresh MSSP per binding: the SILENT subscriber stays busy.
        let h = Harness::start().await;
        let client = h.client(binding);
        let mut req = signature_req(&client, SILENT, "dup", binding);
        req.messaging_mode = MessagingMode::AsynchClientServer;
        let first = client.signature(&req).await.unwrap();
        // The same request again (a retry): same transaction.
        let retry = client.signature(&req).await.unwrap();
        assert_eq!(retry.mssp_trans_id, first.mssp_trans_id);
        // Another request under the same AP_TransID: 101.
        let mut other = req.clone();
        other.data_to_be_signed = Data::text("Pay 100 EUR?");
        let err = client.signature(&other).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Fault(ref f) if f.status == StatusCode::WrongParam),
            "{err}"
        );
        // Another AP_TransID for the same busy MSISDN: 406.
        let busy = MssSignatureReq {
            header: client.header(trans_id("dup2", binding)),
            ..req.clone()
        };
        let err = client.signature(&busy).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Fault(ref f) if f.status == StatusCode::PbSignatureProcess),
            "{err}"
        );
        let err = client.status("Mdoesnotexist").await.unwrap_err();
        assert!(
            matches!(err, ClientError::Fault(ref f) if f.status == StatusCode::WrongParam),
            "{err}"
        );
    }
}

/// An MSSP that refuses connections is skipped for the next fallback, on every call; a
/// client with nothing reachable says so.
#[tokio::test]
async fn unreachable_mssp_falls_over_to_the_next() {
    let h = Harness::start().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    for binding in BINDINGS {
        let dead = h
            .url(binding)
            .replace(h.base.trim_start_matches("http://"), &closed.to_string());
        let client = MssClient::new(&dead, Some(binding), AP_ID, AP_PWD).unwrap();
        let polled = ApConfig::polled(std::time::Duration::from_millis(300));
        let alone = Ap::new(client.clone(), polled.clone()).unwrap();
        let alone = auth(&alone, APPROVE, true, "dead", 5.0).await;
        assert!(
            matches!(&alone, ClientOutcome::Failed(r) if r.contains("no MSSP could be connected")),
            "{alone:?}"
        );
        let client = client.with_fallbacks(&[h.url(binding)]).unwrap();
        let ap = Ap::new(client, polled).unwrap();
        tokio::spawn(ap.clone().run(std::future::pending()));
        let outcome = auth(&ap, APPROVE, true, "fallback", 10.0).await;
        assert_eq!(
            outcome,
            ClientOutcome::Approved { pin: true },
            "{binding:?}"
        );
    }
}
