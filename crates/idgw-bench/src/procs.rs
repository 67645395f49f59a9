//! The server processes the harness starts: each one's CPU time and resident memory read from
//! `/proc/<pid>/stat` and `/proc/<pid>/status` (proc(5)), and each one stopped when dropped.
//! Every pid is also written to a file, so `scripts/bench.sh` can end what is left should the
//! harness itself be killed.

use anyhow::{bail, Context};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Clock ticks per second of `utime`/`stime` (`getconf CLK_TCK`; 100 on Linux).
fn ticks_per_s() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// CPU seconds (user + system, all threads, live and exited) used so far by `pid`.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at field 3, `state`;
    // utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (tick(11) + tick(12)) as f64 / ticks_per_s()
}

/// Resident set size of `pid` in MiB (`VmRSS`).
pub fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Appends `pid` to the file `scripts/bench.sh` ends processes from.
pub fn note_pid(pids: &Path, pid: u32) {
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(pids)
    {
        let _ = writeln!(file, "{pid}");
    }
}

/// One started process; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Proc {
    pub name: String,
    pub pid: u32,
    child: Child,
    pub log: PathBuf,
}

impl Proc {
    /// Starts `command`, its output in `<logs>/<name>.log`, its pid appended to `pids`.
    pub fn spawn(
        name: &str,
        mut command: Command,
        logs: &Path,
        pids: &Path,
    ) -> anyhow::Result<Proc> {
        std::fs::create_dir_all(logs)?;
        let log = logs.join(format!("{name}.log"));
        let out = std::fs::File::create(&log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {name}: {command:?}"))?;
        let pid = child.id();
        note_pid(pids, pid);
        Ok(Proc {
            name: name.to_string(),
            pid,
            child,
            log,
        })
    }

    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.pid)
    }

    pub fn rss_mib(&self) -> f64 {
        rss_mib(self.pid)
    }

    /// Fails when the process has exited, with the end of its log.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("{} exited ({status}):\n{}", self.name, tail.join("\n"));
        }
        Ok(())
    }

    /// SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// CPU seconds and the moment they were read, for the processes of one server.
#[derive(Clone)]
pub struct CpuMark {
    pub at: Instant,
    pub per_process: Vec<(String, f64)>,
}

impl CpuMark {
    pub fn take(procs: &[Proc]) -> CpuMark {
        CpuMark {
            at: Instant::now(),
            per_process: procs
                .iter()
                .map(|p| (p.name.clone(), p.cpu_seconds()))
                .collect(),
        }
    }

    /// CPU seconds per process since `earlier`.
    pub fn since(&self, earlier: &CpuMark) -> Vec<(String, f64)> {
        self.per_process
            .iter()
            .zip(&earlier.per_process)
            .map(|((name, now), (_, then))| (name.clone(), (now - then).max(0.0)))
            .collect()
    }
}
