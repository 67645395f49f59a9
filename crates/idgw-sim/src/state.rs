//! The part of a simulated card that survives restarts: PIN tries left, the
//! blocked flag, and per key version number the last counter accepted from
//! the OTA platform and the last counter the card used itself (ETSI TS 102
//! 225 section 5.1.1: a receiving entity remembers its counter per key set).
//! One small JSON file per card, `<msisdn>.json`, written to a temporary
//! file and renamed into place so a crash never leaves half a file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::StateError;

/// Format version written into every state file.
pub const STATE_VERSION: u32 = 1;

/// A card's persistent state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardState {
    /// Format version.
    pub version: u32,
    /// ICCID (ITU-T E.118).
    pub iccid: String,
    /// MSISDN the card is provisioned for.
    pub msisdn: String,
    /// PIN tries left before the card blocks.
    pub pin_tries_left: u8,
    /// Whether the PIN (and so the authentication applet) is blocked.
    pub blocked: bool,
    /// Per KVN, the last CNTR accepted in a Command Packet from the OTA platform.
    pub counters: BTreeMap<u8, u64>,
    /// Per KVN, the last CNTR the card put in its own (MO) Command Packets.
    pub mo_counters: BTreeMap<u8, u64>,
}

impl CardState {
    /// A fresh card.
    pub fn new(iccid: String, msisdn: String, pin_tries: u8) -> Self {
        CardState {
            version: STATE_VERSION,
            iccid,
            msisdn,
            pin_tries_left: pin_tries,
            blocked: false,
            counters: BTreeMap::new(),
            mo_counters: BTreeMap::new(),
        }
    }
}

/// Where a card's state lives in `dir`.
pub fn path_for(dir: &Path, msisdn: &str) -> PathBuf {
    dir.join(format!("{msisdn}.json"))
}

fn io_err(path: &Path, e: std::io::Error) -> StateError {
    StateError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Loads the state of `msisdn`, `Ok(None)` when there is no file yet.
pub fn load(dir: &Path, msisdn: &str) -> Result<Option<CardState>, StateError> {
    let path = path_for(dir, msisdn);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| StateError::Malformed {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// Writes the state atomically: a temporary file in the same directory,
/// flushed, then renamed over the old one.
pub fn save(dir: &Path, state: &CardState) -> Result<(), StateError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let path = path_for(dir, &state.msisdn);
    let tmp = dir.join(format!(".{}.json.tmp", state.msisdn));
    let text = serde_json::to_vec_pretty(state).map_err(|e| StateError::Malformed {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    {
        use std::io::Write;
        let mut f = fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        f.write_all(&text).map_err(|e| io_err(&tmp, e))?;
        f.sync_all().map_err(|e| io_err(&tmp, e))?;
    }
    fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_file() {
        let dir = std::env::temp_dir().join(format!("idgw-sim-state-{}", rand::random::<u64>()));
        assert_eq!(load(&dir, "447700900001").unwrap(), None);
        let mut s = CardState::new("8944".into(), "447700900001".into(), 3);
        s.counters.insert(1, 7);
        s.pin_tries_left = 1;
        save(&dir, &s).unwrap();
        assert_eq!(load(&dir, "447700900001").unwrap(), Some(s));
        fs::write(path_for(&dir, "1"), "{").unwrap();
        assert!(matches!(load(&dir, "1"), Err(StateError::Malformed { .. })));
        fs::remove_dir_all(dir).unwrap();
    }
}
