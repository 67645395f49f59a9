//! Status and fault codes of ETSI TS 102 204 v1.1.2, clause 6.2.8 (StatusCode
//! values) and clause 9 / annex on the SOAP fault mapping.
//!
//! Every code listed in the table of clause 6.2.8 is a variant of
//! [`StatusCode`]; codes outside the table (national extensions such as
//! FiCom's 2-level codes, Swisscom's 450) survive a round trip as
//! [`StatusCode::Other`].
//!
//! Faults ([`MssFault`]) carry one of these codes. Clause 9 uses SOAP 1.2
//! faults: `env:Code/env:Value` is `env:Sender` for errors caused by the
//! request (1xx) and `env:Receiver` for errors on the MSSP side or in the
//! mobile user's equipment; `env:Subcode/env:Value` is `mss:_NNN`.

use std::fmt;

/// A TS 102 204 status code (clause 6.2.8, table "Status codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// 100 REQUEST_OK: the request has been accepted (asynchronous modes).
    RequestOk,
    /// 101 WRONG_PARAM: an error in the request's parameters.
    WrongParam,
    /// 102 MISSING_PARAM: a mandatory parameter is missing.
    MissingParam,
    /// 103 WRONG_DATA_LENGTH: DataToBeSigned is too large.
    WrongDataLength,
    /// 104 UNAUTHORIZED_ACCESS: the AP is unknown or its password/IP is wrong.
    UnauthorizedAccess,
    /// 105 UNKNOWN_CLIENT: the MSISDN is unknown to the MSSP.
    UnknownClient,
    /// 107 INAPPROPRIATE_DATA: the DataToBeSigned/Displayed cannot be handled.
    InappropriateData,
    /// 108 INCOMPATIBLE_INTERFACE: MajorVersion/MinorVersion not supported.
    IncompatibleInterface,
    /// 109 UNSUPPORTED_PROFILE: the SignatureProfile is not supported.
    UnsupportedProfile,
    /// 208 EXPIRED_TRANSACTION: the transaction timed out.
    ExpiredTransaction,
    /// 209 OTA_ERROR: a problem on the over-the-air channel to the SIM.
    OtaError,
    /// 401 USER_CANCEL: the user cancelled on the handset.
    UserCancel,
    /// 402 PIN_NR_BLOCKED: the signing PIN is blocked.
    PinNrBlocked,
    /// 403 CARD_BLOCKED: the SIM card is blocked.
    CardBlocked,
    /// 404 NO_KEY_FOUND: no key for the requested profile on the SIM.
    NoKeyFound,
    /// 406 PB_SIGNATURE_PROCESS: a problem in the signature process (e.g.
    /// another signature is in progress for this user).
    PbSignatureProcess,
    /// 422 NO_CERT_FOUND: no certificate for the user's key.
    NoCertFound,
    /// 500 SIGNATURE: the signature is in the response.
    Signature,
    /// 501 REVOKED_CERTIFICATE: the user's certificate is revoked.
    RevokedCertificate,
    /// 502 VALID_SIGNATURE: the MSSP verified the signature (receipt/verify).
    ValidSignature,
    /// 503 INVALID_SIGNATURE: the MSSP found the signature invalid.
    InvalidSignature,
    /// 504 OUTSTANDING_TRANSACTION: asynchronous transaction still pending.
    OutstandingTransaction,
    /// 900 INTERNAL_ERROR: an unspecified error in the MSSP.
    InternalError,
    /// A code outside the TS 102 204 table, kept as received.
    Other(u16),
}

