//! GSMA Mobile Connect Server-Initiated (`specs/gsma-mobile-connect-server-initiated.txt`):
//! the happy paths (polling and notification, tokens verified with jsonwebtoken) and one test
//! per implemented row of Tables 12, 13, 15 and 18, each checking the HTTP status, `error` and
//! the `correlation_id` echo.

mod common;

use common::*;
use idgw_oidc::authenticator::AuthOutcome;
use reqwest::StatusCode;
use serde_json::{json, Value};

const POLLING: &str = "mc_si_polling";
const ASYNC: &str = "mc_si_async_code";
const GRANT: &str = "urn:openid:params:mc:grant-type:server_initiated";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A Table 4 Request Object shaped like the spec's example, for `msisdn`.
fn object(h: &Harness, response_type: &str, msisdn: &str, tag: &str) -> Value {
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

fn key(h: &Harness) -> josekit::jwk::Jwk {
    h.client("si").key.unwrap()
}

/// The outer parameters of Table 3 copied from `o`, plus the signed `request`.
fn form_for(h: &Harness, o: &Value) -> Vec<(String, String)> {
    let mut form = vec![];
    for name in ["response_type", "client_id", "scope"] {
        if let Some(v) = o[name].as_str() {
            form.push((name.to_string(), v.to_string()));
        }
    }
    form.push(("request".into(), sign_rs256(&key(h), o)));
    form
}

async fn post_si(h: &Harness, path: &str, form: &[(String, String)]) -> (StatusCode, Value) {
    let req = h.http.post(format!("{}{path}", h.base)).form(form);
    let (s, v, _) = send(req).await;
    (s, v)
}

async fn si(h: &Harness, o: &Value) -> (StatusCode, Value) {
    post_si(h, "/si-authorize", &form_for(h, o)).await
}

fn set(form: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    form.retain(|(n, _)| n != name);
    if let Some(v) = value {
        form.push((name.into(), v.into()));
    }
}

#[track_caller]
fn expect(got: (StatusCode, Value), status: u16, error: &str, correlation_id: Option<&str>) {
    let (s, body) = got;
    assert_eq!(s.as_u16(), status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(body["correlation_id"].as_str(), correlation_id, "{body}");
}

/// Sends `o` after `edit` and expects the error (Tables 12 and 13).
async fn rejects(edit: impl Fn(&mut Value), status: u16, error: &str) {
    let h = Harness::start().await;
    let mut o = object(&h, ASYNC, SUBSCRIBER, "neg");
    edit(&mut o);
    let echo = o["correlation_id"].as_str().map(str::to_string);
    let echo = echo.filter(|c| !c.is_empty());
    expect(si(&h, &o).await, status, error, echo.as_deref());
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}

fn remove(o: &mut Value, name: &str) {
    o.as_object_mut().unwrap().remove(name);
}

/// A Table 8 client assertion of `client`.
fn assertion(h: &Harness, client: &str, tag: &str) -> String {
    let now = now_s();
    let claims = json!({"iss": client, "sub": client, "aud": format!("{}/token", h.base),
        "jti": format!("{tag}-{}", idgw_oidc::now_ms()), "exp": now + 60, "iat": now});
    sign_rs256(&key(h), &claims)
}

/// A Table 7 Polling Request.
fn poll_form(h: &Harness, auth_req_id: &str, correlation_id: &str) -> Vec<(String, String)> {
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

async fn poll_si(h: &Harness, form: &[(String, String)]) -> (StatusCode, Value) {
    post_si(h, "/token", form).await
}

/// Starts a polling-mode transaction for `msisdn`; returns its `auth_req_id`.
async fn start_polling(h: &Harness, msisdn: &str, tag: &str) -> String {
    let (status, ack) = si(h, &object(h, POLLING, msisdn, tag)).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    ack["auth_req_id"].as_str().unwrap().to_string()
}

// ---- Happy paths -------------------------------------------------------------------------

#[tokio::test]
async fn polling_mode_issues_tokens_with_table_9_and_10_contents() {
    let h = Harness::start().await;
    let o = object(&h, POLLING, SUBSCRIBER, "p1");
    let (status, ack) = si(&h, &o).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    // Table 5.
    assert_eq!(ack["correlation_id"], "corr-p1");
    assert_eq!(ack["interval"], 1);
    assert_eq!(ack["expires_in"], 300);
    let id = ack["auth_req_id"].as_str().unwrap().to_string();
    assert!(h.auth.saw(SUBSCRIBER).await);
    let seen = h.auth.last_request();
    assert_eq!(
        seen.display_text,
        "SI Bank: can you authenticate for my SP [interlock id]"
    );
    assert!(!seen.pin_required, "acr 2 needs no PIN");
    expect(
        poll_si(&h, &poll_form(&h, &id, "corr-p1")).await,
        400,
        "authorization_pending",
        Some("corr-p1"),
    );
    h.auth.answer(SUBSCRIBER, approved()).await;
    let mut tokens = Value::Null;
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let (s, v) = poll_si(&h, &poll_form(&h, &id, "corr-p1")).await;
        if s == StatusCode::OK {
            tokens = v;
            break;
        }
        assert_eq!(v["error"], "authorization_pending", "{v}");
    }
    assert_eq!(tokens["correlation_id"], "corr-p1", "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["access_token"].is_string() && tokens["expires_in"].is_number());
    let claims = verify_id_token(&h, tokens["id_token"].as_str().unwrap(), "si").await;
    assert_eq!(claims["nonce"], "nonce-p1");
    assert_eq!(claims["acr"], "2");
    assert_eq!(claims["amr"], json!(["SIM_PIN"]));
    assert_eq!(claims["azp"], "si");
    assert!(claims["auth_time"].is_number());
    assert_ne!(claims["sub"], SUBSCRIBER, "sub is a PCR, never the MSISDN");
    assert_eq!(
        claims["at_hash"],
        idgw_oidc::jose::half_hash(tokens["access_token"].as_str().unwrap())
    );
    assert_eq!(
        claims["hashed_login_hint"],
        idgw_oidc::jose::sha256_hex(SUBSCRIBER)
    );
    assert!(
        claims.get("recipient").is_none(),
        "recipient is for notification mode"
    );
    assert!(claims.get("displayed_data").is_none(), "mc_authn only");
    // Redeemed: the auth_req_id is no longer recognised.
    expect(
        poll_si(&h, &poll_form(&h, &id, "corr-p1")).await,
        400,
        "invalid_grant",
        Some("corr-p1"),
    );
    h.stop().await;
}

#[tokio::test]
async fn notification_mode_posts_table_6_tokens_to_the_notification_uri() {
    let h = Harness::start().await;
    let o = object(&h, ASYNC, SUBSCRIBER, "n1");
    let (status, ack) = si(&h, &o).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(ack["correlation_id"], "corr-n1");
    assert!(
        ack.get("interval").is_none(),
        "interval is for polling only"
    );
    let id = ack["auth_req_id"].as_str().unwrap();
    h.auth.answer(SUBSCRIBER, approved()).await;
    let got = h.receiver.wait("/si-notify", 1, 5).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer cnt-si"));
    let body = &got[0].body;
    assert_eq!(body["auth_req_id"], id);
    assert_eq!(body["correlation_id"], "corr-n1");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].is_number() && body["access_token"].is_string());
    let claims = verify_id_token(&h, body["id_token"].as_str().unwrap(), "si").await;
    assert_eq!(
        claims["recipient"],
        format!("{}/si-notify", h.receiver_base)
    );
    assert_eq!(claims["nonce"], "nonce-n1");
    assert_eq!(
        claims["at_hash"],
        idgw_oidc::jose::half_hash(body["access_token"].as_str().unwrap())
    );
    // Notification-mode transactions are not polled (Table 18: grant does not relate).
    expect(
        poll_si(&h, &poll_form(&h, id, "corr-n1")).await,
        400,
        "invalid_grant",
        Some("corr-n1"),
    );
    h.stop().await;
}

#[tokio::test]
async fn mc_authz_id_token_has_displayed_data_and_a_short_life() {
    let h = Harness::start().await;
    let mut o = object(&h, ASYNC, SUBSCRIBER, "z1");
    o["scope"] = json!("openid mc_authz");
    o["client_name"] = json!("SI Shop");
    o["context"] = json!("Pay 10 EUR");
    o["binding_message"] = json!("REF-42");
    let (status, ack) = si(&h, &o).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    h.auth.answer(SUBSCRIBER, approved()).await;
    let got = h.receiver.wait("/si-notify", 1, 5).await;
    let claims = verify_id_token(&h, got[0].body["id_token"].as_str().unwrap(), "si").await;
    assert_eq!(claims["displayed_data"], "SI Shop: Pay 10 EUR [REF-42]");
    let life = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(
        life <= 120,
        "mc_authz ID token lives minutes at most: {life}"
    );
    h.stop().await;
}

#[tokio::test]
async fn spec_example_object_without_jti_is_accepted_once_at_bc_authorize_too() {
    let h = Harness::start().await;
    let mut o = object(&h, POLLING, "447700900002", "x1");
    remove(&mut o, "jti");
    let form = form_for(&h, &o);
    let (status, ack) = post_si(&h, "/bc-authorize", &form).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(ack["interval"], 1);
    // The same signed object again: spent.
    expect(
        post_si(&h, "/bc-authorize", &form).await,
        400,
        "invalid_request",
        Some("corr-x1"),
    );
    h.stop().await;
}

#[tokio::test]
async fn discovery_advertises_server_initiated_mode() {
    let h = Harness::start().await;
    let (_, meta, _) = send(
        h.http
            .get(format!("{}/.well-known/openid-configuration", h.base)),
    )
    .await;
    assert_eq!(
        meta["si_authorization_endpoint"],
        format!("{}/si-authorize", h.base)
    );
    let has = |field: &str, v: &str| meta[field].as_array().unwrap().iter().any(|x| x == v);
    assert!(has("response_types_supported", POLLING));
    assert!(has("response_types_supported", ASYNC));
    assert!(has("grant_types_supported", GRANT));
    assert!(has("request_object_signing_alg_values_supported", "RS256"));
    h.stop().await;
}

// ---- Table 12: the basic request and outer/inner mismatches -------------------------------

/// Sends the outer form of a valid object after `edit` and expects the error.
async fn rejects_form(
    edit: impl Fn(&Harness, &mut Vec<(String, String)>),
    status: u16,
    error: &str,
    echo: Option<&str>,
) {
    let h = Harness::start().await;
    let mut form = form_for(&h, &object(&h, ASYNC, SUBSCRIBER, "neg"));
    edit(&h, &mut form);
    expect(
        post_si(&h, "/si-authorize", &form).await,
        status,
        error,
        echo,
    );
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}

const ECHO: Option<&str> = Some("corr-neg");

#[tokio::test]
async fn t12_sp_credentials_invalid_is_invalid_client_401() {
    let other = rsa_key("not-registered");
    rejects_form(
        |h, f| {
            let o = object(h, ASYNC, SUBSCRIBER, "neg");
            set(f, "request", Some(&sign_rs256(&other, &o)));
        },
        401,
        "invalid_client",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_invalid_login_hint() {
    rejects(
        |o| o["login_hint"] = json!("MSISDN:12ab"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t12_response_type_missing() {
    rejects_form(
        |_, f| set(f, "response_type", None),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_response_type_invalid_unsupported_or_not_matching() {
    rejects_form(
        |_, f| set(f, "response_type", Some("mc_si_bogus")),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    rejects_form(
        |_, f| set(f, "response_type", Some("code")),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    rejects_form(
        |_, f| set(f, "response_type", Some(POLLING)),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_client_id_missing() {
    rejects_form(
        |_, f| set(f, "client_id", None),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_client_id_unknown() {
    rejects_form(
        |_, f| set(f, "client_id", Some("nosuch")),
        400,
        "access_denied",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_client_id_not_matching_the_object() {
    rejects_form(
        |_, f| set(f, "client_id", Some("si-noplain")),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_client_not_allowed_to_make_mobile_connect_requests() {
    rejects_form(
        |_, f| set(f, "client_id", Some("poll")),
        400,
        "unauthorized_client",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_scope_missing() {
    rejects_form(|_, f| set(f, "scope", None), 400, "invalid_request", ECHO).await;
}

#[tokio::test]
async fn t12_scope_without_openid() {
    rejects(|o| o["scope"] = json!("mc_authn"), 400, "invalid_scope").await;
}

#[tokio::test]
async fn t12_scope_not_matching_the_object() {
    rejects_form(
        |_, f| set(f, "scope", Some("openid mc_authn phone")),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t12_scope_not_supported() {
    rejects(
        |o| o["scope"] = json!("openid mc_kyc_match"),
        400,
        "invalid_scope",
    )
    .await;
}

#[tokio::test]
async fn t12_request_missing_or_not_valid() {
    rejects_form(|_, f| set(f, "request", None), 400, "invalid_request", None).await;
    rejects_form(
        |_, f| set(f, "request", Some("not-a-jwt")),
        400,
        "invalid_request",
        None,
    )
    .await;
}

#[tokio::test]
async fn t12_signature_validation_failed() {
    rejects_form(
        |h, f| {
            // A payload the signature does not cover.
            let jwt = sign_rs256(&key(h), &object(h, ASYNC, SUBSCRIBER, "neg"));
            let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
            let mut o = object(h, ASYNC, SUBSCRIBER, "neg");
            o["login_hint"] = json!("447700900002");
            parts[1] = idgw_oidc::jose::b64(o.to_string().as_bytes());
            set(f, "request", Some(&parts.join(".")));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    // Signed with an alg other than the registered RS256 (same key, PS256).
    rejects_form(
        |h, f| {
            let signer = josekit::jws::PS256.signer_from_jwk(&key(h)).unwrap();
            let mut header = josekit::jws::JwsHeader::new();
            header.set_key_id("si-1");
            let o = object(h, ASYNC, SUBSCRIBER, "neg");
            let jwt = josekit::jws::serialize_compact(o.to_string().as_bytes(), &header, &signer)
                .unwrap();
            set(f, "request", Some(&jwt));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn oversized_request_object_is_rejected() {
    rejects(
        |o| o["padding"] = json!("x".repeat(9000)),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t12_multiple_requests_for_the_same_msisdn() {
    let h = Harness::start().await;
    start_polling(&h, SUBSCRIBER, "busy1").await;
    expect(
        si(&h, &object(&h, POLLING, SUBSCRIBER, "busy2")).await,
        500,
        "server_error",
        Some("corr-busy2"),
    );
    h.stop().await;
}

// ---- Table 13: Request Object parameter validation ---------------------------------------

#[tokio::test]
async fn t13_msisdn_or_pcr_not_of_this_operator() {
    rejects(
        |o| o["login_hint"] = json!("MSISDN:447700900099"),
        400,
        "access_denied",
    )
    .await;
    rejects(
        |o| o["login_hint"] = json!("PCR:unknown-pcr"),
        400,
        "access_denied",
    )
    .await;
}

#[tokio::test]
async fn t13_response_type_missing_or_invalid() {
    rejects(|o| remove(o, "response_type"), 400, "invalid_request").await;
    rejects(
        |o| o["response_type"] = json!("code"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_client_id_missing() {
    rejects(|o| remove(o, "client_id"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_client_id_invalid() {
    // The outer client_id equals the object's here, so the unknown client is found first.
    rejects(|o| o["client_id"] = json!("nosuch"), 400, "access_denied").await;
}

#[tokio::test]
async fn t13_client_not_allowed_to_make_mobile_connect_requests() {
    rejects(
        |o| {
            o["client_id"] = json!("ping");
            o["iss"] = json!("ping");
        },
        400,
        "unauthorized_client",
    )
    .await;
}

#[tokio::test]
async fn t13_scope_missing_without_openid_or_invalid() {
    rejects(|o| remove(o, "scope"), 400, "invalid_request").await;
    rejects(|o| o["scope"] = json!("abcd"), 400, "invalid_scope").await;
}

#[tokio::test]
async fn t13_version_missing_or_invalid() {
    rejects(|o| remove(o, "version"), 400, "invalid_request").await;
    rejects(|o| o["version"] = json!("mc_v9"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_nonce_missing_or_empty() {
    rejects(|o| remove(o, "nonce"), 400, "invalid_request").await;
    rejects(|o| o["nonce"] = json!(""), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_login_hint_and_login_hint_token_missing() {
    rejects(|o| remove(o, "login_hint"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_login_hint_and_login_hint_token_both_present() {
    rejects(
        |o| o["login_hint_token"] = json!("eyJ.x.y"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_login_hint_or_token_invalid() {
    rejects(
        |o| o["login_hint"] = json!("ENCR_MSISDN:garbage"),
        400,
        "invalid_request",
    )
    .await;
    rejects(
        |o| {
            remove(o, "login_hint");
            o["login_hint_token"] = json!("not-a-jwe");
        },
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_acr_values_missing_or_invalid() {
    rejects(|o| remove(o, "acr_values"), 400, "invalid_request").await;
    rejects(
        |o| o["acr_values"] = json!("urn:x 9"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_same_parameter_more_than_once() {
    // The body cannot be parsed, so there is no correlation_id to echo.
    rejects_form(
        |_, f| f.push(("scope".into(), "openid mc_authn".into())),
        400,
        "invalid_request",
        None,
    )
    .await;
}

#[tokio::test]
async fn t13_claims_empty_or_invalid() {
    rejects(|o| o["claims"] = json!({}), 400, "invalid_request").await;
    rejects(|o| o["claims"] = json!("not json"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_get_request() {
    let h = Harness::start().await;
    let o = object(&h, ASYNC, SUBSCRIBER, "neg");
    let query = serde_urlencoded::to_string(form_for(&h, &o)).unwrap();
    let (s, v, _) = send(h.http.get(format!("{}/si-authorize?{query}", h.base))).await;
    expect((s, v), 400, "invalid_request", None);
    h.stop().await;
}

#[tokio::test]
async fn t13_post_not_form_serialized() {
    let h = Harness::start().await;
    let o = object(&h, ASYNC, SUBSCRIBER, "neg");
    let body: serde_json::Map<String, Value> = form_for(&h, &o)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let (s, v, _) = send(h.http.post(format!("{}/si-authorize", h.base)).json(&body)).await;
    expect((s, v), 400, "invalid_request", ECHO);
    h.stop().await;
}

#[tokio::test]
async fn t13_max_age_invalid() {
    rejects(|o| o["max_age"] = json!("-5"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_multiple_problems() {
    rejects(
        |o| {
            remove(o, "nonce");
            remove(o, "version");
            o["max_age"] = json!("soon");
        },
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_correlation_id_empty() {
    rejects(|o| o["correlation_id"] = json!(""), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_client_name_empty_or_not_registered() {
    rejects(|o| o["client_name"] = json!(""), 400, "invalid_request").await;
    rejects(
        |o| o["client_name"] = json!("Evil Corp"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_client_notification_token_missing_or_invalid() {
    rejects(
        |o| remove(o, "client_notification_token"),
        400,
        "invalid_request",
    )
    .await;
    rejects(
        |o| o["client_notification_token"] = json!("x".repeat(2000)),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_notification_uri_missing_or_not_registered() {
    rejects(|o| remove(o, "notification_uri"), 400, "invalid_request").await;
    rejects(
        |o| o["notification_uri"] = json!("https://attacker.example/notify"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_iss_missing_or_invalid() {
    rejects(|o| remove(o, "iss"), 400, "invalid_request").await;
    rejects(|o| o["iss"] = json!("si-noplain"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_aud_missing_or_invalid() {
    rejects(|o| remove(o, "aud"), 400, "invalid_request").await;
    rejects(
        |o| o["aud"] = json!("https://other-idgw.example"),
        400,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn t13_plain_msisdn_not_allowed_for_this_sp() {
    let h = Harness::start().await;
    let mut o = object(&h, POLLING, SUBSCRIBER, "neg");
    o["client_id"] = json!("si-noplain");
    o["iss"] = json!("si-noplain");
    expect(si(&h, &o).await, 400, "access_denied", ECHO);
    h.stop().await;
}

#[tokio::test]
async fn t13_sp_captured_consent_acr_0_not_allowed() {
    rejects(|o| o["acr_values"] = json!("0"), 400, "access_denied").await;
    rejects(|o| o["acr_values"] = json!("0 2"), 400, "access_denied").await;
}

#[tokio::test]
async fn mc_authz_requires_binding_message_client_name_and_context() {
    for missing in ["binding_message", "client_name", "context"] {
        rejects(
            |o| {
                o["scope"] = json!("openid mc_authz");
                remove(o, missing);
            },
            400,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn request_object_expired_not_yet_valid_or_replayed() {
    rejects(|o| o["exp"] = json!(now_s() - 10), 400, "invalid_request").await;
    rejects(|o| remove(o, "exp"), 400, "invalid_request").await;
    rejects(|o| o["nbf"] = json!(now_s() + 600), 400, "invalid_request").await;
    let h = Harness::start().await;
    let o = object(&h, POLLING, "447700900003", "replay");
    let form = form_for(&h, &o);
    assert_eq!(post_si(&h, "/si-authorize", &form).await.0, StatusCode::OK);
    let mut again = object(&h, POLLING, "447700900004", "replay");
    again["nonce"] = json!("another");
    expect(
        si(&h, &again).await,
        400,
        "invalid_request",
        Some("corr-replay"),
    );
    h.stop().await;
}

// ---- Table 15: error notifications (Table 14 fields) --------------------------------------

/// Starts a notification-mode transaction, ends it with `outcome`, returns the notification.
async fn notified_error(outcome: AuthOutcome, error: &str, description: &str) {
    let h = Harness::start().await;
    let (status, ack) = si(&h, &object(&h, ASYNC, SUBSCRIBER, "e15")).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    h.auth.answer(SUBSCRIBER, outcome).await;
    let got = h.receiver.wait("/si-notify", 1, 5).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer cnt-si"));
    assert_eq!(
        got[0].body,
        json!({
            "auth_req_id": ack["auth_req_id"], "correlation_id": "corr-e15",
            "error": error, "error_description": description,
        })
    );
    h.stop().await;
}

#[tokio::test]
async fn t15_authenticator_unreachable() {
    notified_error(
        AuthOutcome::Unreachable,
        "server_error",
        "Service is not available",
    )
    .await;
}

#[tokio::test]
async fn t15_expiration_in_server() {
    notified_error(
        AuthOutcome::Expired,
        "server_error",
        "Service is not available",
    )
    .await;
}

#[tokio::test]
async fn t15_system_connection_problem_or_unexpected_error() {
    let failed = AuthOutcome::Failed {
        reason: "MSSP connection refused".into(),
    };
    notified_error(failed, "server_error", "Internal server error").await;
}

#[tokio::test]
async fn user_refusal_is_notified_as_access_denied() {
    notified_error(
        AuthOutcome::Denied,
        "access_denied",
        "The end-user denied the authorization request",
    )
    .await;
}

// ---- Table 18: Polling Request errors -----------------------------------------------------

#[tokio::test]
async fn t18_auth_req_id_not_recognised() {
    let h = Harness::start().await;
    let form = poll_form(&h, "no-such-auth-req-id", "corr-x");
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_grant",
        Some("corr-x"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_auth_req_id_missing() {
    let h = Harness::start().await;
    let mut form = poll_form(&h, "x", "corr-x");
    set(&mut form, "auth_req_id", None);
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-x"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_authorization_pending() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    let form = poll_form(&h, &id, "corr-t18");
    expect(
        poll_si(&h, &form).await,
        400,
        "authorization_pending",
        Some("corr-t18"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_slow_down() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    let _ = poll_si(&h, &poll_form(&h, &id, "corr-t18")).await;
    let form = poll_form(&h, &id, "corr-t18");
    expect(poll_si(&h, &form).await, 400, "slow_down", Some("corr-t18"));
    h.stop().await;
}

/// Ends a polling transaction with `outcome` and expects `error` at the next poll.
async fn polled_after(outcome: AuthOutcome, status: u16, error: &str) {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    h.auth.answer(SUBSCRIBER, outcome).await;
    let form = poll_form(&h, &id, "corr-t18");
    for _ in 0..50 {
        let got = poll_si(&h, &form_again(&h, &form)).await;
        if got.1["error"] != "authorization_pending" && got.1["error"] != "slow_down" {
            expect(got, status, error, Some("corr-t18"));
            h.stop().await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    panic!("still pending");
}

/// `form` with a fresh client assertion (each is single-use, Table 8).
fn form_again(h: &Harness, form: &[(String, String)]) -> Vec<(String, String)> {
    let mut form = form.to_vec();
    let id = form
        .iter()
        .find(|(n, _)| n == "auth_req_id")
        .unwrap()
        .1
        .clone();
    set(
        &mut form,
        "client_assertion",
        Some(&assertion(h, "si", &id)),
    );
    form
}

#[tokio::test]
async fn t18_auth_req_id_expired() {
    polled_after(AuthOutcome::Expired, 400, "expired_token").await;
}

#[tokio::test]
async fn t18_unsupported_parameter_value() {
    let h = Harness::start().await;
    let mut form = poll_form(&h, "x", "corr-x");
    set(&mut form, "client_assertion_type", Some("urn:example:saml"));
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-x"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_malformed_request() {
    let h = Harness::start().await;
    let mut form = poll_form(&h, "x", "corr-x");
    form.push(("auth_req_id".into(), "y".into()));
    // The body cannot be parsed, so there is no correlation_id to echo.
    expect(poll_si(&h, &form).await, 400, "invalid_request", None);
    h.stop().await;
}

#[tokio::test]
async fn t18_client_id_does_not_correspond_to_auth_req_id() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    let mut form = poll_form(&h, &id, "corr-t18");
    set(&mut form, "client_id", Some("si-noplain"));
    let other = assertion(&h, "si-noplain", &id);
    set(&mut form, "client_assertion", Some(&other));
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-t18"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_client_id_missing() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    let mut form = poll_form(&h, &id, "corr-t18");
    set(&mut form, "client_id", None);
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-t18"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_client_authentication_failed() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    let mut form = poll_form(&h, &id, "corr-t18");
    let now = now_s();
    let forged = sign_rs256(
        &rsa_key("si-1"),
        &json!({"iss": "si", "sub": "si", "aud": format!("{}/token", h.base), "jti": "f1",
            "exp": now + 60, "iat": now}),
    );
    set(&mut form, "client_assertion", Some(&forged));
    expect(
        poll_si(&h, &form).await,
        401,
        "invalid_client",
        Some("corr-t18"),
    );
    // A replayed assertion fails too (Table 8: single use).
    let form = poll_form(&h, &id, "corr-t18");
    let _ = poll_si(&h, &form).await;
    expect(
        poll_si(&h, &form).await,
        401,
        "invalid_client",
        Some("corr-t18"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_grant_type_missing() {
    let h = Harness::start().await;
    let mut form = poll_form(&h, "x", "corr-x");
    set(&mut form, "grant_type", None);
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-x"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_grant_type_does_not_relate_to_auth_req_id() {
    let h = Harness::start().await;
    let (status, ack) = si(&h, &object(&h, ASYNC, SUBSCRIBER, "t18")).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let form = poll_form(&h, ack["auth_req_id"].as_str().unwrap(), "corr-t18");
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_grant",
        Some("corr-t18"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_grant_type_invalid() {
    let h = Harness::start().await;
    let mut form = poll_form(&h, "x", "corr-x");
    set(
        &mut form,
        "grant_type",
        Some("urn:openid:params:mc:grant-type:bogus"),
    );
    expect(
        poll_si(&h, &form).await,
        400,
        "unsupported_grant_type",
        Some("corr-x"),
    );
    h.stop().await;
}

#[tokio::test]
async fn t18_authenticator_unreachable() {
    polled_after(AuthOutcome::Unreachable, 503, "server_error").await;
}

#[tokio::test]
async fn t18_system_connection_problem_or_unexpected_error() {
    let failed = AuthOutcome::Failed {
        reason: "MSSP connection refused".into(),
    };
    polled_after(failed, 500, "server_error").await;
}

#[tokio::test]
async fn user_refusal_is_polled_as_access_denied() {
    polled_after(AuthOutcome::Denied, 400, "access_denied").await;
}

#[tokio::test]
async fn polling_correlation_id_must_match_the_request() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    // Once the transaction is known, the echo is its correlation_id (Table 17).
    let mut form = poll_form(&h, &id, "corr-other");
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-t18"),
    );
    form = poll_form(&h, &id, "corr-t18");
    set(&mut form, "correlation_id", None);
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-t18"),
    );
    h.stop().await;
}
