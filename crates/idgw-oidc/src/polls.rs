//! Poll pacing for the CIBA grant (CIBA Core 7.3 `interval`, 11 `slow_down`), kept in memory
//! so a pending poll costs no database write. Each node paces the polls it sees; a client
//! spreading polls over nodes is paced per node.

use idgw_store::Millis;
use std::collections::HashMap;
use std::sync::Mutex;

const SHARDS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Pace {
    last_poll: Millis,
    interval_s: u64,
    expires_at: Millis,
}

#[derive(Default)]
pub struct PollTracker {
    shards: [Mutex<HashMap<String, Pace>>; SHARDS],
}

fn shard_of(auth_req_id: &str) -> usize {
    auth_req_id
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
        % SHARDS
}

impl PollTracker {
    /// Records a poll; true when it came sooner than the interval allows. A `slow_down`
    /// raises the interval by 5 seconds for all later polls (CIBA Core 11, as RFC 8628 3.5).
    pub fn too_fast(
        &self,
        auth_req_id: &str,
        interval_s: u64,
        now: Millis,
        expires_at: Millis,
    ) -> bool {
        let mut shard = self.shards[shard_of(auth_req_id)]
            .lock()
            .expect("poll lock");
        match shard.get_mut(auth_req_id) {
            None => {
                shard.insert(
                    auth_req_id.to_string(),
                    Pace {
                        last_poll: now,
                        interval_s,
                        expires_at,
                    },
                );
                false
            }
            Some(pace) => {
                let early = now - pace.last_poll < pace.interval_s as i64 * 1000;
                pace.last_poll = now;
                if early {
                    pace.interval_s += 5;
                }
                early
            }
        }
    }

    pub fn forget(&self, auth_req_id: &str) {
        self.shards[shard_of(auth_req_id)]
            .lock()
            .expect("poll lock")
            .remove(auth_req_id);
    }

    /// Drops entries of expired transactions.
    pub fn purge(&self, now: Millis) {
        for shard in &self.shards {
            shard
                .lock()
                .expect("poll lock")
                .retain(|_, p| p.expires_at > now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_down_adds_five_seconds() {
        let t = PollTracker::default();
        assert!(!t.too_fast("a", 2, 0, 100_000));
        assert!(t.too_fast("a", 2, 1_000, 100_000), "1 s < 2 s interval");
        // The interval is now 7 s.
        assert!(
            t.too_fast("a", 2, 7_000, 100_000),
            "6 s since the last poll < 7 s"
        );
        assert!(
            !t.too_fast("a", 2, 19_000, 100_000),
            "12 s since the last poll >= 12 s"
        );
        t.purge(100_000);
        assert!(
            !t.too_fast("a", 2, 19_500, 200_000),
            "forgotten after expiry"
        );
    }
}
