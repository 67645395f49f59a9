//! The AP side of TS 102 204: sends `MSS_SignatureReq` (clause 7.2),
//! `MSS_StatusReq` (clause 7.3) and `MSS_ReceiptReq` (clause 7.4) to an
//! MSSP, in the SOAP binding (clause 8) or the JSON binding of Kiuru-based
//! MSSPs, and reads the answer or the fault (clause 9). Works against
//! idgw's MSSP ([`crate::mssp`]) and, by the same wire format, others.
//!
//! [`Ap`] is the flow the OP's authenticator needs on top of it: by default
//! `asynchServerServer`, the outcome arriving at the AP's notification port
//! ([`notification::router`]); or `asynchClientServer` with status queries,
//! for MSSPs that offer only that. One scheduler serves every pending
//! transaction ([`ClientOutcome`]).
//!
//! HTTP: reqwest, no redirects followed, every call bounded in time. In the
//! SOAP binding a URL ending in `MSS_SignaturePort` has its status and
//! receipt calls sent to `MSS_StatusQueryPort` and `MSS_ReceiptPort` (the
//! WSDL's ports); any other URL receives all three operations.

mod ap;
mod outcome;
mod pending;

pub mod notification;

pub use crate::Binding;
pub use ap::{Ap, ApConfig, DEFAULT_FALLBACK_MARGIN, DEFAULT_POLL_INTERVAL, MAX_POLL_FAILURES};
pub use outcome::ClientOutcome;

use std::time::{Duration, SystemTime};

use crate::model::*;
use crate::time::xs_date_time;
use crate::{DecodeError, EncodeError, MssFault};

/// Time allowed for a status or receipt call, and added to `TimeOut` for a
/// signature call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an idle connection to the MSSP is kept for reuse.
pub const POOL_IDLE: Duration = Duration::from_secs(2);
/// Largest answer body read.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// `MSSP_Info/MSSP_ID/URI` sent unless [`MssClient::with_mssp_id`] says
/// otherwise (idgw's MSSP default).
pub const DEFAULT_MSSP_ID: &str = "http://idgw.local/mssp";

