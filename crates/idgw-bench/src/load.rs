//! Load shapes, each bounded in count and in time: a closed loop of single requests over N
//! keep-alive connections, a closed loop of whole flows, and an open loop that starts flows
//! at a fixed arrival rate (latency counted from each flow's scheduled start, so a server
//! that falls behind is charged for the queue it builds).

use crate::http::{Answer, Conn, Req};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One flow's future: what it kept (e.g. an `auth_req_id`), or what went wrong.
pub type FlowFuture = Pin<Box<dyn Future<Output = Result<Option<String>, String>> + Send>>;
pub type Flow = Arc<dyn Fn(u64) -> FlowFuture + Send + Sync>;
pub type Check = fn(&Answer) -> Result<Option<String>, String>;

/// What a load run measured.
#[derive(Default)]
pub struct Outcome {
    /// Latencies of the successful requests (or flows).
    pub latencies: Vec<Duration>,
    pub failed: u64,
    /// Requests (or flows) still running when the time limit came: neither ok nor failed.
    pub unfinished: u64,
    pub first_error: Option<String>,
    /// What successful requests kept, in no particular order.
    pub kept: Vec<String>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn ok(&self) -> u64 {
        self.latencies.len() as u64
    }

    fn absorb(&mut self, other: Outcome) {
        self.latencies.extend(other.latencies);
        self.kept.extend(other.kept);
        self.failed += other.failed;
        self.unfinished += other.unfinished;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    fn record(&mut self, latency: Duration, result: Result<Option<String>, String>) {
        match result {
            Ok(kept) => {
                self.latencies.push(latency);
                self.kept.extend(kept);
            }
            Err(e) => {
                self.failed += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    /// The `q` quantile (0..=1) of the latencies, in milliseconds (nearest rank).
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        self.latencies.sort_unstable();
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1].as_secs_f64() * 1000.0
    }
}

/// A step of a closed loop: takes the worker's state (e.g. its connection) and gives it back
/// with the step's result.
pub type StepFuture<S> = Pin<Box<dyn Future<Output = (S, Result<Option<String>, String>)> + Send>>;

/// Request `n` (0, 1, ...) built by `make` and judged by `check`, from `workers` workers with
/// a keep-alive connection each, until `max` requests were sent or `limit` passed.
pub async fn closed_loop(
    addr: SocketAddr,
    workers: u64,
    max: u64,
    limit: Duration,
    make: Arc<dyn Fn(u64) -> Req + Send + Sync>,
    check: Check,
) -> Outcome {
    let step = Arc::new(move |mut conn: Conn, n| -> StepFuture<Conn> {
        let req = make(n);
        Box::pin(async move {
            let result = conn.send(&req).await.and_then(|a| check(&a));
            (conn, result)
        })
    });
    closed_steps(workers, max, limit, move || Conn::new(addr), step).await
}

/// Flow `n` run by `workers` workers one after another, until `max` flows were started or
/// `limit` passed.
pub async fn closed_flows(workers: u64, max: u64, limit: Duration, flow: Flow) -> Outcome {
    let step = Arc::new(move |(), n| -> StepFuture<()> {
        let f = flow(n);
        Box::pin(async move { ((), f.await) })
    });
    closed_steps(workers, max, limit, || (), step).await
}

async fn closed_steps<S: Send + 'static>(
    workers: u64,
    max: u64,
    limit: Duration,
    init: impl Fn() -> S,
    step: Arc<dyn Fn(S, u64) -> StepFuture<S> + Send + Sync>,
) -> Outcome {
    let next = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let deadline = began + limit;
    let tasks: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (next, step, mut state) = (next.clone(), step.clone(), init());
            tokio::spawn(async move {
                let mut out = Outcome::default();
                while Instant::now() < deadline {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= max {
                        break;
                    }
                    let started = Instant::now();
                    let left = deadline.saturating_duration_since(started);
                    match tokio::time::timeout(left, step(state, n)).await {
                        Ok((s, result)) => {
                            state = s;
                            out.record(started.elapsed(), result);
                        }
                        Err(_) => {
                            out.unfinished += 1;
                            break;
                        }
                    }
                }
                out
            })
        })
        .collect();
    let mut all = Outcome::default();
    for t in tasks {
        all.absorb(t.await.expect("load worker"));
    }
    all.elapsed = began.elapsed();
    all
}

/// Starts flow `n` at `n / rate` seconds for `seconds`, at most `max_in_flight` at once
/// (a start beyond that counts as failed); then waits at most `drain` for the last ones
/// (those still running then count as failed). `elapsed` is the arrival window, so
/// ok / elapsed is the rate of completions when the server keeps up.
pub async fn open_loop(
    rate: f64,
    seconds: f64,
    drain: Duration,
    max_in_flight: u64,
    flow: Flow,
) -> Outcome {
    let total = (rate * seconds).round() as u64;
    let began = Instant::now();
    let shared = Arc::new(Mutex::new(Outcome::default()));
    let in_flight = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..total {
        let due = began + Duration::from_secs_f64(n as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        if in_flight.load(Ordering::Relaxed) >= max_in_flight {
            let mut out = shared.lock().expect("outcome");
            out.record(Duration::ZERO, Err("too many flows in flight".into()));
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (shared, in_flight, flow) = (shared.clone(), in_flight.clone(), flow.clone());
        tasks.spawn(async move {
            let result = flow(n).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            shared
                .lock()
                .expect("outcome")
                .record(due.elapsed(), result);
        });
    }
    let window = began.elapsed();
    let drained =
        tokio::time::timeout(drain, async { while tasks.join_next().await.is_some() {} }).await;
    let unfinished = tasks.len() as u64;
    tasks.abort_all();
    let mut out = std::mem::take(&mut *shared.lock().expect("outcome"));
    if drained.is_err() {
        out.failed += unfinished;
        out.first_error
            .get_or_insert_with(|| format!("{unfinished} flows unfinished after the drain"));
    }
    out.elapsed = window;
    out
}
