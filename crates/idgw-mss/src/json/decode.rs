//! Reading the JSON binding into the TS 102 204 model: strict for requests
//! (unknown member 101, missing member 102), lenient for responses.

use base64::Engine as _;
use serde_json::Value;

use super::{Obj, MAX_JSON_BYTES};
use crate::model::*;
use crate::status::parse_subcode;
use crate::{DecodeError, FaultCode, MssFault, StatusCode};

/// A JSON object being read, with its path for error messages.
struct Node<'a> {
    path: String,
    obj: &'a Obj,
}

impl<'a> Node<'a> {
    fn of(path: String, value: &'a Value) -> Result<Node<'a>, DecodeError> {
        match value {
            Value::Object(obj) => Ok(Node { path, obj }),
            _ => Err(DecodeError::invalid(path, "not an object")),
        }
    }

    fn only(&self, allowed: &[&str], strict: bool) -> Result<(), DecodeError> {
        match self
            .obj
            .keys()
            .find(|k| strict && !allowed.contains(&k.as_str()))
        {
            Some(k) => Err(DecodeError::UnknownElement(format!("{}/{}", self.path, k))),
            None => Ok(()),
        }
    }

    fn sub(&self, key: &str) -> String {
        format!("{}/{}", self.path, key)
    }

    fn opt_node(&self, key: &str) -> Result<Option<Node<'a>>, DecodeError> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Node::of(self.sub(key), v).map(Some),
        }
    }

    fn node(&self, key: &str) -> Result<Node<'a>, DecodeError> {
        self.opt_node(key)?
            .ok_or_else(|| DecodeError::Missing(self.sub(key)))
    }

    /// A string member; numbers are accepted and rendered as text.
    fn opt_str(&self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(DecodeError::invalid(self.sub(key), "not a string")),
        }
    }

    fn str(&self, key: &str) -> Result<String, DecodeError> {
        match self.opt_str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(DecodeError::Missing(self.sub(key))),
        }
    }

    fn opt_num<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, DecodeError> {
        self.opt_str(key)?
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| DecodeError::invalid(self.sub(key), "not a number in range"))
            })
            .transpose()
    }

    fn num<T: std::str::FromStr>(&self, key: &str) -> Result<T, DecodeError> {
        self.opt_num(key)?
            .ok_or_else(|| DecodeError::Missing(self.sub(key)))
    }
}

fn header(n: &Node, strict: bool) -> Result<MessageAbstract, DecodeError> {
    let major: u32 = n.num("MajorVersion")?;
    if major != MAJOR_VERSION {
        return Err(DecodeError::UnsupportedVersion(major));
    }
    let ap = n.node("AP_Info")?;
    ap.only(
        &["AP_ID", "AP_TransID", "AP_PWD", "Instant", "AP_URL"],
        strict,
    )?;
    let mssp = n.node("MSSP_Info")?;
    mssp.only(&["MSSP_ID", "Instant"], strict)?;
    let id = mssp.node("MSSP_ID")?;
    id.only(&["DNSName", "IPAddress", "URI", "IdentifierString"], strict)?;
    Ok(MessageAbstract {
        major_version: major,
        minor_version: n.num("MinorVersion")?,
        ap_info: ApInfo {
            ap_id: ap.str("AP_ID")?,
            ap_trans_id: ap.str("AP_TransID")?,
            ap_pwd: ap.opt_str("AP_PWD")?.filter(|p| !p.is_empty()),
            instant: ap.str("Instant")?,
            ap_url: ap.opt_str("AP_URL")?,
        },
        mssp_info: MsspInfo {
            mssp_id: MeshMember {
                dns_name: id.opt_str("DNSName")?,
                ip_address: id.opt_str("IPAddress")?,
                uri: id.opt_str("URI")?,
                identifier_string: id.opt_str("IdentifierString")?,
            },
            instant: mssp.opt_str("Instant")?,
        },
    })
}

fn mobile_user(n: &Node, strict: bool) -> Result<MobileUser, DecodeError> {
    let user = n.node("MobileUser")?;
    user.only(
        &["IdentityIssuer", "UserIdentifier", "HomeMSSP", "MSISDN"],
        strict,
    )?;
    Ok(MobileUser {
        msisdn: user.str("MSISDN")?.trim().to_owned(),
    })
}

