//! The trace sink of `idgw serve` (DESIGN.md section 8, for `idgw trace`): joins the steps
//! the components report by MSISDN to the transaction in flight, and writes them to the
//! store without ever holding up the protocol path.
//!
//! The components below the OP do not know `auth_req_id`. At most one authentication is in
//! flight per MSISDN (the OP enforces it), so [`Tracer::begin`] (called by the OP's
//! authenticator) names the transaction of an MSISDN, and every hop for that MSISDN is
//! recorded under it until [`Tracer::end`] plus [`GRACE`], so the last receipts and answers
//! still land. Hops for an MSISDN with nothing in flight are not recorded.
//!
//! Events go through one bounded queue ([`QUEUE`]) to one writer task: the order of the
//! queue is the order the steps happened in (the store breaks ties of `at` by insertion).
//! A full queue drops the event with a warning.

use idgw_store::{Event, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// How long after its end a transaction still collects the hops of its MSISDN: 30 s.
pub const GRACE: Duration = Duration::from_secs(30);
/// Events waiting for the writer, at most: 4096.
pub const QUEUE: usize = 4096;
/// How long [`Tracer::flush`] waits for the writer: 1 s.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(1);

enum Msg {
    Event(Event),
    Flush(oneshot::Sender<()>),
}

#[derive(Debug, Clone)]
struct InFlight {
    auth_req_id: String,
    correlation_id: Option<String>,
    ended: Option<Instant>,
}

/// MSISDN -> its transaction, pure (time passed in).
#[derive(Debug, Default)]
struct Index(HashMap<String, InFlight>);

impl Index {
    fn begin(&mut self, msisdn: &str, auth_req_id: &str, correlation_id: Option<&str>) {
        self.0.insert(
            msisdn.to_owned(),
            InFlight {
                auth_req_id: auth_req_id.to_owned(),
                correlation_id: correlation_id.map(str::to_owned),
                ended: None,
            },
        );
    }

    fn end(&mut self, msisdn: &str, auth_req_id: &str, now: Instant) {
        if let Some(t) = self.0.get_mut(msisdn) {
            if t.auth_req_id == auth_req_id {
                t.ended = Some(now);
            }
        }
        self.0
            .retain(|_, t| t.ended.is_none_or(|e| now < e + GRACE));
    }

    fn lookup(&self, msisdn: &str, now: Instant) -> Option<&InFlight> {
        self.0
            .get(msisdn)
            .filter(|t| t.ended.is_none_or(|e| now < e + GRACE))
    }
}

/// See the module doc. Share it as `Arc<Tracer>`.
pub struct Tracer {
    index: Mutex<Index>,
    tx: mpsc::Sender<Msg>,
}

/// The lane of an event: `from`, or `from->to` for a message between two lanes
/// (what `idgw trace` draws as an arrow).
pub fn component(from: &str, to: Option<&str>) -> String {
    match to {
        Some(to) => format!("{from}->{to}"),
        None => from.to_owned(),
    }
}

impl Tracer {
    /// A tracer writing to `store` from a task of its own (ends when the tracer is dropped).
    pub fn start(store: Arc<dyn Store>) -> Arc<Tracer> {
        let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                match msg {
                    Msg::Event(e) => {
                        if let Err(err) = store.record_event(&e).await {
                            tracing::warn!(code = "E_TRACE", error = %err, "cannot record trace event");
                        }
                    }
                    Msg::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Arc::new(Tracer {
            index: Mutex::new(Index::default()),
            tx,
        })
    }

    fn index(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// From now on, hops for `msisdn` belong to `auth_req_id`.
    pub fn begin(&self, msisdn: &str, auth_req_id: &str, correlation_id: Option<&str>) {
        self.index().begin(msisdn, auth_req_id, correlation_id);
    }

    /// The authentication `auth_req_id` of `msisdn` ended; its late hops land for [`GRACE`].
    pub fn end(&self, msisdn: &str, auth_req_id: &str) {
        self.index().end(msisdn, auth_req_id, Instant::now());
    }

    /// Queues `event`; never waits.
    pub fn record(&self, event: Event) {
        match self.tx.try_send(Msg::Event(event)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(Msg::Event(e))) => {
                tracing::warn!(code = "E_TRACE_FULL", auth_req_id = %e.auth_req_id, step = %e.step, "trace queue full: event dropped");
            }
            Err(_) => tracing::warn!(code = "E_TRACE", "trace writer stopped: event dropped"),
        }
    }

    /// A component's step for `msisdn`, recorded under its transaction (if one is in flight).
    pub fn hop(
        &self,
        msisdn: &str,
        from: &str,
        to: Option<&str>,
        step: &str,
        outcome: &str,
        detail: Option<String>,
    ) {
        let msisdn = msisdn.trim_start_matches('+');
        let Some(t) = self.index().lookup(msisdn, Instant::now()).cloned() else {
            tracing::debug!(msisdn, step, "trace hop without a transaction in flight");
            return;
        };
        self.record(Event {
            auth_req_id: t.auth_req_id,
            correlation_id: t.correlation_id,
            component: component(from, to),
            step: step.to_owned(),
            outcome: outcome.to_owned(),
            detail,
            at: idgw_oidc::now_ms(),
        });
    }

    /// Waits (at most [`FLUSH_TIMEOUT`]) until everything queued so far is in the store.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        let wait = async {
            if self.tx.send(Msg::Flush(done)).await.is_ok() {
                let _ = written.await;
            }
        };
        if tokio::time::timeout(FLUSH_TIMEOUT, wait).await.is_err() {
            tracing::warn!(code = "E_TRACE", "trace writer slow: not flushed");
        }
    }

    /// The hook every component reports to (MSSP, SMSC, OTA platform, SIMs and users).
    pub fn hook(self: &Arc<Self>) -> idgw_trace::Trace {
        let tracer = self.clone();
        idgw_trace::Trace::new(move |h| {
            tracer.hop(&h.msisdn, h.from, h.to, &h.step, &h.outcome, h.detail)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_follow_the_transaction_in_flight_and_its_grace_period() {
        let mut index = Index::default();
        let t0 = Instant::now();
        assert!(index.lookup("1", t0).is_none());
        index.begin("1", "a", Some("c"));
        assert_eq!(index.lookup("1", t0).unwrap().auth_req_id, "a");
        // Ending another transaction of the MSISDN changes nothing.
        index.end("1", "old", t0);
        assert!(index.lookup("1", t0 + GRACE * 2).is_some());
        index.end("1", "a", t0);
        assert!(index.lookup("1", t0 + GRACE / 2).is_some());
        assert!(index.lookup("1", t0 + GRACE).is_none());
        // The next authentication takes over at once.
        index.begin("1", "b", None);
        assert_eq!(index.lookup("1", t0).unwrap().auth_req_id, "b");
        index.end("1", "b", t0);
        index.end("2", "x", t0 + GRACE);
        assert!(index.0.is_empty(), "ended transactions are forgotten");
    }

    #[test]
    fn components_name_their_arrow() {
        assert_eq!(component("OTA", Some("SMSC")), "OTA->SMSC");
        assert_eq!(component("SIM", None), "SIM");
    }
}
