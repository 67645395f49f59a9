//! Writing TS 102 204 messages and faults in the JSON binding (see the
//! module above for the spelling and its sources).

use base64::Engine as _;
use serde_json::{json, Value};

use super::Obj;
use crate::model::*;
use crate::MssFault;

fn put(obj: &mut Obj, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        obj.insert(key.into(), Value::String(v.into()));
    }
}

fn header_members(h: &MessageAbstract) -> Obj {
    let mut obj = Obj::new();
    obj.insert("MajorVersion".into(), h.major_version.to_string().into());
    obj.insert("MinorVersion".into(), h.minor_version.to_string().into());
    let ap = &h.ap_info;
    let mut ap_info = Obj::new();
    put(&mut ap_info, "AP_ID", Some(&ap.ap_id));
    put(&mut ap_info, "AP_TransID", Some(&ap.ap_trans_id));
    // Present on every message, as in the SOAP binding; empty when there is none.
    put(
        &mut ap_info,
        "AP_PWD",
        Some(ap.ap_pwd.as_deref().unwrap_or("")),
    );
    put(&mut ap_info, "Instant", Some(&ap.instant));
    put(&mut ap_info, "AP_URL", ap.ap_url.as_deref());
    obj.insert("AP_Info".into(), ap_info.into());
    let id = &h.mssp_info.mssp_id;
    let mut mssp_id = Obj::new();
    put(&mut mssp_id, "DNSName", id.dns_name.as_deref());
    put(&mut mssp_id, "IPAddress", id.ip_address.as_deref());
    put(&mut mssp_id, "URI", id.uri.as_deref());
    put(
        &mut mssp_id,
        "IdentifierString",
        id.identifier_string.as_deref(),
    );
    let mut mssp_info = Obj::new();
    mssp_info.insert("MSSP_ID".into(), mssp_id.into());
    put(&mut mssp_info, "Instant", h.mssp_info.instant.as_deref());
    obj.insert("MSSP_Info".into(), mssp_info.into());
    obj
}

fn data_json(d: &Data) -> Value {
    let mut obj = Obj::new();
    put(&mut obj, "MimeType", d.mime_type.as_deref());
    put(&mut obj, "Encoding", d.encoding.as_deref());
    put(&mut obj, "Data", Some(&d.data));
    obj.into()
}

fn status_json(s: &Status) -> Value {
    let mut obj = Obj::new();
    obj.insert(
        "StatusCode".into(),
        json!({ "Value": s.code.code().to_string() }),
    );
    put(&mut obj, "StatusMessage", s.message.as_deref());
    put(&mut obj, "StatusDetail", s.detail.as_deref());
    obj.into()
}

fn signature_json(obj: &mut Obj, sig: &Option<MssSignature>) {
    let value = match sig {
        None => return,
        Some(MssSignature::Base64(b)) => {
            json!({ "Base64Signature": base64::engine::general_purpose::STANDARD.encode(b) })
        }
        Some(MssSignature::XmlDsig(xml)) => json!({ "XmlSignature": xml }),
    };
    obj.insert("MSS_Signature".into(), value);
}

fn user_json(obj: &mut Obj, user: &MobileUser) {
    obj.insert("MobileUser".into(), json!({ "MSISDN": user.msisdn }));
}

/// Encodes `message` as `{"MSS_...": {...}}`.
pub fn encode(message: &MssMessage) -> String {
    let mut obj = header_members(message.header());
    match message {
        MssMessage::SignatureReq(m) => {
            user_json(&mut obj, &m.mobile_user);
            obj.insert("DataToBeSigned".into(), data_json(&m.data_to_be_signed));
            if let Some(d) = &m.data_to_be_displayed {
                obj.insert("DataToBeDisplayed".into(), data_json(d));
            }
            put(&mut obj, "SignatureProfile", m.signature_profile.as_deref());
            if !m.additional_services.is_empty() {
                let list = m
                    .additional_services
                    .iter()
                    .map(|s| json!({ "Description": s.description }))
                    .collect();
                obj.insert("AdditionalServices".into(), Value::Array(list));
            }
            put(&mut obj, "MSS_Format", m.mss_format.as_deref());
            put(&mut obj, "ValidityDate", m.validity_date.as_deref());
            put(
                &mut obj,
                "TimeOut",
                m.time_out.map(|t| t.to_string()).as_deref(),
            );
            put(&mut obj, "MessagingMode", Some(m.messaging_mode.as_str()));
        }
        MssMessage::SignatureResp(m) => {
            user_json(&mut obj, &m.mobile_user);
            signature_json(&mut obj, &m.mss_signature);
            put(&mut obj, "SignatureProfile", m.signature_profile.as_deref());
            obj.insert("Status".into(), status_json(&m.status));
            put(&mut obj, "MSSP_TransID", Some(&m.mssp_trans_id));
        }
        MssMessage::StatusReq(m) => put(&mut obj, "MSSP_TransID", Some(&m.mssp_trans_id)),
        MssMessage::StatusResp(m) => {
            user_json(&mut obj, &m.mobile_user);
            signature_json(&mut obj, &m.mss_signature);
            obj.insert("Status".into(), status_json(&m.status));
        }
        MssMessage::ReceiptReq(m) => {
            user_json(&mut obj, &m.mobile_user);
            if let Some(s) = &m.status {
                obj.insert("Status".into(), status_json(s));
            }
            if let Some(d) = &m.message {
                obj.insert("Message".into(), data_json(d));
            }
            put(&mut obj, "MSSP_TransID", Some(&m.mssp_trans_id));
        }
        MssMessage::ReceiptResp(m) => {
            obj.insert("Status".into(), status_json(&m.status));
        }
    }
    json!({ message.element_name(): obj }).to_string()
}

/// Encodes a fault as Kiuru's JSON rendering of the SOAP 1.2 fault.
pub fn encode_fault(fault: &MssFault) -> String {
    let mut obj = Obj::new();
    obj.insert(
        "Code".into(),
        json!({
            "Value": format!("soapenv:{}", fault.code.soap12_name()),
            "SubCode": { "Value": format!("mss:{}", fault.subcode_local()) },
        }),
    );
    put(&mut obj, "Reason", Some(&fault.reason));
    put(&mut obj, "Detail", fault.detail.as_deref());
    json!({ "Fault": obj }).to_string()
}
