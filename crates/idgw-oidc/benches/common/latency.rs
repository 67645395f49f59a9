//! Latency percentiles for the benches (`idgw-oidc`'s `op`, `idgw`'s `flows`), included by
//! path: `#[path = ".../benches/common/latency.rs"] mod latency;`.
#![allow(dead_code)]

use std::time::Duration;

/// The `p`-th percentile (nearest rank) of `sorted`; zero when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// p50, p90, p99 and max of a set of latencies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// Sorts `latencies` and summarises them.
    pub fn of(latencies: &mut [Duration]) -> Summary {
        latencies.sort_unstable();
        Summary {
            p50: percentile(latencies, 50.0),
            p90: percentile(latencies, 90.0),
            p99: percentile(latencies, 99.0),
            max: latencies.last().copied().unwrap_or_default(),
        }
    }
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
