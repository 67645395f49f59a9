//! Every error of CIBA Core section 13 and the 2017 draft section 6.5 at the backchannel
//! endpoint, client authentication failures, and malformed bodies. A rejected request
//! stores no transaction.

mod common;

use base64::Engine;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const OK_FORM: &[(&str, &str)] = &[
    ("scope", "openid"),
    ("acr_values", "mod-mf"),
    ("login_hint", "MSISDN:447700900001"),
];

fn with(
    extra: &[(&'static str, &'static str)],
    without: &[&str],
) -> Vec<(&'static str, &'static str)> {
    let mut form: Vec<(&str, &str)> = OK_FORM
        .iter()
        .copied()
        .filter(|(k, _)| !without.contains(k))
        .collect();
    form.extend_from_slice(extra);
    form
}

async fn expect(
    h: &Harness,
    client: &str,
    form: &[(&str, &str)],
    status: StatusCode,
    error: &str,
) -> Value {
    let (got, body) = h.bc(client, form).await;
    assert_eq!(
        (got, body["error"].as_str()),
        (status, Some(error)),
        "form {form:?}: {body}"
    );
    let description = body["error_description"].as_str().unwrap_or("");
    assert!(
        description
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'),
        "description charset"
    );
    body
}

#[tokio::test]
async fn core_section_13_errors() {
    let h = Harness::start().await;
    let bad = StatusCode::BAD_REQUEST;
    expect(&h, "poll", &with(&[], &["scope"]), bad, "invalid_request").await;
    expect(
        &h,
        "poll",
        &with(&[("scope", "profile")], &["scope"]),
        bad,
        "invalid_scope",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("scope", "openid email")], &["scope"]),
        bad,
        "invalid_scope",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[], &["login_hint"]),
        bad,
        "invalid_request",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("id_token_hint", "x.y.z")], &[]),
        bad,
        "invalid_request",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[], &["acr_values"]),
        bad,
        "invalid_request",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("acr_values", "urn:unknown")], &["acr_values"]),
        bad,
        "invalid_request",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("login_hint", "MSISDN:449999999999")], &["login_hint"]),
        bad,
        "unknown_user_id",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("login_hint", "MSISDN:12ab")], &["login_hint"]),
        bad,
        "invalid_request",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("binding_message", "line\nbreak")], &[]),
        bad,
        "invalid_binding_message",
    )
    .await;
    let long: &'static str = Box::leak("x".repeat(101).into_boxed_str());
    expect(
        &h,
        "poll",
        &with(&[("binding_message", long)], &[]),
        bad,
        "invalid_binding_message",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("requested_expiry", "-5")], &[]),
        bad,
        "invalid_request",
    )
    .await;
    expect(
        &h,
        "poll",
        &with(&[("requested_expiry", "soon")], &[]),
        bad,
        "invalid_request",
    )
    .await;
    // user_code (CIBA Core 7.1): required for a client that registered it.
    let uc = with(&[("login_hint", "MSISDN:447700900009")], &["login_hint"]);
    expect(&h, "usercode", &uc, bad, "missing_user_code").await;
    let mut wrong = uc.clone();
    wrong.push(("user_code", "0000"));
    expect(&h, "usercode", &wrong, bad, "invalid_user_code").await;
    let mut right = uc.clone();
    right.push(("user_code", "4711"));
    assert_eq!(h.bc("usercode", &right).await.0, StatusCode::OK);
    // A client not registered for CIBA.
    expect(&h, "noba", OK_FORM, bad, "unauthorized_client").await;
    // Ping and push need client_notification_token, at most 1024 characters.
    expect(&h, "ping", OK_FORM, bad, "invalid_request").await;
    let huge: &'static str = Box::leak("t".repeat(1025).into_boxed_str());
    expect(
        &h,
        "push",
        &with(&[("client_notification_token", huge)], &[]),
        bad,
        "invalid_request",
    )
    .await;
    // Duplicate parameters.
    expect(
        &h,
        "poll",
        &with(&[("scope", "openid")], &[]),
        bad,
        "invalid_request",
    )
    .await;
    assert!(
        h.op.store
            .pending_transactions()
            .await
            .unwrap()
            .iter()
            .all(|t| t.msisdn == "447700900009"),
        "nothing stored for rejected requests"
    );
    h.stop().await;
}

