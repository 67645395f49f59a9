//! `idgw-bench`: the benchmark harness of issue 10. It starts node oidc-provider (the peer)
//! and idgw (release build, the real SIM chain behind its OP) one after the other on fresh
//! state, drives both with the same load generator on loopback, and writes one table
//! (`bench.md`, `bench.json`): throughput, p50/p99, server CPU per request, RSS, idgw/peer.
//! Every load is bounded in count and in time; the knobs are `IDGW_BENCH_*` variables.
//!
//! Run it with `scripts/bench.sh`, which installs the peer and builds idgw first.

mod assertion;
mod flows;
mod http;
mod load;
mod perf;
mod ping;
mod procs;
mod report;
mod scenarios;
mod servers;
mod smpp;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "idgw-bench",
    about = "idgw against node oidc-provider, one table"
)]
struct Cli {
    /// The idgw binary (release build).
    #[arg(long, default_value = "target/release/idgw")]
    idgw: PathBuf,
    /// The peer's server script.
    #[arg(long, default_value = "scripts/bench/peer/server.js")]
    peer: PathBuf,
    /// Where the table, logs and scratch state go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Scenario groups to run (default all): bc-basic (with discovery), bc-jwt, polls,
    /// flows, open-loop, pending, smpp.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// The bounds of a run, from `IDGW_BENCH_*` (defaults in brackets).
#[derive(Clone, Debug)]
pub struct Settings {
    pub idgw: PathBuf,
    pub peer: PathBuf,
    pub out: PathBuf,
    /// `IDGW_BENCH_DATA` [/dev/shm/idgw-bench where there is a /dev/shm, else the output
    /// directory]: idgw's data directories (SQLite store, SIM state: one file per SIM). On
    /// tmpfs, so that copying and removing tens of thousands of files per fresh instance
    /// does not take minutes on a busy disk; SQLite still commits every write (WAL,
    /// `synchronous = NORMAL`, which syncs at checkpoints only, as on disk).
    pub data: PathBuf,
    /// Where the pids of started processes are written.
    pub pids: PathBuf,
    /// `IDGW_BENCH_SECONDS` [10]: measured window of each closed-loop scenario.
    pub seconds: Duration,
    /// `IDGW_BENCH_WARMUP` [2]: seconds of warm-up before it.
    pub warmup: Duration,
    /// `IDGW_BENCH_CONNECTIONS` [32]: keep-alive connections of the closed loops.
    pub connections: u64,
    /// `IDGW_BENCH_REQUESTS` [1000000]: requests at most per closed-loop scenario.
    pub requests: u64,
    /// `IDGW_BENCH_SUBSCRIBERS` [50000]: never-answering users (idgw subscribers with
    /// `handset = "manual"`); each bc-authorize scenario uses each at most once.
    pub subscribers: u64,
    /// `IDGW_BENCH_INSTANT` [10000]: users who approve at once (`approve`, 0 ms).
    pub instant: u64,
    /// `IDGW_BENCH_POLL_IDS` [10000]: pending transactions of the second poll scenario.
    pub poll_ids: usize,
    /// `IDGW_BENCH_SETUP_SECONDS` [120]: time to create them.
    pub setup_limit: Duration,
    /// `IDGW_BENCH_FLOWS` [200] sequential flows of each mode within
    /// `IDGW_BENCH_FLOW_SECONDS` [20]; poll mode polls every `IDGW_BENCH_POLL_MS` [1].
    pub flows: u64,
    pub flow_limit: Duration,
    pub poll_every: Duration,
    /// `IDGW_BENCH_RATES` [25,50,100,200,400,800,1600,3200] per second, each for
    /// `IDGW_BENCH_RATE_SECONDS` [10].
    pub rates: Vec<f64>,
    pub rate_seconds: f64,
    /// `IDGW_BENCH_PENDING` [100000] transactions within `IDGW_BENCH_PENDING_SECONDS` [180],
    /// then `IDGW_BENCH_IDLE_SECONDS` [30] idle.
    pub pending: u64,
    pub pending_limit: Duration,
    pub idle: Duration,
    /// `IDGW_BENCH_SMPP_MESSAGES` [1000000] at most.
    pub smpp_messages: u64,
    /// `IDGW_BENCH_PERF` [0]: record `perf` profiles of idgw.
    pub perf: bool,
    /// The scenario group running (its servers' logs go to `logs/<group>/`).
    pub group: String,
    /// `IDGW_BENCH_STARTUP_SECONDS` [900]: how long a server may take to start.
    pub startup_limit: Duration,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn secs(name: &str, default: u64) -> Duration {
    Duration::from_secs(env_u64(name, default))
}

impl Settings {
    fn from_env(cli: &Cli) -> Settings {
        let rates = std::env::var("IDGW_BENCH_RATES")
            .unwrap_or_else(|_| "25,50,100,200,400,800,1600,3200".into())
            .split(',')
            .filter_map(|r| r.trim().parse().ok())
            .filter(|r: &f64| *r > 0.0)
            .collect();
        let subscribers = env_u64("IDGW_BENCH_SUBSCRIBERS", 50_000).max(300);
        Settings {
            idgw: cli.idgw.clone(),
            peer: cli.peer.clone(),
            out: cli.out.clone(),
            data: std::env::var_os("IDGW_BENCH_DATA").map_or_else(
                || {
                    let shm = std::path::Path::new("/dev/shm");
                    if shm.is_dir() {
                        shm.join("idgw-bench")
                    } else {
                        cli.out.clone()
                    }
                },
                PathBuf::from,
            ),
            pids: cli.out.join("pids"),
            seconds: secs("IDGW_BENCH_SECONDS", 10),
            warmup: secs("IDGW_BENCH_WARMUP", 2),
            connections: env_u64("IDGW_BENCH_CONNECTIONS", 32).max(1),
            requests: env_u64("IDGW_BENCH_REQUESTS", 1_000_000).max(1),
            subscribers,
            instant: env_u64("IDGW_BENCH_INSTANT", 10_000).max(2),
            poll_ids: (env_u64("IDGW_BENCH_POLL_IDS", 10_000) as usize)
                .clamp(257, subscribers as usize),
            setup_limit: secs("IDGW_BENCH_SETUP_SECONDS", 120),
            flows: env_u64("IDGW_BENCH_FLOWS", 200).max(1),
            flow_limit: secs("IDGW_BENCH_FLOW_SECONDS", 20),
            poll_every: Duration::from_millis(env_u64("IDGW_BENCH_POLL_MS", 1)),
            rates,
            rate_seconds: env_u64("IDGW_BENCH_RATE_SECONDS", 10).max(1) as f64,
            pending: env_u64("IDGW_BENCH_PENDING", 100_000),
            pending_limit: secs("IDGW_BENCH_PENDING_SECONDS", 180),
            idle: secs("IDGW_BENCH_IDLE_SECONDS", 30),
            smpp_messages: env_u64("IDGW_BENCH_SMPP_MESSAGES", 1_000_000).max(1),
            perf: env_u64("IDGW_BENCH_PERF", 0) == 1,
            group: String::new(),
            startup_limit: secs("IDGW_BENCH_STARTUP_SECONDS", 900),
        }
    }

