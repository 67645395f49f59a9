//! The scenarios of issue 10, each run against the peer and then idgw, each server on fresh
//! state per group of scenarios.

use crate::assertion::ClientKey;
use crate::flows::{self, Api};
use crate::http::{Pool, Req};
use crate::load::{self, Check, Flow};
use crate::perf::Recording;
use crate::procs::CpuMark;
use crate::report::{Figures, Headline, Pending, Report, Row, Step};
use crate::servers::{self, instant, never, Layout, Server};
use crate::{ping, Settings};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The groups, in the order they run; each starts fresh servers.
pub const GROUPS: &[&str] = &[
    "bc-basic",
    "bc-jwt",
    "polls",
    "flows",
    "open-loop",
    "pending",
    "smpp",
];

/// The first rates of the open loop always run, so that both servers are measured at them.
const MIN_STEPS: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Peer,
    Idgw,
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Peer => "peer",
        Kind::Idgw => "idgw",
    }
}

pub struct Bench {
    pub settings: Settings,
    key: Arc<ClientKey>,
    ping: Arc<ping::Receiver>,
    pub report: Report,
}

impl Bench {
    pub async fn new(settings: Settings, report: Report) -> anyhow::Result<Bench> {
        Ok(Bench {
            settings,
            key: Arc::new(ClientKey::generate()?),
            ping: Arc::new(ping::Receiver::start().await?),
            report,
        })
    }

    async fn start(&self, kind: Kind, layout: Layout) -> anyhow::Result<Server> {
        let jwk = &self.key.public_jwk;
        match kind {
            Kind::Peer => servers::peer(&self.settings, jwk, &self.ping.url("http")).await,
            Kind::Idgw => servers::idgw(&self.settings, layout, jwk, &self.ping.url("http")).await,
        }
    }

    /// Records one server's figures for `scenario`.
    fn put(&mut self, scenario: &str, headline: Headline, kind: Kind, figures: Figures) {
        let label = label(kind);
        println!(
            "  {label:4} {scenario}: {} ok ({} failed) in {:.1} s = {:.1}/s, p50 {:.2} ms, p99 {:.2} ms, CPU {:.3} ms/op, RSS {:.0} MiB{}",
            figures.ok,
            figures.failed,
            figures.seconds,
            figures.per_s,
            figures.p50_ms,
            figures.p99_ms,
            figures.cpu_ms,
            figures.rss_mib,
            figures.first_error.as_deref().map(|e| format!("; first error: {e}")).unwrap_or_default()
        );
        let rows = &mut self.report.rows;
        let i = match rows.iter().position(|r| r.scenario == scenario) {
            Some(i) => i,
            None => {
                rows.push(Row {
                    scenario: scenario.to_string(),
                    headline,
                    peer: None,
                    idgw: None,
                    note: String::new(),
                });
                rows.len() - 1
            }
        };
        match kind {
            Kind::Peer => rows[i].peer = Some(figures),
            Kind::Idgw => rows[i].idgw = Some(figures),
        }
    }

    pub async fn run(&mut self, group: &str) {
        self.settings.group = group.to_string();
        if group == "smpp" {
            match crate::smpp::run(&self.settings).await {
                Ok(f) => self.put("SMPP `submit_sm`, one bind, window 64 (idgw's ESME and SMSC simulator, one process)", Headline::Throughput, Kind::Idgw, f),
                Err(e) => self.report.notes.push(format!("smpp failed: {e:#}")),
            }
            return;
        }
        for kind in [Kind::Peer, Kind::Idgw] {
            let layout = if group == "open-loop" {
                Layout::Components
            } else {
                Layout::Serve
            };
            let result = async {
                let mut server = self.start(kind, layout).await?;
                self.group(group, kind, &mut server).await?;
                server.check_alive()
            }
            .await;
            if let Err(e) = result {
                let label = label(kind);
                println!("  {label} {group} failed: {e:#}");
                self.report
                    .notes
                    .push(format!("{label}, {group}: failed: {e:#}"));
            }
        }
    }