/// (code, variant, name, default message) for every standard code.
const TABLE: &[(u16, StatusCode, &str, &str)] = &[
    (100, StatusCode::RequestOk, "REQUEST_OK", "Request accepted"),
    (
        101,
        StatusCode::WrongParam,
        "WRONG_PARAM",
        "Error among the arguments of the request",
    ),
    (
        102,
        StatusCode::MissingParam,
        "MISSING_PARAM",
        "An argument in the request is missing",
    ),
    (
        103,
        StatusCode::WrongDataLength,
        "WRONG_DATA_LENGTH",
        "The DataToBeSigned are too large",
    ),
    (
        104,
        StatusCode::UnauthorizedAccess,
        "UNAUTHORIZED_ACCESS",
        "The AP is unknown or the password is wrong",
    ),
    (
        105,
        StatusCode::UnknownClient,
        "UNKNOWN_CLIENT",
        "The user is unknown",
    ),
    (
        107,
        StatusCode::InappropriateData,
        "INAPPROPRIATE_DATA",
        "The MSSP cannot handle the given data",
    ),
    (
        108,
        StatusCode::IncompatibleInterface,
        "INCOMPATIBLE_INTERFACE",
        "The minor or major version parameter is inappropriate",
    ),
    (
        109,
        StatusCode::UnsupportedProfile,
        "UNSUPPORTED_PROFILE",
        "The mobile user's device does not support this signature profile",
    ),
    (
        208,
        StatusCode::ExpiredTransaction,
        "EXPIRED_TRANSACTION",
        "The transaction timed out",
    ),
    (
        209,
        StatusCode::OtaError,
        "OTA_ERROR",
        "A problem in the over-the-air communication with the SIM",
    ),
    (
        401,
        StatusCode::UserCancel,
        "USER_CANCEL",
        "The user cancelled the request",
    ),
    (
        402,
        StatusCode::PinNrBlocked,
        "PIN_NR_BLOCKED",
        "The PIN of the mobile user is blocked",
    ),
    (
        403,
        StatusCode::CardBlocked,
        "CARD_BLOCKED",
        "The SIM card of the mobile user is blocked",
    ),
    (
        404,
        StatusCode::NoKeyFound,
        "NO_KEY_FOUND",
        "No key was found for the requested signature",
    ),
    (
        406,
        StatusCode::PbSignatureProcess,
        "PB_SIGNATURE_PROCESS",
        "A problem occurred during the signature process",
    ),
    (
        422,
        StatusCode::NoCertFound,
        "NO_CERT_FOUND",
        "No certificate was found for the mobile user",
    ),
    (
        500,
        StatusCode::Signature,
        "SIGNATURE",
        "The signature is provided",
    ),
    (
        501,
        StatusCode::RevokedCertificate,
        "REVOKED_CERTIFICATE",
        "The certificate of the mobile user is revoked",
    ),
    (
        502,
        StatusCode::ValidSignature,
        "VALID_SIGNATURE",
        "The signature is valid",
    ),
    (
        503,
        StatusCode::InvalidSignature,
        "INVALID_SIGNATURE",
        "The signature is invalid",
    ),
    (
        504,
        StatusCode::OutstandingTransaction,
        "OUTSTANDING_TRANSACTION",
        "The transaction is still outstanding",
    ),
    (
        900,
        StatusCode::InternalError,
        "INTERNAL_ERROR",
        "An internal error occurred in the MSSP",
    ),
];

impl StatusCode {
    /// Every standard code of clause 6.2.8, in numeric order.
    pub fn all() -> impl Iterator<Item = StatusCode> {
        TABLE.iter().map(|row| row.1)
    }

    /// The code for a numeric `StatusCode/@Value`.
    pub fn from_code(code: u16) -> StatusCode {
        TABLE
            .iter()
            .find(|row| row.0 == code)
            .map(|row| row.1)
            .unwrap_or(StatusCode::Other(code))
    }

    /// The code whose spec name (`"USER_CANCEL"`) is given.
    pub fn from_name(name: &str) -> Option<StatusCode> {
        TABLE.iter().find(|row| row.2 == name).map(|row| row.1)
    }

    fn row(self) -> Option<&'static (u16, StatusCode, &'static str, &'static str)> {
        TABLE.iter().find(|row| row.1 == self)
    }

    /// The numeric value sent as `StatusCode/@Value`.
    pub fn code(self) -> u16 {
        match self {
            StatusCode::Other(code) => code,
            known => known.row().map(|row| row.0).unwrap_or(900),
        }
    }

    /// The spec name (`StatusMessage` / fault reason), `None` for `Other`.
    pub fn name(self) -> Option<&'static str> {
        self.row().map(|row| row.2)
    }

    /// A default human readable message for `StatusDetail` / fault detail.
    pub fn default_message(self) -> &'static str {
        self.row().map(|row| row.3).unwrap_or("Unknown status")
    }

    /// True for the codes an MSSP answers as a SOAP fault rather than a
    /// `Status` (clause 9: every code except 100, 500, 501, 502, 503, 504).
    pub fn is_fault(self) -> bool {
        !matches!(
            self,
            StatusCode::RequestOk
                | StatusCode::Signature
                | StatusCode::RevokedCertificate
                | StatusCode::ValidSignature
                | StatusCode::InvalidSignature
                | StatusCode::OutstandingTransaction
        )
    }

    /// The SOAP fault class: 1xx are caused by the request (`Sender`), the
    /// rest by the MSSP or the user's equipment (`Receiver`).
    pub fn fault_code(self) -> FaultCode {
        if (100..200).contains(&self.code()) {
            FaultCode::Sender
        } else {
            FaultCode::Receiver
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} {}", self.code(), name),
            None => write!(f, "{}", self.code()),
        }
    }
}

