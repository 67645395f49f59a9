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

use common::webdriver::{Browser, GATE, NEEDS};
use common::{gate, Server};
use std::time::Duration;

const CLIENT: (&str, &str) = ("sp1", "s3cret");

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
