//! Each component in its own process (`idgw op`, `idgw mssp`, `idgw ota`, `idgw smsc-sim`,
//! `idgw sim`) on one store: a CIBA authentication crosses all five; and the OP process is
//! killed while its transaction waits for the user, who answers while it is down: the MSSP
//! cannot deliver its asynchServerServer notification and retries, the restarted OP hands
//! the transaction over again, and the outcome reaches it.

mod common;

use common::free_ports;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MSISDN: &str = "447700900001";

/// The five processes, by name, and their logs.
struct Processes {
    dir: PathBuf,
    config: PathBuf,
    children: HashMap<&'static str, Child>,
    op: String,
    handset: String,
    http: reqwest::Client,
}

impl Drop for Processes {
    fn drop(&mut self) {
        for child in self.children.values_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn wait_http(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http.get(url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

impl Processes {
    /// Starts the five components of the chain on free ports, `op` settings added to `[op]`.
    async fn start(name: &str, op_settings: &str) -> Processes {
        let dir = std::env::temp_dir().join(format!("idgw-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let [op, handset, mssp, admin, smsc, ota, radio, ap_notify] =
            free_ports::<8>().map(|port| format!("127.0.0.1:{port}"));
        let config = dir.join("idgw.toml");
        std::fs::write(
            &config,
            format!(
                r#"data_dir = "{data}"
[listen]
op = "{op}"
handset = "{handset}"
mssp = "{mssp}"
admin = "{admin}"
smsc = "{smsc}"
ota = "{ota}"
radio = "{radio}"
ap_notify = "{ap_notify}"
[op]
interval = 1
{op_settings}
[[clients]]
client_id = "sp1"
client_secret = "s3cret"
client_name = "Example Bank"
[[subscribers]]
msisdn = "{MSISDN}"
pin = "2468"
handset = "manual"
"#,
                data = dir.join("data").display()
            ),
        )
        .unwrap();
        let mut p = Processes {
            dir,
            config,
            children: HashMap::new(),
            op: format!("http://{op}"),
            handset: format!("http://{handset}"),
            http: reqwest::Client::new(),
        };
        // Order matters only for the first start: the SMSC listens before the OTA binds.
        p.spawn("smsc-sim");
        wait_http(&p.http, &format!("http://{radio}/")).await;
        for command in ["sim", "ota", "mssp", "op"] {
            p.spawn(command);
        }
        for url in [
            format!("http://{admin}/readyz"),
            format!("http://{handset}/api/handsets"),
            format!("http://{mssp}/"),
            format!("http://{ota}/"),
        ] {
            wait_http(&p.http, &url).await;
        }
        p
    }

    fn spawn(&mut self, command: &'static str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{command}.log")))
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
        common::idgw_env(&mut cmd);
        let child = cmd
            .args([command, "--config"])
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        self.children.insert(command, child);
    }

    /// SIGKILL: nothing is released, nothing flushed.
    fn kill(&mut self, command: &str) {
        let mut child = self.children.remove(command).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    fn log(&self, command: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{command}.log"))).unwrap_or_default()
    }

    fn logs(&self) -> String {
        ["op", "mssp", "ota", "smsc-sim", "sim"]
            .iter()
            .map(|c| format!("--- {c}\n{}", self.log(c)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    async fn bc_authorize(&self, binding_message: &str) -> String {
        let hint = format!("MSISDN:{MSISDN}");
        let form = [
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint", hint.as_str()),
            ("binding_message", binding_message),
        ];
        let ack: Value = self
            .http
            .post(format!("{}/bc-authorize", self.op))
            .basic_auth("sp1", Some("s3cret"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ack["auth_req_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{ack}"))
            .to_string()
    }

    /// The prompt that reached the handset process through the MSSP, OTA and SMSC ones.
    async fn prompt(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let prompts: Value = self
                .http
                .get(format!("{}/api/handsets/{MSISDN}/prompts", self.handset))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(p) = prompts.as_array().and_then(|a| a.first()).cloned() {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "no prompt; logs:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn enter_pin(&self, prompt: &Value) {
        let answered = self
            .http
            .post(format!(
                "{}/api/handsets/{MSISDN}/prompts/{}",
                self.handset,
                prompt["id"].as_str().unwrap()
            ))
            .json(&json!({ "pin": "2468" }))
            .send()
            .await
            .unwrap();
        assert!(answered.status().is_success());
    }

    /// Polls the token endpoint until the tokens come (`within`).
    async fn tokens(&self, auth_req_id: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let answer = self
                .http
                .post(format!("{}/token", self.op))
                .basic_auth("sp1", Some("s3cret"))
                .form(&[
                    ("grant_type", "urn:openid:params:grant-type:ciba"),
                    ("auth_req_id", auth_req_id),
                ])
                .send()
                .await;
            if let Ok(response) = answer {
                let body: Value = response.json().await.unwrap();
                if body["id_token"].is_string() {
                    return;
                }
                assert_eq!(body["error"], "authorization_pending", "{body}");
            }
            assert!(
                Instant::now() < deadline,
                "never approved; logs:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_processes_complete_an_authentication() {
    let p = Processes::start("components", "").await;
    let id = p.bc_authorize("MULTI").await;
    let prompt = p.prompt().await;
    assert!(prompt["text"].as_str().unwrap().contains("MULTI"));
    p.enter_pin(&prompt).await;
    p.tokens(&id, Duration::from_secs(30)).await;
    // The outcome came as a notification, which the OP acknowledged.
    assert!(p.log("op").contains("OP notification port listening"));
    assert!(
        p.log("mssp").contains("notification delivered"),
        "{}",
        p.logs()
    );
    let dir = p.dir.clone();
    drop(p);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_op_restarted_while_its_user_answers_learns_the_outcome() {
    // A short lease: the killed node's transaction is taken over 2 s after it dies.
    let mut p = Processes::start("components-restart", "lease = 2").await;
    let id = p.bc_authorize("RESTART").await;
    let prompt = p.prompt().await;
    p.kill("op");
    // The user answers while the OP is down: the MSSP cannot deliver the notification.
    p.enter_pin(&prompt).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !p.log("mssp").contains("will retry") {
        assert!(Instant::now() < deadline, "no retry; logs:\n{}", p.logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    p.spawn("op");
    p.tokens(&id, Duration::from_secs(30)).await;
    let dir = p.dir.clone();
    drop(p);
    std::fs::remove_dir_all(dir).ok();
}
