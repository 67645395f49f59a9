//! idgw-trace: the trace hook (DESIGN.md section 8: every step of a transaction is recorded for
//! `idgw trace`). A component does not know the OP's `auth_req_id`; it reports each step it
//! takes for a subscriber by MSISDN, and whoever wires the components (the `idgw` binary)
//! joins MSISDN and transaction: at most one authentication is in flight per MSISDN.
//!
//! Dependency-free on purpose: a [`Trace`] is a cloneable handle around a callback, a no-op
//! by default. The callback runs on the protocol path and must not block.

use std::sync::Arc;

/// One step, as a lane of the sequence diagram sees it: `from` does `step`, sending to `to`
/// when it is a message to another component (`None`: a step on its own lane).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The subscriber, E.164 digits.
    pub msisdn: String,
    /// The lane that acts: `RP`, `OP`, `MSSP`, `OTA`, `SMSC`, `SIM` or `User`.
    pub from: &'static str,
    /// The lane the message goes to, if any.
    pub to: Option<&'static str>,
    /// What happened, in the words of the specs.
    pub step: String,
    /// How it went (`ok`, `sent`, a status name).
    pub outcome: String,
    /// Identifiers worth seeing (message ids, counters, status codes); never secrets.
    pub detail: Option<String>,
}

/// Where [`Hop`]s go; cheap to clone. The default drops them.
#[derive(Clone, Default)]
pub struct Trace(Option<Arc<dyn Fn(Hop) + Send + Sync>>);

impl Trace {
    /// Hands every hop to `sink`, which must not block.
    pub fn new(sink: impl Fn(Hop) + Send + Sync + 'static) -> Trace {
        Trace(Some(Arc::new(sink)))
    }

    /// Whether hops go anywhere.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Reports a step of `from` on its own lane.
    pub fn step(
        &self,
        msisdn: &str,
        from: &'static str,
        step: &str,
        outcome: &str,
        detail: Option<String>,
    ) {
        self.emit(msisdn, from, None, step, outcome, detail);
    }

    /// Reports a message from `from` to `to`.
    pub fn message(
        &self,
        msisdn: &str,
        from: &'static str,
        to: &'static str,
        step: &str,
        outcome: &str,
        detail: Option<String>,
    ) {
        self.emit(msisdn, from, Some(to), step, outcome, detail);
    }

    fn emit(
        &self,
        msisdn: &str,
        from: &'static str,
        to: Option<&'static str>,
        step: &str,
        outcome: &str,
        detail: Option<String>,
    ) {
        if let Some(sink) = &self.0 {
            sink(Hop {
                msisdn: msisdn.to_owned(),
                from,
                to,
                step: step.to_owned(),
                outcome: outcome.to_owned(),
                detail,
            });
        }
    }
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_enabled() {
            "Trace(on)"
        } else {
            "Trace(off)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn hops_reach_the_sink_and_the_default_drops_them() {
        Trace::default().step("1", "MSSP", "x", "ok", None);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let trace = Trace::new(move |h| sink.lock().unwrap().push(h));
        trace.message(
            "447700900001",
            "MSSP",
            "OTA",
            "Send",
            "sent",
            Some("d".into()),
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!((seen[0].from, seen[0].to), ("MSSP", Some("OTA")));
        assert_eq!(seen[0].detail.as_deref(), Some("d"));
    }
}
