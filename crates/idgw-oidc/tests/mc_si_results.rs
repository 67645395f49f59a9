//! Mobile Connect SI: one test per implemented row of Table 15 (error notifications) and
//! Table 18 (polling errors), each checking the HTTP status, `error` and `correlation_id`.

mod common;

use common::si::*;
use common::*;
use idgw_oidc::authenticator::AuthOutcome;
use reqwest::StatusCode;
use serde_json::json;

// ---- Table 15: error notifications (Table 14 fields) --------------------------------------

/// Starts a notification-mode transaction, ends it with `outcome`, checks the notification.
async fn notified_error(outcome: AuthOutcome, error: &str, description: &str) {
    let h = Harness::start().await;
    notified_error_on(&h, outcome, error, description).await;
    h.stop().await;
}

async fn notified_error_on(h: &Harness, outcome: AuthOutcome, error: &str, description: &str) {
    let (status, ack) = si(h, &object(h, ASYNC, SUBSCRIBER, "e15")).await;
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
async fn t15_system_connection_problem() {
    let failed = AuthOutcome::Failed {
        reason: "MSSP connection refused".into(),
    };
    notified_error(failed, "server_error", "Connection problem").await;
}

#[tokio::test]
async fn t15_unexpected_error() {
    // The user approves, but the OP cannot store the tokens it minted.
    let (h, url, dir) = start_on_file("t15-unexpected").await;
    break_table(&url, "tokens").await;
    notified_error_on(&h, approved(), "server_error", "Internal server error").await;
    h.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
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
    let h = Harness::start_configured(|c| c.default_expires_in_s = 1).await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    // Nobody answers: the auth_req_id outlives its expires_in.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let body = expect(
        poll_si(&h, &poll_form(&h, &id, "corr-t18")).await,
        400,
        "expired_token",
        Some("corr-t18"),
    );
    assert_eq!(body["error_description"], "auth_req_id has expired");
    h.stop().await;
}

#[tokio::test]
async fn t18_expiration_in_server_is_503() {
    // The authenticator gives up (the user did not answer) before the auth_req_id expires.
    polled_after(AuthOutcome::Expired, 503, "server_error").await;
}

#[tokio::test]
async fn t18_required_parameter_missing() {
    let h = Harness::start().await;
    let id = start_polling(&h, SUBSCRIBER, "t18").await;
    // Table 7 client_assertion_type (the assertion itself is sent).
    let mut form = poll_form(&h, &id, "corr-t18");
    set(&mut form, "client_assertion_type", None);
    let body = expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-t18"),
    );
    says(&body, "client_assertion_type");
    // A missing correlation_id: polling_correlation_id_must_match_the_request.
    h.stop().await;
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
    // The body is not a valid request, but its correlation_id is read and echoed.
    expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-x"),
    );
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
    // Expired (Table 8 exp), or for another audience.
    for claims in [
        json!({"iss": "si", "sub": "si", "aud": format!("{}/token", h.base), "jti": "e1",
            "exp": now - 120, "iat": now - 180}),
        json!({"iss": "si", "sub": "si", "aud": "https://other.example/token", "jti": "e2",
            "exp": now + 60, "iat": now}),
    ] {
        set(
            &mut form,
            "client_assertion",
            Some(&sign_rs256(&key(&h), &claims)),
        );
        expect(
            poll_si(&h, &form).await,
            401,
            "invalid_client",
            Some("corr-t18"),
        );
    }
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
async fn t18_system_connection_problem() {
    let failed = AuthOutcome::Failed {
        reason: "MSSP connection refused".into(),
    };
    polled_after(failed, 500, "server_error").await;
}

#[tokio::test]
async fn t18_unexpected_error_is_500() {
    let h = Harness::start().await;
    // A transaction whose stored request idgw cannot read.
    let now = idgw_oidc::now_ms();
    let row = idgw_store::TransactionRow {
        auth_req_id: "unreadable".into(),
        client_id: "si".into(),
        msisdn: "447700900008".into(),
        state: idgw_store::TxState::Pending,
        request: "not json".into(),
        outcome: None,
        created_at: now,
        expires_at: now + 60_000,
        completed_at: None,
        // Held by a live node elsewhere, so this OP's take-over leaves it alone.
        owner: Some("another-node".into()),
        lease_until: now + 60_000,
    };
    h.op.store.insert_transaction(&row).await.unwrap();
    let body = expect(
        poll_si(&h, &poll_form(&h, "unreadable", "corr-x")).await,
        500,
        "server_error",
        Some("corr-x"),
    );
    says(&body, "internal error");
    h.stop().await;
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
    // Table 7: REQUIRED when the authorization request carried one (Table 18 "missing a
    // required parameter").
    form = poll_form(&h, &id, "corr-t18");
    set(&mut form, "correlation_id", None);
    let body = expect(
        poll_si(&h, &form).await,
        400,
        "invalid_request",
        Some("corr-t18"),
    );
    says(&body, "correlation_id is missing");
    h.stop().await;
}
