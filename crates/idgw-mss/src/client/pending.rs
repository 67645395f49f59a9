//! The AP's pending transactions: for each `AP_TransID` whose outcome is awaited, the
//! sender that completes its waiting authentication and its one next action, kept in one
//! time-ordered map that the AP's single scheduler works through ([`super::Ap`]). Pure data:
//! time is passed in; no task, no timer per transaction.
//!
//! Per transaction: an entry of a few hundred bytes, and one timer key (the next status
//! query: every poll interval in asynchClientServer; once, as a fallback, in
//! asynchServerServer; and the deadline, when it ends as expired).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use tokio::sync::oneshot;

use super::ClientOutcome;

/// How the outcome arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// asynchServerServer: by notification; one status query as a fallback.
    Notified,
    /// asynchClientServer: by status queries; consecutive failed ones.
    Polled { failures: u32 },
}

type TimerKey = (Instant, u64);

struct Waiter {
    /// Completes the authentication waiting for this transaction.
    done: oneshot::Sender<ClientOutcome>,
    /// Which registration this is (an `AP_TransID` registered again replaces it).
    token: u64,
    pin: bool,
    deadline: Instant,
    kind: Kind,
    /// Once the MSSP accepted the request.
    mssp_trans_id: Option<Box<str>>,
    /// The next action, if one is scheduled.
    timer: Option<TimerKey>,
    /// A notification that came before the MSSP's answer: its outcome, and who waits to
    /// learn the `MSSP_TransID` to acknowledge it.
    early: Option<(ClientOutcome, oneshot::Sender<Box<str>>)>,
}

/// A status query the scheduler must make now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    pub ap_trans_id: Box<str>,
    pub token: u64,
    pub mssp_trans_id: Box<str>,
    pub pin: bool,
}

/// What a notification found.
#[derive(Debug)]
pub(crate) enum Notified {
    /// Not pending here.
    Unknown,
    /// Completed; acknowledge with this `MSSP_TransID`.
    Completed(Box<str>),
    /// It came before the MSSP's answer: the `MSSP_TransID` follows on this channel (and
    /// the outcome is given with it).
    Early(oneshot::Receiver<Box<str>>),
}

/// The pending transactions of one AP.
#[derive(Default)]
pub(crate) struct Pending {
    waiters: HashMap<Box<str>, Waiter>,
    timers: BTreeMap<TimerKey, Box<str>>,
    seq: u64,
}

impl Pending {
    /// How many transactions are pending.
    pub fn len(&self) -> usize {
        self.waiters.len()
    }

    /// When the scheduler must next act.
    pub fn next_wake(&self) -> Option<Instant> {
        self.timers.keys().next().map(|(at, _)| *at)
    }

    fn schedule(&mut self, ap_trans_id: &str, at: Instant) -> bool {
        let Some(waiter) = self.waiters.get_mut(ap_trans_id) else {
            return false;
        };
        if let Some(old) = waiter.timer.take() {
            self.timers.remove(&old);
        }
        self.seq += 1;
        let key = (at.min(waiter.deadline), self.seq);
        waiter.timer = Some(key);
        self.timers.insert(key, ap_trans_id.into());
        self.timers.keys().next() == Some(&key)
    }

    /// Waits for `ap_trans_id` until `deadline`. Returns the receiver of its outcome, its
    /// token, and whether the scheduler must wake earlier than it planned.
    pub fn register(
        &mut self,
        ap_trans_id: &str,
        pin: bool,
        deadline: Instant,
        kind: Kind,
    ) -> (oneshot::Receiver<ClientOutcome>, u64, bool) {
        let (done, receiver) = oneshot::channel();
        self.seq += 1;
        let token = self.seq;
        let waiter = Waiter {
            done,
            token,
            pin,
            deadline,
            kind,
            mssp_trans_id: None,
            timer: None,
            early: None,
        };
        if let Some(old) = self.waiters.insert(ap_trans_id.into(), waiter) {
            // Registered again: the older wait ends (its receiver sees the sender dropped).
            if let Some(key) = old.timer {
                self.timers.remove(&key);
            }
        }
        let earliest = self.schedule(ap_trans_id, deadline);
        (receiver, token, earliest)
    }

    fn take(&mut self, ap_trans_id: &str, token: Option<u64>) -> Option<Waiter> {
        match self.waiters.get(ap_trans_id) {
            Some(w) if token.is_none_or(|t| t == w.token) => {}
            _ => return None,
        }
        let waiter = self.waiters.remove(ap_trans_id)?;
        if let Some(key) = waiter.timer {
            self.timers.remove(&key);
        }
        Some(waiter)
    }

    /// Ends the wait with `outcome`; false when it was not pending (under that token).
    pub fn complete(
        &mut self,
        ap_trans_id: &str,
        token: Option<u64>,
        outcome: ClientOutcome,
    ) -> bool {
        match self.take(ap_trans_id, token) {
            Some(waiter) => {
                let _ = waiter.done.send(outcome);
                true
            }
            None => false,
        }
    }

