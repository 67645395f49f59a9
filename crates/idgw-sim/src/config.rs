//! Provisioning of one simulated subscriber: the `[[subscribers]]` entry of
//! DESIGN.md section 5 (MSISDN, PIN, handset behaviour, OTA keys, applet key,
//! applet TAR), typed and validated.
//!
//! OTA keys follow ETSI TS 102 225 section 5.1.2 (KIc) and 5.1.3 (KID): one
//! key set per key version number (KVN); the `algorithm` names the cipher
//! and the matching cryptographic checksum (AES-CBC with AES-CMAC, or triple
//! DES outer-CBC with triple DES CBC-MAC). Secrets never print: `Debug`
//! redacts them.

use std::fmt;

use idgw_mss::applet::{AppletKey, KEY_LEN};
use idgw_ota::{CcAlgorithm, CipherAlgorithm, KeyId, KeySet, Tar};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::ConfigError;

/// The applet TAR used when the configuration names none (an idgw choice in
/// the range TS 101 220 leaves to applications).
pub const DEFAULT_APPLET_TAR: Tar = Tar([0x49, 0x44, 0x47]);
/// Default PIN tries before the card blocks.
pub const DEFAULT_PIN_TRIES: u8 = 3;

/// How the simulated user behaves (DESIGN.md section 7, key `handset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HandsetBehaviour {
    /// Waits for the API or the web page.
    Manual,
    /// Answers with the right PIN (or OK) after `handset_delay_ms`.
    Approve,
    /// Cancels after `handset_delay_ms`.
    Deny,
    /// Answers a wrong PIN after `handset_delay_ms`, again at each re-prompt.
    WrongPin,
    /// The radio never delivers: MT SMS are refused.
    Unreachable,
}

impl HandsetBehaviour {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HandsetBehaviour::Manual => "manual",
            HandsetBehaviour::Approve => "approve",
            HandsetBehaviour::Deny => "deny",
            HandsetBehaviour::WrongPin => "wrong-pin",
            HandsetBehaviour::Unreachable => "unreachable",
        }
    }
}

/// The OTA algorithm family of a subscriber's key set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtaAlgorithm {
    /// AES-128 CBC, AES-CMAC.
    Aes128,
    /// AES-192 CBC, AES-CMAC.
    Aes192,
    /// AES-256 CBC, AES-CMAC.
    Aes256,
    /// Triple DES outer-CBC with two keys, 3DES CBC-MAC.
    #[serde(rename = "3des2")]
    TripleDes2,
    /// Triple DES outer-CBC with three keys, 3DES CBC-MAC.
    #[serde(rename = "3des3")]
    TripleDes3,
}

impl OtaAlgorithm {
    /// Key length in octets for KIc and KID.
    pub fn key_len(self) -> usize {
        match self {
            OtaAlgorithm::Aes128 | OtaAlgorithm::TripleDes2 => 16,
            OtaAlgorithm::Aes192 | OtaAlgorithm::TripleDes3 => 24,
            OtaAlgorithm::Aes256 => 32,
        }
    }

    /// The KIc octet for key version `kvn` (TS 102 225 section 5.1.2).
    pub fn kic(self, kvn: u8) -> KeyId {
        let alg = match self {
            OtaAlgorithm::Aes128 | OtaAlgorithm::Aes192 | OtaAlgorithm::Aes256 => {
                CipherAlgorithm::AesCbc
            }
            OtaAlgorithm::TripleDes2 => CipherAlgorithm::TripleDes2Cbc,
            OtaAlgorithm::TripleDes3 => CipherAlgorithm::TripleDes3Cbc,
        };
        KeyId::kic(alg, kvn)
    }

    /// The KID octet for a cryptographic checksum (TS 102 225 section 5.1.3.1).
    pub fn kid(self, kvn: u8) -> KeyId {
        let alg = match self {
            OtaAlgorithm::Aes128 | OtaAlgorithm::Aes192 | OtaAlgorithm::Aes256 => {
                CcAlgorithm::AesCmac
            }
            OtaAlgorithm::TripleDes2 => CcAlgorithm::TripleDes2CbcMac,
            OtaAlgorithm::TripleDes3 => CcAlgorithm::TripleDes3CbcMac,
        };
        KeyId::kid_cc(alg, kvn)
    }
}

/// Hex-encoded secret bytes from the configuration; wiped on drop, redacted in `Debug`.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct HexSecret(Zeroizing<Vec<u8>>);

