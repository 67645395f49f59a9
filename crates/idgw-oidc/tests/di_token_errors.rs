//! Mobile Connect DI Table 8: one test per row of the token endpoint's errors for the
//! `authorization_code` grant, each checking status, `error` and `correlation_id`.

mod common;

use common::di::*;
use common::*;
use idgw_store::CodeRow;
use reqwest::StatusCode;
use serde_json::Value;

/// A harness and a fresh code for the `di` client.
async fn with_code() -> (Harness, String) {
    let h = Harness::start().await;
    let code = Browser::new(&h)
        .code(&request(&h, "di", SUBSCRIBER), SUBSCRIBER)
        .await;
    (h, code)
}

fn assert_error(status: StatusCode, body: &Value, want_status: u16, error: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
}

/// Table 8 "Authorization code ... missing (or) invalid (or) expired": refused by the code
/// check (not the `redirect_uri` or `correlation_id` one), echoing the correlation_id.
fn assert_invalid_code(status: StatusCode, body: &Value) {
    assert_error(status, body, 400, "invalid_grant");
    assert_eq!(
        body["error_description"],
        "REQUIRED parameter code is missing (or) invalid (or) expired"
    );
    assert_eq!(body["correlation_id"], CORRELATION, "{body}");
}

#[tokio::test]
async fn grant_type_missing() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let mut form = token_request(&code, &redirect);
    form.retain(|(k, _)| *k != "grant_type");
    let (s, b, _) = exchange(&h, "di", &form).await;
    assert_error(s, &b, 400, "invalid_request");
    assert_eq!(
        b["error_description"],
        "missing required parameter grant_type"
    );
    assert_eq!(b["correlation_id"], CORRELATION);
    h.stop().await;
}

#[tokio::test]
async fn grant_type_invalid_or_unsupported() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let mut form = token_request(&code, &redirect);
    form[0] = ("grant_type", "implicit");
    let (s, b, _) = exchange(&h, "di", &form).await;
    assert_error(s, &b, 400, "unsupported_grant_type");
    assert_eq!(b["correlation_id"], CORRELATION);
    h.stop().await;
}

#[tokio::test]
async fn code_missing_invalid_used_expired_or_of_another_client() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    // Missing, unknown.
    for bad in ["", "no-such-code"] {
        let mut form = token_request(bad, &redirect);
        if bad.is_empty() {
            form.retain(|(k, _)| *k != "code");
        }
        let (s, b, _) = exchange(&h, "di", &form).await;
        assert_invalid_code(s, &b);
    }
    // Issued to another client: refused, and still usable by its own client.
    let (s, b, _) = exchange(&h, "di-post", &token_request(&code, &redirect)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let c = h.client("di-post");
    let resp = h
        .http
        .post(format!("{}/token", h.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("correlation_id", CORRELATION),
            ("client_id", c.id),
            ("client_secret", c.secret),
        ])
        .send()
        .await
        .unwrap();
    let s = resp.status();
    let b: Value = resp.json().await.unwrap();
    assert_invalid_code(s, &b);
    let (s, b, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Already used.
    let (s, b, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_invalid_code(s, &b);
    // Expired: a code stored with its expiry behind us.
    let now = idgw_oidc::now_ms();
    let row = CodeRow {
        code_hash: idgw_oidc::opaque::token_hash("old-code"),
        client_id: "di".into(),
        redirect_uri: redirect.clone(),
        grant_id: "g-old".into(),
        grant: "{}".into(),
        created_at: now - 200_000,
        expires_at: now - 80_000,
        used_at: None,
    };
    assert!(h.op.store.issue_code(&row, None, None).await.unwrap());
    let (s, b, _) = exchange(&h, "di", &token_request("old-code", &redirect)).await;
    assert_invalid_code(s, &b);
    h.stop().await;
}

#[tokio::test]
async fn redirect_uri_missing_different_or_unregistered() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let other_registered = format!("{}/cb2", h.receiver_base);
    for value in [
        None,
        Some(other_registered.as_str()),
        Some("https://evil.example/cb"),
    ] {
        let mut form = token_request(&code, &redirect);
        form.retain(|(k, _)| *k != "redirect_uri");
        if let Some(v) = value {
            form.push(("redirect_uri", v));
        }
        let (s, b, _) = exchange(&h, "di", &form).await;
        assert_error(s, &b, 400, "invalid_request");
        assert_eq!(
            b["error_description"],
            "REQUIRED parameter redirect_uri is missing (or) is invalid"
        );
        assert_eq!(b["correlation_id"], CORRELATION);
    }
    // The refusals did not spend the code.
    let (s, b, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    h.stop().await;
}

#[tokio::test]
async fn client_id_missing_or_not_registered() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let form = token_request(&code, &redirect);
    let (s, b, _) = send(h.http.post(format!("{}/token", h.base)).form(&form)).await;
    assert_error(s, &b, 401, "invalid_client");
    let (s, b, _) = send(
        h.http
            .post(format!("{}/token", h.base))
            .basic_auth("nobody", Some("x"))
            .form(&form),
    )
    .await;
    assert_error(s, &b, 401, "invalid_client");
    h.stop().await;
}

#[tokio::test]
async fn client_secret_missing_or_invalid() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let form = token_request(&code, &redirect);
    let (s, b, headers) = send(
        h.http
            .post(format!("{}/token", h.base))
            .basic_auth("di", Some("wrong"))
            .form(&form),
    )
    .await;
    assert_error(s, &b, 401, "invalid_client");
    assert!(headers.contains_key("www-authenticate"));
    let mut with_id = form.clone();
    with_id.push(("client_id", "di"));
    let (s, b, _) = send(h.http.post(format!("{}/token", h.base)).form(&with_id)).await;
    assert_error(s, &b, 401, "invalid_client");
    h.stop().await;
}

