//! Helpers for the Mobile Connect Server-Initiated tests (`mc_si*.rs`): request objects,
//! the SI client's keys, posting to `/si-authorize`, and polling with `private_key_jwt`.

use super::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const POLLING: &str = "mc_si_polling";
pub const ASYNC: &str = "mc_si_async_code";
pub const GRANT: &str = "urn:openid:params:mc:grant-type:server_initiated";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A Table 4 Request Object shaped like the spec's example, for `msisdn`.
pub fn object(h: &Harness, response_type: &str, msisdn: &str, tag: &str) -> Value {
    let now = now_s();
    let mut o = json!({
        "iss": "si", "sub": "si", "aud": h.base, "iat": now, "exp": now + 300, "jti": format!("jti-{tag}"),
        "response_type": response_type, "client_id": "si", "scope": "openid mc_authn",
        "version": "mc_si_r2_v1.0", "nonce": format!("nonce-{tag}"), "prompt": "login",
        "max_age": "86400", "ui_locales": "en-us", "claims_locales": "en-us",
        "login_hint": msisdn, "acr_values": "2", "binding_message": "interlock id",
        "client_name": "SI Bank", "context": "can you authenticate for my SP",
        "correlation_id": format!("corr-{tag}"),
    });
    if response_type == ASYNC {
        o["client_notification_token"] = json!("cnt-si");
        o["notification_uri"] = json!(format!("{}/si-notify", h.receiver_base));
    }
    o
}

pub fn key(h: &Harness) -> josekit::jwk::Jwk {
    h.client("si").key.unwrap()
}

/// The outer parameters of Table 3 copied from `o`, plus the signed `request`.
pub fn form_for(h: &Harness, o: &Value) -> Vec<(String, String)> {
    let mut form = vec![];
    for name in ["response_type", "client_id", "scope"] {
        if let Some(v) = o[name].as_str() {
            form.push((name.to_string(), v.to_string()));
        }
    }
    form.push(("request".into(), sign_rs256(&key(h), o)));
    form
}

pub async fn post_si(h: &Harness, path: &str, form: &[(String, String)]) -> (StatusCode, Value) {
    let req = h.http.post(format!("{}{path}", h.base)).form(form);
    let (s, v, _) = send(req).await;
    (s, v)
}

pub async fn si(h: &Harness, o: &Value) -> (StatusCode, Value) {
    post_si(h, "/si-authorize", &form_for(h, o)).await
}

pub fn set(form: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    form.retain(|(n, _)| n != name);
    if let Some(v) = value {
        form.push((name.into(), v.into()));
    }
}

/// Checks an error response: HTTP status, `error`, a description, the `correlation_id` echo.
/// Returns the body, for checks of the description.
#[track_caller]
pub fn expect(
    got: (StatusCode, Value),
    status: u16,
    error: &str,
    correlation_id: Option<&str>,
) -> Value {
    let (s, body) = got;
    assert_eq!(s.as_u16(), status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(body["correlation_id"].as_str(), correlation_id, "{body}");
    body
}

/// Asserts the error description says `text` (which check refused the request).
#[track_caller]
pub fn says(body: &Value, text: &str) {
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(text), "{text:?} not in {body}");
}

/// Sends `o` after `edit` and expects the error (Tables 12 and 13), nothing stored.
pub async fn rejects(edit: impl Fn(&mut Value), status: u16, error: &str) -> Value {
    let h = Harness::start().await;
    let mut o = object(&h, ASYNC, SUBSCRIBER, "neg");
    edit(&mut o);
    let echo = o["correlation_id"].as_str().map(str::to_string);
    let echo = echo.filter(|c| !c.is_empty());
    let body = expect(si(&h, &o).await, status, error, echo.as_deref());
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
    body
}

pub fn remove(o: &mut Value, name: &str) {
    o.as_object_mut().unwrap().remove(name);
}

/// A Table 8 client assertion of `client`.
pub fn assertion(h: &Harness, client: &str, tag: &str) -> String {
    let now = now_s();
    let claims = json!({"iss": client, "sub": client, "aud": format!("{}/token", h.base),
        "jti": format!("{tag}-{}", idgw_oidc::now_ms()), "exp": now + 60, "iat": now});
    sign_rs256(&key(h), &claims)
}

/// A Table 7 Polling Request.
pub fn poll_form(h: &Harness, auth_req_id: &str, correlation_id: &str) -> Vec<(String, String)> {
    [
        ("grant_type", GRANT.to_string()),
        ("auth_req_id", auth_req_id.to_string()),
        ("client_id", "si".to_string()),
        ("correlation_id", correlation_id.to_string()),
        ("client_assertion_type", JWT_BEARER.to_string()),
        ("client_assertion", assertion(h, "si", auth_req_id)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub async fn poll_si(h: &Harness, form: &[(String, String)]) -> (StatusCode, Value) {
    post_si(h, "/token", form).await
}

/// Starts a polling-mode transaction for `msisdn`; returns its `auth_req_id`.
pub async fn start_polling(h: &Harness, msisdn: &str, tag: &str) -> String {
    let (status, ack) = si(h, &object(h, POLLING, msisdn, tag)).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    ack["auth_req_id"].as_str().unwrap().to_string()
}

// ---- Happy paths -------------------------------------------------------------------------

/// Sends the outer form of a valid object after `edit` and expects the error.
pub async fn rejects_form(
    edit: impl Fn(&Harness, &mut Vec<(String, String)>),
    status: u16,
    error: &str,
    echo: Option<&str>,
) -> Value {
    let h = Harness::start().await;
    let mut form = form_for(&h, &object(&h, ASYNC, SUBSCRIBER, "neg"));
    edit(&h, &mut form);
    let body = expect(
        post_si(&h, "/si-authorize", &form).await,
        status,
        error,
        echo,
    );
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
    body
}

/// Table 13 reads the Request Object: the outer parameters stay those of a valid request,
/// only the signed object is sent after `edit`. Expects `invalid_request` saying `text`.
pub async fn rejects_object(edit: impl Fn(&mut Value), text: &str) {
    let body = rejects_form(
        |h, f| {
            let mut o = object(h, ASYNC, SUBSCRIBER, "neg");
            edit(&mut o);
            set(f, "request", Some(&sign_rs256(&key(h), &o)));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    says(&body, text);
}

pub const ECHO: Option<&str> = Some("corr-neg");

/// Starts a harness whose store is an SQLite file in a fresh directory; returns the store's
/// URL and the directory (for [`break_table`], and to remove afterwards).
pub async fn start_on_file(name: &str) -> (Harness, String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("idgw-si-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite://{}/idgw.db", dir.display());
    let auth = std::sync::Arc::new(TestAuthenticator::default());
    (Harness::start_with(&url, auth, None).await, url, dir)
}

/// An "unexpected error (internal to IDGW)": `table` of the store at `url` disappears under
/// the running OP (renamed through a second connection).
pub async fn break_table(url: &str, table: &str) {
    let db = sqlx::SqlitePool::connect(url).await.unwrap();
    sqlx::query(&format!("ALTER TABLE {table} RENAME TO {table}_gone"))
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
}
