//! # idgw-mss: ETSI TS 102 204 v1.1.2 messages, codecs, MSSP and AP client
//!
//! idgw's Mobile Signature Service (see DESIGN.md, section 2). Layers, each
//! depending only on those above it:
//!
//! **Codec** (pure, no I/O):
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
//! - [`profile`]: idgw's two `SignatureProfile` URIs,
//!   `http://idgw.local/profiles/sim-pin` (PIN asked; the default) and
//!   `http://idgw.local/profiles/sim-ok` (OK/Cancel).
//! - [`time`]: `xs:dateTime` text for `Instant`.
//!
//! **Domain**: [`mssp::Mssp`], the MSSP (clauses 7.2 to 7.4): AP registry
//! (104 for unknown AP or wrong password), subscribers' applet keys through
//! [`mssp::AppletKeys`] (105 for an unknown MSISDN), `AP_TransID` uniqueness
//! with idempotent retries, `TimeOut` (default 120 s, cap 300 s, then 208),
//! `synch`, `asynchClientServer` and `asynchServerServer` modes (the final
//! status delivered to the AP's `AP_URL`, retried with backoff, kept with the
//! transaction so another node or a restart delivers it), receipts; challenges go to the
//! SIM through [`mssp::OtaPlatform`] (failure: 209) and answers come back
//! through [`mssp::Mssp::on_answer`] (MAC and nonce checked, anything else
//! ignored). Transactions live behind [`mssp::MsspTransactions`] (in memory
//! by default, [`mssp::MemoryTransactions`]; idgw keeps them in its store, so
//! several MSSP nodes share them), purged 10 min after they end.
//!
//! **Services**:
//!
//! - [`mssp::http::router`]: the MSSP on HTTP (the caller owns listener and
//!   shutdown): SOAP 1.1 at `POST /soap/services/MSS_SignaturePort`,
//!   `/soap/services/MSS_StatusQueryPort`, `/soap/services/MSS_ReceiptPort`
//!   (any operation at any of them), JSON at `POST /rest/service`. Faults:
//!   SOAP with HTTP 500, JSON with HTTP 400 (request at fault) or 500.
//! - [`mssp::notify::run`]: the MSSP's notifier task (asynchServerServer
//!   deliveries and their retries, expiry at `TimeOut`).
//! - [`client::MssClient`]: the AP side, SOAP or JSON (from the URL: a path
//!   with `/rest/` is JSON), no redirects, bounded calls.
//! - [`client::Ap`]: the OP's authentication flow on it, asynchServerServer
//!   by default (the outcome arrives at [`client::notification::router`]) or
//!   asynchClientServer polling, one scheduler for every pending transaction,
//!   reporting a [`client::ClientOutcome`].
//! - [`Binding`]: SOAP or JSON, for every sender and receiver.
//!
//! Clause numbers in doc comments were written without the spec text at
//! hand; where one matters, check it against the TS 102 204 v1.1.2 PDF.
//! The wire spellings were checked against the v1.1.2 XSD as used by public
//! clients and Swisscom's public Mobile ID reference.
//!
//! [`trace`]: the MSSP reports each step of a transaction by MSISDN
//! ([`trace::Trace`], [`mssp::Mssp::with_trace`]) for `idgw trace`.
//!
//! Fuzz targets for the three decoders are in `fuzz/` (cargo-fuzz).
//! End-to-end tests (MSSP on `127.0.0.1:0`, fake OTA platform answering
//! with applet-codec answers, both bindings) are in `tests/mssp_e2e/`.
//!
//! Every message the codecs write validates against the TS 102 204 v1.1.2
//! XML schema (`schema/`, checked with `xmllint` by the `schema_validity`
//! tests).
//!
//! Not here: `MSS_Registration`, `MSS_ProfileQuery`, `MSS_Handshake`, the
//! SOAP 1.2 encoder (SOAP 1.2 requests are read and answered in SOAP 1.1),
//! showing receipts on the phone.

pub mod applet;
pub mod binding;
pub mod client;
mod endpoint;
pub mod error;
pub mod json;
pub mod model;
pub mod mssp;
pub mod profile;
pub mod soap;
pub mod status;
pub mod time;
pub mod trace;

pub use binding::Binding;
pub use error::{DecodeError, EncodeError};
pub use model::*;
pub use status::{FaultCode, MssFault, StatusCode};

#[cfg(test)]
mod testdata;