    async fn group(&mut self, group: &str, kind: Kind, server: &mut Server) -> anyhow::Result<()> {
        let s = self.settings.clone();
        let api = Api::of(server, self.key.clone());
        let users = Arc::new(AtomicU64::new(0));
        match group {
            "bc-basic" => {
                let f = self
                    .closed(
                        server,
                        None,
                        s.requests,
                        Arc::new(|_| Req::get("/.well-known/openid-configuration")),
                        flows::discovered,
                    )
                    .await;
                self.put("`GET` discovery", Headline::Throughput, kind, f);
                let (a, u) = (api.clone(), users.clone());
                let make =
                    Arc::new(move |_| a.bc_basic(&never(u.fetch_add(1, Ordering::Relaxed)), &[]));
                let perf = (kind == Kind::Idgw).then_some("bc-authorize");
                let f = self
                    .closed(server, perf, s.subscribers, make, flows::accepted)
                    .await;
                self.put("`POST` bc-authorize, client_secret_basic, a distinct never-answering MSISDN each", Headline::Throughput, kind, f);
            }
            "bc-jwt" => {
                let (a, u) = (api.clone(), users.clone());
                let make = Arc::new(move |_| a.bc_jwt(&never(u.fetch_add(1, Ordering::Relaxed))));
                let f = self
                    .closed(server, None, s.subscribers, make, flows::accepted)
                    .await;
                self.put("`POST` bc-authorize, private_key_jwt (fresh ES256 assertion each), never-answering", Headline::Throughput, kind, f);
            }
            "polls" => {
                let mut ids = Vec::new();
                for count in [256, s.poll_ids] {
                    let (a, u) = (api.clone(), users.clone());
                    let make = Arc::new(move |_| {
                        a.bc_basic(&never(u.fetch_add(1, Ordering::Relaxed)), &[])
                    });
                    let want = (count as u64).saturating_sub(ids.len() as u64);
                    let created = load::closed_loop(
                        api.addr,
                        s.connections,
                        want,
                        s.setup_limit,
                        make,
                        flows::accepted,
                    )
                    .await;
                    ids.extend(created.kept);
                    server.check_alive()?;
                    let (a, all) = (api.clone(), Arc::new(ids.clone()));
                    let make =
                        Arc::new(move |n| a.token(servers::BASIC, &all[n as usize % all.len()]));
                    let f = self
                        .closed(server, None, s.requests, make, flows::pending)
                        .await;
                    let name = format!("`POST` token, pending polls over {count} ids");
                    if ids.len() < count {
                        self.report.notes.push(format!(
                            "{}, {name}: {} of {count} pending transactions created within {} s; the polls go round over those",
                            label(kind),
                            ids.len(),
                            s.setup_limit.as_secs()
                        ));
                    }
                    self.put(&name, Headline::Throughput, kind, f);
                }
            }
            "flows" => {
                let pool = Pool::new(api.addr);
                let (a, p, u) = (api.clone(), pool.clone(), users.clone());
                let (every, limit) = (s.poll_every, s.flow_limit);
                let poll: Flow = Arc::new(move |_| {
                    let (a, p, m) = (
                        a.clone(),
                        p.clone(),
                        instant(u.fetch_add(1, Ordering::Relaxed) % s.instant),
                    );
                    Box::pin(async move { flows::poll_flow(&a, &p, &m, every, limit).await })
                });
                let f = self.flows(server, 1, poll).await;
                self.put(
                    "poll flow, instant user, sequential: `bc-authorize` to tokens",
                    Headline::Latency,
                    kind,
                    f,
                );
                let f = self
                    .flows(server, 1, self.ping_flow(&api, &pool, &users))
                    .await;
                self.put(
                    "ping flow, instant user, sequential: `bc-authorize`, ping, tokens",
                    Headline::Latency,
                    kind,
                    f,
                );
            }
            "open-loop" => self.open_loop(kind, server, &api).await?,
            "pending" => self.pending(kind, server, &api).await?,
            other => anyhow::bail!("no scenario group {other}"),
        }
        Ok(())
    }

    fn ping_flow(&self, api: &Api, pool: &Pool, users: &Arc<AtomicU64>) -> Flow {
        let (a, p, u, r, n) = (
            api.clone(),
            pool.clone(),
            users.clone(),
            self.ping.clone(),
            self.settings.instant,
        );
        Arc::new(move |_| {
            let (a, p, r, m) = (
                a.clone(),
                p.clone(),
                r.clone(),
                instant(u.fetch_add(1, Ordering::Relaxed) % n),
            );
            Box::pin(async move { flows::ping_flow(&a, &p, &r, &m).await })
        })
    }

    /// A warm-up, then the measured closed loop of single requests.
    async fn closed(
        &self,
        server: &Server,
        perf: Option<&str>,
        max: u64,
        make: Arc<dyn Fn(u64) -> Req + Send + Sync>,
        check: Check,
    ) -> Figures {
        let s = &self.settings;
        let warm = (max / 10).min(s.requests);
        let _ = load::closed_loop(
            server.addr,
            s.connections,
            warm,
            s.warmup,
            make.clone(),
            check,
        )
        .await;
        // Whatever warm-up left unused stays available to the measured run.
        let before = CpuMark::take(&server.procs);
        let recording = perf
            .filter(|_| s.perf)
            .and_then(|name| Recording::start(&s.out, name, &server.pids(), &s.pids));
        let mut out = load::closed_loop(
            server.addr,
            s.connections,
            max.min(s.requests).saturating_sub(warm),
            s.seconds,
            make,
            check,
        )
        .await;
        let cpu = CpuMark::take(&server.procs).since(&before);
        if let Some(r) = recording {
            r.finish();
        }
        Figures::of(&mut out, &cpu, server.rss_mib())
    }

