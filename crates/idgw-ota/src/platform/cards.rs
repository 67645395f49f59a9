//! The card database: which UICC answers for an MSISDN, and the OTA key set
//! (KVN, KIc, KID; ETSI TS 102 225 sections 5.1.2 and 5.1.3) and applet TAR
//! (ETSI TS 101 220) the platform uses with it.
//!
//! [`CardDirectory`] is the storage trait; [`MemoryCards`] keeps records in
//! memory for tests and single-process demos. The persistent implementation
//! lives in the store crate.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::RwLock;

use async_trait::async_trait;

use super::PlatformError;
use crate::{CcAlgorithm, CipherAlgorithm, Key, KeyId, KeySet, Tar};

/// The algorithm family of a card's key set: KIc ciphers with it and KID
/// checksums with the matching CC (AES-CBC + AES-CMAC, or triple DES
/// outer-CBC + triple DES CBC-MAC; TS 102 225 sections 5.1.2, 5.1.3.1).
/// Spelled as in DESIGN.md section 5: `aes128 | aes192 | aes256 | 3des2 | 3des3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardAlgorithm {
    /// AES-128 CBC, AES-CMAC.
    Aes128,
    /// AES-192 CBC, AES-CMAC.
    Aes192,
    /// AES-256 CBC, AES-CMAC.
    Aes256,
    /// Triple DES outer-CBC with two keys, 3DES CBC-MAC.
    TripleDes2,
    /// Triple DES outer-CBC with three keys, 3DES CBC-MAC.
    TripleDes3,
}

impl CardAlgorithm {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes128 => "aes128",
            Self::Aes192 => "aes192",
            Self::Aes256 => "aes256",
            Self::TripleDes2 => "3des2",
            Self::TripleDes3 => "3des3",
        }
    }

    /// Octets of KIc and of KID.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128 | Self::TripleDes2 => 16,
            Self::Aes192 | Self::TripleDes3 => 24,
            Self::Aes256 => 32,
        }
    }

    /// The KIc octet for key version `kvn` (TS 102 225 section 5.1.2).
    pub fn kic(self, kvn: u8) -> KeyId {
        let alg = match self {
            Self::Aes128 | Self::Aes192 | Self::Aes256 => CipherAlgorithm::AesCbc,
            Self::TripleDes2 => CipherAlgorithm::TripleDes2Cbc,
            Self::TripleDes3 => CipherAlgorithm::TripleDes3Cbc,
        };
        KeyId::kic(alg, kvn)
    }

    /// The KID octet for a cryptographic checksum (TS 102 225 section 5.1.3.1).
    pub fn kid(self, kvn: u8) -> KeyId {
        let alg = match self {
            Self::Aes128 | Self::Aes192 | Self::Aes256 => CcAlgorithm::AesCmac,
            Self::TripleDes2 => CcAlgorithm::TripleDes2CbcMac,
            Self::TripleDes3 => CcAlgorithm::TripleDes3CbcMac,
        };
        KeyId::kid_cc(alg, kvn)
    }
}

impl fmt::Display for CardAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CardAlgorithm {
    type Err = PlatformError;
    fn from_str(s: &str) -> Result<Self, PlatformError> {
        Ok(match s {
            "aes128" => Self::Aes128,
            "aes192" => Self::Aes192,
            "aes256" => Self::Aes256,
            "3des2" => Self::TripleDes2,
            "3des3" => Self::TripleDes3,
            other => {
                return Err(PlatformError::InvalidCard(format!(
                    "unknown algorithm {other:?}"
                )))
            }
        })
    }
}

/// One card as the OTA platform knows it. Keys zeroize on drop and never
/// print ([`Key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRecord {
    /// E.164 digits without `+`.
    pub msisdn: String,
    /// The card's ICCID (ITU-T E.118); counters are kept per ICCID and KVN.
    pub iccid: String,
    /// Key version number of the OTA key set, 1..=15.
    pub kvn: u8,
    /// Cipher and checksum family.
    pub algorithm: CardAlgorithm,
    /// Ciphering key.
    pub kic: Key,
    /// Checksum key.
    pub kid: Key,
    /// TAR of the authentication applet: where MT packets go by default.
    pub tar: Tar,
}

