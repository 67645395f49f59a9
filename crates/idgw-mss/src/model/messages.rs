//! The six messages of TS 102 204 v1.1.2 used by idgw: MSS_Signature
//! (clause 7.2), MSS_StatusQuery (clause 7.3) and MSS_Receipt (clause 7.4),
//! each as request and response.

use super::{
    AdditionalService, ApInfo, Data, MessagingMode, MobileUser, MssSignature, MsspInfo, Status,
};

/// The TS 102 204 version idgw speaks: `MajorVersion="1"`.
pub const MAJOR_VERSION: u32 = 1;
/// The TS 102 204 version idgw speaks: `MinorVersion="1"`.
pub const MINOR_VERSION: u32 = 1;

/// `MessageAbstractType` (clause 6.1): what every message starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageAbstract {
    /// `MajorVersion` attribute.
    pub major_version: u32,
    /// `MinorVersion` attribute.
    pub minor_version: u32,
    /// `AP_Info`.
    pub ap_info: ApInfo,
    /// `MSSP_Info`.
    pub mssp_info: MsspInfo,
}

/// `MSS_SignatureReq` (clause 7.2.1): the AP asks for a mobile signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssSignatureReq {
    /// Versions, `AP_Info`, `MSSP_Info`.
    pub header: MessageAbstract,
    /// `MobileUser`.
    pub mobile_user: MobileUser,
    /// `DataToBeSigned` (mandatory).
    pub data_to_be_signed: Data,
    /// `DataToBeDisplayed` (optional).
    pub data_to_be_displayed: Option<Data>,
    /// `SignatureProfile/mssURI`.
    pub signature_profile: Option<String>,
    /// `AdditionalServices/Service`.
    pub additional_services: Vec<AdditionalService>,
    /// `MSS_Format/mssURI`: the requested signature format.
    pub mss_format: Option<String>,
    /// `ValidityDate` attribute (xs:dateTime).
    pub validity_date: Option<String>,
    /// `TimeOut` attribute: seconds the AP is willing to wait.
    pub time_out: Option<u32>,
    /// `MessagingMode` attribute (mandatory).
    pub messaging_mode: MessagingMode,
}

/// `MSS_SignatureResp` (clause 7.2.2): the MSSP's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssSignatureResp {
    /// Versions, `AP_Info`, `MSSP_Info`.
    pub header: MessageAbstract,
    /// `MobileUser`.
    pub mobile_user: MobileUser,
    /// `MSS_Signature`: present in synch mode on success.
    pub mss_signature: Option<MssSignature>,
    /// `SignatureProfile/mssURI`: the profile actually used.
    pub signature_profile: Option<String>,
    /// `Status`.
    pub status: Status,
    /// `MSSP_TransID` attribute: the MSSP's transaction reference.
    pub mssp_trans_id: String,
}

/// `MSS_StatusReq` (clause 7.3.1): the AP polls an asynchronous transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssStatusReq {
    /// Versions, `AP_Info`, `MSSP_Info`.
    pub header: MessageAbstract,
    /// `MSSP_TransID` attribute: the transaction asked about.
    pub mssp_trans_id: String,
}

/// `MSS_StatusResp` (clause 7.3.2): the transaction's state, with the
/// signature once there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssStatusResp {
    /// Versions, `AP_Info`, `MSSP_Info`.
    pub header: MessageAbstract,
    /// `MobileUser`.
    pub mobile_user: MobileUser,
    /// `MSS_Signature`.
    pub mss_signature: Option<MssSignature>,
    /// `Status`: 504 OUTSTANDING_TRANSACTION while pending, 500 SIGNATURE.
    pub status: Status,
}

/// `MSS_ReceiptReq` (clause 7.4.1): the AP tells the user the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssReceiptReq {
    /// Versions, `AP_Info`, `MSSP_Info`.
    pub header: MessageAbstract,
    /// `MobileUser`.
    pub mobile_user: MobileUser,
    /// `Status` (optional).
    pub status: Option<Status>,
    /// `Message` (optional): text shown to the user.
    pub message: Option<Data>,
    /// `MSSP_TransID` attribute: the transaction this receipt is for.
    pub mssp_trans_id: String,
}

/// `MSS_ReceiptResp` (clause 7.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssReceiptResp {
    /// Versions, `AP_Info`, `MSSP_Info`.
    pub header: MessageAbstract,
    /// `Status`.
    pub status: Status,
}

/// Any of the messages, as a codec decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MssMessage {
    /// `MSS_SignatureReq`.
    SignatureReq(MssSignatureReq),
    /// `MSS_SignatureResp`.
    SignatureResp(MssSignatureResp),
    /// `MSS_StatusReq`.
    StatusReq(MssStatusReq),
    /// `MSS_StatusResp`.
    StatusResp(MssStatusResp),
    /// `MSS_ReceiptReq`.
    ReceiptReq(MssReceiptReq),
    /// `MSS_ReceiptResp`.
    ReceiptResp(MssReceiptResp),
}

impl MssMessage {
    /// The spec element name: `MSS_SignatureReq`, ...
    pub fn element_name(&self) -> &'static str {
        match self {
            MssMessage::SignatureReq(_) => "MSS_SignatureReq",
            MssMessage::SignatureResp(_) => "MSS_SignatureResp",
            MssMessage::StatusReq(_) => "MSS_StatusReq",
            MssMessage::StatusResp(_) => "MSS_StatusResp",
            MssMessage::ReceiptReq(_) => "MSS_ReceiptReq",
            MssMessage::ReceiptResp(_) => "MSS_ReceiptResp",
        }
    }

    /// The common part.
    pub fn header(&self) -> &MessageAbstract {
        match self {
            MssMessage::SignatureReq(m) => &m.header,
            MssMessage::SignatureResp(m) => &m.header,
            MssMessage::StatusReq(m) => &m.header,
            MssMessage::StatusResp(m) => &m.header,
            MssMessage::ReceiptReq(m) => &m.header,
            MssMessage::ReceiptResp(m) => &m.header,
        }
    }
}

/// What a codec decodes: a message or a fault.
// Short-lived and matched immediately: boxing the message would only cost.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// A TS 102 204 message.
    Message(MssMessage),
    /// A fault (clause 9).
    Fault(crate::MssFault),
}
