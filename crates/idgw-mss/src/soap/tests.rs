//! SOAP codec tests: round trips, documents shaped like real MSSP traffic
//! (our own text, after the TS 102 204 annex examples and Swisscom's public
//! Mobile ID reference guide), and malformed inputs.

use super::*;
use crate::model::*;
use crate::testdata::{all_messages, minimal_messages};
use crate::{DecodeError, FaultCode, MssFault, StatusCode};

fn round_trip(m: &MssMessage) {
    let xml = encode(m).unwrap();
    match decode(xml.as_bytes()) {
        Ok(Envelope::Message(back)) => assert_eq!(&back, m, "{xml}"),
        other => panic!("{other:?} for {xml}"),
    }
}

#[test]
fn every_message_round_trips() {
    for m in all_messages().iter().chain(minimal_messages().iter()) {
        round_trip(m);
    }
}

#[test]
fn xmldsig_signature_round_trips() {
    let dsig = format!(
        r#"<ds:Signature xmlns:ds="{XMLDSIG_NS}"><ds:SignatureValue>AAEC</ds:SignatureValue></ds:Signature>"#
    );
    let mut m = match all_messages().remove(1) {
        MssMessage::SignatureResp(m) => m,
        _ => unreachable!(),
    };
    m.mss_signature = Some(MssSignature::XmlDsig(dsig.clone()));
    round_trip(&MssMessage::SignatureResp(m.clone()));
    // Injection through the raw signature is refused.
    m.mss_signature = Some(MssSignature::XmlDsig(format!("{dsig}<mss:Status/>")));
    assert!(encode(&MssMessage::SignatureResp(m)).is_err());
}

#[test]
fn faults_round_trip() {
    for status in StatusCode::all().filter(|s| s.is_fault()) {
        let fault = MssFault::new(status, Some(format!("detail for {status} & <more>")));
        let xml = encode_fault(&fault);
        assert_eq!(decode(xml.as_bytes()).unwrap(), Envelope::Fault(fault));
    }
    let bare = MssFault::new(StatusCode::Other(777), None);
    let xml = encode_fault(&bare);
    assert_eq!(decode(xml.as_bytes()).unwrap(), Envelope::Fault(bare));
}

const SIGNATURE_REQ: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <soap:Header/>
  <soap:Body>
    <MSS_Signature>
      <etsi:MSS_SignatureReq TimeOut="120" MessagingMode="synch"
          MinorVersion="1" MajorVersion="1"
          xmlns:etsi="http://uri.etsi.org/TS102204/v1.1.2#"
          xmlns:fi="http://mss.ficom.fi/TS102204/v1.0.0#">
        <etsi:AP_Info Instant="2024-03-02T10:00:00.000+01:00" AP_TransID="TX0042"
            AP_PWD="pw" AP_ID="http://bank.example/ap"/>
        <etsi:MSSP_Info>
          <etsi:MSSP_ID>
            <etsi:URI>http://idgw.local/mssp</etsi:URI>
          </etsi:MSSP_ID>
        </etsi:MSSP_Info>
        <etsi:MobileUser>
          <etsi:MSISDN> 447700900001 </etsi:MSISDN>
        </etsi:MobileUser>
        <etsi:DataToBeSigned Encoding="UTF-8" MimeType="text/plain">Bank: log in?</etsi:DataToBeSigned>
        <etsi:SignatureProfile>
          <etsi:mssURI>http://idgw.local/profiles/sim-pin</etsi:mssURI>
        </etsi:SignatureProfile>
        <etsi:AdditionalServices>
          <etsi:Service>
            <etsi:Description><etsi:mssURI>http://mss.ficom.fi/TS102204/v1.0.0#userLang</etsi:mssURI></etsi:Description>
            <fi:UserLang>en</fi:UserLang>
          </etsi:Service>
        </etsi:AdditionalServices>
      </etsi:MSS_SignatureReq>
    </MSS_Signature>
  </soap:Body>
</soap:Envelope>"#;

