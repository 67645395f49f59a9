//! # idgw-mss: ETSI TS 102 204 v1.1.2 messages and codecs
//!
//! The wire layer of idgw's Mobile Signature Service (see DESIGN.md, section
//! 2: "codec" layer, pure, no I/O). What is here:
//!
//! - [`model`]: the TS 102 204 v1.1.2 messages (clause 6/7):
//!   [`MssSignatureReq`] / [`MssSignatureResp`], [`MssStatusReq`] /
//!   [`MssStatusResp`], [`MssReceiptReq`] / [`MssReceiptResp`], with
//!   `AP_Info`, `MSSP_Info`, `MobileUser`, `DataToBeSigned`, `Status`, ...
//!   Rust names (`ap_trans_id`), spec names in docs and on the wire.
//! - [`status`]: every status code of clause 6.2.8 ([`StatusCode`], with
//!   name and default message) and the faults of clause 9 ([`MssFault`]:
//!   `Sender`/`Receiver` + `mss:_NNN` subcode).
//! - [`soap`]: the SOAP binding. Encodes SOAP 1.1 envelopes (operation
//!   wrappers `MSS_Signature`, `MSS_StatusQuery`, `MSS_Receipt` and their
//!   `...Response`); decodes SOAP 1.1 and 1.2 (as Swisscom/Kiuru MSSPs
//!   answer), any prefixes, whitespace, attribute order; refuses DOCTYPE
//!   (no XXE), caps size (256 KiB), depth and element count. SOAP 1.1 faults
//!   are written as `soapenv:Client`/`soapenv:Server` with the status
//!   (`mss:Status`) in `detail`, see [`soap::encode_fault`].
//! - [`json`]: the JSON binding of Kiuru MSSP / Swisscom Mobile ID
//!   (`{"MSS_SignatureReq": {...}}`, `{"Fault": {...}}`).
//! - [`DecodeError`]: both decoders classify failures so the MSSP answers the
//!   right fault: malformed or unknown element 101 WRONG_PARAM, missing
//!   element 102 MISSING_PARAM, oversized 103 WRONG_DATA_LENGTH, wrong
//!   MajorVersion 108 INCOMPATIBLE_INTERFACE ([`DecodeError::to_fault`]).
//!   Requests are decoded strictly, responses leniently.
//! - [`applet`]: idgw's own challenge/answer format between the MSSP and the
//!   SIM applet (inside the OTA secured packet), MACed with truncated
//!   HMAC-SHA256 under the subscriber's applet key; fits three SMS with up
//!   to [`applet::MAX_DISPLAY_TEXT_LEN`] (304) octets of display text.
//!
//! Clause numbers in doc comments were written without the spec text at
//! hand; where one matters, check it against the TS 102 204 v1.1.2 PDF.
//! The wire spellings were checked against the v1.1.2 XSD as used by public
//! clients and Swisscom's public Mobile ID reference.
//!
//! Fuzz targets for the three decoders are in `fuzz/` (cargo-fuzz).
//!
//! Not here: the MSSP HTTP service and the AP-side client (they use these
//! codecs), `MSS_Registration`, `MSS_ProfileQuery`, `MSS_Notification`,
//! `MSS_Handshake`, and the SOAP 1.2 encoder.

pub mod applet;
pub mod client;
pub mod error;
pub mod json;
pub mod model;
pub mod mssp;
pub mod profile;
pub mod soap;
pub mod status;
pub mod time;

pub use error::{DecodeError, EncodeError};
pub use model::*;
pub use status::{FaultCode, MssFault, StatusCode};

#[cfg(test)]
mod testdata;
