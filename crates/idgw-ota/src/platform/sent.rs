//! MT packets the platform sent and may still hear about: delivery receipts
//! name them by SMSC message_id (SMPP 3.4 Appendix B, receipted_message_id
//! 5.3.2.12), Proofs of Receipt by the Command Packet's counter (ETSI
//! TS 102 225 section 5.2: the Response Packet repeats CNTR). Each packet's
//! failure is reported once; a PoR or receipt that matches nothing is stale
//! or replayed. Bounded ([`super::MAX_OUTSTANDING`]) and aged out
//! ([`super::OUTSTANDING_TTL`]); time is passed in.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// One MT packet (all its segments).
#[derive(Debug, Clone)]
pub(crate) struct Outstanding {
    pub(crate) id: u64,
    pub(crate) msisdn: String,
    pub(crate) reference: String,
    pub(crate) cntr: u64,
    pub(crate) message_ids: Vec<String>,
    pub(crate) sent_at: Instant,
    /// A failure was reported already.
    pub(crate) failed: bool,
}

/// The table, oldest first.
#[derive(Debug)]
pub(crate) struct SentTable {
    entries: VecDeque<Outstanding>,
    next_id: u64,
    max: usize,
    ttl: Duration,
}

impl SentTable {
    pub(crate) fn new(max: usize, ttl: Duration) -> Self {
        SentTable {
            entries: VecDeque::new(),
            next_id: 0,
            max: max.max(1),
            ttl,
        }
    }

    /// Remembers a packet before its segments are submitted (a PoR may
    /// overtake the submit_sm_resp); returns its id.
    pub(crate) fn insert(&mut self, msisdn: &str, reference: &str, cntr: u64, now: Instant) -> u64 {
        self.sweep(now);
        while self.entries.len() >= self.max {
            self.entries.pop_front();
        }
        self.next_id += 1;
        self.entries.push_back(Outstanding {
            id: self.next_id,
            msisdn: msisdn.to_owned(),
            reference: reference.to_owned(),
            cntr,
            message_ids: Vec::new(),
            sent_at: now,
            failed: false,
        });
        self.next_id
    }

    pub(crate) fn add_message_id(&mut self, id: u64, message_id: String) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.message_ids.push(message_id);
        }
    }

    pub(crate) fn remove(&mut self, id: u64) {
        self.entries.retain(|e| e.id != id);
    }

    /// Forgets packets older than the TTL.
    pub(crate) fn sweep(&mut self, now: Instant) {
        while let Some(front) = self.entries.front() {
            if now.saturating_duration_since(front.sent_at) < self.ttl {
                break;
            }
            self.entries.pop_front();
        }
    }

    pub(crate) fn by_message_id(&mut self, message_id: &str) -> Option<&mut Outstanding> {
        self.entries
            .iter_mut()
            .find(|e| e.message_ids.iter().any(|m| m == message_id))
    }

    /// The packet a PoR from `msisdn` answers: the one with counter `cntr`,
    /// or for an unsecured error PoR (whose CNTR is not trustworthy) the
    /// most recent one not yet reported failed.
    pub(crate) fn by_por(&mut self, msisdn: &str, cntr: Option<u64>) -> Option<&mut Outstanding> {
        let mut candidates = self.entries.iter_mut().rev().filter(|e| e.msisdn == msisdn);
        match cntr {
            Some(c) => candidates.find(|e| e.cntr == c),
            None => candidates.find(|e| !e.failed),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_aged_and_matched() {
        let t0 = Instant::now();
        let mut t = SentTable::new(2, Duration::from_secs(10));
        let a = t.insert("1", "ref-a", 1, t0);
        t.add_message_id(a, "m1".into());
        let b = t.insert("1", "ref-b", 2, t0 + Duration::from_secs(5));
        assert_eq!(t.by_message_id("m1").unwrap().reference, "ref-a");
        assert_eq!(t.by_por("1", Some(2)).unwrap().id, b);
        assert_eq!(t.by_por("1", None).unwrap().id, b);
        t.by_por("1", None).unwrap().failed = true;
        assert_eq!(t.by_por("1", None).unwrap().id, a);
        assert!(t.by_por("2", None).is_none());
        t.insert("3", "ref-c", 1, t0 + Duration::from_secs(6));
        assert_eq!(t.len(), 2);
        assert!(t.by_message_id("m1").is_none());
        t.sweep(t0 + Duration::from_secs(15));
        assert_eq!(t.len(), 1);
        t.remove(b);
        t.sweep(t0 + Duration::from_secs(16));
        assert_eq!(t.len(), 0);
    }
}