    /// Forgets the wait (its authentication was dropped).
    pub fn cancel(&mut self, ap_trans_id: &str, token: u64) {
        self.take(ap_trans_id, Some(token));
    }

    /// The MSSP accepted the request as `mssp_trans_id` at `now`. An early notification
    /// completes it now; else its first status query is at `first_query`. Returns whether
    /// the scheduler must wake earlier.
    pub fn accepted(
        &mut self,
        ap_trans_id: &str,
        token: u64,
        mssp_trans_id: &str,
        first_query: Instant,
    ) -> bool {
        match self.waiters.get_mut(ap_trans_id) {
            Some(w) if w.token == token => {
                w.mssp_trans_id = Some(mssp_trans_id.into());
                if let Some((outcome, ack)) = w.early.take() {
                    let _ = ack.send(mssp_trans_id.into());
                    self.complete(ap_trans_id, Some(token), outcome);
                    return false;
                }
                self.schedule(ap_trans_id, first_query)
            }
            _ => false,
        }
    }

    /// The request failed before the MSSP accepted it: `outcome`, unless a notification
    /// already told the real one.
    pub fn refused(&mut self, ap_trans_id: &str, token: u64, outcome: ClientOutcome) {
        let early = self
            .waiters
            .get_mut(ap_trans_id)
            .filter(|w| w.token == token)
            .and_then(|w| w.early.take());
        // The early notification's acknowledgement never gets its MSSP_TransID: the MSSP
        // sees a refusal (and stops), the outcome is still the notified one.
        let outcome = early.map_or(outcome, |(early, _)| early);
        self.complete(ap_trans_id, Some(token), outcome);
    }

    /// A notification for `ap_trans_id` with this final outcome (`pin` is filled in).
    pub fn notified(
        &mut self,
        ap_trans_id: &str,
        outcome: impl FnOnce(bool) -> ClientOutcome,
    ) -> Notified {
        let Some(waiter) = self.waiters.get_mut(ap_trans_id) else {
            return Notified::Unknown;
        };
        let outcome = outcome(waiter.pin);
        if waiter.mssp_trans_id.is_none() {
            let (ack, id) = oneshot::channel();
            waiter.early = Some((outcome, ack));
            return Notified::Early(id);
        }
        match self.take(ap_trans_id, None) {
            Some(Waiter {
                done,
                mssp_trans_id: Some(id),
                ..
            }) => {
                let _ = done.send(outcome);
                Notified::Completed(id)
            }
            _ => Notified::Unknown,
        }
    }

    /// Takes the actions due at `now`: transactions past their deadline end as expired;
    /// for the others, the status queries to make (until [`Pending::queried`] schedules
    /// their next action, only their deadline is).
    pub fn due(&mut self, now: Instant) -> Vec<Query> {
        let mut queries = Vec::new();
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ap_trans_id = entry.remove();
            let Some(waiter) = self.waiters.get_mut(&ap_trans_id) else {
                continue;
            };
            waiter.timer = None;
            match (&waiter.mssp_trans_id, now >= waiter.deadline) {
                (Some(id), false) => {
                    queries.push(Query {
                        mssp_trans_id: id.clone(),
                        token: waiter.token,
                        pin: waiter.pin,
                        ap_trans_id: ap_trans_id.clone(),
                    });
                    // Expires at its deadline even if the query is still out then.
                    let deadline = waiter.deadline;
                    self.schedule(&ap_trans_id, deadline);
                }
                _ => {
                    self.complete(&ap_trans_id, None, ClientOutcome::Expired);
                }
            }
        }
        queries
    }

    /// The status query for `query` answered at `now`: `Ok(Some(outcome))` final,
    /// `Ok(None)` still outstanding, `Err(reason)` no answer. Polled transactions are asked
    /// again after `interval` (up to `max_failures` failures in a row); notified ones wait
    /// for their notification or their deadline. Returns whether the scheduler must wake
    /// earlier.
    pub fn queried(
        &mut self,
        query: &Query,
        answer: Result<Option<ClientOutcome>, String>,
        now: Instant,
        (interval, max_failures): (std::time::Duration, u32),
    ) -> bool {
        let Some(waiter) = self.waiters.get_mut(&*query.ap_trans_id) else {
            return false;
        };
        if waiter.token != query.token {
            return false;
        }
        let answer = match answer {
            Ok(Some(outcome)) => Err(outcome),
            Ok(None) => Ok(None),
            Err(reason) => Ok(Some(reason)),
        };
        let next = match (answer, &mut waiter.kind) {
            (Err(outcome), _) => Err(outcome),
            (Ok(None), Kind::Polled { failures }) => {
                *failures = 0;
                Ok(now + interval)
            }
            (Ok(Some(reason)), Kind::Polled { failures }) => {
                *failures += 1;
                if *failures >= max_failures {
                    Err(ClientOutcome::Failed(reason))
                } else {
                    Ok(now + interval)
                }
            }
            (Ok(_), Kind::Notified) => Ok(waiter.deadline),
        };
        match next {
            Ok(at) => self.schedule(&query.ap_trans_id, at),
            Err(outcome) => {
                self.complete(&query.ap_trans_id, None, outcome);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests;