#[test]
fn decodes_literal_signature_request_with_other_prefix() {
    let Envelope::Message(MssMessage::SignatureReq(req)) =
        decode(SIGNATURE_REQ.as_bytes()).unwrap()
    else {
        panic!("not a signature request");
    };
    assert_eq!(req.header.ap_info.ap_trans_id, "TX0042");
    assert_eq!(req.header.ap_info.ap_pwd.as_deref(), Some("pw"));
    assert_eq!(
        req.header.mssp_info.mssp_id.uri.as_deref(),
        Some("http://idgw.local/mssp")
    );
    assert_eq!(req.mobile_user.msisdn, "447700900001");
    assert_eq!(req.data_to_be_signed, Data::text("Bank: log in?"));
    assert_eq!(req.messaging_mode, MessagingMode::Synch);
    assert_eq!(req.time_out, Some(120));
    assert_eq!(req.additional_services.len(), 1);
}

/// Shaped like a Kiuru MSSP's SOAP 1.2 answer: wrapper in the WSDL
/// namespace, the message element itself in no namespace.
const KIURU_STATUS_RESP: &str = r#"<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"><soapenv:Body><MSS_StatusQueryResponse xmlns="http://uri.etsi.org/TS102204/etsi204-kiuru.wsdl"><MSS_StatusResp MajorVersion="1" MinorVersion="1" xmlns=""><mss:AP_Info AP_ID="http://bank.example/ap" AP_TransID="TX0042" AP_PWD="" Instant="2024-03-02T10:00:00.000+01:00" xmlns:mss="http://uri.etsi.org/TS102204/v1.1.2#"/><mss:MSSP_Info Instant="2024-03-02T10:00:03.120+01:00" xmlns:mss="http://uri.etsi.org/TS102204/v1.1.2#"><mss:MSSP_ID><mss:URI>http://idgw.local/mssp</mss:URI></mss:MSSP_ID></mss:MSSP_Info><mss:MobileUser xmlns:mss="http://uri.etsi.org/TS102204/v1.1.2#"><mss:MSISDN>447700900001</mss:MSISDN></mss:MobileUser><mss:MSS_Signature xmlns:mss="http://uri.etsi.org/TS102204/v1.1.2#"><mss:Base64Signature>
AAECAwQF
</mss:Base64Signature></mss:MSS_Signature><mss:Status xmlns:mss="http://uri.etsi.org/TS102204/v1.1.2#"><mss:StatusCode Value="500"/><mss:StatusMessage>SIGNATURE</mss:StatusMessage></mss:Status><ext:Extra xmlns:ext="urn:x"/></MSS_StatusResp></MSS_StatusQueryResponse></soapenv:Body></soapenv:Envelope>"#;

#[test]
fn decodes_kiuru_style_status_response() {
    let Envelope::Message(MssMessage::StatusResp(resp)) =
        decode(KIURU_STATUS_RESP.as_bytes()).unwrap()
    else {
        panic!("not a status response");
    };
    assert_eq!(resp.status.code, StatusCode::Signature);
    assert_eq!(
        resp.mss_signature,
        Some(MssSignature::Base64(vec![0, 1, 2, 3, 4, 5]))
    );
    // An empty AP_PWD (as MSSPs answer) is no password.
    assert_eq!(resp.header.ap_info.ap_pwd, None);
    assert_eq!(
        resp.header.mssp_info.instant.as_deref(),
        Some("2024-03-02T10:00:03.120+01:00")
    );
}

