//! Writing TS 102 204 messages and faults as SOAP 1.1 envelopes (clause 8,
//! the SOAP binding; element order as in the v1.1.2 XSD).

use std::fmt::Write as _;

use base64::Engine as _;
use quick_xml::escape::escape;

use super::{wrapper_for, IDGW_EXT_NS, MSS_NS, NOTIFICATION, SOAP11_NS, XMLDSIG_NS};
use crate::model::*;
use crate::{EncodeError, MssFault};

/// A tiny XML writer: elements in the `mss` prefix, escaped content.
struct Out {
    buf: String,
}

impl Out {
    fn open(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.start(name, attrs);
        self.buf.push('>');
    }

    fn start(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        let _ = write!(self.buf, "<{name}");
        for (key, value) in attrs {
            if let Some(value) = value {
                let _ = write!(self.buf, " {key}=\"{}\"", escape(*value));
            }
        }
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.start(name, attrs);
        self.buf.push_str("/>");
    }

    fn close(&mut self, name: &str) {
        let _ = write!(self.buf, "</{name}>");
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, Option<&str>)], text: &str) {
        self.open(name, attrs);
        self.buf.push_str(&escape(text));
        self.close(name);
    }

    fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, &[], text);
        }
    }

    fn uri_type(&mut self, name: &str, uri: Option<&str>) {
        if let Some(uri) = uri {
            self.open(name, &[]);
            self.leaf("mss:mssURI", &[], uri);
            self.close(name);
        }
    }

    fn data(&mut self, name: &str, data: &Data) {
        let attrs = [
            ("MimeType", data.mime_type.as_deref()),
            ("Encoding", data.encoding.as_deref()),
        ];
        self.leaf(name, &attrs, &data.data);
    }

    fn header(&mut self, h: &MessageAbstract) {
        let ap = &h.ap_info;
        self.empty(
            "mss:AP_Info",
            &[
                ("AP_ID", Some(&ap.ap_id)),
                ("AP_TransID", Some(&ap.ap_trans_id)),
                // Required by `MessageAbstractType`; empty when there is none.
                ("AP_PWD", Some(ap.ap_pwd.as_deref().unwrap_or(""))),
                ("Instant", Some(&ap.instant)),
                ("AP_URL", ap.ap_url.as_deref()),
            ],
        );
        let m = &h.mssp_info;
        self.open("mss:MSSP_Info", &[("Instant", m.instant.as_deref())]);
        self.open("mss:MSSP_ID", &[]);
        self.opt_leaf("mss:DNSName", m.mssp_id.dns_name.as_deref());
        self.opt_leaf("mss:IPAddress", m.mssp_id.ip_address.as_deref());
        self.opt_leaf("mss:URI", m.mssp_id.uri.as_deref());
        self.opt_leaf(
            "mss:IdentifierString",
            m.mssp_id.identifier_string.as_deref(),
        );
        self.close("mss:MSSP_ID");
        self.close("mss:MSSP_Info");
    }

    fn mobile_user(&mut self, user: &MobileUser) {
        self.open("mss:MobileUser", &[]);
        self.leaf("mss:MSISDN", &[], &user.msisdn);
        self.close("mss:MobileUser");
    }

    fn signature(&mut self, sig: &Option<MssSignature>) -> Result<(), EncodeError> {
        match sig {
            None => {}
            Some(MssSignature::Base64(bytes)) => {
                self.open("mss:MSS_Signature", &[]);
                let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                self.leaf("mss:Base64Signature", &[], &b64);
                self.close("mss:MSS_Signature");
            }
            Some(MssSignature::XmlDsig(xml)) => {
                check_dsig(xml)?;
                self.open("mss:MSS_Signature", &[]);
                self.buf.push_str(xml);
                self.close("mss:MSS_Signature");
            }
        }
        Ok(())
    }

    fn status(&mut self, status: &Status) {
        self.open("mss:Status", &[]);
        let value = status.code.code().to_string();
        self.empty("mss:StatusCode", &[("Value", Some(&value))]);
        self.opt_leaf("mss:StatusMessage", status.message.as_deref());
        if let Some(detail) = &status.detail {
            // `StatusDetailType` holds elements only: the text goes in one of ours.
            self.open("mss:StatusDetail", &[]);
            self.leaf("idgw:Detail", &[("xmlns:idgw", Some(IDGW_EXT_NS))], detail);
            self.close("mss:StatusDetail");
        }
        self.close("mss:Status");
    }
}

