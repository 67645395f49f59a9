//! Schema validity (issue 10 item 5): every TS 102 204 message idgw writes, on both sides
//! and faults included, validates against the TS 102 204 v1.1.2 XML schema
//! (`schema/ts102204-v1.1.2.xsd`), checked with `xmllint --schema` (Debian package
//! `libxml2-utils`, which `scripts/setup.sh` installs).
//!
//! The messages are those on the wire of real exchanges in the SOAP binding (the MSSP's
//! requests and answers, the notifications and the APs' receipts, the faults of both), plus
//! what the codec can write that no exchange here produces (every fault status, an
//! XML-DSig signature). From each envelope the TS 102 204 element is validated on its own;
//! a fault's `mss:Status` (a `StatusType`, which the schema declares no element of) inside
//! an `MSS_ReceiptResp`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use idgw_mss::client::{notification, Binding, ClientOutcome};
use idgw_mss::soap::{MSS_NS, XMLDSIG_NS};
use idgw_mss::*;

use crate::flows::{auth, signature_req};
use crate::harness::*;

fn schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/ts102204-v1.1.2.xsd")
}

/// A document holding the TS 102 204 content of a SOAP envelope idgw wrote: the message
/// element with its namespaces declared, or a fault's status inside a message.
fn ts102204_part(envelope: &str) -> String {
    let body = &envelope[envelope.find("<soapenv:Body>").expect("a SOAP body")..];
    let declare = format!(r#" xmlns:mss="{MSS_NS}" xmlns:ds="{XMLDSIG_NS}""#);
    if body.contains("<soapenv:Fault>") {
        let start = body.find("<mss:Status>").expect("a status in the fault");
        let end = body.find("</mss:Status>").unwrap() + "</mss:Status>".len();
        return format!(
            r#"<mss:MSS_ReceiptResp{declare} MajorVersion="1" MinorVersion="1"><mss:AP_Info AP_ID="http://ap.example" AP_TransID="F1" AP_PWD="" Instant="2024-05-01T12:00:00Z"/><mss:MSSP_Info><mss:MSSP_ID><mss:URI>http://idgw.local/mssp</mss:URI></mss:MSSP_ID></mss:MSSP_Info>{}</mss:MSS_ReceiptResp>"#,
            &body[start..end]
        );
    }
    let start = body.find("<mss:MSS_").expect("a TS 102 204 message");
    let name_end = start + body[start..].find([' ', '>']).unwrap();
    let name = &body[start + 1..name_end];
    let end = body.rfind(&format!("</{name}>")).unwrap() + name.len() + 3;
    format!(
        "{}{declare}{}",
        &body[start..name_end],
        &body[name_end..end]
    )
}

/// Runs `xmllint --schema` over `documents`; the failures' report, if any.
fn validate(documents: &[String]) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!(
        "idgw-schema-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let path = dir.join(format!("{i:03}.xml"));
            std::fs::write(&path, doc).unwrap();
            path
        })
        .collect();
    let output = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema())
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!("xmllint is needed (Debian package libxml2-utils; scripts/setup.sh installs it): {e}")
        });
    std::fs::remove_dir_all(&dir).ok();
    let report = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{report}\ndocuments:\n{}", documents.join("\n")))
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(0u8)
}