#[tokio::test]
async fn client_authentication_failures() {
    let h = Harness::start().await;
    let url = format!("{}/bc-authorize", h.base);
    // Wrong secret: 401 with WWW-Authenticate for Basic.
    let (status, body, headers) = send(
        h.http
            .post(&url)
            .basic_auth("poll", Some("wrong"))
            .form(OK_FORM),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    // Unknown client, no credentials, and a method other than the registered one.
    let (status, _, _) = send(
        h.http
            .post(&url)
            .basic_auth("ghost", Some("x"))
            .form(OK_FORM),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body, _) = send(h.http.post(&url).form(OK_FORM)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let mut post = with(
        &[("client_id", "poll"), ("client_secret", "poll-secret")],
        &[],
    );
    let (status, _, _) = send(h.http.post(&url).form(&post)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "poll is registered for client_secret_basic"
    );
    // client_secret_post works for the post client.
    post.retain(|(k, _)| !k.starts_with("client_"));
    post.extend([("client_id", "post"), ("client_secret", "post-secret")]);
    let (status, body, _) = send(h.http.post(&url).form(&post)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Basic credentials are form-urlencoded before base64 (RFC 6749 2.3.1).
    let raw = base64::engine::general_purpose::STANDARD.encode("poll:poll%2Dsecret");
    let form = with(&[("login_hint", "MSISDN:447700900002")], &["login_hint"]);
    let (status, body, _) = send(
        h.http
            .post(&url)
            .header("authorization", format!("Basic {raw}"))
            .form(&form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    h.stop().await;
}

fn assertion(h: &Harness, jti: &str, aud: &str) -> String {
    let key = h.client("jwt").key.unwrap();
    sign_es256(
        &key,
        &json!({ "iss": "jwt", "sub": "jwt", "aud": aud, "jti": jti, "exp": now_s() + 60, "iat": now_s() }),
    )
}

#[tokio::test]
async fn private_key_jwt_with_single_use_jti_and_audience() {
    let h = Harness::start().await;
    let url = format!("{}/bc-authorize", h.base);
    let kind = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let good = assertion(&h, "j-1", &h.base);
    let mut form = with(&[("client_assertion_type", kind)], &[]);
    form.push(("client_assertion", Box::leak(good.clone().into_boxed_str())));
    let (status, body, _) = send(h.http.post(&url).form(&form)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Replay of the same assertion.
    let mut replay = with(
        &[
            ("client_assertion_type", kind),
            ("login_hint", "MSISDN:447700900002"),
        ],
        &["login_hint"],
    );
    replay.push(("client_assertion", Box::leak(good.into_boxed_str())));
    let (status, body, _) = send(h.http.post(&url).form(&replay)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    // Wrong audience.
    let other = assertion(&h, "j-2", "https://elsewhere.example");
    let mut form = with(
        &[
            ("client_assertion_type", kind),
            ("login_hint", "MSISDN:447700900002"),
        ],
        &["login_hint"],
    );
    form.push(("client_assertion", Box::leak(other.into_boxed_str())));
    let (status, _, _) = send(h.http.post(&url).form(&form)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Signed by a key the client did not register.
    let stranger = ec_key("jwt-1");
    let forged = sign_es256(
        &stranger,
        &json!({ "iss": "jwt", "sub": "jwt", "aud": h.base, "jti": "j-3", "exp": now_s() + 60 }),
    );
    let mut form = with(
        &[
            ("client_assertion_type", kind),
            ("login_hint", "MSISDN:447700900002"),
        ],
        &["login_hint"],
    );
    form.push(("client_assertion", Box::leak(forged.into_boxed_str())));
    let (status, _, _) = send(h.http.post(&url).form(&form)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    h.stop().await;
}

#[tokio::test]
async fn draft_2017_error_statuses() {
    let h = Harness::start().await;
    let unknown =
        json!({ "scope": "openid", "acr_values": "mod-mf", "login_hint": "MSISDN:449999999999" });
    let (status, body, _) = h.post_json("/bc-authorize", "poll", &unknown).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_user_id")),
        "draft 6.5: 404"
    );
    let (status, body, _) = h.post_json("/bc-authorize", "noba", &json!({ "scope": "openid", "acr_values": "mod-mf", "login_hint": "MSISDN:447700900001" })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("unauthorized_client")),
        "draft 6.5: 403"
    );
    let (status, body, _) = h
        .post_json(
            "/bc-authorize",
            "poll",
            &json!({ "acr_values": "mod-mf", "login_hint": "MSISDN:447700900001" }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    // Malformed bodies.
    let c = h.client("poll");
    let url = format!("{}/bc-authorize", h.base);
    let (status, body, _) = send(
        h.http
            .post(&url)
            .basic_auth(c.id, Some(c.secret))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, _, _) = send(
        h.http
            .post(&url)
            .basic_auth(c.id, Some(c.secret))
            .header("content-type", "text/plain")
            .body("scope=openid"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let big = "a=".to_string() + &"b".repeat(70_000);
    let (status, body, _) = send(
        h.http
            .post(&url)
            .basic_auth(c.id, Some(c.secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "oversized body"
    );
    h.stop().await;
}
