//! The handset page in a real browser: headless Chromium driven through chromedriver's W3C
//! WebDriver HTTP API (plain JSON over HTTP with reqwest). A person's path: the page is open
//! when the CIBA request arrives, the SIM Toolkit prompt appears without a reload, the PIN is
//! typed on the page and the client gets its tokens; a wrong PIN shows the tries left.
//!
//! Runs only with `IDGW_BROWSER_TESTS=1` (Debian packages `chromium` and `chromium-driver`,
//! which `scripts/browser/setup.sh` installs);
//! `IDGW_CHROMEDRIVER` and `IDGW_CHROMIUM` override `/usr/bin/chromedriver` and
//! `/usr/bin/chromium`. Screenshots go to `target/screenshots/` (or `IDGW_SCREENSHOT_DIR`).

mod common;

use base64::Engine;
use common::{free_port, gate, workspace_root, ChildGuard, Server};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT: (&str, &str) = ("sp1", "s3cret");
const GATE: &str = "IDGW_BROWSER_TESTS";
const NEEDS: &str = "chromium and chromium-driver: scripts/browser/setup.sh";
/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

const CONFIG: &str = r#"
[op]
interval = 1

[[clients]]
client_id = "sp1"
client_secret = "s3cret"
client_name = "Example Bank"
scope = "openid phone mc_authn"

[[subscribers]]
msisdn = "447700900001"
pin = "1234"
handset = "manual"

[[subscribers]]
msisdn = "447700900002"
pin = "2468"
handset = "manual"
"#;

fn tool(var: &str, default: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()));
    assert!(
        path.exists(),
        "{GATE}=1 but {} is missing: scripts/browser/setup.sh (or set {var})",
        path.display()
    );
    path
}

