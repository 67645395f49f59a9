//! With `IDGW_BENCH_PERF=1`: a `perf record` (Debian `linux-perf`) of idgw's processes during
//! a scenario's measured window, and its top entries as text next to the table.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct Recording {
    child: Child,
    data: PathBuf,
    text: PathBuf,
}

impl Recording {
    /// Starts sampling `pids` (with call graphs) into `<out>/perf-<name>.data`.
    pub fn start(out: &Path, name: &str, pids: &[u32], pidfile: &Path) -> Option<Recording> {
        let data = out.join(format!("perf-{name}.data"));
        let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
        let child = Command::new("perf")
            // cpu-clock: a software event, also where a VM offers no hardware counters.
            .args(["record", "-q", "-e", "cpu-clock", "-F", "499", "-g", "-o"])
            .arg(&data)
            .args(["-p", &pids.join(",")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match child {
            Ok(child) => {
                crate::procs::note_pid(pidfile, child.id());
                Some(Recording {
                    child,
                    data,
                    text: out.join(format!("perf-{name}.txt")),
                })
            }
            Err(e) => {
                println!("perf record not started ({e}); no profile of {name}");
                None
            }
        }
    }

    /// Stops sampling (SIGINT, so perf writes its file) and writes the report's top entries.
    pub fn finish(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let report = Command::new("perf")
            .args(["report", "--stdio", "--no-children", "--sort", "dso,symbol"])
            .args(["--percent-limit", "0.7", "-g", "none", "-i"])
            .arg(&self.data)
            .output();
        match report {
            Ok(o) => {
                let text: String = String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                    .take(40)
                    .collect::<Vec<_>>()
                    .join("\n");
                let _ = std::fs::write(&self.text, format!("{text}\n"));
                println!("profile: {}", self.text.display());
            }
            Err(e) => println!("perf report failed: {e}"),
        }
    }
}