#[tokio::test]
async fn correlation_id_missing_empty_or_different() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    for value in [None, Some(""), Some("another-id")] {
        let mut form = token_request(&code, &redirect);
        form.retain(|(k, _)| *k != "correlation_id");
        if let Some(v) = value {
            form.push(("correlation_id", v));
        }
        let (s, b, _) = exchange(&h, "di", &form).await;
        assert_error(s, &b, 400, "invalid_request");
        assert_eq!(
            b["error_description"],
            "Missing REQUIRED parameter correlation ID (or) invalid"
        );
        // The authorization request's correlation_id, not the one sent.
        assert_eq!(b["correlation_id"], CORRELATION);
    }
    h.stop().await;
}

#[tokio::test]
async fn same_parameter_multiple_times() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let mut form = token_request(&code, &redirect);
    form.push(("code", &code));
    let (s, b, _) = exchange(&h, "di", &form).await;
    assert_error(s, &b, 400, "invalid_request");
    assert!(b["error_description"]
        .as_str()
        .unwrap()
        .contains("more than once"));
    h.stop().await;
}

#[tokio::test]
async fn post_without_form_serialization() {
    let (h, code) = with_code().await;
    let redirect = redirect_uri(&h);
    let body: serde_json::Map<String, Value> = token_request(&code, &redirect)
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    let (s, b, _) = h.post_json("/token", "di", &Value::Object(body)).await;
    assert_error(s, &b, 400, "invalid_request");
    assert_eq!(b["error_description"], "No form serialization exists");
    let (s, b, _) = send(
        h.http
            .post(format!("{}/token", h.base))
            .basic_auth("di", Some("di-secret"))
            .header("content-type", "text/plain")
            .body("grant_type=authorization_code"),
    )
    .await;
    assert_error(s, &b, 400, "invalid_request");
    h.stop().await;
}

#[tokio::test]
async fn multiple_problems() {
    let (h, code) = with_code().await;
    let form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://evil.example/cb"),
        ("correlation_id", "another-id"),
    ];
    let (s, b, _) = exchange(&h, "di", &form).await;
    assert_error(s, &b, 400, "access_denied");
    assert_eq!(
        b["error_description"],
        "Multiple problems were in the token request"
    );
    h.stop().await;
}

#[tokio::test]
async fn client_secret_post_is_accepted_for_clients_registered_so() {
    let h = Harness::start().await;
    let mut form = request(&h, "di-post", SUBSCRIBER);
    set(&mut form, "client_id", Some("di-post"));
    let code = Browser::new(&h).code(&form, SUBSCRIBER).await;
    let redirect = redirect_uri(&h);
    let c = h.client("di-post");
    let mut body = token_request(&code, &redirect);
    body.push(("client_id", c.id));
    body.push(("client_secret", c.secret));
    let (s, b, _) = send(h.http.post(format!("{}/token", h.base)).form(&body)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["correlation_id"], CORRELATION);
    h.stop().await;
}

#[tokio::test]
async fn unexpected_error_is_500() {
    let (h, url, dir) = common::si::start_on_file("di-t8-unexpected").await;
    let code = Browser::new(&h)
        .code(&request(&h, "di", SUBSCRIBER), SUBSCRIBER)
        .await;
    // The codes' table disappears under the running OP.
    common::si::break_table(&url, "authorization_codes").await;
    let redirect = redirect_uri(&h);
    let (s, b, headers) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_error(s, &b, 500, "server_error");
    assert_eq!(b["error_description"], "Internal error");
    assert_eq!(b["correlation_id"], CORRELATION);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    h.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn system_connection_problem_is_503() {
    use sqlx::Connection;
    let (h, url, dir) = common::si::start_on_file("di-t8-connection").await;
    let code = Browser::new(&h)
        .code(&request(&h, "di", SUBSCRIBER), SUBSCRIBER)
        .await;
    // Another process holds the database's write lock past the store's busy timeout.
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let redirect = redirect_uri(&h);
    let (s, b, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_error(s, &b, 503, "server_error");
    assert_eq!(b["error_description"], "Service is not available");
    assert_eq!(b["correlation_id"], CORRELATION);
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
    // The code was not spent: once the store answers again, it is exchanged.
    let (s, b, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    h.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
