//! Ping and push delivery (CIBA Core 10.2, 10.3, 12), the 2017 draft's notification mode and
//! the sequence diagram's request, through the durable outbox with retries.

mod common;

use common::*;
use idgw_oidc::authenticator::AuthOutcome;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn ping_then_poll() {
    let h = Harness::start().await;
    let (status, ack) = h
        .bc(
            "ping",
            &[
                ("scope", "openid"),
                ("acr_values", "mod-pr"),
                ("login_hint", "447700900001"),
                ("client_notification_token", "ping-token-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert!(
        ack["interval"].is_number(),
        "ping clients may poll too (CIBA Core 7.3)"
    );
    let id = ack["auth_req_id"].as_str().unwrap();
    h.auth
        .answer(
            SUBSCRIBER,
            AuthOutcome::Approved {
                amr: vec!["SIM_OK".into()],
                auth_time: idgw_oidc::now_ms(),
            },
        )
        .await;
    let got = h.receiver.wait("/ping", 1, 5).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer ping-token-1"));
    assert_eq!(
        got[0].body,
        json!({ "auth_req_id": id }),
        "ping body is exactly the auth_req_id"
    );
    let (status, tokens) = h.poll("ping", id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = verify_id_token(&h, tokens["id_token"].as_str().unwrap(), "ping").await;
    assert_eq!(claims["amr"], json!(["SIM_OK"]));
    assert_eq!(claims["acr"], "mod-pr");
    h.stop().await;
}

#[tokio::test]
async fn push_delivers_tokens_with_hashes() {
    let h = Harness::start().await;
    let id = h.start_auth("push", SUBSCRIBER).await;
    h.auth.answer(SUBSCRIBER, approved()).await;
    let got = h.receiver.wait("/push", 1, 5).await;
    assert_eq!(got.len(), 1);
    let body = &got[0].body;
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer cnt-123"));
    assert_eq!(body["auth_req_id"], id.as_str());
    assert_eq!(body["token_type"], "Bearer");
    let claims = verify_id_token(&h, body["id_token"].as_str().unwrap(), "push").await;
    assert_eq!(
        claims["urn:openid:params:jwt:claim:auth_req_id"],
        id.as_str()
    );
    assert_eq!(
        claims["at_hash"],
        idgw_oidc::jose::half_hash(body["access_token"].as_str().unwrap())
    );
    assert_eq!(
        claims["urn:openid:params:jwt:claim:rt_hash"],
        idgw_oidc::jose::half_hash(body["refresh_token"].as_str().unwrap())
    );
    // Push clients do not poll.
    assert_eq!(h.poll("push", &id).await.1["error"], "unauthorized_client");
    h.stop().await;
}

#[tokio::test]
async fn push_errors_for_denial_and_expiry() {
    let h = Harness::start().await;
    h.auth.script("447700900002", AuthOutcome::Denied);
    let denied = h.start_auth("push", "447700900002").await;
    let got = h.receiver.wait("/push", 1, 5).await;
    assert_eq!(
        got[0].body,
        json!({ "auth_req_id": denied, "error": "access_denied", "error_description": "The end-user denied the authorization request" })
    );
    let (status, ack) = h
        .bc(
            "push",
            &[
                ("scope", "openid"),
                ("acr_values", "2"),
                ("login_hint", "447700900003"),
                ("client_notification_token", "t"),
                ("requested_expiry", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let got = h.receiver.wait("/push", 2, 6).await;
    assert_eq!(got.len(), 2, "expiry is pushed");
    assert_eq!(got[1].body["auth_req_id"], ack["auth_req_id"]);
    assert_eq!(got[1].body["error"], "expired_token");
    h.stop().await;
}

#[tokio::test]
async fn outbox_retries_server_errors_but_not_refusals_or_redirects() {
    let h = Harness::start().await;
    h.receiver.statuses.lock().unwrap().extend([503, 200]);
    let id = h.start_auth("ping", SUBSCRIBER).await;
    h.auth.answer(SUBSCRIBER, approved()).await;
    let got = h.receiver.wait("/ping", 2, 8).await;
    assert_eq!(got.len(), 2, "retried after 503");
    let outbox = settled_outbox(&h, &id).await;
    assert_eq!(outbox[0].state, idgw_store::OutboxState::Delivered);
    assert_eq!(outbox[0].attempts, 2);

    h.receiver.statuses.lock().unwrap().extend([401]);
    let id = h.start_auth("ping", "447700900002").await;
    h.auth.answer("447700900002", approved()).await;
    h.receiver.wait("/ping", 3, 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let outbox = settled_outbox(&h, &id).await;
    assert_eq!(
        (outbox[0].state, outbox[0].attempts),
        (idgw_store::OutboxState::Failed, 1),
        "401 is not retried"
    );

    h.receiver.statuses.lock().unwrap().extend([302]);
    let id = h.start_auth("ping", "447700900003").await;
    h.auth.answer("447700900003", approved()).await;
    h.receiver.wait("/ping", 4, 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let outbox = settled_outbox(&h, &id).await;
    assert_eq!(
        outbox[0].state,
        idgw_store::OutboxState::Failed,
        "3xx is not followed"
    );
    assert_eq!(
        h.receiver.received.lock().unwrap().len(),
        4,
        "nothing sent to a redirect target"
    );
    h.stop().await;
}

/// The outbox rows of a transaction once none is pending (at most 5 s).
async fn settled_outbox(h: &Harness, auth_req_id: &str) -> Vec<idgw_store::OutboxItem> {
    for _ in 0..50 {
        let rows = h.op.store.outbox_for(auth_req_id).await.unwrap();
        if !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.state != idgw_store::OutboxState::Pending)
        {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("outbox of {auth_req_id} did not settle");
}

#[tokio::test]
async fn draft_2017_notification_and_polling_dialect() {
    let h = Harness::start().await;
    // The 2017 draft: JSON body, client_notification_token, notification mode.
    let body = json!({ "scope": "openid", "client_notification_token": "8d67dc78", "acr_values": "mod-mf", "login_hint": "MSISDN:447700900001" });
    let (status, ack, _) = h.post_json("/bc-authorize", "push", &body).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert!(
        ack.get("interval").is_none(),
        "no interval in notification mode (draft 4.3)"
    );
    h.auth.answer(SUBSCRIBER, approved()).await;
    let got = h.receiver.wait("/push", 1, 5).await;
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer 8d67dc78"));
    assert_eq!(got[0].body["auth_req_id"], ack["auth_req_id"]);
    assert!(got[0].body["access_token"].is_string());

    // Draft polling grant and its unknown_auth_req_id.
    let grant = "urn:openid:params:modrna:grant-type:backchannel_request";
    let (status, body, _) = h
        .post_form(
            "/token",
            "poll",
            &[("grant_type", grant), ("auth_req_id", "nope")],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_auth_req_id"))
    );
    let json_body =
        json!({ "scope": "openid", "acr_values": "mod-mf", "login_hint": "MSISDN:447700900002" });
    let (_, ack, _) = h.post_json("/bc-authorize", "poll", &json_body).await;
    let id = ack["auth_req_id"].as_str().unwrap();
    h.auth.answer("447700900002", approved()).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, tokens, _) = h
        .post_form(
            "/token",
            "poll",
            &[("grant_type", grant), ("auth_req_id", id)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    h.stop().await;
}

#[tokio::test]
async fn sequence_diagram_request_with_client_req_id() {
    let h = Harness::start().await;
    let alt = format!("{}/push-alt", h.receiver_base);
    let body = json!({
        "scope": "openid",
        "client_req_id": "8d67dc78-7faa-4d41-aabd-67707b374255",
        "client_notification_endpoint": alt,
        "acr_values": "mod-mf",
        "login_hint": "MSISDN:447700900001",
    });
    let (status, ack, _) = h.post_json("/bc-authorize", "push", &body).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    h.auth.answer(SUBSCRIBER, approved()).await;
    let got = h.receiver.wait("/push-alt", 1, 5).await;
    let n = &got[0].body;
    assert_eq!(
        n["grant_type"],
        "urn:openid:params:modrna:grant-type:backchannel_token_response"
    );
    assert_eq!(n["client_req_id"], "8d67dc78-7faa-4d41-aabd-67707b374255");
    assert_eq!(n["auth_req_id"], ack["auth_req_id"]);
    assert!(n["id_token"].is_string() && n["refresh_token"].is_string());

    // An endpoint the client did not register is refused: no open relay.
    let mut body = body;
    body["client_notification_endpoint"] = json!("https://attacker.example/cb");
    body["login_hint"] = json!("MSISDN:447700900002");
    let (status, err, _) = h.post_json("/bc-authorize", "push", &body).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    h.stop().await;
}
