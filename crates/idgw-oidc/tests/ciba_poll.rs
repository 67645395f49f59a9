//! CIBA poll mode end to end (CIBA Core 7, 10.1, 11), tokens verified independently,
//! refresh and userinfo, and the token endpoint's errors.

mod common;

use common::*;
use idgw_oidc::authenticator::AuthOutcome;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn poll_flow_issues_verifiable_tokens() {
    let h = Harness::start().await;
    let (status, ack) = h
        .bc(
            "poll",
            &[
                ("scope", "openid phone"),
                ("acr_values", "urn:x mod-mf"),
                ("login_hint", "MSISDN:447700900001"),
                ("binding_message", "ABC-123"),
                ("requested_expiry", "120"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let id = ack["auth_req_id"].as_str().unwrap().to_string();
    assert!(
        id.len() >= 27
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
        "160+ bits, allowed charset"
    );
    assert_eq!(ack["expires_in"], 120);
    assert_eq!(ack["interval"], 1);

    let (status, body) = h.poll("poll", &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );

    let seen = {
        h.auth.answer(SUBSCRIBER, approved()).await;
        h.auth.last_request()
    };
    assert_eq!(seen.msisdn, SUBSCRIBER);
    assert!(seen.pin_required, "mod-mf needs the PIN");
    assert_eq!(seen.display_text, "poll app [ABC-123]");

    let (status, tokens) = h.poll_until_done("poll", &id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let claims = verify_id_token(&h, tokens["id_token"].as_str().unwrap(), "poll").await;
    assert_eq!(claims["azp"], "poll");
    assert_eq!(claims["acr"], "mod-mf");
    assert_eq!(claims["amr"], serde_json::json!(["SIM_PIN"]));
    assert!(claims["auth_time"].as_i64().is_some());
    let sub = claims["sub"].as_str().unwrap();
    assert!(
        !sub.contains("447700900001") && sub.len() >= 40,
        "PCR, not the MSISDN"
    );
    assert_eq!(
        claims["at_hash"],
        idgw_oidc::jose::half_hash(tokens["access_token"].as_str().unwrap())
    );
    assert_eq!(
        claims["hashed_login_hint"],
        idgw_oidc::jose::sha256_hex("MSISDN:447700900001")
    );

    // Redeemed once only.
    let (status, again) = h.poll("poll", &id).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // userinfo with the phone scope.
    let info: Value = h
        .http
        .get(format!("{}/userinfo", h.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], sub);
    assert_eq!(info["phone_number"], "+447700900001");
    assert_eq!(info["phone_number_verified"], true);

    // Refresh rotates; the old refresh token is spent.
    let rt = tokens["refresh_token"].as_str().unwrap();
    let (status, refreshed, _) = h
        .post_form(
            "/token",
            "poll",
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let again = verify_id_token(&h, refreshed["id_token"].as_str().unwrap(), "poll").await;
    assert_eq!(again["sub"], sub, "same subject after refresh");
    let (status, reused, _) = h
        .post_form(
            "/token",
            "poll",
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        )
        .await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // Another client cannot use it.
    let rt2 = refreshed["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt2),
        ("client_id", "post"),
        ("client_secret", "post-secret"),
    ];
    let (status, other, _) = send(h.http.post(format!("{}/token", h.base)).form(&form)).await;
    assert_eq!(
        (status, other["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "another client's refresh token"
    );
    h.stop().await;
}

#[tokio::test]
async fn slow_down_when_polling_faster_than_interval() {
    let h = Harness::start().await;
    let id = h.start_auth("poll", "447700900002").await;
    assert_eq!(
        h.poll("poll", &id).await.1["error"],
        "authorization_pending"
    );
    let (status, body) = h.poll("poll", &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("slow_down"))
    );
    h.stop().await;
}

#[tokio::test]
async fn denial_failure_and_expiry_reach_the_poller() {
    let h = Harness::start().await;
    h.auth.script("447700900003", AuthOutcome::Denied);
    h.auth.script("447700900004", AuthOutcome::Unreachable);
    h.auth.script("447700900005", AuthOutcome::PinBlocked);
    let denied = h.start_auth("poll", "447700900003").await;
    let failed = h.start_auth("poll", "447700900004").await;
    let blocked = h.start_auth("poll", "447700900005").await;
    let (status, body) = h.poll_until_done("poll", &denied).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("access_denied"))
    );
    assert_eq!(
        h.poll_until_done("poll", &failed).await.1["error"],
        "transaction_failed"
    );
    let (_, body) = h.poll_until_done("poll", &blocked).await;
    assert_eq!(body["error"], "access_denied");
    assert!(body["error_description"].as_str().unwrap().contains("PIN"));

    // Nobody answers: the transaction expires and the poller learns it.
    let (status, ack) = h
        .bc(
            "poll",
            &[
                ("scope", "openid"),
                ("acr_values", "2"),
                ("login_hint", "447700900006"),
                ("requested_expiry", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let (status, body) = h.poll("poll", ack["auth_req_id"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("expired_token"))
    );
    h.stop().await;
}

#[tokio::test]
async fn invalid_grant_for_unknown_and_foreign_auth_req_ids() {
    let h = Harness::start().await;
    assert_eq!(
        h.poll("poll", "no-such-id").await.1["error"],
        "invalid_grant"
    );
    let id = h.start_auth("poll", "447700900007").await;
    let c = h.client("post");
    let (status, body, _) = send(h.http.post(format!("{}/token", h.base)).form(&[
        ("grant_type", "urn:openid:params:grant-type:ciba"),
        ("auth_req_id", id.as_str()),
        ("client_id", c.id),
        ("client_secret", c.secret),
    ]))
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "another client's auth_req_id"
    );
    let (status, body, _) = h
        .post_form("/token", "poll", &[("grant_type", "password")])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (_, body, headers) = h
        .post_form(
            "/token",
            "poll",
            &[("grant_type", "urn:openid:params:grant-type:ciba")],
        )
        .await;
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(headers["cache-control"], "no-store");
    h.stop().await;
}

#[tokio::test]
async fn one_authentication_per_msisdn() {
    let h = Harness::start().await;
    let _first = h.start_auth("poll", "447700900008").await;
    let (status, body) = h
        .bc(
            "poll",
            &[
                ("scope", "openid"),
                ("acr_values", "mod-mf"),
                ("login_hint", "MSISDN:447700900008"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("access_denied"))
    );
    assert!(body["error_description"].as_str().unwrap().contains("busy"));
    h.stop().await;
}

#[tokio::test]
async fn mc_authz_id_token_carries_displayed_data() {
    let h = Harness::start().await;
    let form = [
        ("scope", "openid mc_authz"),
        ("acr_values", "2"),
        ("login_hint", "MSISDN:447700900009"),
        ("binding_message", "PAY 10 EUR"),
        ("context", "Transfer"),
    ];
    // 447700900009 has a user_code but the poll client did not register the parameter.
    let (status, ack) = h.bc("poll", &form).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    h.auth.answer("447700900009", approved()).await;
    let (_, tokens) = h
        .poll_until_done("poll", ack["auth_req_id"].as_str().unwrap())
        .await;
    let claims = verify_id_token(&h, tokens["id_token"].as_str().unwrap(), "poll").await;
    assert_eq!(claims["displayed_data"], "poll app: Transfer [PAY 10 EUR]");
    assert!(
        !h.auth.last_request().pin_required,
        "acr 2 asks for confirmation only"
    );
    h.stop().await;
}
