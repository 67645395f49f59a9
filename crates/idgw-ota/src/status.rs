//! Response Status Codes of the Response Packet: ETSI TS 102 225 section 5.2.2
//! table 5, with the SMS-specific values of 3GPP TS 31.115 section 4.4.

use crate::OtaError;

/// Response Status Code (one octet of the Response Packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseStatus {
    /// 0x00 PoR OK.
    PorOk,
    /// 0x01 RC/CC/DS failed.
    RcCcDsFailed,
    /// 0x02 CNTR low.
    CntrLow,
    /// 0x03 CNTR high.
    CntrHigh,
    /// 0x04 CNTR blocked.
    CntrBlocked,
    /// 0x05 Ciphering error.
    CipheringError,
    /// 0x06 Unidentified security error: the Command Header could not be
    /// interpreted; the PoR goes unciphered and without RC/CC/DS.
    UnidentifiedSecurityError,
    /// 0x07 Insufficient memory to process incoming message.
    InsufficientMemory,
    /// 0x08 This status code "more time" should be used if the Receiving Entity/Application
    /// needs more time to process the Command Packet.
    MoreTime,
    /// 0x09 TAR unknown.
    TarUnknown,
    /// 0x0A Insufficient security level.
    InsufficientSecurityLevel,
    /// 0x0B Actual Response Data to be sent using SMS-SUBMIT (TS 31.115 section 4.4).
    ActualResponseInSmsSubmit,
    /// 0x0C Actual Response Data to be sent using a processUnstructuredSS-Request
    /// (USSD, TS 31.115 section 4.4).
    ActualResponseInUssd,
    /// Any other (reserved) value, kept so a packet re-encodes as received.
    Reserved(u8),
}

impl ResponseStatus {
    /// The octet on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::PorOk => 0x00,
            Self::RcCcDsFailed => 0x01,
            Self::CntrLow => 0x02,
            Self::CntrHigh => 0x03,
            Self::CntrBlocked => 0x04,
            Self::CipheringError => 0x05,
            Self::UnidentifiedSecurityError => 0x06,
            Self::InsufficientMemory => 0x07,
            Self::MoreTime => 0x08,
            Self::TarUnknown => 0x09,
            Self::InsufficientSecurityLevel => 0x0A,
            Self::ActualResponseInSmsSubmit => 0x0B,
            Self::ActualResponseInUssd => 0x0C,
            Self::Reserved(b) => b,
        }
    }

    /// Decode the octet on the wire (total: reserved values are kept).
    pub fn from_byte(b: u8) -> Self {
        match b {
            0x00 => Self::PorOk,
            0x01 => Self::RcCcDsFailed,
            0x02 => Self::CntrLow,
            0x03 => Self::CntrHigh,
            0x04 => Self::CntrBlocked,
            0x05 => Self::CipheringError,
            0x06 => Self::UnidentifiedSecurityError,
            0x07 => Self::InsufficientMemory,
            0x08 => Self::MoreTime,
            0x09 => Self::TarUnknown,
            0x0A => Self::InsufficientSecurityLevel,
            0x0B => Self::ActualResponseInSmsSubmit,
            0x0C => Self::ActualResponseInUssd,
            other => Self::Reserved(other),
        }
    }

    /// The status a receiving entity answers for a failure of opening a Command Packet.
    pub fn for_error(err: &OtaError) -> Self {
        match err {
            OtaError::ChecksumMismatch | OtaError::IntegrityLength { .. } => Self::RcCcDsFailed,
            OtaError::CounterLow { .. } => Self::CntrLow,
            OtaError::CounterHigh { .. } => Self::CntrHigh,
            OtaError::CounterBlocked => Self::CntrBlocked,
            OtaError::CipherBlock(_) | OtaError::BadPadding { .. } => Self::CipheringError,
            _ => Self::UnidentifiedSecurityError,
        }
    }
}