    async fn flows(&self, server: &Server, workers: u64, flow: Flow) -> Figures {
        let _ = load::closed_flows(
            workers,
            self.settings.flows,
            self.settings.warmup,
            flow.clone(),
        )
        .await;
        let before = CpuMark::take(&server.procs);
        let mut out =
            load::closed_flows(workers, self.settings.flows, self.settings.flow_limit, flow).await;
        let cpu = CpuMark::take(&server.procs).since(&before);
        Figures::of(&mut out, &cpu, server.rss_mib())
    }

    /// Ping flows at rising arrival rates until the server falls behind (after [`MIN_STEPS`]):
    /// more than 1% failed, fewer than 90% of the offered rate done, or p99 of 5 s or more.
    async fn open_loop(
        &mut self,
        kind: Kind,
        server: &mut Server,
        api: &Api,
    ) -> anyhow::Result<()> {
        let s = self.settings.clone();
        let users = Arc::new(AtomicU64::new(0));
        let flow = self.ping_flow(api, &Pool::new(api.addr), &users);
        let label = label(kind);
        let recording = (kind == Kind::Idgw && s.perf)
            .then(|| Recording::start(&s.out, "full-authentication", &server.pids(), &s.pids))
            .flatten();
        if let Some(&first) = s.rates.first() {
            let warm = s.warmup.as_secs_f64();
            let _ = load::open_loop(
                first,
                warm,
                Duration::from_secs(10),
                s.instant / 2,
                flow.clone(),
            )
            .await;
        }
        let mut best: Option<Figures> = None;
        for (i, &rate) in s.rates.iter().enumerate() {
            let before = CpuMark::take(&server.procs);
            let mut out = load::open_loop(
                rate,
                s.rate_seconds,
                Duration::from_secs(10),
                s.instant / 2,
                flow.clone(),
            )
            .await;
            let cpu = CpuMark::take(&server.procs).since(&before);
            let f = Figures::of(&mut out, &cpu, server.rss_mib());
            println!("  {label} open loop {rate}/s: {:.1}/s done, {} failed, p50 {:.1} ms, p99 {:.1} ms, CPU {:.2} ms/auth", f.per_s, f.failed, f.p50_ms, f.p99_ms, f.cpu_ms);
            let kept_up = f.failed * 100 <= f.ok && f.per_s >= 0.9 * rate;
            let good = kept_up && f.p99_ms < 1000.0;
            // Beyond p99 = 1 s the rates go on rising while the server keeps up, so the
            // table also shows its capacity (and CPU) past that line.
            let go_on = kept_up && f.p99_ms < 5000.0;
            if good {
                best = Some(f.clone());
            }
            self.report.open_loop.push(Step {
                server: label.into(),
                rate,
                figures: f,
            });
            server.check_alive()?;
            if !go_on && i + 1 >= MIN_STEPS {
                break;
            }
        }
        if let Some(r) = recording {
            r.finish();
        }
        let name =
            "full authentications/s sustained with p99 < 1 s (open loop, ping flow, instant users)";
        match best {
            Some(f) => self.put(name, Headline::Throughput, kind, f),
            None => self.put(name, Headline::Throughput, kind, Figures::none()),
        }
        Ok(())
    }

    /// Creates up to `pending` never-answered transactions, then measures the idle server.
    async fn pending(&mut self, kind: Kind, server: &mut Server, api: &Api) -> anyhow::Result<()> {
        let s = self.settings.clone();
        let (a, u) = (api.clone(), Arc::new(AtomicU64::new(0)));
        // Long enough to outlive the measurement (both servers cap it at an hour).
        let make = Arc::new(move |_| {
            a.bc_basic(
                &never(u.fetch_add(1, Ordering::Relaxed)),
                &[("requested_expiry", "3600")],
            )
        });
        // The peer takes any number; idgw knows its provisioned subscribers only.
        let most = match kind {
            Kind::Peer => s.pending,
            Kind::Idgw => s.pending.min(s.subscribers),
        };
        let before = CpuMark::take(&server.procs);
        let mut out = load::closed_loop(
            api.addr,
            s.connections,
            most,
            s.pending_limit,
            make,
            flows::accepted,
        )
        .await;
        let created = Figures::of(
            &mut out,
            &CpuMark::take(&server.procs).since(&before),
            server.rss_mib(),
        );
        server.check_alive()?;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let before = CpuMark::take(&server.procs);
        tokio::time::sleep(s.idle).await;
        let after = CpuMark::take(&server.procs);
        let busy: f64 = after.since(&before).iter().map(|(_, c)| c).sum();
        let wall = after.at.duration_since(before.at).as_secs_f64();
        let p = Pending {
            server: label(kind).into(),
            created,
            idle_seconds: wall,
            idle_cpu_percent: busy / wall * 100.0,
            rss_mib: server.rss_mib(),
        };
        println!(
            "  {} pending: {} created in {:.0} s; idle CPU {:.2}% of a core, RSS {:.0} MiB",
            p.server, p.created.ok, p.created.seconds, p.idle_cpu_percent, p.rss_mib
        );
        self.report.pending.push(p);
        Ok(())
    }
}
