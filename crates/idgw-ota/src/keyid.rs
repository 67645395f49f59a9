//! KIc and KID octets: ETSI TS 102 225 section 5.1.2 (KIc) and 5.1.3 (KID).
//!
//! b1-b2: algorithm family (00 known implicitly, 01 DES, 10 AES, 11 proprietary);
//! b3-b4: mode (DES: 00 CBC, 01 3DES outer-CBC 2 keys, 10 3DES outer-CBC 3 keys,
//! 11 ECB for KIc / reserved for KID; AES: 00 CBC for KIc, CMAC for KID);
//! b5-b8: key version number (key index). For an RC the KID says which CRC:
//! b1-b2 01, b3-b4 00 CRC16, 01 CRC32 (section 5.1.3.2).

use crate::OtaError;

/// Ciphering algorithms named by a KIc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherAlgorithm {
    /// Single DES, CBC, zero IV.
    DesCbc,
    /// Triple DES outer-CBC with two keys (K1 K2 K1), zero IV.
    TripleDes2Cbc,
    /// Triple DES outer-CBC with three keys, zero IV.
    TripleDes3Cbc,
    /// Single DES, ECB (legacy).
    DesEcb,
    /// AES CBC, zero IV; 128, 192 or 256 bits following the key length.
    AesCbc,
}

/// Cryptographic checksum algorithms named by a KID (TS 102 225 section 5.1.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CcAlgorithm {
    /// Single DES CBC-MAC, 8 octets.
    DesCbcMac,
    /// Triple DES (2 keys) CBC-MAC, 8 octets.
    TripleDes2CbcMac,
    /// Triple DES (3 keys) CBC-MAC, 8 octets.
    TripleDes3CbcMac,
    /// AES-CMAC (RFC 4493 / NIST SP 800-38B), truncated to 4 or 8 octets.
    AesCmac,
}

/// Redundancy check algorithms named by a KID (TS 102 225 section 5.1.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RcAlgorithm {
    /// CRC-16 of ISO/IEC 13239, 2 octets.
    Crc16,
    /// CRC-32 of ISO/IEC 13239, 4 octets.
    Crc32,
}

/// A KIc or KID octet. Every octet value is representable, so a parsed
/// packet always re-encodes as received; the typed views say whether this
/// codec implements what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub u8);

impl KeyId {
    /// No algorithm, key index 0 (for a KIc or KID that is not used).
    pub const NONE: KeyId = KeyId(0);

    /// A KIc naming `algorithm` with key version number `kvn` (0..=15).
    pub fn kic(algorithm: CipherAlgorithm, kvn: u8) -> Self {
        let low = match algorithm {
            CipherAlgorithm::DesCbc => 0b0001,
            CipherAlgorithm::TripleDes2Cbc => 0b0101,
            CipherAlgorithm::TripleDes3Cbc => 0b1001,
            CipherAlgorithm::DesEcb => 0b1101,
            CipherAlgorithm::AesCbc => 0b0010,
        };
        KeyId((kvn << 4) | low)
    }

    /// A KID for a cryptographic checksum.
    pub fn kid_cc(algorithm: CcAlgorithm, kvn: u8) -> Self {
        let low = match algorithm {
            CcAlgorithm::DesCbcMac => 0b0001,
            CcAlgorithm::TripleDes2CbcMac => 0b0101,
            CcAlgorithm::TripleDes3CbcMac => 0b1001,
            CcAlgorithm::AesCmac => 0b0010,
        };
        KeyId((kvn << 4) | low)
    }

    /// A KID for a redundancy check.
    pub fn kid_rc(algorithm: RcAlgorithm, kvn: u8) -> Self {
        let low = match algorithm {
            RcAlgorithm::Crc16 => 0b0001,
            RcAlgorithm::Crc32 => 0b0101,
        };
        KeyId((kvn << 4) | low)
    }

    /// b5-b8: key version number.
    pub fn kvn(self) -> u8 {
        self.0 >> 4
    }

    fn family(self) -> u8 {
        self.0 & 0b11
    }

    fn mode(self) -> u8 {
        (self.0 >> 2) & 0b11
    }

    /// The ciphering algorithm, read as a KIc.
    pub fn cipher(self) -> Result<CipherAlgorithm, OtaError> {
        match (self.family(), self.mode()) {
            (0b01, 0b00) => Ok(CipherAlgorithm::DesCbc),
            (0b01, 0b01) => Ok(CipherAlgorithm::TripleDes2Cbc),
            (0b01, 0b10) => Ok(CipherAlgorithm::TripleDes3Cbc),
            (0b01, _) => Ok(CipherAlgorithm::DesEcb),
            (0b10, 0b00) => Ok(CipherAlgorithm::AesCbc),
            (0b00, _) => Err(OtaError::UnsupportedAlgorithm(
                "KIc algorithm known implicitly",
            )),
            (0b11, _) => Err(OtaError::UnsupportedAlgorithm("proprietary KIc algorithm")),
            _ => Err(OtaError::UnsupportedAlgorithm("reserved AES mode in KIc")),
        }
    }

    /// The checksum algorithm, read as a KID for a CC.
    pub fn cc(self) -> Result<CcAlgorithm, OtaError> {
        match (self.family(), self.mode()) {
            (0b01, 0b00) => Ok(CcAlgorithm::DesCbcMac),
            (0b01, 0b01) => Ok(CcAlgorithm::TripleDes2CbcMac),
            (0b01, 0b10) => Ok(CcAlgorithm::TripleDes3CbcMac),
            (0b10, 0b00) => Ok(CcAlgorithm::AesCmac),
            (0b00, _) => Err(OtaError::UnsupportedAlgorithm(
                "KID algorithm known implicitly",
            )),
            (0b11, _) => Err(OtaError::UnsupportedAlgorithm("proprietary KID algorithm")),
            _ => Err(OtaError::UnsupportedAlgorithm("reserved KID mode")),
        }
    }

    /// The redundancy check algorithm, read as a KID for an RC.
    pub fn rc(self) -> Result<RcAlgorithm, OtaError> {
        match (self.family(), self.mode()) {
            (0b01, 0b00) => Ok(RcAlgorithm::Crc16),
            (0b01, 0b01) => Ok(RcAlgorithm::Crc32),
            _ => Err(OtaError::UnsupportedAlgorithm("RC algorithm")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_codings() {
        // Dataset0348.xml test024: KIc = KID = 0x75 (3DES 2 keys, key set 7).
        assert_eq!(KeyId::kic(CipherAlgorithm::TripleDes2Cbc, 7), KeyId(0x75));
        assert_eq!(KeyId(0x75).cc().unwrap(), CcAlgorithm::TripleDes2CbcMac);
        // test_aes_128_aes_cmac_64: KIc = KID = 0x12.
        assert_eq!(KeyId::kic(CipherAlgorithm::AesCbc, 1), KeyId(0x12));
        assert_eq!(KeyId::kid_cc(CcAlgorithm::AesCmac, 1), KeyId(0x12));
        assert_eq!(KeyId(0x0D).cipher().unwrap(), CipherAlgorithm::DesEcb);
        assert_eq!(KeyId(0x75).kvn(), 7);
    }

    #[test]
    fn unsupported_codings_are_errors() {
        assert!(KeyId(0x00).cipher().is_err());
        assert!(KeyId(0x03).cipher().is_err());
        assert!(KeyId(0x06).cipher().is_err());
        assert!(KeyId(0x0D).cc().is_err());
        assert!(KeyId(0x02).rc().is_err());
    }
}
