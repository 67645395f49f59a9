//! A WebDriver client for the browser tests: headless Chromium driven through chromedriver's
//! W3C WebDriver HTTP API (plain JSON over HTTP with reqwest).
//!
//! Runs only with `IDGW_BROWSER_TESTS=1` (Debian packages `chromium` and `chromium-driver`,
//! which `scripts/browser/setup.sh` installs); `IDGW_CHROMEDRIVER` and `IDGW_CHROMIUM` override
//! `/usr/bin/chromedriver` and `/usr/bin/chromium`. Screenshots go to `target/screenshots/`
//! (or `IDGW_SCREENSHOT_DIR`).

use super::{free_port, workspace_root, ChildGuard};
use base64::Engine;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const GATE: &str = "IDGW_BROWSER_TESTS";
pub const NEEDS: &str = "chromium and chromium-driver: scripts/browser/setup.sh";
/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

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
pub struct Browser {
    base: String,
    session: String,
    http: reqwest::Client,
    profile: PathBuf,
    driver: Option<ChildGuard>,
}

impl Browser {
    pub async fn start(name: &str) -> Browser {
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
    pub async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, Value> {
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

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, Value::Null)
            .await
            .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"))
    }

    /// The handle of the current window (tab).
    pub async fn window(&self) -> String {
        self.get("/window")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Opens a new tab and switches to it; returns its handle.
    pub async fn new_tab(&self) -> String {
        let v = self.post("/window/new", json!({ "type": "tab" })).await;
        let handle = v["handle"].as_str().expect("a window handle").to_string();
        self.switch_to(&handle).await;
        handle
    }

    pub async fn switch_to(&self, handle: &str) {
        self.post("/window", json!({ "handle": handle })).await;
    }

    /// The current page's URL.
    pub async fn url(&self) -> String {
        self.get("/url")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn find(&self, css: &str) -> Option<String> {
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
    pub async fn wait_text(
        &self,
        css: &str,
        limit: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
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
    pub async fn click(&self, css: &str) {
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

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await.unwrap_or_else(|| panic!("no {css}"));
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .await;
    }

    pub async fn property(&self, css: &str, name: &str) -> Value {
        let id = self.find(css).await.unwrap_or_else(|| panic!("no {css}"));
        self.get(&format!("/element/{id}/property/{name}")).await
    }

    pub async fn screenshot(&self, file: &str) -> PathBuf {
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
