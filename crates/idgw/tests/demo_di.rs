//! `idgw serve` with embedded defaults: the banner's Device-Initiated URL works as printed.
//! A browser (keeping the OP's cookie, following no redirects) opens it, types a demo number on the
//! phone-number page, follows "check your phone" while the simulated handset approves, lands
//! on the demo callback page with the code, and the banner's `curl` form redeems it.

mod common;

use common::{free_ports, idgw_env, ChildGuard};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `name="..." value="..."` pairs of the page's hidden inputs, unescaped.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\" value=\"").unwrap();
            let (value, _) = rest.split_once('"').unwrap();
            (unescape(name), unescape(value))
        })
        .collect()
}

#[tokio::test]
async fn the_banner_s_device_initiated_url_works_with_the_demo_callback() {
    let dir = std::env::temp_dir().join(format!("idgw-demo-di-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ports = free_ports::<8>().map(|p| format!("127.0.0.1:{p}"));
    let names = [
        "OP",
        "HANDSET",
        "MSSP",
        "ADMIN",
        "SMSC",
        "OTA",
        "RADIO",
        "AP_NOTIFY",
    ];
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
    idgw_env(&mut cmd);
    cmd.arg("serve")
        .current_dir(&dir)
        .env("IDGW_DATA_DIR", dir.join("data"))
        .env("IDGW_LOG", "warn")
        .stdout(Stdio::from(
            std::fs::File::create(dir.join("banner.txt")).unwrap(),
        ))
        .stderr(Stdio::null());
    for (name, addr) in names.iter().zip(&ports) {
        cmd.env(format!("IDGW_LISTEN__{name}"), addr);
    }
    let _server = ChildGuard::spawn("idgw serve", &mut cmd, false, "cargo builds it");

    // The banner is printed once the listeners are bound.
    let deadline = Instant::now() + Duration::from_secs(30);
    let banner = loop {
        let text = std::fs::read_to_string(dir.join("banner.txt")).unwrap_or_default();
        if text.contains("/token\n") && text.contains("IDGW_DEMO_SECRET") {
            break text;
        }
        assert!(Instant::now() < deadline, "no banner:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let op = format!("http://{}", ports[0]);
    let authorize = banner
        .lines()
        .find(|l| l.starts_with(&format!("{op}/authorize?")))
        .expect("an /authorize URL in the banner");
    let secret = banner
        .split("IDGW_DEMO_SECRET='")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("the secret in the banner");
    let callback = format!("{op}/demo/callback");
    assert!(
        banner.contains(&format!("redirect_uri={callback}")),
        "{banner}"
    );

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let phone = http.get(authorize).send().await.unwrap();
    assert_eq!(phone.status(), 200);
    let cookie = phone.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut form = hidden_inputs(&phone.text().await.unwrap());
    assert!(form.iter().any(|(k, _)| k == "client_id"));
    // The demo subscriber whose handset approves.
    form.push(("msisdn".into(), "447700900002".into()));
    let wait = http
        .post(format!("{op}/authorize/msisdn"))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(wait.status(), 303);
    let wait_url = format!("{op}{}", wait.headers()["location"].to_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let landed = loop {
        let r = http
            .get(&wait_url)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        if r.status() == 302 {
            break r.headers()["location"].to_str().unwrap().to_string();
        }
        assert_eq!(r.status(), 200);
        assert!(Instant::now() < deadline, "the handset never answered");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(landed.starts_with(&format!("{callback}?code=")), "{landed}");
    let page = http.get(&landed).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let code = url::Url::parse(&landed)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert!(page.contains(&code), "{page}");
    assert!(!page.contains(secret), "the page never shows the secret");

    // The banner's curl, as a request.
    let tokens = http
        .post(format!("{op}/token"))
        .basic_auth("demo-sp", Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &callback),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200);
    let body: serde_json::Value = tokens.json().await.unwrap();
    assert!(body["id_token"].is_string(), "{body}");
    drop(_server);
    let _ = std::fs::remove_dir_all(&dir);
}
