//! Throughput of the OP's hot paths, in process: the real router on a loopback port, a real
//! store (a SQLite file in a temporary directory; also PostgreSQL when
//! `IDGW_TEST_POSTGRES_URL` is set), an authenticator that never answers (so every
//! transaction stays pending), one poll-mode client with `client_secret_basic`.
//!
//! 1. `POST /bc-authorize`, one distinct provisioned MSISDN per request (one transaction per
//!    MSISDN at a time): accepted requests per second.
//! 2. `POST /token` CIBA grant polls, round-robin over the transactions of step 1, all
//!    pending: `authorization_pending` answers per second. The OP runs with `interval` 0, so
//!    no poll is early and none draws `slow_down`; the pacing code runs all the same.
//!
//! The load generator keeps one HTTP/1.1 keep-alive connection per worker (hyper, no
//! pooling layer) and runs on the same cores as the OP. Bounded: per concurrency setting and
//! step at most `IDGW_BENCH_REQUESTS` requests (default 20000) within `IDGW_BENCH_SECONDS`
//! (default 20); `IDGW_BENCH_CONCURRENCY` is a comma-separated list of worker counts
//! (default `16,64`), each run against a fresh OP and store.
//!
//! `cargo bench -p idgw-oidc --bench op`

#[path = "common/latency.rs"]
mod latency;

use async_trait::async_trait;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use idgw_oidc::authenticator::{AuthOutcome, AuthenticationRequest, Authenticator};
use idgw_oidc::client::{ClientMetadata, ClientSecret};
use idgw_oidc::{Op, OpConfig};
use idgw_store::{Store, SubscriberRow};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const POSTGRES_ENV: &str = "IDGW_TEST_POSTGRES_URL";
const CLIENT: &str = "bench";
const SECRET: &str = "bench-secret";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An authenticator that never answers: transactions stay pending until they expire.
struct Silent;

#[async_trait]
impl Authenticator for Silent {
    async fn authenticate(&self, _request: AuthenticationRequest) -> AuthOutcome {
        std::future::pending().await
    }
}

/// A fresh store for one run, and how to clean it up.
enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres { admin: String, name: String },
}

impl Backend {
    fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "SQLite",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }

    async fn create(postgres: bool) -> (Backend, String) {
        let unique = format!(
            "{}_{:08x}",
            std::process::id(),
            rand::random::<u32>() & 0x7fff_ffff
        );
        if !postgres {
            let dir = std::env::temp_dir().join(format!("idgw-op-bench-{unique}"));
            let url = format!("sqlite://{}/op.db", dir.display());
            return (Backend::Sqlite(dir), url);
        }
        use sqlx::Connection;
        let admin = std::env::var(POSTGRES_ENV).expect("checked by the caller");
        let name = format!("op_bench_{unique}");
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unreachable: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        let mut url = url::Url::parse(&admin).expect("admin URL");
        url.set_path(&name);
        (Backend::Postgres { admin, name }, url.to_string())
    }

    async fn remove(self) {
        match self {
            Backend::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Backend::Postgres { admin, name } => {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(&drop).execute(&mut conn).await;
                }
            }
        }
    }
}

/// A running OP: its address and what stops it.
struct Server {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn msisdn(n: u64) -> String {
    format!("4477{n:08}")
}

async fn start(store: Arc<dyn Store>, subscribers: u64) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut config = OpConfig::new(&format!("http://{addr}"));
    // No poll is early: polls measure authorization_pending, not slow_down.
    config.interval_s = 0;
    let op = Op::new(config, store.clone(), Arc::new(Silent))
        .await
        .expect("OP");
    let now = idgw_oidc::now_ms();
    op.clients
        .register(
            ClientMetadata {
                client_id: CLIENT.into(),
                client_secret: Some(ClientSecret(SECRET.into())),
                client_name: Some("Bench".into()),
                scope: Some("openid phone".into()),
                ..ClientMetadata::default()
            },
            now,
        )
        .await
        .expect("client");
    // Provisioned like the admin API does, a few writers at once.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in (w..subscribers).step_by(4) {
                    let row = SubscriberRow {
                        msisdn: msisdn(n),
                        user_code: None,
                    };
                    store
                        .upsert_subscriber(&row, now)
                        .await
                        .expect("subscriber");
                }
            })
        })
        .collect();
    for w in writers {
        w.await.expect("provisioning");
    }
    let (shutdown, rx) = watch::channel(false);
    let router = idgw_oidc::http::router(op.clone());
    let mut stop = rx.clone();
    let serve = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
            .expect("serve");
    });
    let background = tokio::spawn(op.clone().run_background(rx));
    Server {
        addr,
        shutdown,
        tasks: vec![serve, background],
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
async fn connect(addr: SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    sender
}

/// What one step measured.
#[derive(Default)]
struct Step {
    latencies: Vec<Duration>,
    /// Bodies of expected answers (for `/bc-authorize`: the `auth_req_id`s).
    kept: Vec<String>,
    unexpected: Vec<String>,
    elapsed: Duration,
}

/// Sends `requests` requests (request `n` built by `body(n)`) to `path` from `concurrency`
/// workers for at most `limit`; `check` turns an answer into what to keep, or an error.
async fn drive(
    addr: SocketAddr,
    path: &'static str,
    requests: u64,
    concurrency: u64,
    limit: Duration,
    body: Arc<dyn Fn(u64) -> String + Send + Sync>,
    check: fn(u16, &[u8]) -> Result<Option<String>, String>,
) -> Step {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT}:{SECRET}"))
    );
    let host = addr.to_string();
    let next = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let deadline = began + limit;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, body, basic, host) =
                (next.clone(), body.clone(), basic.clone(), host.clone());
            tokio::spawn(async move {
                let mut sender = connect(addr).await;
                let mut step = Step::default();
                while Instant::now() < deadline {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= requests {
                        break;
                    }
                    let request = hyper::Request::post(path)
                        .header(hyper::header::HOST, host.as_str())
                        .header(hyper::header::AUTHORIZATION, basic.as_str())
                        .header(
                            hyper::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(Full::new(Bytes::from(body(n))))
                        .expect("request");
                    let started = Instant::now();
                    let answer = async {
                        sender.ready().await.map_err(|e| e.to_string())?;
                        let response = sender
                            .send_request(request)
                            .await
                            .map_err(|e| e.to_string())?;
                        let status = response.status().as_u16();
                        let bytes = response
                            .into_body()
                            .collect()
                            .await
                            .map_err(|e| e.to_string())?
                            .to_bytes();
                        Ok::<_, String>((status, bytes))
                    }
                    .await;
                    step.latencies.push(started.elapsed());
                    match answer.and_then(|(status, bytes)| check(status, &bytes)) {
                        Ok(kept) => step.kept.extend(kept),
                        Err(e) => {
                            step.unexpected.push(e);
                            if sender.is_closed() {
                                sender = connect(addr).await;
                            }
                        }
                    }
                }
                step
            })
        })
        .collect();
    let mut all = Step::default();
    for w in workers {
        let step = w.await.expect("worker");
        all.latencies.extend(step.latencies);
        all.kept.extend(step.kept);
        all.unexpected.extend(step.unexpected);
    }
    all.elapsed = began.elapsed();
    all
}

