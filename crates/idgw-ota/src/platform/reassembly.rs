//! Reassembly of concatenated MO messages (3GPP TS 23.040 section
//! 9.2.3.24.1 / 9.2.3.24.8; TS 31.115 section 4 puts the secured packet's
//! identifier in the first segment). Segments are keyed by sender and
//! reference; at most [`super::MAX_PARTIAL_MESSAGES`] messages wait, at most
//! [`super::MAX_PARTIAL_PER_MSISDN`] per sender (the oldest is dropped), and
//! each for at most [`super::REASSEMBLY_TIMEOUT`]. Time is passed in.

use std::collections::VecDeque;
use std::time::Duration;

use idgw_smpp::tpdu::{reassemble, Udh, UserData};
use tokio::time::Instant;

struct Partial {
    msisdn: String,
    reference: u16,
    first_at: Instant,
    segments: Vec<UserData>,
}

/// Messages waiting for segments, oldest first.
pub(crate) struct Reassembly {
    partial: VecDeque<Partial>,
    timeout: Duration,
    max: usize,
    max_per_msisdn: usize,
}

impl Reassembly {
    pub(crate) fn new(timeout: Duration, max: usize, max_per_msisdn: usize) -> Self {
        Reassembly {
            partial: VecDeque::new(),
            timeout,
            max: max.max(1),
            max_per_msisdn: max_per_msisdn.max(1),
        }
    }

    /// Takes one message from `msisdn`: the whole user data (first
    /// segment's IEs without the concatenation IE) once complete, `Ok(None)`
    /// while segments are missing.
    pub(crate) fn push(
        &mut self,
        msisdn: &str,
        ud: UserData,
        now: Instant,
    ) -> Result<Option<UserData>, String> {
        self.sweep(now);
        let Some((reference, total, seq)) = ud.header.as_ref().and_then(Udh::concat) else {
            return Ok(Some(ud));
        };
        if total == 0 || seq == 0 || seq > total {
            return Err(format!("concatenation IE {seq}/{total}"));
        }
        let pos = self
            .partial
            .iter()
            .position(|p| p.msisdn == msisdn && p.reference == reference);
        let idx = match pos {
            Some(i) => i,
            None => {
                self.make_room(msisdn);
                self.partial.push_back(Partial {
                    msisdn: msisdn.to_owned(),
                    reference,
                    first_at: now,
                    segments: Vec::new(),
                });
                self.partial.len() - 1
            }
        };
        let p = &mut self.partial[idx];
        p.segments.push(ud);
        let mut seqs: Vec<u8> = p
            .segments
            .iter()
            .filter_map(|s| s.header.as_ref().and_then(Udh::concat).map(|c| c.2))
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        if seqs.len() < usize::from(total) {
            return Ok(None);
        }
        let done = self.partial.remove(idx).map(|p| p.segments);
        reassemble(&done.unwrap_or_default())
            .map(Some)
            .map_err(|e| e.to_string())
    }

    fn make_room(&mut self, msisdn: &str) {
        let mine = self.partial.iter().filter(|p| p.msisdn == msisdn).count();
        if mine >= self.max_per_msisdn {
            if let Some(i) = self.partial.iter().position(|p| p.msisdn == msisdn) {
                tracing::warn!(%msisdn, "too many partial MO messages; oldest dropped");
                self.partial.remove(i);
            }
        }
        while self.partial.len() >= self.max {
            tracing::warn!("partial MO message buffer full; oldest dropped");
            self.partial.pop_front();
        }
    }

    /// Drops messages whose segments did not all arrive in time.
    pub(crate) fn sweep(&mut self, now: Instant) {
        let timeout = self.timeout;
        self.partial.retain(|p| {
            let keep = now.saturating_duration_since(p.first_at) < timeout;
            if !keep {
                tracing::info!(msisdn = %p.msisdn, reference = p.reference, "incomplete MO message expired");
            }
            keep
        });
    }

    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.partial.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idgw_smpp::tpdu::{split_8bit, InformationElement};

    fn parts(reference: u8) -> Vec<UserData> {
        let packet: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        split_8bit(&packet, &[InformationElement::command_packet()], reference).unwrap()
    }

    #[test]
    fn reassembles_in_any_order() {
        let t0 = Instant::now();
        let mut r = Reassembly::new(Duration::from_secs(60), 8, 2);
        let p = parts(5);
        assert_eq!(r.push("1", p[2].clone(), t0).unwrap(), None);
        assert_eq!(r.push("2", p[0].clone(), t0).unwrap(), None);
        assert_eq!(r.push("1", p[0].clone(), t0).unwrap(), None);
        let whole = r.push("1", p[1].clone(), t0).unwrap().unwrap();
        assert_eq!(whole.data.len(), 300);
        assert!(whole.header.unwrap().has(0x70));
        assert_eq!(r.waiting(), 1);
        let single = split_8bit(&[1, 2], &[InformationElement::command_packet()], 0).unwrap();
        assert!(r.push("1", single[0].clone(), t0).unwrap().is_some());
    }

    #[test]
    fn bounded_and_timed_out() {
        let t0 = Instant::now();
        let mut r = Reassembly::new(Duration::from_secs(60), 3, 2);
        for reference in 0..3 {
            r.push("1", parts(reference)[0].clone(), t0).unwrap();
        }
        assert_eq!(r.waiting(), 2);
        r.push("2", parts(9)[0].clone(), t0).unwrap();
        r.push("3", parts(9)[0].clone(), t0).unwrap();
        assert_eq!(r.waiting(), 3);
        r.sweep(t0 + Duration::from_secs(60));
        assert_eq!(r.waiting(), 0);
        // Reference 2's other segments arrive after it was dropped: no message.
        assert_eq!(
            r.push("1", parts(2)[1].clone(), t0 + Duration::from_secs(61))
                .unwrap(),
            None
        );
    }
}