fn data(n: &Node, key: &str, strict: bool) -> Result<Option<Data>, DecodeError> {
    let Some(d) = n.opt_node(key)? else {
        return Ok(None);
    };
    d.only(&["MimeType", "Encoding", "Data"], strict)?;
    Ok(Some(Data {
        mime_type: d.opt_str("MimeType")?,
        encoding: d.opt_str("Encoding")?,
        data: d
            .opt_str("Data")?
            .ok_or_else(|| DecodeError::Missing(d.sub("Data")))?,
    }))
}

fn status(n: &Node, key: &str, strict: bool) -> Result<Option<Status>, DecodeError> {
    let Some(s) = n.opt_node(key)? else {
        return Ok(None);
    };
    s.only(&["StatusCode", "StatusMessage", "StatusDetail"], strict)?;
    let detail = match s.obj.get("StatusDetail") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(other) => Some(other.to_string()),
    };
    Ok(Some(Status {
        code: StatusCode::from_code(s.node("StatusCode")?.num("Value")?),
        message: s.opt_str("StatusMessage")?,
        detail,
    }))
}

fn signature(n: &Node) -> Result<Option<MssSignature>, DecodeError> {
    let Some(sig) = n.opt_node("MSS_Signature")? else {
        return Ok(None);
    };
    if let Some(b64) = sig.opt_str("Base64Signature")? {
        let compact: String = b64.split_whitespace().collect();
        return base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map(|b| Some(MssSignature::Base64(b)))
            .map_err(|_| DecodeError::invalid(sig.sub("Base64Signature"), "not base64"));
    }
    match sig.opt_str("XmlSignature")? {
        Some(xml) => Ok(Some(MssSignature::XmlDsig(xml))),
        None => Err(DecodeError::Missing(sig.sub("Base64Signature"))),
    }
}

