//! Mobile Connect Device-Initiated in a real browser, against the real binary and the whole SIM
//! chain: a small RP page -> `/authorize` -> the phone-number page -> "check your phone" -> the
//! handset simulator page (another tab) answers with the PIN -> the browser lands on the RP
//! with `code`, `state` and `correlation_id` -> the RP exchanges the code at `/token` and calls
//! `/userinfo`. Screenshots of every page go to `target/screenshots/di-*.png`.
//!
//! Runs only with `IDGW_BROWSER_TESTS=1` (see `common::webdriver`).

mod common;

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::webdriver::{Browser, GATE, NEEDS};
use common::{gate, Server};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIVE: Duration = Duration::from_secs(25);
const STATE: &str = "rp-state-1";
const CORRELATION: &str = "rp-corr-1";

/// The RP: a sign-in link, and the redirect endpoint that records what it received.
#[derive(Default)]
struct Rp {
    authorize_url: Mutex<String>,
    received: Mutex<Option<HashMap<String, String>>>,
}

async fn rp_home(State(rp): State<Arc<Rp>>) -> Html<String> {
    let url = rp.authorize_url.lock().unwrap().clone();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Example Shop</title></head>\
         <body><h1>Example Shop</h1><p><a id=\"signin\" href=\"{}\">Sign in with Mobile Connect</a></p></body></html>",
        url.replace('&', "&amp;")
    ))
}

async fn rp_callback(
    State(rp): State<Arc<Rp>>,
    Query(query): Query<HashMap<String, String>>,
) -> Html<String> {
    let signed_in = query.contains_key("code");
    *rp.received.lock().unwrap() = Some(query);
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Example Shop</title></head>\
         <body><h1>{}</h1></body></html>",
        if signed_in { "Signed in" } else { "Sign-in failed" }
    ))
}

#[tokio::test]
async fn sign_in_with_mobile_connect_in_the_browser() {
    if !gate(GATE, "browser test (Mobile Connect DI)", NEEDS) {
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rp_base = format!("http://{}", listener.local_addr().unwrap());
    let redirect_uri = format!("{rp_base}/cb");
    let config = format!(
        r#"
[[clients]]
client_id = "sp-di"
client_secret = "di-s3cret"
client_names = ["Example Shop"]
scope = "openid phone mc_authn"
redirect_uris = ["{redirect_uri}"]

[[subscribers]]
msisdn = "447700900001"
pin = "1234"
handset = "manual"
"#
    );
    let s = Server::start("browser-di", &config).await;
    let rp = Arc::new(Rp::default());
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("response_type", "code"),
        ("client_id", "sp-di"),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", "openid mc_authn"),
        ("version", "mc_v2.3"),
        ("state", STATE),
        ("nonce", "rp-nonce-1"),
        ("acr_values", "3"),
        ("binding_message", "WEB-7"),
        ("correlation_id", CORRELATION),
    ] {
        query.append_pair(k, v);
    }
    let query = query.finish();
    *rp.authorize_url.lock().unwrap() = format!("{}/authorize?{query}", s.op);
    let app = Router::new()
        .route("/", get(rp_home))
        .route("/cb", get(rp_callback))
        .with_state(rp.clone());
    let rp_task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let b = Browser::start("di").await;
    b.goto(&format!("{rp_base}/")).await;
    b.wait_text("#signin", LIVE, |t| t.contains("Mobile Connect"))
        .await;
    b.screenshot("di-1-rp.png").await;
    b.click("#signin").await;

    // The phone-number page.
    b.wait_text("label[for=msisdn]", LIVE, |t| t == "Mobile number")
        .await;
    b.screenshot("di-2-phone-number.png").await;
    b.type_into("#msisdn", "+44 7700 900001").await;
    b.click("button[type=submit]").await;

    // "Check your phone", with the binding message.
    b.wait_text("h1", LIVE, |t| t == "Check your phone").await;
    b.wait_text(".binding", LIVE, |t| t == "WEB-7").await;
    b.wait_text("#status", LIVE, |t| t.contains("Waiting"))
        .await;
    b.screenshot("di-3-check-your-phone.png").await;
    let op_tab = b.window().await;

    // The subscriber answers on the handset page, in another tab.
    b.new_tab().await;
    b.goto(&format!("{}/", s.handset)).await;
    let phone = "#phone-447700900001";
    let text = b
        .wait_text(&format!("{phone} form p"), LIVE, |t| t.contains("WEB-7"))
        .await;
    assert!(text.contains("Example Shop"), "{text}");
    b.type_into(&format!("{phone} input[name=pin]"), "1234")
        .await;
    b.screenshot("di-4-handset-pin.png").await;
    b.click(&format!("{phone} button[value=ok]")).await;
    b.wait_text("p.notice", LIVE, |t| t == "Confirmed.").await;

    // The OP's page moves on by itself to the RP.
    b.switch_to(&op_tab).await;
    let deadline = Instant::now() + LIVE;
    while !b.url().await.starts_with(&redirect_uri) {
        assert!(
            Instant::now() < deadline,
            "never returned to the RP:\n{}",
            s.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.wait_text("h1", LIVE, |t| t == "Signed in").await;
    b.screenshot("di-5-rp-signed-in.png").await;

    let received = rp
        .received
        .lock()
        .unwrap()
        .clone()
        .expect("the RP was called");
    assert_eq!(received["state"], STATE);
    assert_eq!(received["correlation_id"], CORRELATION);
    let code = &received["code"];

    // The RP, server to server: the code for tokens (HTTP Basic), then userinfo.
    let resp = s
        .http
        .post(format!("{}/token", s.op))
        .basic_auth("sp-di", Some("di-s3cret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("correlation_id", CORRELATION),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["correlation_id"], CORRELATION);
    assert!(tokens["id_token"].is_string() && tokens["refresh_token"].is_string());
    let info = s
        .http
        .get(format!("{}/userinfo", s.op))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let info: Value = info.json().await.unwrap();
    assert!(info["sub"].is_string(), "{info}");
    rp_task.abort();
}