#[test]
fn decodes_soap12_fault_as_swisscom_sends_it() {
    let xml = r#"<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope">
      <soapenv:Body><soapenv:Fault>
        <soapenv:Code><soapenv:Value>soapenv:Receiver</soapenv:Value>
          <soapenv:Subcode xmlns:mss="http://uri.etsi.org/TS102204/v1.1.2#"><soapenv:Value>mss:_401</soapenv:Value></soapenv:Subcode>
        </soapenv:Code>
        <soapenv:Reason><soapenv:Text xml:lang="en">USER_CANCEL</soapenv:Text></soapenv:Reason>
        <soapenv:Detail><ns1:detail xmlns:ns1="http://kiuru.methics.fi/mssp">User cancelled the request</ns1:detail></soapenv:Detail>
      </soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    let Envelope::Fault(f) = decode(xml.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(f.status, StatusCode::UserCancel);
    assert_eq!(f.code, FaultCode::Receiver);
    assert_eq!(f.reason, "USER_CANCEL");
    assert_eq!(f.detail.as_deref(), Some("User cancelled the request"));
}

#[test]
fn decodes_soap11_fault_variants() {
    let wrap = |inner: &str| {
        format!(
            r#"<e:Envelope xmlns:e="{SOAP11_NS}"><e:Body><e:Fault>{inner}</e:Fault></e:Body></e:Envelope>"#
        )
    };
    let cases = [
        ("<faultcode xmlns:mss=\"urn:m\">mss:_105</faultcode><faultstring>UNKNOWN_CLIENT</faultstring>", StatusCode::UnknownClient, FaultCode::Sender),
        ("<faultcode>e:Server.mss:_209</faultcode><faultstring>x</faultstring>", StatusCode::OtaError, FaultCode::Receiver),
        ("<faultcode>e:Server</faultcode><faultstring>EXPIRED_TRANSACTION</faultstring>", StatusCode::ExpiredTransaction, FaultCode::Receiver),
        ("<faultcode>e:Server</faultcode><faultstring>boom</faultstring>", StatusCode::InternalError, FaultCode::Receiver),
    ];
    for (inner, status, code) in cases {
        let Envelope::Fault(f) = decode(wrap(inner).as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!((f.status, f.code), (status, code), "{inner}");
    }
}

fn status_of(xml: &str) -> StatusCode {
    decode(xml.as_bytes()).unwrap_err().status()
}

#[test]
fn malformed_inputs_get_the_right_fault_class() {
    // Not XML, truncated, wrong root, wrong body content: 101.
    assert_eq!(status_of("hello"), StatusCode::WrongParam);
    assert_eq!(status_of(&SIGNATURE_REQ[..400]), StatusCode::WrongParam);
    assert_eq!(status_of("<a/>"), StatusCode::WrongParam);
    let other_body =
        format!(r#"<e:Envelope xmlns:e="{SOAP11_NS}"><e:Body><Foo/></e:Body></e:Envelope>"#);
    assert_eq!(status_of(&other_body), StatusCode::WrongParam);
    // Unknown TS 102 204 element in a request: 101.
    let unknown = SIGNATURE_REQ.replace("<etsi:MobileUser>", "<etsi:Bogus/><etsi:MobileUser>");
    assert!(matches!(
        decode(unknown.as_bytes()),
        Err(DecodeError::UnknownElement(_))
    ));
    // Bad values: 101.
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"synch\"", "\"sometimes\"")),
        StatusCode::WrongParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("\"120\"", "\"-1\"")),
        StatusCode::WrongParam
    );
    // Missing mandatory parts: 102.
    let no_dtbs = SIGNATURE_REQ.replace(
        r#"<etsi:DataToBeSigned Encoding="UTF-8" MimeType="text/plain">Bank: log in?</etsi:DataToBeSigned>"#,
        "",
    );
    assert_eq!(status_of(&no_dtbs), StatusCode::MissingParam);
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("AP_TransID=\"TX0042\"", "")),
        StatusCode::MissingParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace(" 447700900001 ", "")),
        StatusCode::MissingParam
    );
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("MessagingMode=\"synch\"", "")),
        StatusCode::MissingParam
    );
    // Wrong version: 108.
    assert_eq!(
        status_of(&SIGNATURE_REQ.replace("MajorVersion=\"1\"", "MajorVersion=\"2\"")),
        StatusCode::IncompatibleInterface
    );
    // XXE: refused.
    let xxe = SIGNATURE_REQ.replace(
        "<soap:Envelope",
        "<!DOCTYPE soap:Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><soap:Envelope",
    );
    assert_eq!(decode(xxe.as_bytes()), Err(DecodeError::Doctype));
    // Too large: 103.
    let big = SIGNATURE_REQ.replace("Bank: log in?", &"x".repeat(MAX_XML_BYTES));
    assert_eq!(status_of(&big), StatusCode::WrongDataLength);
}

#[test]
fn decode_error_becomes_fault() {
    let err = decode(b"<x").unwrap_err();
    let fault = err.to_fault();
    assert_eq!(fault.status, StatusCode::WrongParam);
    assert_eq!(fault.code, FaultCode::Sender);
    assert_eq!(fault.reason, "WRONG_PARAM");
}

#[test]
fn truncations_never_panic() {
    for m in all_messages() {
        let xml = encode(&m).unwrap();
        for cut in (0..xml.len()).step_by(7) {
            if xml.is_char_boundary(cut) {
                let _ = decode(&xml.as_bytes()[..cut]);
            }
        }
    }
}
