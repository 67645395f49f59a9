//! The handset API of DESIGN.md section 7 and the web page, driven through
//! the router with `tower::ServiceExt::oneshot`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use idgw_mss::applet::AnswerResult;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(Body::from(body.unwrap_or("").to_owned())).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

async fn json_call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let (s, b) = call(app, method, uri, body).await;
    (s, serde_json::from_slice(&b).expect("JSON body"))
}

fn setup() -> (axum::Router, idgw_sim::SimFarm, Recorder) {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    (idgw_sim::router(farm.clone()), farm, radio)
}

#[tokio::test]
async fn prompt_listed_and_answered_with_pin() {
    let (app, farm, radio) = setup();
    let data = challenge("Log in to <Bank>?", true)
        .encode(&applet_key())
        .unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));

    let (s, v) = json_call(
        &app,
        "GET",
        &format!("/api/handsets/{MSISDN}/prompts"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["text"], "Log in to <Bank>?");
    assert_eq!(list[0]["pin_required"], true);
    assert!(list[0]["received_at"].as_u64().unwrap() > 0);
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/handsets/{MSISDN}/prompts/{id}");

    let (s, v) = json_call(&app, "POST", &uri, Some(r#"{"pin":"0000"}"#)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"result": "wrong_pin", "pin_tries_left": 2, "prompt_pending": true})
    );
    let (s, v) = json_call(&app, "POST", &uri, Some(r#"{"ok":true}"#)).await;
    assert_eq!(
        (s, &v["error"]),
        (StatusCode::BAD_REQUEST, &json!("pin_required"))
    );
    let (s, v) = json_call(&app, "POST", &uri, Some(r#"{"pin":"1234"}"#)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"], "ok");
    assert_eq!(v["pin_tries_left"], 3);
    let (s, _) = json_call(&app, "POST", &uri, Some(r#"{"pin":"1234"}"#)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "answered prompts are gone");

    let mo = radio.take();
    assert_eq!(open_answer(&mo[1], 0).1.result, AnswerResult::Ok);

    let (s, v) = json_call(&app, "GET", &format!("/api/handsets/{MSISDN}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["pin_tries_left"], 3);
    assert_eq!(v["blocked"], false);
    assert_eq!(v["counters"]["1"], 1);
    assert_eq!(v["mo_counters"]["1"], 1);
    let text = v.to_string();
    assert!(!text.contains("1234"), "no PIN in the state");

    let (s, v) = json_call(&app, "GET", "/api/handsets", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["msisdn"], MSISDN);
}

#[tokio::test]
async fn errors_are_json() {
    let (app, farm, _radio) = setup();
    let data = challenge("Confirm?", false).encode(&applet_key()).unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));
    let id = farm.prompts(MSISDN).unwrap()[0].id.clone();

    for uri in ["/api/handsets/449999", "/api/handsets/449999/prompts"] {
        let (s, v) = json_call(&app, "GET", uri, None).await;
        assert_eq!(
            (s, &v["error"]),
            (StatusCode::NOT_FOUND, &json!("unknown_handset"))
        );
    }
    let (s, v) = json_call(
        &app,
        "POST",
        "/api/handsets/449999/prompts/x",
        Some(r#"{"ok":true}"#),
    )
    .await;
    assert_eq!(
        (s, &v["error"]),
        (StatusCode::NOT_FOUND, &json!("unknown_handset"))
    );
    let uri = format!("/api/handsets/{MSISDN}/prompts/{id}");
    for bad in [
        "nope",
        "{}",
        r#"{"ok":true,"cancel":true}"#,
        r#"{"pin":"1"}"#,
    ] {
        let (s, v) = json_call(&app, "POST", &uri, Some(bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(v["error"].is_string());
    }
    let (s, v) = json_call(
        &app,
        "POST",
        &format!("/api/handsets/{MSISDN}/prompts/nope"),
        Some(r#"{"cancel":true}"#),
    )
    .await;
    assert_eq!(
        (s, &v["error"]),
        (StatusCode::NOT_FOUND, &json!("unknown_prompt"))
    );
    let (s, v) = json_call(&app, "POST", &uri, Some(r#"{"cancel":true}"#)).await;
    assert_eq!((s, &v["result"]), (StatusCode::OK, &json!("user_cancel")));
}

#[tokio::test]
async fn page_shows_escaped_prompt_and_form_answers() {
    let (app, farm, radio) = setup();
    let data = challenge("Pay <b>10 EUR</b> & go", true)
        .encode(&applet_key())
        .unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));
    let (s, body) = call(&app, "GET", "/", None).await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("Pay &lt;b&gt;10 EUR&lt;/b&gt; &amp; go"));
    assert!(!html.contains("<b>10 EUR"));
    assert!(html.contains("<label for=\"pin-"));
    assert!(html.contains("setInterval(poll,1000)"));
    assert!(!html.contains("src=\"http"), "no external assets");

    let id = farm.prompts(MSISDN).unwrap()[0].id.clone();
    let req = Request::builder()
        .method("POST")
        .uri(format!("/handsets/{MSISDN}/prompts/{id}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("pin=1234&action=ok"))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/?notice=ok");
    assert_eq!(open_answer(&radio.take()[1], 0).1.result, AnswerResult::Ok);
    let (_, body) = call(&app, "GET", "/?notice=ok", None).await;
    assert!(String::from_utf8(body).unwrap().contains("Confirmed."));
}

#[tokio::test(start_paused = true)]
async fn approve_answers_after_its_delay() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("approve", 2000)).unwrap();
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));
    assert_eq!(radio.take().len(), 1, "PoR only");
    tokio::time::sleep(std::time::Duration::from_millis(1900)).await;
    assert_eq!(farm.prompts(MSISDN).unwrap().len(), 1, "still thinking");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(farm.prompts(MSISDN).unwrap().is_empty());
    assert_eq!(open_answer(&radio.take()[0], 0).1.result, AnswerResult::Ok);
}

#[tokio::test(start_paused = true)]
async fn deny_and_wrong_pin_users() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("deny", 100)).unwrap();
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert_eq!(
        open_answer(&radio.take()[1], 0).1.result,
        AnswerResult::UserCancel
    );

    farm.set_behaviour(MSISDN, idgw_sim::HandsetBehaviour::WrongPin);
    send(&farm, &command(SPI, TAR, 2, &data));
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let mo = radio.take();
    assert_eq!(mo.len(), 2, "PoR and the final answer");
    assert_eq!(open_answer(&mo[1], 1).1.result, AnswerResult::PinBlocked);
    let view = farm.view(MSISDN).unwrap();
    assert!(view.blocked);
    assert_eq!(view.pin_tries_left, 0);
}

#[tokio::test]
async fn serves_on_a_real_listener_and_shuts_down() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_, farm, _radio) = setup();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(idgw_sim::http::serve(listener, farm, async {
        let _ = stopped.await;
    }));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /api/handsets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains(MSISDN));
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
