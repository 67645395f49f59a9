//! The TS 102 204 v1.1.2 message model (clause 6, "Message formats"): plain
//! data, no I/O, no codec logic. Rust names follow the spec's names
//! (`AP_TransID` -> `ap_trans_id`); the spec name is in each doc comment and
//! is what the codecs put on the wire.
//!
//! Date-times (`Instant`, `ValidityDate`) are kept as the `xs:dateTime` text
//! received; callers that need a time parse it themselves.

mod messages;

pub use messages::*;

use std::fmt;

/// `MessagingMode` (clause 6.2.1): how the AP gets the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessagingMode {
    /// `synch`: the signature comes back in the `MSS_SignatureResp`.
    Synch,
    /// `asynchClientServer`: the AP polls with `MSS_StatusReq`.
    AsynchClientServer,
    /// `asynchServerServer`: the MSSP calls the AP back (`MSS_StatusResp`
    /// via `MSS_Notification`).
    AsynchServerServer,
}

impl MessagingMode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            MessagingMode::Synch => "synch",
            MessagingMode::AsynchClientServer => "asynchClientServer",
            MessagingMode::AsynchServerServer => "asynchServerServer",
        }
    }

    /// Parses the wire value. `asynch` is accepted as `asynchClientServer`
    /// because Swisscom's JSON binding spells it that way.
    pub fn parse(value: &str) -> Option<MessagingMode> {
        match value {
            "synch" => Some(MessagingMode::Synch),
            "asynchClientServer" | "asynch" => Some(MessagingMode::AsynchClientServer),
            "asynchServerServer" => Some(MessagingMode::AsynchServerServer),
            _ => None,
        }
    }
}

/// `AP_Info` (clause 6.2.1): who the Application Provider is.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ApInfo {
    /// `AP_ID` (anyURI): the AP's identifier.
    pub ap_id: String,
    /// `AP_TransID` (NCName): the AP's transaction reference.
    pub ap_trans_id: String,
    /// `AP_PWD`: the AP's password. Redacted in `Debug`. The XSD requires the
    /// attribute on every message (`MessageAbstractType`): `None` is written as
    /// an empty `AP_PWD`, and an empty one is read as `None`. MSSPs answer with
    /// an empty one, never echoing the AP's password.
    pub ap_pwd: Option<String>,
    /// `Instant` (xs:dateTime): when the AP sent the request.
    pub instant: String,
    /// `AP_URL` (anyURI, optional): the AP's callback for asynchServerServer.
    pub ap_url: Option<String>,
}

impl fmt::Debug for ApInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApInfo")
            .field("ap_id", &self.ap_id)
            .field("ap_trans_id", &self.ap_trans_id)
            .field("ap_pwd", &self.ap_pwd.as_ref().map(|_| "<redacted>"))
            .field("instant", &self.instant)
            .field("ap_url", &self.ap_url)
            .finish()
    }
}

/// `MeshMemberType` (clause 6.2.2): how a mesh member (here an MSSP) is
/// named. At least one form is normally present; `URI` is the common one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MeshMember {
    /// `DNSName`.
    pub dns_name: Option<String>,
    /// `IPAddress`.
    pub ip_address: Option<String>,
    /// `URI`.
    pub uri: Option<String>,
    /// `IdentifierString`.
    pub identifier_string: Option<String>,
}

impl MeshMember {
    /// A member named by `URI` only.
    pub fn uri(uri: impl Into<String>) -> MeshMember {
        MeshMember {
            uri: Some(uri.into()),
            ..MeshMember::default()
        }
    }
}

/// `MSSP_Info` (clause 6.2.1): which MSSP is addressed / answered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MsspInfo {
    /// `MSSP_ID`.
    pub mssp_id: MeshMember,
    /// `Instant` (xs:dateTime): set by the MSSP in responses.
    pub instant: Option<String>,
}

/// `MobileUser` (clause 6.2.3): whose key signs. The XSD makes every child
/// optional; idgw addresses users by MSISDN and so requires `MSISDN`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MobileUser {
    /// `MSISDN`: the user's number, international format without `+`.
    pub msisdn: String,
}

/// `DataType` (clause 6.2.4): `DataToBeSigned`, `DataToBeDisplayed`, the
/// receipt `Message`: text content with `MimeType` and `Encoding` attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Data {
    /// `MimeType` (e.g. `text/plain`).
    pub mime_type: Option<String>,
    /// `Encoding` (e.g. `UTF-8`, `base64`).
    pub encoding: Option<String>,
    /// The content.
    pub data: String,
}

impl Data {
    /// Plain UTF-8 text, as most APs send it.
    pub fn text(data: impl Into<String>) -> Data {
        Data {
            mime_type: Some("text/plain".into()),
            encoding: Some("UTF-8".into()),
            data: data.into(),
        }
    }
}

/// One `AdditionalServices/Service` (clause 6.2.1): identified by its
/// `Description/mssURI`. Service-specific content is not modelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdditionalService {
    /// `Description/mssURI`.
    pub description: String,
}

/// `MSS_Signature` (clause 6.2.5, `SignatureType`): the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MssSignature {
    /// `Base64Signature`: e.g. a CMS/PKCS#7 signature, decoded to bytes.
    Base64(Vec<u8>),
    /// `ds:Signature`: an XML-DSig signature kept as its XML text. Namespace
    /// declarations made on ancestors are not copied into it.
    XmlDsig(String),
}

/// `Status` (clause 6.2.8): the outcome carried in responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `StatusCode/@Value`.
    pub code: crate::StatusCode,
    /// `StatusMessage`: by convention the status name.
    pub message: Option<String>,
    /// `StatusDetail`: free content, kept as text. The XSD allows only
    /// elements in it (`StatusDetailType`), so the SOAP codec writes the text
    /// inside an `idgw:Detail` element ([`crate::soap::IDGW_EXT_NS`]) and reads
    /// back the text of whatever it holds.
    pub detail: Option<String>,
}

impl Status {
    /// A status with the code's spec name as message and no detail.
    pub fn new(code: crate::StatusCode) -> Status {
        Status {
            code,
            message: code.name().map(str::to_owned),
            detail: None,
        }
    }
}
