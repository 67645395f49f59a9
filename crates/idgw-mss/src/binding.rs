//! The two bindings idgw speaks TS 102 204 in, for every sender and receiver
//! of messages: the MSSP's endpoints, the AP client, the MSSP's notifications
//! (asynchServerServer) and the AP's notification endpoint.

use crate::model::{Envelope, MssMessage, MssReceiptReq, MssStatusResp};
use crate::{json, soap, DecodeError, EncodeError, MssFault};

/// Which binding a peer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binding {
    /// SOAP 1.1 (clause 8).
    Soap,
    /// Kiuru/Swisscom JSON.
    Json,
}

impl Binding {
    /// The binding of a URL: JSON if its path contains `/rest/`, else SOAP.
    pub fn from_url(url: &reqwest::Url) -> Binding {
        if url.path().contains("/rest/") {
            Binding::Json
        } else {
            Binding::Soap
        }
    }

    /// The name stored for it: `soap` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::Soap => "soap",
            Binding::Json => "json",
        }
    }

    /// Parses [`Binding::as_str`].
    pub fn parse(value: &str) -> Option<Binding> {
        match value {
            "soap" => Some(Binding::Soap),
            "json" => Some(Binding::Json),
            _ => None,
        }
    }

    /// The `Content-Type` of its bodies.
    pub fn content_type(self) -> &'static str {
        match self {
            Binding::Soap => "text/xml; charset=utf-8",
            Binding::Json => "application/json",
        }
    }

    /// The largest body its decoder accepts.
    pub fn limit(self) -> usize {
        match self {
            Binding::Soap => soap::MAX_XML_BYTES,
            Binding::Json => json::MAX_JSON_BYTES,
        }
    }

    /// A message or a fault.
    pub fn decode(self, body: &[u8]) -> Result<Envelope, DecodeError> {
        match self {
            Binding::Soap => soap::decode(body),
            Binding::Json => json::decode(body),
        }
    }

    /// `message` in its operation (SOAP: its usual wrapper).
    pub fn encode(self, message: &MssMessage) -> Result<String, EncodeError> {
        match self {
            Binding::Soap => soap::encode(message),
            Binding::Json => Ok(json::encode(message)),
        }
    }

    /// The MSSP's notification to the AP (asynchServerServer).
    pub fn encode_notification(self, resp: &MssStatusResp) -> Result<String, EncodeError> {
        match self {
            Binding::Soap => soap::encode_notification(resp),
            Binding::Json => Ok(json::encode(&MssMessage::StatusResp(resp.clone()))),
        }
    }

    /// The AP's receipt answering a notification.
    pub fn encode_notification_ack(self, ack: &MssReceiptReq) -> Result<String, EncodeError> {
        match self {
            Binding::Soap => soap::encode_notification_ack(ack),
            Binding::Json => Ok(json::encode(&MssMessage::ReceiptReq(ack.clone()))),
        }
    }

    /// A fault (clause 9).
    pub fn encode_fault(self, fault: &MssFault) -> String {
        match self {
            Binding::Soap => soap::encode_fault(fault),
            Binding::Json => json::encode_fault(fault),
        }
    }
}