fn accepted(status: u16, body: &[u8]) -> Result<Option<String>, String> {
    let text = String::from_utf8_lossy(body);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    match (status, value["auth_req_id"].as_str()) {
        (200, Some(id)) => Ok(Some(id.to_string())),
        _ => Err(format!("{status} {text}")),
    }
}

fn pending(status: u16, body: &[u8]) -> Result<Option<String>, String> {
    let text = String::from_utf8_lossy(body);
    if status == 400 && text.contains("\"authorization_pending\"") {
        Ok(None)
    } else {
        Err(format!("{status} {text}"))
    }
}

fn row(store: &str, endpoint: &str, concurrency: u64, step: &mut Step) {
    let ok = step.latencies.len() - step.unexpected.len();
    let s = latency::Summary::of(&mut step.latencies);
    let ms = latency::ms;
    println!(
        "| {store} | {endpoint} | {concurrency} | {} | {} | {} | {:.1} s | {:.0} | {:.2} | {:.2} | {:.2} |",
        step.latencies.len(),
        ok,
        step.unexpected.len(),
        step.elapsed.as_secs_f64(),
        ok as f64 / step.elapsed.as_secs_f64(),
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
    );
}

async fn measure(postgres: bool, requests: u64, concurrency: u64, limit: Duration) {
    let (backend, url) = Backend::create(postgres).await;
    let store = idgw_store::open(&url).await.expect("store");
    let server = start(store, requests).await;
    let addr = server.addr;

    let bc = drive(
        addr,
        "/bc-authorize",
        requests,
        concurrency,
        limit,
        Arc::new(|n| {
            format!(
                "scope=openid&acr_values=mod-mf&login_hint=MSISDN%3A{}",
                msisdn(n)
            )
        }),
        accepted,
    )
    .await;
    let ids: Arc<Vec<String>> = Arc::new(bc.kept.clone());
    let mut bc = bc;
    row(backend.label(), "POST /bc-authorize", concurrency, &mut bc);

    let mut polls = if ids.is_empty() {
        Step::default()
    } else {
        let body_ids = ids.clone();
        drive(
            addr,
            "/token",
            requests,
            concurrency,
            limit,
            Arc::new(move |n| {
                format!(
                    "grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id={}",
                    body_ids[n as usize % body_ids.len()]
                )
            }),
            pending,
        )
        .await
    };
    row(
        backend.label(),
        "POST /token (pending)",
        concurrency,
        &mut polls,
    );
    for e in bc.unexpected.iter().chain(&polls.unexpected).take(5) {
        println!("  unexpected: {e}");
    }
    server.stop().await;
    backend.remove().await;
}

fn main() {
    // `cargo bench` passes `--bench`; there are no other options.
    let requests = setting("IDGW_BENCH_REQUESTS", 20_000).max(1);
    let limit = Duration::from_secs(setting("IDGW_BENCH_SECONDS", 20).max(1));
    let concurrency: Vec<u64> = std::env::var("IDGW_BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "16,64".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .map(|c: u64| c.max(1))
        .collect();
    let postgres = std::env::var(POSTGRES_ENV).is_ok_and(|u| !u.is_empty());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "OP hot paths, in process; the load generator (hyper, one keep-alive connection per worker) shares the same {cores} cores as the OP."
    );
    println!("Authenticator never answers; OP interval 0 (no slow_down); at most {requests} requests per step within {} s.", limit.as_secs());
    if !postgres {
        println!("PostgreSQL skipped: set {POSTGRES_ENV} (scripts/postgres.sh start).");
    }
    println!();
    println!("| store | endpoint | concurrency | requests | ok | unexpected | time | ok/s | p50 ms | p90 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    runtime.block_on(async {
        for &c in &concurrency {
            measure(false, requests, c, limit).await;
            if postgres {
                measure(true, requests, c, limit).await;
            }
        }
    });
}
