//! Replay counters (CNTR, ETSI TS 102 225 section 5.1 and the SPI counter
//! modes of section 5.1.1) kept by the OTA platform, per card (ICCID) and
//! key version number:
//!
//! - the **MT counter**: the platform is the sending entity of the Command
//!   Packets it seals; the card accepts only a counter higher than the last
//!   it accepted (SPI counter mode 10), so a value must never be issued twice,
//!   not after a restart and not by two nodes sharing the card database;
//! - the **MO counter**: the platform is the receiving entity of the card's
//!   Command Packets (SPI `16 00`, counter must be higher); it accepts one
//!   only when its counter is higher than the last accepted.
//!
//! [`CounterStore`] is the storage trait; [`MemoryCounters`] keeps counters
//! in memory (tests, single-process demos: counters restart at 0, which a
//! card that kept its own counters will refuse with "CNTR low").

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::PlatformError;
use crate::Cntr;

/// Counter storage. Both operations are **atomic read-modify-write
/// operations that are durable when they return**:
///
/// - [`CounterStore::next_mt_counter`]: increments the stored MT counter of
///   `(iccid, kvn)` (absent: 0) by one and returns the new value, so the
///   first value is 1. Two calls, concurrent or not, on any node, before or
///   after a restart, never return the same value. Gaps are allowed (the
///   card only needs "higher"). At `0xFF_FFFF_FFFF` ([`Cntr::MAX`]) it
///   returns [`PlatformError::CounterExhausted`] and stores nothing.
///   SQL sketch: `UPDATE ota_counters SET mt = mt + 1 WHERE iccid = $1 AND
///   kvn = $2 AND mt < 1099511627775 RETURNING mt` (inserting the row
///   first if absent), committed before returning.
/// - [`CounterStore::accept_mo_counter`]: compare-and-set. If `cntr` is
///   strictly greater than the stored last MO counter of `(iccid, kvn)`
///   (absent: 0), stores `cntr` and returns `true`; otherwise stores nothing
///   and returns `false`. Of two concurrent calls with the same `cntr`,
///   exactly one returns `true`. SQL sketch: `UPDATE ota_counters SET mo = $3
///   WHERE iccid = $1 AND kvn = $2 AND mo < $3` and `true` iff one row
///   changed.
///
/// [`CounterStore::last_mt_counter`] reads the last MT counter issued (absent: 0); a node
/// matches a card's PoR to a packet another node sent by it.
///
/// The platform calls `accept_mo_counter` only for packets whose
/// cryptographic checksum verified, so an attacker cannot move it forward.
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// The next MT counter for the card's key set (see the trait doc).
    async fn next_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64, PlatformError>;
    /// The last MT counter issued for the card's key set (see the trait doc).
    async fn last_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64, PlatformError>;
    /// Whether `cntr` is a fresh MO counter; records it if so (see the trait doc).
    async fn accept_mo_counter(
        &self,
        iccid: &str,
        kvn: u8,
        cntr: u64,
    ) -> Result<bool, PlatformError>;
}

#[derive(Debug, Default, Clone, Copy)]
struct Pair {
    mt: u64,
    mo: u64,
}

/// Counters in memory; one mutex makes each operation atomic.
#[derive(Debug, Default)]
pub struct MemoryCounters {
    counters: Mutex<HashMap<(String, u8), Pair>>,
}

impl MemoryCounters {
    /// No counters yet (all at 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// The last MT counter issued and the last MO counter accepted.
    pub fn get(&self, iccid: &str, kvn: u8) -> (u64, u64) {
        let map = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(iccid.to_owned(), kvn))
            .map_or((0, 0), |p| (p.mt, p.mo))
    }
}

#[async_trait]
impl CounterStore for MemoryCounters {
    async fn next_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64, PlatformError> {
        let mut map = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let pair = map.entry((iccid.to_owned(), kvn)).or_default();
        if pair.mt >= Cntr::MAX.value() {
            return Err(PlatformError::CounterExhausted(iccid.to_owned()));
        }
        pair.mt += 1;
        Ok(pair.mt)
    }

    async fn last_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64, PlatformError> {
        Ok(self.get(iccid, kvn).0)
    }

    async fn accept_mo_counter(
        &self,
        iccid: &str,
        kvn: u8,
        cntr: u64,
    ) -> Result<bool, PlatformError> {
        let mut map = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let pair = map.entry((iccid.to_owned(), kvn)).or_default();
        if cntr > pair.mo {
            pair.mo = cntr;
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mt_counters_never_repeat_and_stop_at_max() {
        let c = MemoryCounters::new();
        assert_eq!(c.next_mt_counter("a", 1).await.unwrap(), 1);
        assert_eq!(c.next_mt_counter("a", 1).await.unwrap(), 2);
        assert_eq!(c.next_mt_counter("a", 2).await.unwrap(), 1);
        assert_eq!(c.next_mt_counter("b", 1).await.unwrap(), 1);
        c.counters
            .lock()
            .unwrap()
            .get_mut(&("a".to_owned(), 1))
            .unwrap()
            .mt = Cntr::MAX.value() - 1;
        assert_eq!(c.next_mt_counter("a", 1).await.unwrap(), Cntr::MAX.value());
        assert_eq!(
            c.next_mt_counter("a", 1).await,
            Err(PlatformError::CounterExhausted("a".into()))
        );
        assert_eq!(c.get("a", 1).0, Cntr::MAX.value());
    }

    #[tokio::test]
    async fn mo_counters_must_grow() {
        let c = MemoryCounters::new();
        assert!(!c.accept_mo_counter("a", 1, 0).await.unwrap());
        assert!(c.accept_mo_counter("a", 1, 1).await.unwrap());
        assert!(!c.accept_mo_counter("a", 1, 1).await.unwrap());
        assert!(c.accept_mo_counter("a", 1, 5).await.unwrap());
        assert!(!c.accept_mo_counter("a", 1, 3).await.unwrap());
        assert!(c.accept_mo_counter("a", 2, 3).await.unwrap());
        assert_eq!(c.get("a", 1), (0, 5));
    }
}