/// The SOAP bodies of real exchanges between idgw's AP side and MSSP.
async fn traffic() -> Vec<String> {
    let h = Harness::start().await;
    let soap = Binding::Soap;
    // asynchServerServer: request with AP_URL, 100, notifications (500 with the signature,
    // 401), the AP's receipts.
    let ap = h.ap(soap, modes()[0].clone()).await;
    assert_eq!(
        auth(&ap.ap, APPROVE, true, "schema-n", 30.0).await,
        ClientOutcome::Approved { pin: true }
    );
    assert_eq!(
        auth(&ap.ap, CANCEL, true, "schema-nc", 30.0).await,
        ClientOutcome::UserCancel
    );
    // asynchClientServer: status queries (504, 500).
    let polled = h.ap(soap, modes()[1].clone()).await;
    assert_eq!(
        auth(&polled.ap, APPROVE, false, "schema-p", 30.0).await,
        ClientOutcome::Approved { pin: false }
    );
    // synch: 500 with the signature; faults 401 and 208.
    let client = h.client(soap);
    let mut req = signature_req(&client, APPROVE, "schema-s", soap);
    req.data_to_be_displayed = Some(Data::text("Code 1234"));
    client.signature(&req).await.unwrap();
    client
        .signature(&signature_req(&client, CANCEL, "schema-sc", soap))
        .await
        .unwrap_err();
    let mut silent = signature_req(&client, SILENT, "schema-ss", soap);
    silent.time_out = Some(1);
    client.signature(&silent).await.unwrap_err();
    // A receipt by hand (with a message), and refusals: 101, 104, 105.
    let mut asynch = signature_req(&client, APPROVE, "schema-r", soap);
    asynch.messaging_mode = MessagingMode::AsynchClientServer;
    let id = client.signature(&asynch).await.unwrap().mssp_trans_id;
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.receipt(&id, APPROVE, Some("Done")).await.unwrap();
    client.status("Mnothing").await.unwrap_err();
    let stranger = h.client_as(soap, AP_ID, "guess");
    stranger.status(&id).await.unwrap_err();
    client
        .signature(&signature_req(&client, UNKNOWN, "schema-u", soap))
        .await
        .unwrap_err();
    // The AP refuses a notification for a transaction it does not wait for.
    let stray = MssMessage::StatusResp(MssStatusResp {
        header: client.header("Anobody"),
        mobile_user: MobileUser {
            msisdn: APPROVE.into(),
        },
        mss_signature: None,
        status: Status::new(StatusCode::Signature),
    });
    let url = notification::ap_url(&ap.origin, soap);
    let refused = reqwest::Client::new()
        .post(url)
        .body(soap::encode(&stray).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 500);
    refused.bytes().await.unwrap();
    // The notifications' receipts may still be on their way.
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.bodies
        .take()
        .into_iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .filter(|b| b.contains("<mss:"))
        .collect()
}

/// What the codec can write that the exchanges above do not show.
fn codec_only() -> Vec<String> {
    let mut out: Vec<String> = StatusCode::all()
        .chain([StatusCode::Other(450)])
        .filter(|s| s.is_fault())
        .map(|s| soap::encode_fault(&MssFault::new(s, Some(format!("why {s} <&>")))))
        .collect();
    out.push(soap::encode_fault(&MssFault::new(
        StatusCode::WrongParam,
        None,
    )));
    let dsig = format!(
        r#"<ds:Signature xmlns:ds="{XMLDSIG_NS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAEC</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAEC</ds:SignatureValue></ds:Signature>"#
    );
    let signed = MssMessage::StatusResp(MssStatusResp {
        header: idgw_mss::client::MssClient::new("http://x/", None, AP_ID, "")
            .unwrap()
            .header("A1"),
        mobile_user: MobileUser {
            msisdn: APPROVE.into(),
        },
        mss_signature: Some(MssSignature::XmlDsig(dsig)),
        status: Status {
            code: StatusCode::Signature,
            message: Some("SIGNATURE".into()),
            detail: Some("signed <by> the SIM".into()),
        },
    });
    out.push(soap::encode(&signed).unwrap());
    out
}

#[tokio::test]
async fn every_message_idgw_writes_validates_against_the_ts102204_schema() {
    let envelopes: Vec<String> = traffic().await.into_iter().chain(codec_only()).collect();
    // Every kind is there: six messages, the notification operation, faults.
    for kind in [
        "<mss:MSS_SignatureReq",
        "<mss:MSS_SignatureResp",
        "<mss:MSS_StatusReq",
        "<mss:MSS_StatusResp",
        "<mss:MSS_ReceiptReq",
        "<mss:MSS_ReceiptResp",
        "<MSS_Notification>",
        "<MSS_NotificationResponse>",
        "<soapenv:Fault>",
        "AP_URL=",
        "<mss:StatusDetail>",
    ] {
        assert!(
            envelopes.iter().any(|e| e.contains(kind)),
            "no {kind} in the traffic"
        );
    }
    let documents: Vec<String> = envelopes.iter().map(|e| ts102204_part(e)).collect();
    if let Err(report) = validate(&documents) {
        panic!("invalid TS 102 204 messages:\n{report}");
    }
}

/// The check can fail: the two faults issue 10 found (an answer's `AP_Info` without
/// `AP_PWD`; text in `StatusDetail`) are refused.
#[test]
fn the_schema_refuses_what_strict_peers_refuse() {
    let envelope = codec_only().pop().unwrap();
    let valid = ts102204_part(&envelope);
    assert_eq!(validate(std::slice::from_ref(&valid)), Ok(()));
    let without_pwd = valid.replace(r#" AP_PWD="""#, "");
    assert_ne!(without_pwd, valid);
    assert!(validate(&[without_pwd]).is_err());
    let start = valid.find("<mss:StatusDetail>").unwrap() + "<mss:StatusDetail>".len();
    let end = valid.find("</mss:StatusDetail>").unwrap();
    let text_detail = format!("{}plain text{}", &valid[..start], &valid[end..]);
    assert!(validate(&[text_detail]).is_err());
}
