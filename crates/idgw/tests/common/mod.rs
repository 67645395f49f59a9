//! Starts the real `idgw` binary (`serve`) with a configuration on free loopback ports and a
//! temporary data directory, and stops it when dropped.
#![allow(dead_code)]

pub mod cluster;
pub mod webdriver;

use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub op: String,
    pub handset: String,
    pub mssp: String,
    pub admin: String,
    pub smsc: String,
    pub http: reqwest::Client,
    /// Whether the OP and admin listeners speak HTTPS.
    pub tls: bool,
}

/// Variables that steer the tests, not idgw: every other `IDGW_` variable is a configuration
/// key to idgw (an unknown one is an error), so they are removed from idgw's environment.
pub const TEST_ONLY_VARS: &[&str] = &[
    "IDGW_BROWSER_TESTS",
    "IDGW_INTEROP_TESTS",
    "IDGW_CHROMEDRIVER",
    "IDGW_CHROMIUM",
    "IDGW_SCREENSHOT_DIR",
    "IDGW_PYTHON",
    "IDGW_NODE",
    "IDGW_BENCH_FLOWS",
    "IDGW_BENCH_CONCURRENCY",
    "IDGW_BENCH_SECONDS",
];

/// Removes [`TEST_ONLY_VARS`] from the environment `cmd` (an `idgw` command) inherits.
pub fn idgw_env(cmd: &mut Command) -> &mut Command {
    for var in TEST_ONLY_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// A port free right now on 127.0.0.1 (the listener is closed before the server binds it).
pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` distinct ports free right now on 127.0.0.1: all are held open together, so no two
/// are the same; another process may still take one before the server binds it, which is why
/// [`Server::start`] retries a start that failed to bind.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held = [0; N].map(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    held.map(|l| l.local_addr().unwrap().port())
}

impl Server {
    /// Runs `idgw args... --config <this server's configuration>` to the end, asserts that it
    /// succeeded, and returns what it printed.
    pub fn command(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
        idgw_env(&mut cmd);
        let out = cmd
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .output()
            .expect("idgw runs");
        assert!(
            out.status.success(),
            "idgw {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Starts `idgw serve` with `extra` TOML appended to the generated listener settings.
    pub async fn start(name: &str, extra: &str) -> Server {
        Server::launch(name, extra, false).await
    }

    /// Like [`Server::start`], for a configuration with `[tls]` (readiness over HTTPS).
    pub async fn start_tls(name: &str, extra: &str) -> Server {
        Server::launch(name, extra, true).await
    }

    async fn launch(name: &str, extra: &str, tls: bool) -> Server {
        // A port picked free can be taken by a parallel test before idgw binds it.
        for _ in 0..3 {
            match Server::try_launch(name, extra, tls).await {
                Ok(server) => return server,
                Err(log) if log.contains("cannot bind") => continue,
                Err(log) => panic!("idgw exited at start; log:\n{log}"),
            }
        }
        panic!("idgw could not bind free ports in three attempts");
    }

    async fn try_launch(name: &str, extra: &str, tls: bool) -> Result<Server, String> {
        let dir = std::env::temp_dir().join(format!("idgw-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let [op, handset, mssp, admin, smsc, ota, radio, ap_notify] =
            free_ports::<8>().map(|port| format!("127.0.0.1:{port}"));
        let config = dir.join("idgw.toml");
        let toml = format!(
            "data_dir = \"{data}\"\n[listen]\nop = \"{op}\"\nhandset = \"{handset}\"\nmssp = \"{mssp}\"\nadmin = \"{admin}\"\nsmsc = \"{smsc}\"\nota = \"{ota}\"\nradio = \"{radio}\"\nap_notify = \"{ap_notify}\"\n{extra}\n",
            data = dir.join("data").display()
        );
        std::fs::write(&config, toml).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
        idgw_env(&mut cmd);
        let child = cmd
            .args(["serve", "--config"])
            .arg(&config)
            .env("IDGW_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("server.log")).unwrap(),
            ))
            .spawn()
            .expect("idgw binary runs");
        let mut server = Server {
            child,
            dir,
            config,
            op: format!("http://{op}"),
            handset: format!("http://{handset}"),
            mssp: format!("http://{mssp}"),
            admin: format!("http://{admin}"),
            smsc,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .danger_accept_invalid_certs(tls)
                .build()
                .unwrap(),
            tls,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Waits for `/readyz`; `Err(log)` if idgw exited first.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exit {status}\n{}", self.log()));
            }
            let admin = if self.tls {
                self.admin.replace("http://", "https://")
            } else {
                self.admin.clone()
            };
            if let Ok(r) = self.http.get(format!("{admin}/readyz")).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("idgw did not become ready; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    pub async fn form(
        &self,
        path: &str,
        client: (&str, &str),
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.op))
            .basic_auth(client.0, Some(client.1))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, url: &str) -> Value {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits for a pending SIM prompt on the handset of `msisdn`.
    pub async fn prompt(&self, msisdn: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let prompts = self
                .get(&format!("{}/api/handsets/{msisdn}/prompts", self.handset))
                .await;
            if let Some(p) = prompts.as_array().and_then(|a| a.first()) {
                return p.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no prompt on {msisdn}; log:\n{}", self.log());
    }

    pub async fn answer(&self, msisdn: &str, id: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!(
                "{}/api/handsets/{msisdn}/prompts/{id}",
                self.handset
            ))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Polls the CIBA grant until the answer is no longer pending.
    pub async fn poll_until_done(&self, client: (&str, &str), auth_req_id: &str) -> (u16, Value) {
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            let (status, body) = self
                .form(
                    "/token",
                    client,
                    &[
                        ("grant_type", "urn:openid:params:grant-type:ciba"),
                        ("auth_req_id", auth_req_id),
                    ],
                )
                .await;
            if body["error"] != "authorization_pending" && body["error"] != "slow_down" {
                return (status, body);
            }
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        panic!("{auth_req_id} still pending; log:\n{}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The workspace root (where `scripts/` and `target/` live).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// True when the environment variable `var` is `1`. Otherwise prints why `what` is skipped,
/// straight to the terminal (not through the test harness's output capture, so plain
/// `cargo test` shows it), and returns false.
pub fn gate(var: &str, what: &str, needs: &str) -> bool {
    if std::env::var(var).as_deref() == Ok("1") {
        return true;
    }
    use std::io::Write;
    let line = format!("SKIPPED {what}: set {var}=1 to run it (needs {needs})\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    false
}

/// A child process that is killed (with its process group, when it leads one) when dropped.
pub struct ChildGuard {
    pub child: Child,
    pub name: String,
    pub group: bool,
}

impl ChildGuard {
    /// Spawns `cmd`; panics with `hint` when the program cannot be started.
    pub fn spawn(name: &str, cmd: &mut Command, group: bool, hint: &str) -> ChildGuard {
        if group {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({e}); {hint}"));
        ChildGuard {
            child,
            name: name.to_string(),
            group,
        }
    }

    /// Waits at most `limit` for the process to exit by itself; kills it after that.
    /// Returns its exit status and everything it wrote on stdout and stderr (when piped).
    pub fn wait_with_timeout(mut self, limit: Duration) -> (Option<i32>, String, String) {
        use std::io::Read;
        let mut stdout = self.child.stdout.take();
        let mut stderr = self.child.stderr.take();
        // Read the pipes on threads so a chatty child never blocks on a full pipe.
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(p) = stdout.as_mut() {
                let _ = p.read_to_string(&mut s);
            }
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(p) = stderr.as_mut() {
                let _ = p.read_to_string(&mut s);
            }
            s
        });
        let deadline = Instant::now() + limit;
        let mut code = None;
        let mut timed_out = true;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                code = status.code();
                timed_out = false;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if timed_out {
            self.kill();
        }
        let (out, err) = (out.join().unwrap(), err.join().unwrap());
        if timed_out {
            panic!(
                "{} did not finish within {limit:?}; stdout:\n{out}\nstderr:\n{err}",
                self.name
            );
        }
        (code, out, err)
    }

    fn kill(&mut self) {
        if self.group {
            // The whole group this child leads (chromedriver and the browser it started).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        } else if self.group {
            self.kill();
        }
    }
}
