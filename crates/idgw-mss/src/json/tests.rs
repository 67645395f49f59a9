//! JSON codec tests: round trips, documents shaped like Swisscom Mobile ID /
//! Kiuru REST traffic (our own text after their public samples), malformed
//! inputs.

use super::*;
use crate::model::*;
use crate::testdata::{all_messages, minimal_messages};
use crate::{FaultCode, MssFault, StatusCode};
use serde_json::Value;

#[test]
fn every_message_round_trips() {
    for m in all_messages().iter().chain(minimal_messages().iter()) {
        let text = encode(m);
        assert_eq!(
            decode(text.as_bytes()).unwrap(),
            Envelope::Message(m.clone()),
            "{text}"
        );
    }
}

#[test]
fn faults_round_trip() {
    for status in StatusCode::all().filter(|s| s.is_fault()) {
        let fault = MssFault::new(status, Some("why".to_owned()));
        let text = encode_fault(&fault);
        assert_eq!(decode(text.as_bytes()).unwrap(), Envelope::Fault(fault));
    }
    let text = encode_fault(&MssFault::new(StatusCode::WrongParam, None));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["Fault"]["Code"]["Value"], "soapenv:Sender");
    assert_eq!(v["Fault"]["Code"]["SubCode"]["Value"], "mss:_101");
    assert_eq!(v["Fault"]["Reason"], "WRONG_PARAM");
}

const SIGNATURE_REQ: &str = r#"{
  "MSS_SignatureReq": {
    "MajorVersion": "1", "MinorVersion": "2",
    "AP_Info": {"AP_ID": "mid://bank.example", "AP_PWD": "disregarded",
                "AP_TransID": "REF-77", "Instant": "2024-03-02T10:00:00.000+01:00"},
    "MSSP_Info": {"MSSP_ID": {"URI": "http://idgw.local/mssp"}},
    "MobileUser": {"MSISDN": "447700900001"},
    "DataToBeSigned": {"MimeType": "text/plain", "Encoding": "UTF-8", "Data": "bank.example: Log in?"},
    "SignatureProfile": "http://idgw.local/profiles/sim-pin",
    "AdditionalServices": [{"Description": "http://mss.ficom.fi/TS102204/v1.0.0#userLang",
                            "UserLang": {"Value": "en"}}],
    "MessagingMode": "asynch",
    "TimeOut": "80"
  }
}"#;

#[test]
fn decodes_swisscom_style_request() {
    let Envelope::Message(MssMessage::SignatureReq(req)) =
        decode(SIGNATURE_REQ.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(req.header.minor_version, 2);
    assert_eq!(req.header.ap_info.ap_trans_id, "REF-77");
    assert_eq!(req.messaging_mode, MessagingMode::AsynchClientServer);
    assert_eq!(req.time_out, Some(80));
    assert_eq!(req.data_to_be_signed.data, "bank.example: Log in?");
    assert_eq!(
        req.additional_services[0].description,
        "http://mss.ficom.fi/TS102204/v1.0.0#userLang"
    );
}

#[test]
fn decodes_swisscom_style_response_and_fault() {
    let resp = r#"{"MSS_SignatureResp": {
        "AP_Info": {"AP_ID": "mid://bank.example", "AP_TransID": "REF-77", "Instant": "2024-03-02T09:00:00.000Z"},
        "MSSP_Info": {"Instant": "2024-03-02T09:00:09.500Z", "MSSP_ID": {"URI": "http://idgw.local/mssp"}},
        "MSSP_TransID": "h4x1", "MSS_Signature": {"Base64Signature": "AAEC"},
        "MajorVersion": "1", "MinorVersion": "1", "MobileUser": {"MSISDN": "447700900001"},
        "ServiceResponses": [{"Description": "http://example/as#x"}],
        "SignatureProfile": "http://idgw.local/profiles/sim-pin",
        "Status": {"StatusCode": {"Value": "500"}, "StatusMessage": "SIGNATURE"}}}"#;
    let Envelope::Message(MssMessage::SignatureResp(r)) = decode(resp.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(r.status, Status::new(StatusCode::Signature));
    assert_eq!(r.mss_signature, Some(MssSignature::Base64(vec![0, 1, 2])));
    assert_eq!(r.header.ap_info.ap_pwd, None);

    let swisscom_fault = r#"{"Fault": {"Code": {"SubCode": {"Value": "_401",
        "ValueNs": "http://uri.etsi.org/TS102204/v1.1.2#"}, "Value": "Sender",
        "ValueNs": "http://www.w3.org/2003/05/soap-envelope"},
        "Detail": "User cancelled the request", "Reason": "USER_CANCEL"}}"#;
    let Envelope::Fault(f) = decode(swisscom_fault.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(f.status, StatusCode::UserCancel);
    assert_eq!(f.code, FaultCode::Sender);
    assert_eq!(f.detail.as_deref(), Some("User cancelled the request"));
}

fn status_of(text: &str) -> StatusCode {
    decode(text.as_bytes()).unwrap_err().status()
}

#[test]
fn malformed_inputs_get_the_right_fault_class() {
    assert_eq!(status_of("{"), StatusCode::WrongParam);
    assert_eq!(status_of("[]"), StatusCode::WrongParam);
    assert_eq!(status_of(r#"{"MSS_Nothing": {}}"#), StatusCode::WrongParam);
    assert_eq!(status_of(r#"{"a": 1, "b": 2}"#), StatusCode::WrongParam);
    assert_eq!(status_of("{}"), StatusCode::MissingParam);
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"TimeOut\"", "\"Bogus\"")),
        StatusCode::WrongParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"asynch\"", "\"later\"")),
        StatusCode::WrongParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"80\"", "\"-80\"")),
        StatusCode::WrongParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace(r#"{"MSISDN": "447700900001"}"#, "{\"MSISDN\": 7.5e400}")),
        StatusCode::WrongParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"MSISDN\"", "\"UserIdentifier\"")),
        StatusCode::MissingParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"AP_TransID\"", "\"AP_URL\"")),
        StatusCode::MissingParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"MajorVersion\": \"1\"", "\"MajorVersion\": \"3\"")),
        StatusCode::IncompatibleInterface
    );
    let big = SIGNATURE_REQ.replace("Log in?", &"x".repeat(MAX_JSON_BYTES));
    assert_eq!(status_of(&big), StatusCode::WrongDataLength);
    let deep = "[".repeat(10_000);
    assert_eq!(status_of(&deep), StatusCode::WrongParam);
}

#[test]
fn truncations_never_panic() {
    for m in all_messages() {
        let text = encode(&m);
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                assert!(decode(&text.as_bytes()[..cut]).is_err());
            }
        }
    }
}