/// The top-level SOAP fault code (SOAP 1.2 `env:Sender`/`env:Receiver`,
/// SOAP 1.1 `Client`/`Server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultCode {
    /// The request was at fault (SOAP 1.1 `Client`).
    Sender,
    /// The MSSP or the mobile equipment failed (SOAP 1.1 `Server`).
    Receiver,
}

impl FaultCode {
    /// SOAP 1.2 local name: `Sender` / `Receiver`.
    pub fn soap12_name(self) -> &'static str {
        match self {
            FaultCode::Sender => "Sender",
            FaultCode::Receiver => "Receiver",
        }
    }

    /// SOAP 1.1 local name: `Client` / `Server`.
    pub fn soap11_name(self) -> &'static str {
        match self {
            FaultCode::Sender => "Client",
            FaultCode::Receiver => "Server",
        }
    }

    /// Parses a (possibly prefixed, possibly dotted SOAP 1.1) fault code.
    pub fn parse(value: &str) -> Option<FaultCode> {
        let head = value.trim().split('.').next().unwrap_or(value);
        match head.rsplit(':').next().unwrap_or(head) {
            "Sender" | "Client" => Some(FaultCode::Sender),
            "Receiver" | "Server" => Some(FaultCode::Receiver),
            _ => None,
        }
    }
}

/// A TS 102 204 fault (clause 9): the answer to a request that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MssFault {
    /// `env:Sender` or `env:Receiver`.
    pub code: FaultCode,
    /// The `mss:_NNN` subcode.
    pub status: StatusCode,
    /// `env:Reason/env:Text`, by convention the status name (`WRONG_PARAM`).
    pub reason: String,
    /// `env:Detail`, free text for a human.
    pub detail: Option<String>,
}

impl MssFault {
    /// A fault for `status`, with the spec's class and name.
    pub fn new(status: StatusCode, detail: impl Into<Option<String>>) -> MssFault {
        MssFault {
            code: status.fault_code(),
            status,
            reason: status
                .name()
                .map(str::to_owned)
                .unwrap_or_else(|| status.code().to_string()),
            detail: detail.into(),
        }
    }

    /// The subcode as written on the wire without prefix: `_101`.
    pub fn subcode_local(&self) -> String {
        format!("_{}", self.status.code())
    }
}

/// Parses a subcode value `mss:_101`, `_101` or `101` into a status.
pub(crate) fn parse_subcode(value: &str) -> Option<StatusCode> {
    let local = value.rsplit(':').next().unwrap_or(value).trim();
    let digits = local.strip_prefix('_').unwrap_or(local);
    digits.parse::<u16>().ok().map(StatusCode::from_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips() {
        assert_eq!(StatusCode::all().count(), 23);
        for code in StatusCode::all() {
            assert_eq!(StatusCode::from_code(code.code()), code);
            assert_eq!(StatusCode::from_name(code.name().unwrap()), Some(code));
        }
        assert_eq!(StatusCode::from_code(450), StatusCode::Other(450));
        assert_eq!(StatusCode::Other(450).code(), 450);
    }

    #[test]
    fn fault_classes() {
        assert_eq!(StatusCode::WrongParam.fault_code(), FaultCode::Sender);
        assert_eq!(StatusCode::UserCancel.fault_code(), FaultCode::Receiver);
        assert!(!StatusCode::Signature.is_fault());
        assert!(StatusCode::ExpiredTransaction.is_fault());
        assert_eq!(FaultCode::parse("soapenv:Client"), Some(FaultCode::Sender));
        assert_eq!(FaultCode::parse("env:Receiver"), Some(FaultCode::Receiver));
        assert_eq!(
            FaultCode::parse("Server.mss:_900"),
            Some(FaultCode::Receiver)
        );
        assert_eq!(parse_subcode("mss:_101"), Some(StatusCode::WrongParam));
        assert_eq!(parse_subcode("_401"), Some(StatusCode::UserCancel));
        assert_eq!(parse_subcode("x"), None);
    }
}
