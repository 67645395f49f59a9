//! TAR and CNTR fields and the replay rules of the SPI counter modes,
//! ETSI TS 102 225 section 5.1.1 (SPI b4-b5) and section 5.1 (CNTR).

use crate::{CounterMode, OtaError};

/// Toolkit Application Reference (3 octets, ETSI TS 101 220).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tar(pub [u8; 3]);

/// The 5-octet replay counter (CNTR), big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cntr(u64);

impl Cntr {
    /// The largest value: once reached, the counter is blocked.
    pub const MAX: Cntr = Cntr(0xFF_FFFF_FFFF);

    /// A counter; `None` when the value does not fit in 5 octets.
    pub fn new(value: u64) -> Option<Self> {
        (value <= Self::MAX.0).then_some(Cntr(value))
    }

    /// The numeric value.
    pub fn value(self) -> u64 {
        self.0
    }

    /// The 5 octets on the wire.
    pub fn to_bytes(self) -> [u8; 5] {
        let b = self.0.to_be_bytes();
        [b[3], b[4], b[5], b[6], b[7]]
    }

    /// From the 5 octets on the wire.
    pub fn from_bytes(b: [u8; 5]) -> Self {
        Cntr(u64::from_be_bytes([0, 0, 0, b[0], b[1], b[2], b[3], b[4]]))
    }

    /// The next value, `None` at the maximum.
    pub fn next(self) -> Option<Self> {
        Cntr::new(self.0 + 1)
    }
}

impl CounterMode {
    /// Whether the receiving entity accepts `received` after having accepted
    /// `last` (section 5.1.1). Modes 00 and 01 never reject. Modes 10 and 11
    /// answer CNTR blocked once the entity's counter is at its maximum, CNTR
    /// low for a replayed or older value, and (mode 11 only) CNTR high for a gap.
    pub fn check(self, last: Cntr, received: Cntr) -> Result<(), OtaError> {
        match self {
            CounterMode::NoCounter | CounterMode::NoReplayCheck => Ok(()),
            CounterMode::MustBeHigher | CounterMode::MustBeNext if last == Cntr::MAX => {
                Err(OtaError::CounterBlocked)
            }
            _ if received <= last => Err(OtaError::CounterLow {
                received: received.0,
                last: last.0,
            }),
            CounterMode::MustBeNext if received.0 != last.0 + 1 => Err(OtaError::CounterHigh {
                received: received.0,
                last: last.0,
            }),
            _ => Ok(()),
        }
    }

    /// Whether an accepted packet moves the receiving entity's counter forward.
    pub fn updates_counter(self) -> bool {
        matches!(self, CounterMode::MustBeHigher | CounterMode::MustBeNext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: u64) -> Cntr {
        Cntr::new(v).unwrap()
    }

    #[test]
    fn counter_bytes_round_trip() {
        let v = c(0x36F);
        assert_eq!(v.to_bytes(), [0, 0, 0, 3, 0x6F]);
        assert_eq!(Cntr::from_bytes(v.to_bytes()), v);
        assert_eq!(Cntr::MAX.to_bytes(), [0xFF; 5]);
        assert!(Cntr::new(1 << 40).is_none());
        assert!(Cntr::MAX.next().is_none());
    }

    #[test]
    fn counter_modes() {
        assert!(CounterMode::NoCounter.check(c(5), c(1)).is_ok());
        assert!(CounterMode::NoReplayCheck.check(c(5), c(5)).is_ok());
        assert!(CounterMode::MustBeHigher.check(c(5), c(9)).is_ok());
        assert!(matches!(
            CounterMode::MustBeHigher.check(c(5), c(5)),
            Err(OtaError::CounterLow { .. })
        ));
        assert!(CounterMode::MustBeNext.check(c(5), c(6)).is_ok());
        assert!(matches!(
            CounterMode::MustBeNext.check(c(5), c(7)),
            Err(OtaError::CounterHigh { .. })
        ));
        assert!(matches!(
            CounterMode::MustBeNext.check(c(5), c(4)),
            Err(OtaError::CounterLow { .. })
        ));
        assert_eq!(
            CounterMode::MustBeHigher.check(Cntr::MAX, Cntr::MAX),
            Err(OtaError::CounterBlocked)
        );
    }
}