impl HexSecret {
    /// Secret bytes.
    pub fn new(bytes: &[u8]) -> Self {
        HexSecret(Zeroizing::new(bytes.to_vec()))
    }

    /// The bytes, for building keys.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<String> for HexSecret {
    type Error = hex::FromHexError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let s = Zeroizing::new(s);
        Ok(HexSecret(Zeroizing::new(hex::decode(s.trim())?)))
    }
}

impl fmt::Debug for HexSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {} octets>", self.0.len())
    }
}

/// `ota_keys = { algorithm, kvn, kic, kid }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtaKeysConfig {
    /// Cipher and checksum family.
    pub algorithm: OtaAlgorithm,
    /// Key version number, 1..=15.
    pub kvn: u8,
    /// Ciphering key.
    pub kic: HexSecret,
    /// Checksum key.
    pub kid: HexSecret,
}

impl OtaKeysConfig {
    /// The key set, after checking the KVN and the key lengths.
    pub fn key_set(&self) -> Result<KeySet, ConfigError> {
        if !(1..=15).contains(&self.kvn) {
            return Err(ConfigError::BadKvn(self.kvn));
        }
        let want = self.algorithm.key_len();
        for (name, key) in [("kic", &self.kic), ("kid", &self.kid)] {
            if key.expose().len() != want {
                return Err(ConfigError::BadKeyLength {
                    key: name,
                    expected: want,
                    found: key.expose().len(),
                });
            }
        }
        Ok(KeySet::new(self.kvn, self.kic.expose(), self.kid.expose()))
    }
}

/// One simulated subscriber: SIM card and handset.
#[derive(Debug, Clone, Deserialize)]
pub struct SubscriberConfig {
    /// E.164 digits without `+`.
    pub msisdn: String,
    /// The PIN, known only to the simulated SIM.
    pub pin: Pin,
    /// What the simulated user does.
    #[serde(default = "default_handset")]
    pub handset: HandsetBehaviour,
    /// How long the simulated user takes, in milliseconds.
    #[serde(default)]
    pub handset_delay_ms: u64,
    /// The card's OTA key set.
    pub ota_keys: OtaKeysConfig,
    /// The 32-byte applet key shared with the MSSP, hex.
    pub applet_key: HexSecret,
    /// The applet's TAR, 6 hex digits; [`DEFAULT_APPLET_TAR`] when absent.
    #[serde(default)]
    pub tar: Option<String>,
}

fn default_handset() -> HandsetBehaviour {
    HandsetBehaviour::Manual
}

/// A PIN: 4 to 8 decimal digits (as ETSI TS 102 221 section 9.5.1 pads a
/// PIN to 8 octets). Never printed.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Compare with what the user typed, in constant time.
    pub fn matches(&self, typed: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), typed.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The digits, for the simulated user who knows the PIN (never for the wire).
    pub(crate) fn reveal(&self) -> String {
        self.0.to_string()
    }
}

impl TryFrom<String> for Pin {
    type Error = ConfigError;
    fn try_from(s: String) -> Result<Self, ConfigError> {
        if (4..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Pin(Zeroizing::new(s)))
        } else {
            Err(ConfigError::BadPin)
        }
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted PIN>")
    }
}

impl SubscriberConfig {
    /// The applet key, checked to be 32 octets.
    pub fn applet_key(&self) -> Result<AppletKey, ConfigError> {
        AppletKey::from_slice(self.applet_key.expose())
            .map_err(|_| ConfigError::BadAppletKey(self.applet_key.expose().len(), KEY_LEN))
    }

    /// The applet TAR.
    pub fn tar(&self) -> Result<Tar, ConfigError> {
        match &self.tar {
            None => Ok(DEFAULT_APPLET_TAR),
            Some(s) => {
                let b = hex::decode(s).map_err(|_| ConfigError::BadTar(s.clone()))?;
                let t: [u8; 3] = b.try_into().map_err(|_| ConfigError::BadTar(s.clone()))?;
                Ok(Tar(t))
            }
        }
    }

    /// Checks the MSISDN: 1 to 15 digits (ITU-T E.164).
    pub fn check_msisdn(&self) -> Result<(), ConfigError> {
        let m = &self.msisdn;
        if (1..=15).contains(&m.len()) && m.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(ConfigError::BadMsisdn(m.clone()))
        }
    }
}
