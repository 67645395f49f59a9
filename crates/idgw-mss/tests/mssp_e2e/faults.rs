//! Refusals: AP authentication, unknown users, and undecodable bodies sent
//! as raw HTTP, checked in each binding's fault format.

use idgw_mss::client::{Binding, ClientError};
use idgw_mss::*;

use crate::flows::signature_req;
use crate::harness::*;

fn fault_status(err: &ClientError) -> Option<StatusCode> {
    match err {
        ClientError::Fault(f) => Some(f.status),
        _ => None,
    }
}

#[tokio::test]
async fn ap_authentication_and_unknown_user() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        let stranger = h.client_as(binding, "http://stranger.example", AP_PWD);
        let req = signature_req(&stranger, APPROVE, "stranger", binding);
        let err = stranger.signature(&req).await.unwrap_err();
        // TS 102 204 clause 6.2.8: 104 UNAUTHORIZED_ACCESS covers unknown
        // APs; 105 UNKNOWN_CLIENT is the unknown mobile user.
        assert_eq!(
            fault_status(&err),
            Some(StatusCode::UnauthorizedAccess),
            "{err}"
        );
        let wrong = h.client_as(binding, AP_ID, "guess");
        let req = signature_req(&wrong, APPROVE, "wrong-pwd", binding);
        let err = wrong.signature(&req).await.unwrap_err();
        assert_eq!(
            fault_status(&err),
            Some(StatusCode::UnauthorizedAccess),
            "{err}"
        );
        let err = wrong.status("M0000000000000000").await.unwrap_err();
        assert_eq!(
            fault_status(&err),
            Some(StatusCode::UnauthorizedAccess),
            "{err}"
        );

        let client = h.client(binding);
        let req = signature_req(&client, UNKNOWN, "unknown-user", binding);
        let err = client.signature(&req).await.unwrap_err();
        assert_eq!(fault_status(&err), Some(StatusCode::UnknownClient), "{err}");
    }
}

/// Posts `body` and decodes the answer as the binding's fault.
async fn post_raw(h: &Harness, binding: Binding, body: String) -> (u16, MssFault) {
    let response = reqwest::Client::new()
        .post(h.url(binding))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let decoded = match binding {
        Binding::Soap => soap::decode(&bytes),
        Binding::Json => json::decode(&bytes),
    };
    match decoded {
        Ok(Envelope::Fault(fault)) => (status, fault),
        other => panic!("not a fault: {other:?}"),
    }
}

/// A valid signature request in `binding`'s encoding.
fn valid_body(h: &Harness, binding: Binding) -> String {
    let client = h.client(binding);
    let message = MssMessage::SignatureReq(signature_req(&client, APPROVE, "raw", binding));
    match binding {
        Binding::Soap => soap::encode(&message).unwrap(),
        Binding::Json => json::encode(&message),
    }
}

#[tokio::test]
async fn malformed_and_incomplete_bodies() {
    let h = Harness::start().await;
    // SOAP 1.1: every fault is HTTP 500.
    let (http, fault) = post_raw(&h, Binding::Soap, "<soapenv:Envelope><oops".into()).await;
    assert_eq!((http, fault.status), (500, StatusCode::WrongParam));
    assert_eq!(fault.code, FaultCode::Sender);
    let body = valid_body(&h, Binding::Soap);
    let start = body.find("<mss:MobileUser>").unwrap();
    let end = body.find("</mss:MobileUser>").unwrap() + "</mss:MobileUser>".len();
    let missing = format!("{}{}", &body[..start], &body[end..]);
    let (http, fault) = post_raw(&h, Binding::Soap, missing).await;
    assert_eq!((http, fault.status), (500, StatusCode::MissingParam));
    let doctype = format!(
        "<!DOCTYPE x [<!ENTITY e \"e\">]>{}",
        &body[body.find("<soapenv").unwrap()..]
    );
    let (_, fault) = post_raw(&h, Binding::Soap, doctype).await;
    assert_eq!(fault.status, StatusCode::WrongParam);

    // JSON: request faults are HTTP 400.
    let (http, fault) = post_raw(&h, Binding::Json, "{\"MSS_SignatureReq\": [".into()).await;
    assert_eq!((http, fault.status), (400, StatusCode::WrongParam));
    let mut value: serde_json::Value =
        serde_json::from_str(&valid_body(&h, Binding::Json)).unwrap();
    value["MSS_SignatureReq"]
        .as_object_mut()
        .unwrap()
        .remove("MobileUser");
    let (http, fault) = post_raw(&h, Binding::Json, value.to_string()).await;
    assert_eq!((http, fault.status), (400, StatusCode::MissingParam));
    let (http, fault) = post_raw(&h, Binding::Json, "{\"MSS_Unknown\": {}}".into()).await;
    assert_eq!((http, fault.status), (400, StatusCode::WrongParam));
}

#[tokio::test]
async fn responses_and_oversized_bodies_are_refused() {
    let h = Harness::start().await;
    for binding in BINDINGS {
        let client = h.client(binding);
        let resp = MssMessage::ReceiptResp(MssReceiptResp {
            header: client.header("not-a-request"),
            status: Status::new(StatusCode::RequestOk),
        });
        let body = match binding {
            Binding::Soap => soap::encode(&resp).unwrap(),
            Binding::Json => json::encode(&resp),
        };
        let (_, fault) = post_raw(&h, binding, body).await;
        assert_eq!(fault.status, StatusCode::WrongParam, "{binding:?}");
        let (_, fault) = post_raw(&h, binding, " ".repeat(300 * 1024)).await;
        assert_eq!(fault.status, StatusCode::WrongDataLength, "{binding:?}");
    }
    // Every operation is accepted at every SOAP port.
    let client = h.client(Binding::Soap);
    let status = MssMessage::StatusReq(MssStatusReq {
        header: client.header("S-any-port"),
        mssp_trans_id: "Mnothing".into(),
    });
    let response = reqwest::Client::new()
        .post(format!("{}/soap/services/MSS_ReceiptPort", h.base))
        .body(soap::encode(&status).unwrap())
        .send()
        .await
        .unwrap();
    let fault = match soap::decode(&response.bytes().await.unwrap()) {
        Ok(Envelope::Fault(f)) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(fault.status, StatusCode::WrongParam);
}

#[tokio::test]
async fn transport_failure_is_failed_not_a_hang() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    for path in ["soap/services/MSS_SignaturePort", "rest/service"] {
        let url = format!("http://{addr}/{path}");
        let client = idgw_mss::client::MssClient::new(&url, None, AP_ID, AP_PWD).unwrap();
        let ap = idgw_mss::client::Ap::new(client, modes()[1].clone()).unwrap();
        let outcome = ap
            .authenticate(APPROVE, "Log in?", true, "T1", deadline_in(5.0))
            .await;
        assert!(
            matches!(&outcome, idgw_mss::client::ClientOutcome::Failed(r) if r.contains("transport")),
            "{outcome:?}"
        );
    }
}
