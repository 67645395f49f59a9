//! Throughput of full flows (CIBA ping: `/bc-authorize` -> MSSP -> OTA -> SMSC -> SIM and
//! back -> ping -> `/token`) on PostgreSQL, with one OP node and with two, every component in
//! its own process on loopback. Bounded: at most `IDGW_BENCH_FLOWS` flows (default 300) by
//! `IDGW_BENCH_CONCURRENCY` clients at once (default 32), each run cut off after
//! `IDGW_BENCH_SECONDS` (default 90). Needs `IDGW_TEST_POSTGRES_URL`
//! (`scripts/postgres.sh start`); not part of `cargo test`.
//!
//! `cargo bench -p idgw --bench flows`

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../idgw-oidc/benches/common/latency.rs"]
mod latency;

use common::cluster::{Cluster, Notifications};
use common::free_port;
use idgw_store::testing::ScratchDatabase;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Run {
    flows: u64,
    concurrency: u64,
    limit: Duration,
}

/// The processes of one run: SMSC and SIM simulators, one MSSP, `nodes` OP nodes and
/// `nodes` OTA nodes (all OTA nodes bound with one account), one database.
async fn start(
    nodes: usize,
    db: &ScratchDatabase,
    subscribers: u64,
    notify: &str,
) -> (Cluster, Vec<String>) {
    let ports = |n: usize| {
        (0..n)
            .map(|_| format!("127.0.0.1:{}", free_port()))
            .collect::<Vec<_>>()
    };
    let (ops, admins, otas) = (ports(nodes), ports(nodes), ports(nodes));
    let notifies = ports(nodes);
    let [handset, mssp, smsc, radio] = [0; 4].map(|_| format!("127.0.0.1:{}", free_port()));
    let subscribers: String = (0..subscribers)
        .map(|i| {
            format!(
                "[[subscribers]]\nmsisdn = \"4477009{i:05}\"\npin = \"1234\"\nhandset = \"approve\"\nhandset_delay_ms = 0\n"
            )
        })
        .collect();
    let toml = format!(
        r#"issuer = "http://{op}"
[storage]
url = "{url}"
[listen]
op = "{op}"
admin = "{admin}"
handset = "{handset}"
mssp = "{mssp}"
smsc = "{smsc}"
ota = "{ota}"
radio = "{radio}"
[op]
# The ping endpoint is the harness's receiver, on loopback.
allow_loopback_fetch = true
[[clients]]
client_id = "ping"
client_secret = "s3cret"
backchannel_token_delivery_mode = "ping"
backchannel_client_notification_endpoint = "{notify}/ping"
{subscribers}"#,
        op = ops[0],
        admin = admins[0],
        ota = otas[0],
        url = db.url(),
    );
    let mut c = Cluster::new(&format!("bench-{nodes}"), &toml);
    c.spawn("smsc-sim", "smsc-sim", &[]);
    c.wait_http(&format!("http://{radio}/")).await;
    c.spawn("sim", "sim", &[]);
    c.spawn("mssp", "mssp", &[]);
    for n in 0..nodes {
        let ota = [("IDGW_LISTEN__OTA", otas[n].clone())];
        c.spawn(&format!("ota{}", n + 1), "ota", &ota);
        let op = [
            ("IDGW_LISTEN__OP", ops[n].clone()),
            ("IDGW_LISTEN__ADMIN", admins[n].clone()),
            ("IDGW_LISTEN__AP_NOTIFY", notifies[n].clone()),
        ];
        c.spawn(&format!("op{}", n + 1), "op", &op);
    }
    for url in admins.iter().map(|a| format!("http://{a}/readyz")).chain([
        format!("http://{handset}/api/handsets"),
        format!("http://{mssp}/"),
    ]) {
        c.wait_http(&url).await;
    }
    for ota in &otas {
        c.wait_http(&format!("http://{ota}/")).await;
    }
    (c, ops.iter().map(|o| format!("http://{o}")).collect())
}

