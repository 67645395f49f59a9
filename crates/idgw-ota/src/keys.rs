//! OTA key material: a key set of one key version number (KVN) holding the
//! ciphering key (KIc) and the checksum key (KID), ETSI TS 102 225 section 5.1.2-5.1.3.
//!
//! Keys zeroize when dropped and never print: `Debug` shows only the length.

use std::fmt;
use zeroize::Zeroizing;

/// A secret key. The bytes are wiped on drop; `Debug` redacts them.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(Zeroizing<Vec<u8>>);

impl Key {
    /// A key from its bytes.
    pub fn new(bytes: &[u8]) -> Self {
        Key(Zeroizing::new(bytes.to_vec()))
    }

    /// Number of octets.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The key bytes, for the cryptographic code and for sealed storage only.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(<redacted {} octets>)", self.0.len())
    }
}

/// The keys of one key version number: KIc for ciphering, KID for RC/CC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySet {
    /// Key version number (KIc/KID b5-b8), 0..=15.
    pub kvn: u8,
    /// Ciphering key.
    pub kic: Key,
    /// Checksum key.
    pub kid: Key,
}

impl KeySet {
    /// A key set from raw key bytes.
    pub fn new(kvn: u8, kic: &[u8], kid: &[u8]) -> Self {
        KeySet {
            kvn,
            kic: Key::new(kic),
            kid: Key::new(kid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_key_bytes() {
        let ks = KeySet::new(1, &[0xAB; 16], &[0xCD; 16]);
        let shown = format!("{ks:?}");
        assert!(shown.contains("redacted 16 octets"));
        assert!(!shown.to_lowercase().contains("ab"));
        assert!(!shown.contains("171"));
        assert!(!shown.to_lowercase().contains("cd"));
    }
}
