//! The MSSP's two clocks: callers pass monotonic [`Instant`]s; stored times are wall-clock
//! milliseconds ([`Millis`]), which every node sharing the transactions reads alike. A
//! [`Clock`] maps one to the other from an anchor taken when the MSSP starts.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::store::Millis;

#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    instant: Instant,
    millis: Millis,
}

fn millis_of(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

impl Clock {
    /// Anchored now (tokio's clock, so paused test time moves it).
    pub fn now() -> Clock {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            instant: tokio::time::Instant::now().into_std(),
            millis: millis_of(wall),
        }
    }

    /// The wall-clock time of `at`.
    pub fn millis(&self, at: Instant) -> Millis {
        match at.checked_duration_since(self.instant) {
            Some(after) => self.millis.saturating_add(millis_of(after)),
            None => self
                .millis
                .saturating_sub(millis_of(self.instant.duration_since(at))),
        }
    }

    /// The instant of wall-clock `millis`, seen from `now`.
    pub fn instant(&self, millis: Millis, now: Instant) -> Instant {
        let delta = millis.saturating_sub(self.millis(now));
        let magnitude = Duration::from_millis(delta.unsigned_abs());
        if delta >= 0 {
            now + magnitude
        } else {
            now.checked_sub(magnitude).unwrap_or(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_millis_round_trip() {
        let clock = Clock::now();
        let t = Instant::now();
        let later = t + Duration::from_millis(1500);
        assert_eq!(clock.millis(later) - clock.millis(t), 1500);
        assert_eq!(clock.instant(clock.millis(later), t), later);
        let earlier = clock.instant(clock.millis(t) - 200, t);
        assert_eq!(t.duration_since(earlier), Duration::from_millis(200));
    }
}