/// One flow for subscriber `msisdn`, accepted by `accept` and redeemed at `redeem`: its
/// latency, or what went wrong.
async fn flow(
    http: &reqwest::Client,
    notify: &Notifications,
    accept: &str,
    redeem: &str,
    msisdn: &str,
    limit: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    let hint = format!("MSISDN:{msisdn}");
    let ack: serde_json::Value = http
        .post(format!("{accept}/bc-authorize"))
        .basic_auth("ping", Some("s3cret"))
        .form(&[
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint", hint.as_str()),
            ("client_notification_token", "bench"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let id = ack["auth_req_id"]
        .as_str()
        .ok_or_else(|| format!("bc-authorize: {ack}"))?;
    notify
        .wait(id, limit)
        .await
        .ok_or_else(|| format!("no ping for {id}"))?;
    let tokens: serde_json::Value = http
        .post(format!("{redeem}/token"))
        .basic_auth("ping", Some("s3cret"))
        .form(&[
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", id),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if !tokens["id_token"].is_string() {
        return Err(format!("token: {tokens}"));
    }
    Ok(started.elapsed())
}

async fn measure(nodes: usize, run: &Run) {
    let Some(db) = ScratchDatabase::create("flows bench").await else {
        return;
    };
    let notify = Arc::new(Notifications::start().await);
    let (cluster, ops) = start(nodes, &db, run.concurrency, &notify.base).await;
    let http = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + run.limit;
    let began = Instant::now();
    let workers: Vec<_> = (0..run.concurrency)
        .map(|w| {
            let (http, notify, ops, next) =
                (http.clone(), notify.clone(), ops.clone(), next.clone());
            let (flows, limit) = (run.flows, run.limit);
            tokio::spawn(async move {
                // One subscriber per client: one authentication in flight per MSISDN.
                let msisdn = format!("4477009{w:05}");
                let mut results = Vec::new();
                while Instant::now() < deadline {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= flows {
                        break;
                    }
                    // Accepted by one node, redeemed at the next.
                    let accept = &ops[n as usize % ops.len()];
                    let redeem = &ops[(n as usize + 1) % ops.len()];
                    let left = deadline.saturating_duration_since(Instant::now());
                    results
                        .push(flow(&http, &notify, accept, redeem, &msisdn, left.min(limit)).await);
                }
                results
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for w in workers {
        for r in w.await.expect("worker") {
            match r {
                Ok(d) => latencies.push(d),
                Err(e) => failures.push(e),
            }
        }
    }
    let elapsed = began.elapsed();
    let summary = latency::Summary::of(&mut latencies);
    let ms = latency::ms;
    println!(
        "{nodes} OP node(s), {} OTA node(s), PostgreSQL: {} flows ok, {} failed in {:.1} s = {:.1} flows/s; latency ms p50 {:.0}, p90 {:.0}, p99 {:.0}, max {:.0} (concurrency {})",
        nodes,
        latencies.len(),
        failures.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(summary.p50),
        ms(summary.p90),
        ms(summary.p99),
        ms(summary.max),
        run.concurrency,
    );
    for f in failures.iter().take(5) {
        println!("  failure: {f}");
    }
    if let Some(id) = failures
        .first()
        .and_then(|f| f.strip_prefix("no ping for "))
    {
        // Where the first flow without a ping stands, and what the processes said about it.
        use sqlx::{Connection, Row};
        let mut conn = sqlx::PgConnection::connect(&db.url())
            .await
            .expect("database");
        let tx = sqlx::query(
            "SELECT state, owner, outcome, msisdn FROM transactions WHERE auth_req_id = $1",
        )
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .expect("transaction");
        let (state, msisdn): (String, String) = (tx.get("state"), tx.get("msisdn"));
        let outbox: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT state, attempts, last_status FROM outbox WHERE auth_req_id = $1",
        )
        .bind(id)
        .fetch_all(&mut conn)
        .await
        .expect("outbox");
        println!("  {id}: state {state}, msisdn {msisdn}, outbox {outbox:?}");
        let logs = cluster.logs();
        for line in logs
            .lines()
            .filter(|l| l.starts_with("---") || l.contains(&msisdn) || l.contains(id))
            .take(60)
        {
            println!("  {line}");
        }
    }
    drop(cluster);
    db.drop_database().await;
}

fn main() {
    // `cargo bench` passes `--bench`; there are no other options.
    let run = Run {
        flows: setting("IDGW_BENCH_FLOWS", 300),
        concurrency: setting("IDGW_BENCH_CONCURRENCY", 32).max(1),
        limit: Duration::from_secs(setting("IDGW_BENCH_SECONDS", 90)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        for nodes in [1, 2] {
            measure(nodes, &run).await;
        }
    });
}
