//! Each component in its own process (`idgw op`, `idgw mssp`, `idgw ota`, `idgw smsc-sim`,
//! `idgw sim`) on one store: a CIBA authentication crosses all five.

mod common;

use common::free_ports;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_processes_complete_an_authentication() {
    let dir = std::env::temp_dir().join(format!("idgw-components-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let [op, handset, mssp, admin, smsc, ota, radio] =
        free_ports::<7>().map(|port| format!("127.0.0.1:{port}"));
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
[op]
interval = 1
[[clients]]
client_id = "sp1"
client_secret = "s3cret"
client_name = "Example Bank"
[[subscribers]]
msisdn = "447700900001"
pin = "2468"
handset = "manual"
"#,
            data = dir.join("data").display()
        ),
    )
    .unwrap();
    let spawn = |command: &str| {
        Command::new(env!("CARGO_BIN_EXE_idgw"))
            .args([command, "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join(format!("{command}.log"))).unwrap(),
            ))
            .spawn()
            .unwrap()
    };
    // Order matters only for the first start: the SMSC listens before the OTA platform binds.
    let mut children = Processes(vec![spawn("smsc-sim")]);
    let http = reqwest::Client::new();
    wait_http(&http, &format!("http://{radio}/")).await;
    for command in ["sim", "ota", "mssp", "op"] {
        children.0.push(spawn(command));
    }
    wait_http(&http, &format!("http://{admin}/readyz")).await;
    wait_http(&http, &format!("http://{handset}/api/handsets")).await;
    wait_http(&http, &format!("http://{mssp}/")).await;
    wait_http(&http, &format!("http://{ota}/")).await;

    let form = [
        ("scope", "openid"),
        ("acr_values", "mod-mf"),
        ("login_hint", "MSISDN:447700900001"),
        ("binding_message", "MULTI"),
    ];
    let ack: Value = http
        .post(format!("http://{op}/bc-authorize"))
        .basic_auth("sp1", Some("s3cret"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = ack["auth_req_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{ack}"))
        .to_string();

    // The prompt reaches the handset process through MSSP, OTA and SMSC processes.
    let deadline = Instant::now() + Duration::from_secs(20);
    let prompt = loop {
        let prompts: Value = http
            .get(format!(
                "http://{handset}/api/handsets/447700900001/prompts"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(p) = prompts.as_array().and_then(|a| a.first()).cloned() {
            break p;
        }
        let logs: Vec<String> = ["op", "mssp", "ota", "smsc-sim", "sim"]
            .iter()
            .map(|c| {
                format!(
                    "--- {c}\n{}",
                    std::fs::read_to_string(dir.join(format!("{c}.log"))).unwrap_or_default()
                )
            })
            .collect();
        assert!(
            Instant::now() < deadline,
            "no prompt; logs:\n{}",
            logs.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(prompt["text"].as_str().unwrap().contains("MULTI"));
    let answered = http
        .post(format!(
            "http://{handset}/api/handsets/447700900001/prompts/{}",
            prompt["id"].as_str().unwrap()
        ))
        .json(&json!({ "pin": "2468" }))
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success());

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body: Value = http
            .post(format!("http://{op}/token"))
            .basic_auth("sp1", Some("s3cret"))
            .form(&[
                ("grant_type", "urn:openid:params:grant-type:ciba"),
                ("auth_req_id", id.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["id_token"].is_string() {
            break;
        }
        assert_eq!(body["error"], "authorization_pending", "{body}");
        assert!(Instant::now() < deadline, "never approved");
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    drop(children);
    std::fs::remove_dir_all(dir).ok();
}