/// The raw `ds:Signature` must be one well-formed XML-DSig element, so
/// nothing can be smuggled into the envelope through it.
fn check_dsig(xml: &str) -> Result<(), EncodeError> {
    let invalid = |reason: &str| EncodeError::Invalid {
        field: "MSS_Signature".into(),
        reason: reason.into(),
    };
    // Wrapped so that a `ds:` prefix declared on the envelope still resolves.
    let wrapped = format!("<w xmlns:ds=\"{XMLDSIG_NS}\">{xml}</w>");
    let root = super::dom::parse(wrapped.as_bytes()).map_err(|e| invalid(&e.to_string()))?;
    match root.children.as_slice() {
        [sig]
            if sig.name == "Signature" && sig.in_ns(XMLDSIG_NS) && root.text.trim().is_empty() =>
        {
            Ok(())
        }
        _ => Err(invalid("not exactly one ds:Signature element")),
    }
}

fn versions(h: &MessageAbstract) -> (String, String) {
    (h.major_version.to_string(), h.minor_version.to_string())
}

fn envelope(body: impl FnOnce(&mut Out) -> Result<(), EncodeError>) -> Result<String, EncodeError> {
    let mut out = Out {
        buf: String::with_capacity(2048),
    };
    out.buf
        .push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = write!(
        out.buf,
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}" xmlns:mss="{MSS_NS}" xmlns:ds="{XMLDSIG_NS}"><soapenv:Body>"#
    );
    body(&mut out)?;
    out.buf.push_str("</soapenv:Body></soapenv:Envelope>");
    Ok(out.buf)
}

/// Encodes `message` in a SOAP 1.1 envelope, inside its operation wrapper
/// (`MSS_Signature`, `MSS_SignatureResponse`, `MSS_StatusQuery`, ...).
pub fn encode(message: &MssMessage) -> Result<String, EncodeError> {
    encode_in(wrapper_for(message.element_name()), message)
}

/// Encodes the notification of asynchServerServer mode: the MSSP sends the
/// final `MSS_StatusResp` to the AP's `AP_URL` in the `MSS_Notification`
/// operation (the WSDL's `MSS_NotificationPort`).
pub fn encode_notification(resp: &MssStatusResp) -> Result<String, EncodeError> {
    encode_in(NOTIFICATION.0, &MssMessage::StatusResp(resp.clone()))
}

/// Encodes the AP's answer to a notification: its `MSS_ReceiptReq`, in
/// `MSS_NotificationResponse`.
pub fn encode_notification_ack(ack: &MssReceiptReq) -> Result<String, EncodeError> {
    encode_in(NOTIFICATION.1, &MssMessage::ReceiptReq(ack.clone()))
}