/// Why a call got no TS 102 204 answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL does not parse.
    #[error("invalid MSSP URL: {0}")]
    Url(String),
    /// Connecting, sending or reading failed, or the call timed out.
    #[error("transport: {0}")]
    Transport(String),
    /// No connection could be made to the MSSP (nor to any fallback): the
    /// request was not sent.
    #[error("transport: no MSSP could be connected to: {0}")]
    Unreachable(String),
    /// An HTTP status without a decodable TS 102 204 body.
    #[error("HTTP {status} from the MSSP")]
    Http {
        /// The HTTP status code.
        status: u16,
    },
    /// The answer is not a valid message of the binding.
    #[error("undecodable answer: {0}")]
    Decode(#[from] DecodeError),
    /// The request could not be written.
    #[error("cannot encode the request: {0}")]
    Encode(#[from] EncodeError),
    /// The MSSP answered with a fault (clause 9).
    #[error("fault {}: {}", .0.status, .0.detail.as_deref().unwrap_or(&.0.reason))]
    Fault(MssFault),
    /// A message of another type than the operation's response.
    #[error("unexpected answer {0}")]
    Unexpected(&'static str),
}

/// A TS 102 204 client for one AP at one MSSP, with optional fallback MSSP
/// URLs (nodes sharing the same transactions) tried in order when the MSSP
/// cannot be connected to.
#[derive(Clone)]
pub struct MssClient {
    http: reqwest::Client,
    url: reqwest::Url,
    fallbacks: Vec<reqwest::Url>,
    binding: Binding,
    ap_id: String,
    ap_pwd: String,
    mssp_id: String,
}

impl std::fmt::Debug for MssClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MssClient")
            .field("url", &self.url.as_str())
            .field(
                "fallbacks",
                &self
                    .fallbacks
                    .iter()
                    .map(|u| u.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("binding", &self.binding)
            .field("ap_id", &self.ap_id)
            .field("ap_pwd", &"<redacted>")
            .finish()
    }
}

/// Which operation a call is, for the SOAP port it goes to.
#[derive(Clone, Copy)]
enum Operation {
    Signature,
    StatusQuery,
    Receipt,
}

impl MssClient {
    /// A client for the MSSP at `url`. `binding` `None` picks it from the
    /// URL ([`Binding::from_url`]).
    pub fn new(
        url: &str,
        binding: Option<Binding>,
        ap_id: impl Into<String>,
        ap_pwd: impl Into<String>,
    ) -> Result<MssClient, ClientError> {
        let url = reqwest::Url::parse(url).map_err(|e| ClientError::Url(e.to_string()))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            // Drop a kept-alive connection before the server's idle timeout does (idgw's
            // MSSP: 5 s by default), so that a request never races the server's close.
            .pool_idle_timeout(POOL_IDLE)
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(MssClient {
            http,
            binding: binding.unwrap_or_else(|| Binding::from_url(&url)),
            url,
            fallbacks: Vec::new(),
            ap_id: ap_id.into(),
            ap_pwd: ap_pwd.into(),
            mssp_id: DEFAULT_MSSP_ID.into(),
        })
    }

    /// Sets the `MSSP_ID` URI sent in requests (some MSSPs check it).
    pub fn with_mssp_id(mut self, mssp_id: impl Into<String>) -> MssClient {
        self.mssp_id = mssp_id.into();
        self
    }

    /// MSSPs to try, in order, when the one before cannot be connected to
    /// (MSSP nodes sharing their transactions, so a retried `AP_TransID`
    /// joins its transaction and any node answers `MSS_StatusQuery`). Same
    /// binding as the first URL.
    pub fn with_fallbacks(mut self, urls: &[String]) -> Result<MssClient, ClientError> {
        for url in urls {
            let url = reqwest::Url::parse(url).map_err(|e| ClientError::Url(e.to_string()))?;
            self.fallbacks.push(url);
        }
        Ok(self)
    }

    /// The binding in use.
    pub fn binding(&self) -> Binding {
        self.binding
    }

    /// The `AP_ID` this client sends.
    pub fn ap_id(&self) -> &str {
        &self.ap_id
    }

    /// A request header for `ap_trans_id`, stamped with the wall clock.
    pub fn header(&self, ap_trans_id: impl Into<String>) -> MessageAbstract {
        MessageAbstract {
            major_version: MAJOR_VERSION,
            minor_version: MINOR_VERSION,
            ap_info: ApInfo {
                ap_id: self.ap_id.clone(),
                ap_trans_id: ap_trans_id.into(),
                ap_pwd: Some(self.ap_pwd.clone()),
                instant: xs_date_time(SystemTime::now()),
                ap_url: None,
            },
            mssp_info: MsspInfo {
                mssp_id: MeshMember::uri(&self.mssp_id),
                instant: None,
            },
        }
    }

    fn endpoint(&self, base: &reqwest::Url, op: Operation) -> reqwest::Url {
        let port = match op {
            Operation::Signature => return base.clone(),
            Operation::StatusQuery => "MSS_StatusQueryPort",
            Operation::Receipt => "MSS_ReceiptPort",
        };
        let mut url = base.clone();
        if self.binding == Binding::Soap {
            if let Some(base) = url.path().strip_suffix("MSS_SignaturePort") {
                let path = format!("{base}{port}");
                url.set_path(&path);
            }
        }
        url
    }

    /// Posts `message` to the MSSP, or to the first fallback that can be
    /// connected to, and decodes the answer; a fault is an error.
    async fn call(
        &self,
        op: Operation,
        message: &MssMessage,
        timeout: Duration,
    ) -> Result<MssMessage, ClientError> {
        let mut reasons = Vec::new();
        for base in std::iter::once(&self.url).chain(&self.fallbacks) {
            match self.call_at(base, op, message, timeout).await {
                Err(ClientError::Unreachable(reason)) => {
                    tracing::warn!(mssp = %base, %reason, "MSSP unreachable");
                    reasons.push(reason);
                }
                answered => return answered,
            }
        }
        Err(ClientError::Unreachable(reasons.join("; ")))
    }

    async fn call_at(
        &self,
        base: &reqwest::Url,
        op: Operation,
        message: &MssMessage,
        timeout: Duration,
    ) -> Result<MssMessage, ClientError> {
        let body = self.binding.encode(message)?;
        let mut request = self
            .http
            .post(self.endpoint(base, op))
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, self.binding.content_type())
            .body(body);
        if self.binding == Binding::Soap {
            // SOAP 1.1 section 6.1.1: the header must be present.
            request = request.header("SOAPAction", "\"\"");
        }
        let transport = |e: reqwest::Error| ClientError::Transport(e.to_string());
        let mut response = request.send().await.map_err(|e| {
            if e.is_connect() {
                ClientError::Unreachable(e.to_string())
            } else {
                transport(e)
            }
        })?;
        let status = response.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ClientError::Transport(format!(
                    "answer over {MAX_RESPONSE_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        match self.binding.decode(&bytes) {
            Ok(Envelope::Fault(fault)) => Err(ClientError::Fault(fault)),
            Ok(Envelope::Message(m)) if status.is_success() => Ok(m),
            Err(e) if status.is_success() => Err(ClientError::Decode(e)),
            _ => Err(ClientError::Http {
                status: status.as_u16(),
            }),
        }
    }

    /// Sends `MSS_SignatureReq` (clause 7.2). The HTTP call may last the
    /// request's `TimeOut` (synch mode) plus [`REQUEST_TIMEOUT`].
    pub async fn signature(&self, req: &MssSignatureReq) -> Result<MssSignatureResp, ClientError> {
        let wait = Duration::from_secs(req.time_out.unwrap_or(120).into()) + REQUEST_TIMEOUT;
        let message = MssMessage::SignatureReq(req.clone());
        match self.call(Operation::Signature, &message, wait).await? {
            MssMessage::SignatureResp(resp) => Ok(resp),
            other => Err(ClientError::Unexpected(other.element_name())),
        }
    }

    /// Sends `MSS_StatusReq` (clause 7.3) for `mssp_trans_id`, with a fresh
    /// `AP_TransID`.
    pub async fn status(&self, mssp_trans_id: &str) -> Result<MssStatusResp, ClientError> {
        let message = MssMessage::StatusReq(MssStatusReq {
            header: self.header(fresh_ap_trans_id("S")),
            mssp_trans_id: mssp_trans_id.to_owned(),
        });
        match self
            .call(Operation::StatusQuery, &message, REQUEST_TIMEOUT)
            .await?
        {
            MssMessage::StatusResp(resp) => Ok(resp),
            other => Err(ClientError::Unexpected(other.element_name())),
        }
    }

    /// Sends `MSS_ReceiptReq` (clause 7.4) for an ended transaction, with
    /// an optional text for the user.
    pub async fn receipt(
        &self,
        mssp_trans_id: &str,
        msisdn: &str,
        message: Option<&str>,
    ) -> Result<MssReceiptResp, ClientError> {
        let request = MssMessage::ReceiptReq(MssReceiptReq {
            header: self.header(fresh_ap_trans_id("R")),
            mobile_user: MobileUser {
                msisdn: msisdn.to_owned(),
            },
            status: None,
            message: message.map(Data::text),
            mssp_trans_id: mssp_trans_id.to_owned(),
        });
        match self
            .call(Operation::Receipt, &request, REQUEST_TIMEOUT)
            .await?
        {
            MssMessage::ReceiptResp(resp) => Ok(resp),
            other => Err(ClientError::Unexpected(other.element_name())),
        }
    }
}

impl MssClient {
    /// The `AP_TransID` of the AP's own transaction `reference` (the OP's `auth_req_id`):
    /// the same every time (a request handed over again joins its MSSP transaction), an
    /// NCName, and keyed with the AP's password, so that who knows `reference` (the OP's
    /// client) cannot name the transaction in a forged notification.
    pub fn ap_trans_id_for(&self, reference: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.ap_pwd.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(b"idgw AP_TransID\0");
        mac.update(reference.as_bytes());
        format!("A{}", hex::encode(&mac.finalize().into_bytes()[..16]))
    }
}

/// A random `AP_TransID` (an NCName) for status and receipt calls.
pub fn fresh_ap_trans_id(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 8]>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_and_ports_from_url() {
        let soap = MssClient::new(
            "http://127.0.0.1:8082/soap/services/MSS_SignaturePort",
            None,
            "ap",
            "pwd",
        )
        .unwrap();
        assert_eq!(soap.binding(), Binding::Soap);
        assert_eq!(
            soap.endpoint(&soap.url, Operation::StatusQuery).path(),
            "/soap/services/MSS_StatusQueryPort"
        );
        assert_eq!(
            soap.endpoint(&soap.url, Operation::Receipt).path(),
            "/soap/services/MSS_ReceiptPort"
        );
        let rest = MssClient::new("http://127.0.0.1:8082/rest/service", None, "ap", "pwd").unwrap();
        assert_eq!(rest.binding(), Binding::Json);
        assert_eq!(
            rest.endpoint(&rest.url, Operation::StatusQuery).path(),
            "/rest/service"
        );
        assert!(!format!("{rest:?}").contains("pwd\""));
        assert!(matches!(
            MssClient::new("not a url", None, "ap", "pwd"),
            Err(ClientError::Url(_))
        ));
    }
}