fn screenshot_dir() -> PathBuf {
    let dir = std::env::var("IDGW_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// chromedriver with one browser session. Dropping it deletes the session (closing the
/// browser), then kills chromedriver's process group and removes the profile directory,
/// also when the test panics.
struct Browser {
    base: String,
    session: String,
    http: reqwest::Client,
    profile: PathBuf,
    driver: Option<ChildGuard>,
}

impl Browser {
    async fn start(name: &str) -> Browser {
        let driver_path = tool("IDGW_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = tool("IDGW_CHROMIUM", "/usr/bin/chromium");
        let port = free_port();
        let profile =
            std::env::temp_dir().join(format!("idgw-browser-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let log = std::fs::File::create(profile.with_extension("chromedriver.log")).unwrap();
        let driver = ChildGuard::spawn(
            "chromedriver",
            Command::new(&driver_path)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log),
            true,
            "apt-get install -y chromium-driver",
        );
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            base,
            session: String::new(),
            http,
            profile,
            driver: Some(driver),
        };
        browser.wait_driver().await;
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", browser.profile.display()),
                    "--window-size=1100,800",
                ],
            },
        }}});
        let r = browser
            .http
            .post(format!("{}/session", browser.base))
            .json(&caps)
            .send()
            .await
            .expect("new session");
        let body: Value = r.json().await.unwrap();
        browser.session = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {body}"))
            .to_string();
        browser
    }

    async fn wait_driver(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(d) = self.driver.as_mut() {
                if let Ok(Some(status)) = d.child.try_wait() {
                    panic!("chromedriver exited with {status}");
                }
            }
            if let Ok(r) = self.http.get(format!("{}/status", self.base)).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == true {
                        return;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready on {}", self.base);
    }

    /// One WebDriver command; returns the `value` of a successful answer or the error body.
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = self.http.request(method.clone(), url);
        let req = if method == reqwest::Method::GET {
            req
        } else {
            req.json(&body)
        };
        let r = req.send().await.map_err(|e| json!(e.to_string()))?;
        let ok = r.status().is_success();
        let v: Value = r.json().await.map_err(|e| json!(e.to_string()))?;
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(v["value"].clone())
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: {e}"))
    }

    async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, Value::Null)
            .await
            .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    async fn find(&self, css: &str) -> Option<String> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await
            .ok()?;
        v[ELEMENT].as_str().map(str::to_string)
    }

    /// The text of the first element matching `css`, once it exists and satisfies `pred`
    /// (the page replaces phone sections live, so elements are looked up afresh each time).
    async fn wait_text(&self, css: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Some(id) = self.find(css).await {
                if let Ok(v) = self
                    .cmd(
                        reqwest::Method::GET,
                        &format!("/element/{id}/text"),
                        json!({}),
                    )
                    .await
                {
                    last = v.as_str().unwrap_or_default().to_string();
                    if pred(&last) {
                        return last;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let url = self
            .cmd(reqwest::Method::GET, "/url", Value::Null)
            .await
            .unwrap_or_default();
        let source = self
            .cmd(reqwest::Method::GET, "/source", Value::Null)
            .await
            .unwrap_or_default();
        let shot = self.screenshot("failure.png").await;
        panic!(
            "{css} never matched within {limit:?}; last text: {last:?}; at {url}, screenshot {}; source:\n{}",
            shot.display(),
            source.as_str().unwrap_or_default()
        );
    }

    /// Clicks the element matching `css`, looking it up again if the page swapped it out.
    async fn click(&self, css: &str) {
        let mut last = Value::Null;
        for _ in 0..20 {
            if let Some(id) = self.find(css).await {
                match self
                    .cmd(
                        reqwest::Method::POST,
                        &format!("/element/{id}/click"),
                        json!({}),
                    )
                    .await
                {
                    Ok(_) => return,
                    Err(e) => last = e,
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot click {css}: {last}");
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await.unwrap_or_else(|| panic!("no {css}"));
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .await;
    }

    async fn property(&self, css: &str, name: &str) -> Value {
        let id = self.find(css).await.unwrap_or_else(|| panic!("no {css}"));
        self.get(&format!("/element/{id}/property/{name}")).await
    }

    async fn screenshot(&self, file: &str) -> PathBuf {
        let b64 = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("screenshot is base64"))
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let path = screenshot_dir().join(file);
        std::fs::write(&path, png).unwrap();
        path
    }

    /// DELETE /session/{id} over a plain socket (usable from Drop, outside any runtime).
    fn delete_session(&self) {
        if self.session.is_empty() {
            return;
        }
        let host = self.base.trim_start_matches("http://");
        let Ok(mut s) = std::net::TcpStream::connect(host) else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
        let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
        let req = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session
        );
        if s.write_all(req.as_bytes()).is_ok() {
            // Read the status line (the browser has closed by then), not to the end.
            let mut answer = [0u8; 64];
            let _ = s.read(&mut answer);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.delete_session();
        drop(self.driver.take());
        let _ = std::fs::remove_dir_all(&self.profile);
        let _ = std::fs::remove_file(self.profile.with_extension("chromedriver.log"));
    }
}

async fn start_auth(s: &Server, msisdn: &str, binding: &str) -> String {
    let hint = format!("MSISDN:{msisdn}");
    let (status, ack) = s
        .form(
            "/bc-authorize",
            CLIENT,
            &[
                ("scope", "openid phone"),
                ("acr_values", "mod-mf"),
                ("login_hint", hint.as_str()),
                ("binding_message", binding),
            ],
        )
        .await;
    assert_eq!(status, 200, "{ack}");
    ack["auth_req_id"].as_str().unwrap().to_string()
}

const LIVE: Duration = Duration::from_secs(25);

#[tokio::test]
async fn pin_typed_on_the_handset_page_gets_the_client_its_tokens() {
    if !gate(GATE, "browser test (PIN on the handset page)", NEEDS) {
        return;
    }
    let s = Server::start("browser-ok", CONFIG).await;
    let b = Browser::start("ok").await;
    let phone = "#phone-447700900001";
    b.goto(&format!("{}/", s.handset)).await;
    let screen = format!("{phone} .screen");
    b.wait_text(&screen, LIVE, |t| t.contains("No SIM Toolkit prompt"))
        .await;

    // The request arrives while the page is open: the prompt appears without a reload.
    let id = start_auth(&s, "447700900001", "TX-BROWSER-1").await;
    let text = b
        .wait_text(&format!("{phone} form p"), LIVE, |t| {
            t.contains("TX-BROWSER-1")
        })
        .await;
    assert!(text.contains("Example Bank"), "{text}");
    let shot = b.screenshot("handset-prompt.png").await;

    // The PIN pad: 1, 2, 3, 5, delete, 4.
    for digit in ["1", "2", "3", "5", "del", "4"] {
        b.click(&format!("{phone} button[data-digit=\"{digit}\"]"))
            .await;
    }
    let pin = b
        .property(&format!("{phone} input[name=pin]"), "value")
        .await;
    assert_eq!(pin, "1234", "the PIN pad fills the PIN field");
    assert_eq!(
        b.property(&format!("{phone} input[name=pin]"), "type")
            .await,
        "password",
        "the PIN is masked"
    );
    b.screenshot("handset-pin-entered.png").await;
    b.click(&format!("{phone} button[value=ok]")).await;

    b.wait_text("p.notice", LIVE, |t| t == "Confirmed.").await;
    b.wait_text(&screen, LIVE, |t| t.contains("No SIM Toolkit prompt"))
        .await;
    let after = b.screenshot("handset-confirmed.png").await;

    let (status, tokens) = s.poll_until_done(CLIENT, &id).await;
    assert_eq!(status, 200, "{tokens}\n{}", s.log());
    assert!(tokens["id_token"].is_string() && tokens["access_token"].is_string());
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 1000
            && std::fs::metadata(&after).unwrap().len() > 1000
    );
}

#[tokio::test]
async fn wrong_pin_on_the_handset_page_shows_the_tries_left() {
    if !gate(GATE, "browser test (wrong PIN on the handset page)", NEEDS) {
        return;
    }
    let s = Server::start("browser-wrong", CONFIG).await;
    let id = start_auth(&s, "447700900002", "TX-BROWSER-2").await;
    let b = Browser::start("wrong").await;
    let phone = "#phone-447700900002";
    b.goto(&format!("{}/", s.handset)).await;
    b.wait_text(&format!("{phone} form p"), LIVE, |t| {
        t.contains("TX-BROWSER-2")
    })
    .await;
    let sim = format!("{phone} .sim");
    b.wait_text(&sim, LIVE, |t| t.contains("PIN tries left: 3"))
        .await;

    // Typed into the PIN field this time (the keyboard path), and wrong.
    b.type_into(&format!("{phone} input[name=pin]"), "1111")
        .await;
    b.click(&format!("{phone} button[value=ok]")).await;
    b.wait_text("p.notice", LIVE, |t| t == "Wrong PIN, try again.")
        .await;
    let tries = b
        .wait_text(&sim, LIVE, |t| t.contains("PIN tries left:"))
        .await;
    assert!(tries.contains("PIN tries left: 2"), "{tries}");
    // The prompt stays for another try.
    b.wait_text(&format!("{phone} form p"), LIVE, |t| {
        t.contains("TX-BROWSER-2")
    })
    .await;
    b.screenshot("handset-wrong-pin.png").await;
    let api = s
        .get(&format!("{}/api/handsets/447700900002", s.handset))
        .await;
    assert_eq!(api["pin_tries_left"], 2, "{api}");

    // The user gives up: Cancel on the page, and the client is denied.
    b.click(&format!("{phone} button[value=cancel]")).await;
    b.wait_text("p.notice", LIVE, |t| t == "Cancelled.").await;
    let (status, body) = s.poll_until_done(CLIENT, &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("access_denied"))
    );
}
