//! Typed errors of the secured packet codec (3GPP TS 31.115 / ETSI TS 102 225).
//!
//! Every failure of parsing, sealing or opening a packet is one [`OtaError`];
//! [`crate::ResponseStatus::for_error`] maps it to the Response Status Code a
//! card puts in its Proof of Receipt (ETSI TS 102 225 section 5.2.2, table 5).

use thiserror::Error;

/// An error of the secured packet codec.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OtaError {
    /// The packet ends before a field it announces (TS 31.115 section 4.2 / 4.4).
    #[error("packet truncated: {field} needs {needed} octets, {available} available")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Octets the field needs.
        needed: usize,
        /// Octets left in the packet.
        available: usize,
    },
    /// A length field (CPL, CHL, RPL, RHL) disagrees with the packet.
    #[error("length field {field} = {value} is inconsistent with the packet")]
    BadLength {
        /// Which length field.
        field: &'static str,
        /// Its value.
        value: usize,
    },
    /// The packet would not fit the 16-bit CPL / RPL (TS 102 225 section 5.1).
    #[error("secured packet too long ({0} octets after the length field)")]
    TooLong(usize),
    /// Reserved SPI bits or a reserved SPI value are set (TS 102 225 section 5.1.1).
    #[error("reserved bits or values set in SPI {0:02X?}")]
    ReservedSpi([u8; 2]),
    /// The KIc/KID coding names an algorithm this codec does not implement
    /// (implicit, proprietary, reserved, digital signature).
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(&'static str),
    /// The key does not have the length its algorithm needs.
    #[error("key of {len} octets is invalid for {algorithm}")]
    BadKeyLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The key length given.
        len: usize,
    },
    /// The RC/CC/DS length in CHL/RHL does not match the algorithm (TS 102 225 section 5.1.3).
    #[error("RC/CC/DS of {found} octets where the algorithm gives {expected}")]
    IntegrityLength {
        /// Length the algorithm produces.
        expected: usize,
        /// Length found in the packet.
        found: usize,
    },
    /// Ciphered data is not a whole number of cipher blocks.
    #[error("ciphered data of {0} octets is not a multiple of the block size")]
    CipherBlock(usize),
    /// The padding counter is larger than the secured data (TS 102 225 section 5.1).
    #[error("padding counter {pcntr} exceeds the {len} octets of secured data")]
    BadPadding {
        /// PCNTR value.
        pcntr: u8,
        /// Secured data length including padding.
        len: usize,
    },
    /// The RC/CC/DS does not verify.
    #[error("RC/CC/DS verification failed")]
    ChecksumMismatch,
    /// No key set is known for this key version number (KIc/KID b5-b8).
    #[error("no key set for key version number {0}")]
    UnknownKey(u8),
    /// The counter is not higher than the last one accepted (TS 102 225 section 5.1.1).
    #[error("counter {received:#012X} not acceptable after {last:#012X} (too low)")]
    CounterLow {
        /// Counter in the packet.
        received: u64,
        /// Last counter of the receiving entity.
        last: u64,
    },
    /// The counter is more than one higher than the last (SPI counter mode 11).
    #[error("counter {received:#012X} more than one higher than {last:#012X}")]
    CounterHigh {
        /// Counter in the packet.
        received: u64,
        /// Last counter of the receiving entity.
        last: u64,
    },
    /// The receiving entity's counter reached its maximum value.
    #[error("counter blocked at its maximum value")]
    CounterBlocked,
}