fn message(name: &str, n: &Node) -> Result<MssMessage, DecodeError> {
    const BASE: [&str; 4] = ["MajorVersion", "MinorVersion", "AP_Info", "MSSP_Info"];
    let with = |extra: &[&'static str]| [&BASE[..], extra].concat();
    Ok(match name {
        "MSS_SignatureReq" => {
            n.only(
                &with(&[
                    "MobileUser",
                    "DataToBeSigned",
                    "DataToBeDisplayed",
                    "SignatureProfile",
                    "AdditionalServices",
                    "MSS_Format",
                    "ValidityDate",
                    "TimeOut",
                    "MessagingMode",
                ]),
                true,
            )?;
            let mode = n.str("MessagingMode")?;
            let messaging_mode = MessagingMode::parse(&mode)
                .ok_or_else(|| DecodeError::invalid(n.sub("MessagingMode"), "unknown mode"))?;
            let mut additional_services = Vec::new();
            match n.obj.get("AdditionalServices") {
                None | Some(Value::Null) => {}
                Some(Value::Array(list)) => {
                    for (i, entry) in list.iter().enumerate() {
                        let s = Node::of(format!("{}/AdditionalServices/{i}", n.path), entry)?;
                        additional_services.push(AdditionalService {
                            description: s.str("Description")?,
                        });
                    }
                }
                Some(_) => {
                    return Err(DecodeError::invalid(
                        n.sub("AdditionalServices"),
                        "not an array",
                    ))
                }
            }
            MssMessage::SignatureReq(MssSignatureReq {
                header: header(n, true)?,
                mobile_user: mobile_user(n, true)?,
                data_to_be_signed: data(n, "DataToBeSigned", true)?
                    .ok_or_else(|| DecodeError::Missing(n.sub("DataToBeSigned")))?,
                data_to_be_displayed: data(n, "DataToBeDisplayed", true)?,
                signature_profile: n.opt_str("SignatureProfile")?,
                additional_services,
                mss_format: n.opt_str("MSS_Format")?,
                validity_date: n.opt_str("ValidityDate")?,
                time_out: n.opt_num("TimeOut")?,
                messaging_mode,
            })
        }
        "MSS_SignatureResp" => MssMessage::SignatureResp(MssSignatureResp {
            header: header(n, false)?,
            mobile_user: mobile_user(n, false)?,
            mss_signature: signature(n)?,
            signature_profile: n.opt_str("SignatureProfile")?,
            status: status(n, "Status", false)?
                .ok_or_else(|| DecodeError::Missing(n.sub("Status")))?,
            mssp_trans_id: n.str("MSSP_TransID")?,
        }),
        "MSS_StatusReq" => {
            n.only(&with(&["MSSP_TransID"]), true)?;
            MssMessage::StatusReq(MssStatusReq {
                header: header(n, true)?,
                mssp_trans_id: n.str("MSSP_TransID")?,
            })
        }
        "MSS_StatusResp" => MssMessage::StatusResp(MssStatusResp {
            header: header(n, false)?,
            mobile_user: mobile_user(n, false)?,
            mss_signature: signature(n)?,
            status: status(n, "Status", false)?
                .ok_or_else(|| DecodeError::Missing(n.sub("Status")))?,
        }),
        "MSS_ReceiptReq" => {
            n.only(
                &with(&["MobileUser", "Status", "Message", "MSSP_TransID"]),
                true,
            )?;
            MssMessage::ReceiptReq(MssReceiptReq {
                header: header(n, true)?,
                mobile_user: mobile_user(n, true)?,
                // Swisscom puts its receipt extension in StatusDetail: lenient.
                status: status(n, "Status", false)?,
                message: data(n, "Message", true)?,
                mssp_trans_id: n.str("MSSP_TransID")?,
            })
        }
        "MSS_ReceiptResp" => MssMessage::ReceiptResp(MssReceiptResp {
            header: header(n, false)?,
            status: status(n, "Status", false)?
                .ok_or_else(|| DecodeError::Missing(n.sub("Status")))?,
        }),
        other => return Err(DecodeError::UnknownElement(other.to_owned())),
    })
}

/// `Value`, possibly split into local name + `ValueNs` (Swisscom).
fn code_value(n: &Node) -> Option<String> {
    n.opt_str("Value").ok().flatten()
}

fn fault(n: &Node) -> MssFault {
    let code = n.opt_node("Code").ok().flatten();
    let top = code.as_ref().and_then(code_value);
    let subcode = code
        .as_ref()
        .and_then(|c| c.opt_node("SubCode").ok().flatten())
        .and_then(|s| code_value(&s));
    let reason = n.opt_str("Reason").ok().flatten();
    let detail = match n.obj.get("Detail") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    let status = subcode
        .as_deref()
        .and_then(parse_subcode)
        .or_else(|| {
            reason
                .as_deref()
                .and_then(|r| StatusCode::from_name(r.trim()))
        })
        .unwrap_or(StatusCode::InternalError);
    MssFault {
        code: top
            .as_deref()
            .and_then(FaultCode::parse)
            .unwrap_or_else(|| status.fault_code()),
        status,
        reason: reason.unwrap_or_else(|| status.name().unwrap_or("INTERNAL_ERROR").to_owned()),
        detail,
    }
}

/// Decodes `{"MSS_...": {...}}` or `{"Fault": {...}}`.
pub fn decode(input: &[u8]) -> Result<Envelope, DecodeError> {
    if input.len() > MAX_JSON_BYTES {
        return Err(DecodeError::TooLarge {
            size: input.len(),
            limit: MAX_JSON_BYTES,
        });
    }
    let value: Value =
        serde_json::from_slice(input).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let root = Node::of(String::new(), &value)?;
    let mut members = root.obj.iter();
    let (name, body) = match (members.next(), members.next()) {
        (Some(only), None) => only,
        (None, _) => return Err(DecodeError::Missing("message".into())),
        (Some(_), Some(_)) => return Err(DecodeError::invalid("root", "more than one member")),
    };
    let node = Node::of(name.clone(), body)?;
    if name == "Fault" {
        return Ok(Envelope::Fault(fault(&node)));
    }
    message(name, &node).map(Envelope::Message)
}
