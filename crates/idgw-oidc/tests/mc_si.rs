//! GSMA Mobile Connect Server-Initiated (`specs/gsma-mobile-connect-server-initiated.txt`):
//! the happy paths, polling and notification, with tokens verified with jsonwebtoken. The
//! error tables are in `mc_si_requests.rs` (Tables 12, 13) and `mc_si_results.rs` (15, 18).

mod common;

use common::si::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

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
