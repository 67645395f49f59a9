//! The SOAP binding of TS 102 204 v1.1.2 (clause 8 and the WSDL of annex
//! A/B): each message travels in a SOAP envelope, inside its operation's
//! wrapper element (`MSS_Signature` / `MSS_SignatureResponse`,
//! `MSS_StatusQuery` / `MSS_StatusQueryResponse`, `MSS_Receipt` /
//! `MSS_ReceiptResponse`, and for asynchServerServer `MSS_Notification` /
//! `MSS_NotificationResponse`), and errors travel as SOAP faults (clause 9).
//!
//! [`encode`] writes SOAP 1.1 (`http://schemas.xmlsoap.org/soap/envelope/`),
//! [`decode`] reads SOAP 1.1 and 1.2. Decode errors carry the status the
//! MSSP must answer ([`crate::DecodeError::status`]).

pub(crate) mod dom;

mod decode;
mod encode;

pub use decode::decode;
pub use dom::{MAX_DEPTH, MAX_ELEMENTS, MAX_XML_BYTES};
pub use encode::{encode, encode_fault, encode_notification, encode_notification_ack};

/// The TS 102 204 v1.1.2 namespace (prefix `mss`).
pub const MSS_NS: &str = "http://uri.etsi.org/TS102204/v1.1.2#";
/// XML-DSig (prefix `ds`), for `MSS_Signature/ds:Signature`.
pub const XMLDSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace (read only).
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// idgw's own elements (prefix `idgw`), where TS 102 204 leaves room for
/// extensions: `StatusDetail` holds `idgw:Detail` with the detail text.
pub const IDGW_EXT_NS: &str = "http://idgw.local/TS102204/ext#";

/// (message element, operation wrapper element).
const OPERATIONS: [(&str, &str); 6] = [
    ("MSS_SignatureReq", "MSS_Signature"),
    ("MSS_SignatureResp", "MSS_SignatureResponse"),
    ("MSS_StatusReq", "MSS_StatusQuery"),
    ("MSS_StatusResp", "MSS_StatusQueryResponse"),
    ("MSS_ReceiptReq", "MSS_Receipt"),
    ("MSS_ReceiptResp", "MSS_ReceiptResponse"),
];

/// The `MSS_Notification` operation of asynchServerServer mode: the MSSP's
/// `MSS_StatusResp` in, the AP's `MSS_ReceiptReq` back.
const NOTIFICATION: (&str, &str) = ("MSS_Notification", "MSS_NotificationResponse");

fn wrapper_for(message: &str) -> &'static str {
    OPERATIONS
        .iter()
        .find(|(m, _)| *m == message)
        .map(|(_, w)| *w)
        .unwrap_or("MSS_Signature")
}

fn is_wrapper(name: &str) -> bool {
    OPERATIONS.iter().any(|(_, w)| *w == name) || name == NOTIFICATION.0 || name == NOTIFICATION.1
}

#[cfg(test)]
mod tests;