impl CardRecord {
    /// Checks the KVN and the key lengths.
    pub fn validate(&self) -> Result<(), PlatformError> {
        if !(1..=15).contains(&self.kvn) {
            return Err(PlatformError::InvalidCard(format!(
                "KVN {} outside 1..=15",
                self.kvn
            )));
        }
        let want = self.algorithm.key_len();
        if self.kic.len() != want || self.kid.len() != want {
            return Err(PlatformError::InvalidCard(format!(
                "{} needs {want}-octet KIc and KID",
                self.algorithm
            )));
        }
        Ok(())
    }

    /// The key set for the codec.
    pub fn key_set(&self) -> KeySet {
        KeySet {
            kvn: self.kvn,
            kic: self.kic.clone(),
            kid: self.kid.clone(),
        }
    }
}

/// Where the platform finds cards. Implementations must be cheap to call
/// concurrently; records are read, never written, by the platform.
#[async_trait]
pub trait CardDirectory: Send + Sync {
    /// The card of `msisdn`, `None` when there is none.
    async fn card(&self, msisdn: &str) -> Result<Option<CardRecord>, PlatformError>;
    /// The card with this ICCID, `None` when there is none.
    async fn card_by_iccid(&self, iccid: &str) -> Result<Option<CardRecord>, PlatformError>;
}

/// Cards in memory, keyed by MSISDN.
#[derive(Debug, Default)]
pub struct MemoryCards {
    cards: RwLock<HashMap<String, CardRecord>>,
}

impl MemoryCards {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a card after [`CardRecord::validate`].
    pub fn insert(&self, card: CardRecord) -> Result<(), PlatformError> {
        card.validate()?;
        self.cards
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(card.msisdn.clone(), card);
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, CardRecord>> {
        self.cards.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl CardDirectory for MemoryCards {
    async fn card(&self, msisdn: &str) -> Result<Option<CardRecord>, PlatformError> {
        Ok(self.read().get(msisdn).cloned())
    }

    async fn card_by_iccid(&self, iccid: &str) -> Result<Option<CardRecord>, PlatformError> {
        Ok(self.read().values().find(|c| c.iccid == iccid).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(alg: CardAlgorithm, kvn: u8, len: usize) -> CardRecord {
        CardRecord {
            msisdn: "447700900001".into(),
            iccid: "8999900000000000001".into(),
            kvn,
            algorithm: alg,
            kic: Key::new(&vec![1; len]),
            kid: Key::new(&vec![2; len]),
            tar: Tar([0x49, 0x44, 0x47]),
        }
    }

    #[test]
    fn algorithm_codings() {
        for a in ["aes128", "aes192", "aes256", "3des2", "3des3"] {
            assert_eq!(a.parse::<CardAlgorithm>().unwrap().as_str(), a);
        }
        assert!("des".parse::<CardAlgorithm>().is_err());
        assert_eq!(CardAlgorithm::Aes256.kic(1), KeyId(0x12));
        assert_eq!(CardAlgorithm::Aes128.kid(2), KeyId(0x22));
        assert_eq!(CardAlgorithm::TripleDes2.kic(7), KeyId(0x75));
        assert_eq!(CardAlgorithm::TripleDes3.kid(1), KeyId(0x19));
    }

    #[test]
    fn validation_and_lookup() {
        assert!(card(CardAlgorithm::Aes128, 0, 16).validate().is_err());
        assert!(card(CardAlgorithm::Aes192, 1, 16).validate().is_err());
        let cards = MemoryCards::new();
        cards.insert(card(CardAlgorithm::Aes192, 1, 24)).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            assert!(cards.card("447700900001").await.unwrap().is_some());
            assert!(cards.card("1").await.unwrap().is_none());
            let c = cards.card_by_iccid("8999900000000000001").await.unwrap();
            assert_eq!(c.unwrap().key_set().kvn, 1);
        });
        assert!(!format!("{:?}", card(CardAlgorithm::Aes128, 1, 16)).contains("1, 1"));
    }
}
