//! The harness's results: one row per scenario with both servers' figures and their ratio,
//! written as Markdown and JSON.

use crate::load::Outcome;
use serde::Serialize;
use std::fmt::Write as _;

/// What one server did in one scenario.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub ok: u64,
    pub failed: u64,
    /// Still running at the time limit (closed loops): neither ok nor failed.
    pub unfinished: u64,
    pub seconds: f64,
    /// Successful requests (or flows) per second.
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Server CPU (user + system, every server process) per successful request.
    pub cpu_ms: f64,
    /// The same by process (idgw's components), in ms per successful request.
    pub cpu_ms_by_process: Vec<(String, f64)>,
    /// Resident memory of the server's processes at the end.
    pub rss_mib: f64,
    pub first_error: Option<String>,
}

impl Figures {
    /// Nothing met the scenario's condition.
    pub fn none() -> Figures {
        Figures {
            p50_ms: f64::NAN,
            p99_ms: f64::NAN,
            cpu_ms: f64::NAN,
            rss_mib: f64::NAN,
            ..Figures::default()
        }
    }

    pub fn of(outcome: &mut Outcome, cpu: &[(String, f64)], rss_mib: f64) -> Figures {
        let ok = outcome.ok();
        let per_ok = |s: f64| {
            if ok == 0 {
                f64::NAN
            } else {
                s * 1000.0 / ok as f64
            }
        };
        Figures {
            ok,
            failed: outcome.failed,
            unfinished: outcome.unfinished,
            seconds: outcome.elapsed.as_secs_f64(),
            per_s: ok as f64 / outcome.elapsed.as_secs_f64().max(1e-9),
            p50_ms: outcome.quantile_ms(0.5),
            p99_ms: outcome.quantile_ms(0.99),
            cpu_ms: per_ok(cpu.iter().map(|(_, s)| s).sum()),
            cpu_ms_by_process: cpu.iter().map(|(n, s)| (n.clone(), per_ok(*s))).collect(),
            rss_mib,
            first_error: outcome.first_error.clone(),
        }
    }
}

/// Which figure a row compares.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Headline {
    /// idgw/peer of requests per second (above 1: idgw serves more).
    Throughput,
    /// idgw/peer of the p50 latency (above 1: idgw is slower).
    Latency,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub headline: Headline,
    pub peer: Option<Figures>,
    pub idgw: Option<Figures>,
    pub note: String,
}

impl Row {
    pub fn ratio(&self) -> Option<f64> {
        let (p, i) = (self.peer.as_ref()?, self.idgw.as_ref()?);
        let r = match self.headline {
            Headline::Throughput => i.per_s / p.per_s,
            Headline::Latency => i.p50_ms / p.p50_ms,
        };
        r.is_finite().then_some(r)
    }
}

/// One rate of the open-loop scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub server: String,
    pub rate: f64,
    pub figures: Figures,
}

/// Many pending transactions: how far creation got, then what waiting costs.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    pub server: String,
    pub created: Figures,
    pub idle_seconds: f64,
    /// CPU while nothing is asked of the server, in % of one core.
    pub idle_cpu_percent: f64,
    pub rss_mib: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub machine: String,
    pub date: String,
    pub command: String,
    pub settings: serde_json::Value,
    pub rows: Vec<Row>,
    pub open_loop: Vec<Step>,
    pub pending: Vec<Pending>,
    pub notes: Vec<String>,
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn cells(f: Option<&Figures>) -> String {
    match f {
        None => "n/a | | | | |".into(),
        Some(f) => format!(
            "{} | {} | {} | {} | {}",
            num(f.per_s),
            num(f.p50_ms),
            num(f.p99_ms),
            num(f.cpu_ms),
            num(f.rss_mib)
        ),
    }
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "Machine: {}  \nDate: {}  \nCommand: `{}`\n",
            self.machine, self.date, self.command
        );
        md.push_str("| scenario | peer ok/s | p50 ms | p99 ms | CPU ms/op | RSS MiB | idgw ok/s | p50 ms | p99 ms | CPU ms/op | RSS MiB | idgw/peer |\n");
        md.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for r in &self.rows {
            let ratio = match (r.ratio(), r.headline) {
                (Some(x), Headline::Throughput) => format!("{}x", num(x)),
                (Some(x), Headline::Latency) => format!("p50 {}x slower", num(x)),
                (None, _) => "-".into(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                r.scenario,
                cells(r.peer.as_ref()),
                cells(r.idgw.as_ref()),
                ratio
            );
        }
        if !self.open_loop.is_empty() {
            md.push_str("\nOpen loop, full authentications (ping flow, instant users), by arrival rate; idgw as one process per component, CPU ms per authentication by process:\n\n");
            md.push_str("| server | offered/s | done/s | failed | p50 ms | p99 ms | CPU ms/auth | by process |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for s in &self.open_loop {
                let f = &s.figures;
                let by: Vec<String> = f
                    .cpu_ms_by_process
                    .iter()
                    .map(|(n, v)| format!("{n} {}", num(*v)))
                    .collect();
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    s.server,
                    num(s.rate),
                    num(f.per_s),
                    f.failed,
                    num(f.p50_ms),
                    num(f.p99_ms),
                    num(f.cpu_ms),
                    by.join(", ")
                );
            }
        }
        if !self.pending.is_empty() {
            md.push_str("\nPending transactions (never-answering users), then idle:\n\n");
            md.push_str("| server | pending reached | in s | created/s | idle CPU % of a core | RSS MiB |\n| --- | --- | --- | --- | --- | --- |\n");
            for p in &self.pending {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    p.server,
                    p.created.ok,
                    num(p.created.seconds),
                    num(p.created.per_s),
                    num(p.idle_cpu_percent),
                    num(p.rss_mib)
                );
            }
        }
        if !self.notes.is_empty() {
            md.push('\n');
            for n in &self.notes {
                let _ = writeln!(md, "- {n}");
            }
        }
        md
    }
}
