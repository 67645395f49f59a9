//! Mobile Connect SI: one test per implemented row of Tables 12 and 13 (and request-object
//! checks), each checking the HTTP status, `error` and the `correlation_id` echo.

mod common;

use common::si::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

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
    // Signed by si-noplain (iss), which names si as client_id inside.
    let body = rejects_form(
        |h, f| {
            let mut o = object(h, ASYNC, SUBSCRIBER, "neg");
            o["iss"] = json!("si-noplain");
            set(f, "client_id", Some("si-noplain"));
            set(f, "request", Some(&sign_rs256(&key(h), &o)));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    says(&body, "ambiguous client ID");
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
    let body = rejects_form(
        |_, f| set(f, "scope", Some("openid mc_authn phone")),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    says(&body, "ambiguous scope");
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
            let o = object(h, ASYNC, SUBSCRIBER, "neg");
            set(f, "request", Some(&signed_by(&signer, &o)));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

/// `o` signed by `signer` under the registered key's kid (an alg other than RS256).
fn signed_by(signer: &dyn josekit::jws::JwsSigner, o: &Value) -> String {
    let mut header = josekit::jws::JwsHeader::new();
    header.set_key_id("si-1");
    josekit::jws::serialize_compact(o.to_string().as_bytes(), &header, signer).unwrap()
}

#[tokio::test]
async fn request_object_alg_none_or_symmetric_is_refused() {
    // Unsigned (alg none), and HS256 keyed with the client's public key (alg confusion).
    let body = rejects_form(
        |h, f| {
            let o = object(h, ASYNC, SUBSCRIBER, "neg");
            let header = idgw_oidc::jose::b64(br#"{"alg":"none","typ":"JWT"}"#);
            let payload = idgw_oidc::jose::b64(o.to_string().as_bytes());
            set(f, "request", Some(&format!("{header}.{payload}.")));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    says(&body, "alg none");
    let body = rejects_form(
        |h, f| {
            let public = public_jwks(&key(h)).to_string();
            let signer = josekit::jws::HS256
                .signer_from_bytes(public.as_bytes())
                .unwrap();
            let o = object(h, ASYNC, SUBSCRIBER, "neg");
            set(f, "request", Some(&signed_by(&signer, &o)));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    says(&body, "alg HS256");
}

#[tokio::test]
async fn oversized_request_object_is_rejected() {
    let body = rejects(
        |o| o["padding"] = json!("x".repeat(9000)),
        400,
        "invalid_request",
    )
    .await;
    says(&body, "too large");
}

#[tokio::test]
async fn t12_multiple_requests_for_the_same_msisdn() {
    let h = Harness::start().await;
    start_polling(&h, SUBSCRIBER, "busy1").await;
    let body = expect(
        si(&h, &object(&h, POLLING, SUBSCRIBER, "busy2")).await,
        500,
        "server_error",
        Some("corr-busy2"),
    );
    says(&body, "busy with another transaction");
    assert_eq!(h.op.store.pending_transactions().await.unwrap().len(), 1);
    h.stop().await;
}

#[tokio::test]
async fn t12_unexpected_error_is_500() {
    let dir = std::env::temp_dir().join(format!("idgw-si-unexpected-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite://{}/idgw.db", dir.display());
    let h = Harness::start_with(
        &url,
        std::sync::Arc::new(TestAuthenticator::default()),
        None,
    )
    .await;
    // The store loses its transactions table under the running OP.
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("ALTER TABLE transactions RENAME TO transactions_gone")
        .execute(&db)
        .await
        .unwrap();
    expect(
        si(&h, &object(&h, POLLING, SUBSCRIBER, "oops")).await,
        500,
        "server_error",
        Some("corr-oops"),
    );
    assert!(!h.auth.saw(SUBSCRIBER).await, "nothing handed over");
    h.stop().await;
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
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
    // An encrypted MSISDN that is not a subscriber.
    let h = Harness::start().await;
    let mut o = object(&h, ASYNC, SUBSCRIBER, "encr");
    let encrypted = encrypt_to_op(&h, b"447700900099", "A256GCM").await;
    o["login_hint"] = json!(format!("ENCR_MSISDN:{encrypted}"));
    expect(si(&h, &o).await, 400, "access_denied", Some("corr-encr"));
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn t13_response_type_missing_or_invalid() {
    // Missing or invalid in the object only (the outer one is valid).
    rejects_object(|o| remove(o, "response_type"), "response_type").await;
    rejects_object(|o| o["response_type"] = json!("code"), "response_type").await;
    // Missing or invalid in both.
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
    rejects_object(|o| remove(o, "client_id"), "ambiguous client ID").await;
    rejects(|o| remove(o, "client_id"), 400, "invalid_request").await;
}

#[tokio::test]
async fn t13_client_id_invalid() {
    // Invalid in the object only: the outer client signed it.
    rejects_object(|o| o["client_id"] = json!("nosuch"), "ambiguous client ID").await;
    // The outer client_id equals the object's: the unknown client is found first.
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
    // In the object only.
    rejects_object(|o| remove(o, "scope"), "ambiguous scope").await;
    rejects_object(|o| o["scope"] = json!("abcd"), "ambiguous scope").await;
    // In both.
    rejects(|o| remove(o, "scope"), 400, "invalid_request").await;
    rejects(|o| o["scope"] = json!("abcd"), 400, "invalid_scope").await;
    rejects(|o| o["scope"] = json!("mc_authn"), 400, "invalid_scope").await;
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
    // The body is not a valid request, but its correlation_id is still read and echoed.
    rejects_form(
        |_, f| f.push(("scope".into(), "openid mc_authn".into())),
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    // A repeated outer correlation_id: the Request Object's is echoed.
    rejects_form(
        |_, f| {
            f.push(("correlation_id".into(), "a".into()));
            f.push(("correlation_id".into(), "b".into()));
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
}

#[tokio::test]
async fn t13_same_claim_twice_in_the_request_object() {
    let body = rejects_form(
        |h, f| {
            let o = object(h, ASYNC, SUBSCRIBER, "neg").to_string();
            // A second login_hint member ahead of the object's own.
            let payload = format!(r#"{{"login_hint":"447700900002",{}"#, &o[1..]);
            set(
                f,
                "request",
                Some(&sign_rs256_payload(&key(h), payload.as_bytes())),
            );
        },
        400,
        "invalid_request",
        ECHO,
    )
    .await;
    says(&body, "login_hint appears more than once");
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
    expect((s, v), 400, "invalid_request", ECHO);
    let (s, v, _) = send(h.http.get(format!("{}/si-authorize", h.base))).await;
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
    let body = rejects(|o| o["correlation_id"] = json!(""), 400, "invalid_request").await;
    says(&body, "Invalid correlation_id value");
    // Empty as an outer parameter, the object having none.
    let body = rejects_form(
        |h, f| {
            let mut o = object(h, ASYNC, SUBSCRIBER, "neg");
            remove(&mut o, "correlation_id");
            set(f, "request", Some(&sign_rs256(&key(h), &o)));
            set(f, "correlation_id", Some(""));
        },
        400,
        "invalid_request",
        None,
    )
    .await;
    says(&body, "Invalid correlation_id value");
}

#[tokio::test]
async fn t13_client_name_empty_or_not_registered() {
    for name in ["", "Evil Corp"] {
        let body = rejects(|o| o["client_name"] = json!(name), 400, "invalid_request").await;
        says(&body, "Invalid client_name value");
    }
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
    let body = expect(si(&h, &o).await, 400, "access_denied", ECHO);
    says(&body, "plain MSISDN");
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
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
    rejects(|o| o["iat"] = json!(now_s() + 600), 400, "invalid_request").await;
    let body = rejects(|o| o["exp"] = json!(now_s() + 7200), 400, "invalid_request").await;
    says(&body, "lifetime");
    let h = Harness::start().await;
    let o = object(&h, POLLING, "447700900003", "replay");
    let form = form_for(&h, &o);
    assert_eq!(post_si(&h, "/si-authorize", &form).await.0, StatusCode::OK);
    let mut again = object(&h, POLLING, "447700900004", "replay");
    again["nonce"] = json!("another");
    let body = expect(
        si(&h, &again).await,
        400,
        "invalid_request",
        Some("corr-replay"),
    );
    says(&body, "already used");
    assert_eq!(h.op.store.pending_transactions().await.unwrap().len(), 1);
    h.stop().await;
}
