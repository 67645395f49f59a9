//! Who may use the MSSP and whose keys it holds: the AP registry (`AP_ID`
//! and `AP_PWD` of `AP_Info`, TS 102 204 clause 6.2.1) and the subscribers'
//! applet keys behind the [`AppletKeys`] trait.
//!
//! AP passwords are kept as SHA-256 digests and compared in constant time;
//! an unknown `AP_ID` costs the same work as a wrong password.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::MsspError;
use crate::applet::AppletKey;

/// Why an applet key could not be looked up (900 INTERNAL_ERROR; the reason
/// is logged, not sent, and never contains a key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppletKeysError {
    /// The key storage could not be reached or refused the lookup.
    #[error("applet key storage failed: {0}")]
    Unavailable(String),
    /// A stored key is not a valid applet key.
    #[error("corrupt applet key of {0}")]
    Corrupt(String),
}

/// Where the MSSP finds a subscriber's applet key (shared with the SIM).
/// `Ok(None)` means the MSISDN is not a subscriber (105 UNKNOWN_CLIENT).
/// Implementations backed by a database are asked on every request, so a
/// subscriber provisioned while the MSSP runs is known at once.
#[async_trait::async_trait]
pub trait AppletKeys: Send + Sync {
    /// The applet key of `msisdn` (international format, no `+`).
    async fn key(&self, msisdn: &str) -> Result<Option<AppletKey>, AppletKeysError>;
}

/// Applet keys held in memory: for tests, demos and small setups.
#[derive(Debug, Default, Clone)]
pub struct MemoryAppletKeys {
    keys: HashMap<String, AppletKey>,
}

impl MemoryAppletKeys {
    /// An empty key set.
    pub fn new() -> MemoryAppletKeys {
        MemoryAppletKeys::default()
    }

    /// Adds (or replaces) the key of `msisdn`.
    pub fn insert(&mut self, msisdn: impl Into<String>, key: AppletKey) {
        self.keys.insert(msisdn.into(), key);
    }
}

#[async_trait::async_trait]
impl AppletKeys for MemoryAppletKeys {
    async fn key(&self, msisdn: &str) -> Result<Option<AppletKey>, AppletKeysError> {
        Ok(self.keys.get(msisdn).cloned())
    }
}

type Digest32 = [u8; 32];

fn digest(pwd: &str) -> Digest32 {
    Sha256::digest(pwd.as_bytes()).into()
}

fn same(a: &Digest32, b: &Digest32) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The Application Providers allowed to send requests.
#[derive(Default, Clone)]
pub struct ApRegistry {
    aps: HashMap<String, Digest32>,
}

impl std::fmt::Debug for ApRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApRegistry")
            .field("ap_ids", &self.aps.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ApRegistry {
    /// An empty registry.
    pub fn new() -> ApRegistry {
        ApRegistry::default()
    }

    /// Registers (or replaces) an AP.
    pub fn insert(&mut self, ap_id: impl Into<String>, ap_pwd: &str) {
        self.aps.insert(ap_id.into(), digest(ap_pwd));
    }

    /// Builder form of [`ApRegistry::insert`].
    pub fn with(mut self, ap_id: impl Into<String>, ap_pwd: &str) -> ApRegistry {
        self.insert(ap_id, ap_pwd);
        self
    }

    /// Checks `AP_ID`/`AP_PWD`: 104 UNAUTHORIZED_ACCESS when the AP is
    /// unknown, the password absent or wrong.
    pub fn check(&self, ap_id: &str, ap_pwd: Option<&str>) -> Result<(), MsspError> {
        let given = digest(ap_pwd.unwrap_or(""));
        let (expected, known) = match self.aps.get(ap_id) {
            Some(d) => (*d, true),
            None => ([0u8; 32], false),
        };
        if same(&given, &expected) && known && ap_pwd.is_some() {
            Ok(())
        } else {
            Err(MsspError::UnauthorizedAccess)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_ap_credentials() {
        let reg = ApRegistry::new().with("http://ap", "pwd");
        assert_eq!(reg.check("http://ap", Some("pwd")), Ok(()));
        assert_eq!(
            reg.check("http://ap", Some("pwe")),
            Err(MsspError::UnauthorizedAccess)
        );
        assert_eq!(
            reg.check("http://ap", None),
            Err(MsspError::UnauthorizedAccess)
        );
        assert_eq!(
            reg.check("http://other", Some("pwd")),
            Err(MsspError::UnauthorizedAccess)
        );
        assert!(!format!("{reg:?}").contains("pwd\""));
    }
}
