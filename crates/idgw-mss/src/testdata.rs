//! Sample messages shared by the codec tests: one of each TS 102 204
//! message, with every optional field set, plus minimal variants.

use crate::model::*;
use crate::StatusCode;

pub fn header(with_mssp_instant: bool) -> MessageAbstract {
    MessageAbstract {
        major_version: 1,
        minor_version: 1,
        ap_info: ApInfo {
            ap_id: "http://idgw.local/ap".into(),
            ap_trans_id: "A1b2-c3".into(),
            ap_pwd: Some("s3cret <&> \"pwd\"".into()),
            instant: "2024-05-01T12:00:00.000Z".into(),
            ap_url: Some("http://ap.example/cb?x=1&y=2".into()),
        },
        mssp_info: MsspInfo {
            mssp_id: MeshMember {
                dns_name: Some("mssp.idgw.local".into()),
                ip_address: None,
                uri: Some("http://idgw.local/mssp".into()),
                identifier_string: None,
            },
            instant: with_mssp_instant.then(|| "2024-05-01T12:00:01.000Z".into()),
        },
    }
}

pub fn user() -> MobileUser {
    MobileUser {
        msisdn: "447700900001".into(),
    }
}

pub fn all_messages() -> Vec<MssMessage> {
    let signature_req = MssSignatureReq {
        header: header(false),
        mobile_user: user(),
        data_to_be_signed: Data::text("Log in to Example Bank? <ok> & \u{e9}t\u{e9}"),
        data_to_be_displayed: Some(Data {
            mime_type: Some("text/plain".into()),
            encoding: None,
            data: "Code 1234".into(),
        }),
        signature_profile: Some("http://idgw.local/profiles/sim-pin".into()),
        additional_services: vec![AdditionalService {
            description: "http://mss.ficom.fi/TS102204/v1.0.0#userLang".into(),
        }],
        mss_format: Some("http://uri.etsi.org/TS102204/v1.1.2#PKCS7".into()),
        validity_date: Some("2024-05-01T12:05:00Z".into()),
        time_out: Some(80),
        messaging_mode: MessagingMode::AsynchClientServer,
    };
    let signature_resp = MssSignatureResp {
        header: header(true),
        mobile_user: user(),
        mss_signature: Some(MssSignature::Base64(vec![
            0x30, 0x82, 0x01, 0xff, 0x00, 0x7f,
        ])),
        signature_profile: Some("http://idgw.local/profiles/sim-pin".into()),
        status: Status {
            code: StatusCode::Signature,
            message: Some("SIGNATURE".into()),
            detail: Some("signed by SIM".into()),
        },
        mssp_trans_id: "T42".into(),
    };
    let status_req = MssStatusReq {
        header: header(false),
        mssp_trans_id: "T42".into(),
    };
    let status_resp = MssStatusResp {
        header: header(true),
        mobile_user: user(),
        mss_signature: None,
        status: Status::new(StatusCode::OutstandingTransaction),
    };
    let receipt_req = MssReceiptReq {
        header: header(false),
        mobile_user: user(),
        status: Some(Status::new(StatusCode::RequestOk)),
        message: Some(Data::text("You are logged in")),
        mssp_trans_id: "T42".into(),
    };
    let receipt_resp = MssReceiptResp {
        header: header(true),
        status: Status::new(StatusCode::RequestOk),
    };
    vec![
        MssMessage::SignatureReq(signature_req),
        MssMessage::SignatureResp(signature_resp),
        MssMessage::StatusReq(status_req),
        MssMessage::StatusResp(status_resp),
        MssMessage::ReceiptReq(receipt_req),
        MssMessage::ReceiptResp(receipt_resp),
    ]
}

/// Minimal variants: every optional field absent.
pub fn minimal_messages() -> Vec<MssMessage> {
    let mut out = Vec::new();
    for m in all_messages() {
        out.push(match m {
            MssMessage::SignatureReq(mut m) => {
                m.header.ap_info.ap_url = None;
                m.data_to_be_signed = Data {
                    mime_type: None,
                    encoding: None,
                    data: "x".into(),
                };
                m.data_to_be_displayed = None;
                m.signature_profile = None;
                m.additional_services.clear();
                m.mss_format = None;
                m.validity_date = None;
                m.time_out = None;
                m.messaging_mode = MessagingMode::Synch;
                MssMessage::SignatureReq(m)
            }
            MssMessage::SignatureResp(mut m) => {
                m.mss_signature = None;
                m.signature_profile = None;
                m.status = Status {
                    code: StatusCode::Other(450),
                    message: None,
                    detail: None,
                };
                MssMessage::SignatureResp(m)
            }
            MssMessage::ReceiptReq(mut m) => {
                m.status = None;
                m.message = None;
                MssMessage::ReceiptReq(m)
            }
            other => other,
        });
    }
    out
}