    pub fn logs(&self) -> PathBuf {
        self.out.join("logs").join(&self.group)
    }
}

/// A line or the output of a command, for the report's header.
fn shell(command: &str) -> String {
    std::process::Command::new("sh")
        .args(["-c", command])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
    format!(
        "{} cores ({}), {} GiB, Linux {}, load average at start {}; peer: node {} with oidc-provider {}",
        shell("nproc"),
        cpu.trim(),
        shell("awk '/MemTotal/ {printf \"%.0f\", $2/1048576}' /proc/meminfo"),
        shell("uname -r"),
        shell("cut -d' ' -f1-3 /proc/loadavg"),
        shell("node --version"),
        shell("node -p \"require('./scripts/bench/peer/node_modules/oidc-provider/package.json').version\""),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env(&cli);
    for dir in [&settings.out, &settings.data] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    anyhow::ensure!(
        settings.idgw.exists(),
        "no idgw binary at {}",
        settings.idgw.display()
    );
    anyhow::ensure!(
        settings.peer.exists(),
        "no peer script at {}",
        settings.peer.display()
    );
    let report = report::Report {
        machine: machine(),
        date: shell("date -u '+%Y-%m-%d %H:%M UTC'"),
        command: std::env::var("IDGW_BENCH_COMMAND")
            .unwrap_or_else(|_| std::env::args().collect::<Vec<_>>().join(" ")),
        settings: serde_json::json!(format!("{settings:?}")),
        ..report::Report::default()
    };
    println!("{}", report.machine);
    let mut bench = scenarios::Bench::new(settings, report).await?;
    for group in scenarios::GROUPS {
        if cli.only.is_empty() || cli.only.iter().any(|o| o == group) {
            println!("== {group}");
            bench.run(group).await;
        }
    }
    let out = bench.settings.out.clone();
    let markdown = bench.report.markdown();
    std::fs::write(out.join("bench.md"), &markdown)?;
    std::fs::write(
        out.join("bench.json"),
        serde_json::to_vec_pretty(&bench.report)?,
    )?;
    println!(
        "\n{markdown}\nwritten: {}, {}",
        out.join("bench.md").display(),
        out.join("bench.json").display()
    );
    Ok(())
}