fn encode_in(wrapper: &str, message: &MssMessage) -> Result<String, EncodeError> {
    envelope(|out| {
        out.open(wrapper, &[]);
        let name = format!("mss:{}", message.element_name());
        let (major, minor) = versions(message.header());
        let major = Some(major.as_str());
        let minor = Some(minor.as_str());
        match message {
            MssMessage::SignatureReq(m) => {
                let time_out = m.time_out.map(|t| t.to_string());
                out.open(
                    &name,
                    &[
                        ("MajorVersion", major),
                        ("MinorVersion", minor),
                        ("ValidityDate", m.validity_date.as_deref()),
                        ("TimeOut", time_out.as_deref()),
                        ("MessagingMode", Some(m.messaging_mode.as_str())),
                    ],
                );
                out.header(&m.header);
                out.mobile_user(&m.mobile_user);
                out.data("mss:DataToBeSigned", &m.data_to_be_signed);
                if let Some(dtbd) = &m.data_to_be_displayed {
                    out.data("mss:DataToBeDisplayed", dtbd);
                }
                out.uri_type("mss:SignatureProfile", m.signature_profile.as_deref());
                if !m.additional_services.is_empty() {
                    out.open("mss:AdditionalServices", &[]);
                    for service in &m.additional_services {
                        out.open("mss:Service", &[]);
                        out.uri_type("mss:Description", Some(&service.description));
                        out.close("mss:Service");
                    }
                    out.close("mss:AdditionalServices");
                }
                out.uri_type("mss:MSS_Format", m.mss_format.as_deref());
            }
            MssMessage::SignatureResp(m) => {
                let attrs = [
                    ("MajorVersion", major),
                    ("MinorVersion", minor),
                    ("MSSP_TransID", Some(m.mssp_trans_id.as_str())),
                ];
                out.open(&name, &attrs);
                out.header(&m.header);
                out.mobile_user(&m.mobile_user);
                out.signature(&m.mss_signature)?;
                out.uri_type("mss:SignatureProfile", m.signature_profile.as_deref());
                out.status(&m.status);
            }
            MssMessage::StatusReq(m) => {
                let attrs = [
                    ("MajorVersion", major),
                    ("MinorVersion", minor),
                    ("MSSP_TransID", Some(m.mssp_trans_id.as_str())),
                ];
                out.open(&name, &attrs);
                out.header(&m.header);
            }
            MssMessage::StatusResp(m) => {
                out.open(&name, &[("MajorVersion", major), ("MinorVersion", minor)]);
                out.header(&m.header);
                out.mobile_user(&m.mobile_user);
                out.signature(&m.mss_signature)?;
                out.status(&m.status);
            }
            MssMessage::ReceiptReq(m) => {
                let attrs = [
                    ("MajorVersion", major),
                    ("MinorVersion", minor),
                    ("MSSP_TransID", Some(m.mssp_trans_id.as_str())),
                ];
                out.open(&name, &attrs);
                out.header(&m.header);
                out.mobile_user(&m.mobile_user);
                if let Some(status) = &m.status {
                    out.status(status);
                }
                if let Some(message) = &m.message {
                    out.data("mss:Message", message);
                }
            }
            MssMessage::ReceiptResp(m) => {
                out.open(&name, &[("MajorVersion", major), ("MinorVersion", minor)]);
                out.header(&m.header);
                out.status(&m.status);
            }
        }
        out.close(&name);
        out.close(wrapper);
        Ok(())
    })
}

/// Encodes a fault as a SOAP 1.1 `soapenv:Fault`.
///
/// SOAP 1.1 has no subcodes, so the mapping of clause 9's SOAP 1.2 fault is:
/// `faultcode` = `soapenv:Client` (for `env:Sender`) or `soapenv:Server`
/// (for `env:Receiver`), the only codes SOAP 1.1 section 4.4.1 defines for
/// application errors; `faultstring` = the reason (the status name, as
/// Kiuru-based MSSPs such as Swisscom put in `env:Reason/env:Text`);
/// `detail` = a TS 102 204 `mss:Status` (`StatusCode/@Value` carries the
/// `_NNN` subcode's number, `StatusDetail` the detail text), so any
/// TS 102 204 parser can read it. The decoder also accepts the variants
/// other MSSPs emit (`faultcode` `mss:_101` or `Client.mss:_101`, or only a
/// status name in `faultstring`).
pub fn encode_fault(fault: &MssFault) -> String {
    let result = envelope(|out| {
        out.open("soapenv:Fault", &[]);
        out.leaf(
            "faultcode",
            &[],
            &format!("soapenv:{}", fault.code.soap11_name()),
        );
        out.leaf("faultstring", &[], &fault.reason);
        out.open("detail", &[]);
        let status = Status {
            code: fault.status,
            message: fault.status.name().map(str::to_owned),
            detail: fault.detail.clone(),
        };
        out.status(&status);
        out.close("detail");
        out.close("soapenv:Fault");
        Ok(())
    });
    // The closure has no failing path.
    result.unwrap_or_default()
}
