//! What both packet kinds share: the security parameters of a packet (SPI,
//! KIc, KID), padding to the cipher block (ETSI TS 102 225 section 5.1,
//! "padding counter"), and computing / verifying the RC/CC/DS
//! (section 5.1.3).

use crate::crypto::{checksum, redundancy_check};
use crate::{CipherAlgorithm, Integrity, KeyId, KeySet, OtaError, Spi};

/// Length of an AES-CMAC cryptographic checksum (TS 102 225 section 5.1.3.1:
/// the leftmost 4 or 8 octets of the CMAC are used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CmacLength {
    /// 4 octets.
    Four,
    /// 8 octets.
    #[default]
    Eight,
}

/// The security parameters a sending entity chooses for a Command Packet;
/// the PoR settings in the SPI govern the Response Packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityParams {
    /// Security Parameter Indicator.
    pub spi: Spi,
    /// Key and algorithm identifier for ciphering.
    pub kic: KeyId,
    /// Key and algorithm identifier for RC/CC/DS.
    pub kid: KeyId,
    /// Length of an AES-CMAC when the KID names AES-CMAC.
    pub cmac_len: CmacLength,
}

impl SecurityParams {
    /// Parameters with an 8-octet AES-CMAC.
    pub fn new(spi: Spi, kic: KeyId, kid: KeyId) -> Self {
        SecurityParams {
            spi,
            kic,
            kid,
            cmac_len: CmacLength::Eight,
        }
    }

    /// The same parameters with the PoR unciphered and without RC/CC/DS, as
    /// TS 102 225 section 5.2.2 asks for status 0x06 (unidentified security error).
    pub fn with_unsecured_por(mut self) -> Self {
        self.spi.por_integrity = Integrity::None;
        self.spi.por_ciphered = false;
        self
    }
}

/// The cipher named by `kic`, or `None` when `ciphered` is false.
pub(crate) fn cipher_of(ciphered: bool, kic: KeyId) -> Result<Option<CipherAlgorithm>, OtaError> {
    if ciphered {
        kic.cipher().map(Some)
    } else {
        Ok(None)
    }
}

/// Padding octets that bring `covered` octets to a whole number of cipher blocks.
pub(crate) fn padding(cipher: Option<CipherAlgorithm>, covered: usize) -> usize {
    match cipher {
        Some(c) => {
            let b = c.block_size();
            (b - covered % b) % b
        }
        None => 0,
    }
}

/// Octets of RC/CC/DS a sender produces.
pub(crate) fn integrity_len(
    integrity: Integrity,
    kid: KeyId,
    cmac_len: CmacLength,
) -> Result<usize, OtaError> {
    match integrity {
        Integrity::None => Ok(0),
        Integrity::Rc => Ok(kid.rc()?.octets()),
        Integrity::Cc => match kid.cc()? {
            crate::CcAlgorithm::AesCmac => Ok(match cmac_len {
                CmacLength::Four => 4,
                CmacLength::Eight => 8,
            }),
            _ => Ok(8),
        },
        Integrity::Ds => Err(OtaError::UnsupportedAlgorithm("digital signature")),
    }
}

/// Compute the RC/CC of `len` octets over `data`.
pub(crate) fn compute(
    integrity: Integrity,
    kid: KeyId,
    keys: Option<&KeySet>,
    data: &[u8],
    len: usize,
) -> Result<Vec<u8>, OtaError> {
    match integrity {
        Integrity::None => Ok(Vec::new()),
        Integrity::Rc => Ok(redundancy_check(kid.rc()?, data)),
        Integrity::Cc => {
            let keys = keys.ok_or(OtaError::UnknownKey(kid.kvn()))?;
            checksum(kid.cc()?, &keys.kid, data, len)
        }
        Integrity::Ds => Err(OtaError::UnsupportedAlgorithm("digital signature")),
    }
}

/// Verify a received RC/CC over `data` in constant time.
pub(crate) fn verify(
    integrity: Integrity,
    kid: KeyId,
    keys: Option<&KeySet>,
    data: &[u8],
    received: &[u8],
) -> Result<(), OtaError> {
    let expected_len = match (integrity, received.len()) {
        (Integrity::Cc, 4) if kid.cc() == Ok(crate::CcAlgorithm::AesCmac) => 4,
        _ => integrity_len(integrity, kid, CmacLength::Eight)?,
    };
    if expected_len != received.len() {
        return Err(OtaError::IntegrityLength {
            expected: expected_len,
            found: received.len(),
        });
    }
    let computed = compute(integrity, kid, keys, data, expected_len)?;
    let diff = computed
        .iter()
        .zip(received)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff == 0 {
        Ok(())
    } else {
        Err(OtaError::ChecksumMismatch)
    }
}

/// A cursor over a packet that never reads past the end.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    pub(crate) fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], OtaError> {
        if self.bytes.len() < n {
            return Err(OtaError::Truncated {
                field,
                needed: n,
                available: self.bytes.len(),
            });
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], OtaError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(field, N)?);
        Ok(out)
    }

    pub(crate) fn rest(self) -> &'a [u8] {
        self.bytes
    }
}
