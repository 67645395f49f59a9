//! Several `idgw` processes (one component or node each) sharing one configuration file and
//! one store, with per-process `IDGW_` overrides (e.g. a second OP node's listeners), and a
//! fresh PostgreSQL database per run (`idgw_store::testing::ScratchDatabase`).
//! Every process is killed when the [`Cluster`] is dropped.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use idgw_store::testing::POSTGRES_ENV;

struct Process {
    name: String,
    child: Child,
}

/// Processes of one test, in a temporary directory holding the configuration and logs.
pub struct Cluster {
    pub dir: PathBuf,
    pub config: PathBuf,
    processes: Vec<Process>,
}

impl Cluster {
    /// Writes `toml` (with `data_dir` set to the cluster's directory) as the configuration.
    pub fn new(name: &str, toml: &str) -> Cluster {
        let dir = std::env::temp_dir().join(format!("idgw-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("idgw.toml");
        let data = dir.join("data");
        std::fs::write(
            &config,
            format!("data_dir = \"{}\"\n{toml}", data.display()),
        )
        .unwrap();
        Cluster {
            dir,
            config,
            processes: Vec::new(),
        }
    }

    /// Starts `idgw COMMAND --config ...` as `name` (its log: `name.log`), with `env` set.
    pub fn spawn(&mut self, name: &str, command: &str, env: &[(&str, String)]) {
        let log = std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
        super::idgw_env(&mut cmd);
        cmd.env_remove(POSTGRES_ENV);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .args([command, "--config"])
            .arg(&self.config)
            .env("IDGW_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("idgw binary runs");
        self.processes.push(Process {
            name: name.to_string(),
            child,
        });
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(&mut self, name: &str) {
        let p = self
            .processes
            .iter_mut()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no process {name}"));
        p.child.kill().unwrap();
        p.child.wait().unwrap();
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Every process's log, for failure messages.
    pub fn logs(&self) -> String {
        self.processes
            .iter()
            .map(|p| format!("--- {}\n{}", p.name, self.log(&p.name)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until `url` answers anything over HTTP; panics with the logs after 30 s or when
    /// a process exited.
    pub async fn wait_http(&mut self, url: &str) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(p) = self
                .processes
                .iter_mut()
                .find_map(|p| matches!(p.child.try_wait(), Ok(Some(_))).then(|| p.name.clone()))
            {
                panic!("{p} exited; logs:\n{}", self.logs());
            }
            if http.get(url).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{url} never answered; logs:\n{}", self.logs());
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.processes {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// What a [`Notifications`] endpoint received, in order, and a wake-up for waiters.
#[derive(Default)]
struct Received {
    log: std::sync::Mutex<Vec<(String, serde_json::Value)>>,
    arrived: tokio::sync::Notify,
}

/// A client's notification endpoint (CIBA ping and push) on a loopback port: records every
/// POST it receives and answers 204.
pub struct Notifications {
    pub base: String,
    received: std::sync::Arc<Received>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Notifications {
    pub async fn start() -> Notifications {
        use axum::extract::State;
        async fn receive(
            State(received): State<std::sync::Arc<Received>>,
            uri: axum::http::Uri,
            body: String,
        ) -> axum::http::StatusCode {
            let body = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
            received
                .log
                .lock()
                .unwrap()
                .push((uri.path().to_string(), body));
            received.arrived.notify_waiters();
            axum::http::StatusCode::NO_CONTENT
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = std::sync::Arc::new(Received::default());
        let router = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(received.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Notifications {
            base,
            received,
            _stop: stop,
        }
    }

    /// Every notification received for `auth_req_id`, with the path it was POSTed to.
    pub fn for_id(&self, auth_req_id: &str) -> Vec<(String, serde_json::Value)> {
        self.received
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, body)| body["auth_req_id"] == auth_req_id)
            .cloned()
            .collect()
    }

    /// Waits up to `limit` for the first notification about `auth_req_id`.
    pub async fn wait(&self, auth_req_id: &str, limit: Duration) -> Option<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.received.arrived.notified();
            if let Some((_, body)) = self.for_id(auth_req_id).into_iter().next() {
                return Some(body);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }
}
