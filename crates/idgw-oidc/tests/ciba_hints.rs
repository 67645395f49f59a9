//! Every hint form (CIBA Core 7.1, MODRNA CIBA profile 4, Mobile Connect `login_hint`):
//! `MSISDN:`, bare and `+` E.164, `ENCR_MSISDN:` JWE, `PCR:`, encrypted `login_hint_token`
//! (`sub_id` and `login_hint` forms, `exp`), and `id_token_hint`.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn accepted_for(h: &Harness, form: &[(&str, &str)], msisdn: &str) {
    let (status, body) = h.bc("poll", form).await;
    assert_eq!(status, StatusCode::OK, "{form:?}: {body}");
    assert!(h.auth.saw(msisdn).await, "authentication for {msisdn}");
    h.auth.answer(msisdn, approved()).await;
}

#[tokio::test]
async fn login_hint_forms() {
    let h = Harness::start().await;
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "3"),
            ("login_hint", "MSISDN:447700900001"),
        ],
        "447700900001",
    )
    .await;
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "3"),
            ("login_hint", "447700900002"),
        ],
        "447700900002",
    )
    .await;
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "3"),
            ("login_hint", "+447700900003"),
        ],
        "447700900003",
    )
    .await;
    let encr = format!(
        "ENCR_MSISDN:{}",
        encrypt_to_op(&h, b"447700900004", "A256GCM").await
    );
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "3"),
            ("login_hint", &encr),
        ],
        "447700900004",
    )
    .await;
    let weak = format!(
        "ENCR_MSISDN:{}",
        encrypt_to_op(&h, b"447700900005", "A128GCM").await
    );
    let (status, body) = h
        .bc(
            "poll",
            &[
                ("scope", "openid"),
                ("acr_values", "3"),
                ("login_hint", &weak),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "only A256GCM"
    );
    h.stop().await;
}

#[tokio::test]
async fn pcr_and_id_token_hint_name_the_same_subscriber() {
    let h = Harness::start().await;
    let id = h.start_auth("poll", "447700900006").await;
    h.auth.answer("447700900006", approved()).await;
    let (_, tokens) = h.poll_until_done("poll", &id).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_string();
    let claims = verify_id_token(&h, &id_token, "poll").await;
    let pcr = format!("PCR:{}", claims["sub"].as_str().unwrap());
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "2"),
            ("login_hint", &pcr),
        ],
        "447700900006",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "2"),
            ("id_token_hint", &id_token),
        ],
        "447700900006",
    )
    .await;
    // Another client's ID token is not a hint for this one; an unknown PCR is an unknown user.
    let foreign = [
        ("scope", "openid"),
        ("acr_values", "2"),
        ("id_token_hint", id_token.as_str()),
        ("client_notification_token", "t"),
    ];
    let (status, body) = h.bc("ping", &foreign).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = h
        .bc(
            "poll",
            &[
                ("scope", "openid"),
                ("acr_values", "2"),
                ("login_hint", "PCR:nope"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_user_id"))
    );
    h.stop().await;
}

#[tokio::test]
async fn login_hint_token_forms_and_expiry() {
    let h = Harness::start().await;
    let sub_id = json!({ "sub_id": { "format": "phone_number", "phone_number": "+447700900007" }, "exp": now_s() + 300 });
    let token = encrypt_to_op(&h, sub_id.to_string().as_bytes(), "A256GCM").await;
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint_token", &token),
        ],
        "447700900007",
    )
    .await;
    let claim = json!({ "login_hint": "MSISDN:447700900008" });
    let token = encrypt_to_op(&h, claim.to_string().as_bytes(), "A256GCM").await;
    accepted_for(
        &h,
        &[
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint_token", &token),
        ],
        "447700900008",
    )
    .await;
    let expired = json!({ "sub_id": { "format": "phone_number", "phone_number": "+447700900001" }, "exp": now_s() - 10 });
    let token = encrypt_to_op(&h, expired.to_string().as_bytes(), "A256GCM").await;
    let (status, body) = h
        .bc(
            "poll",
            &[
                ("scope", "openid"),
                ("acr_values", "mod-mf"),
                ("login_hint_token", &token),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("expired_login_hint_token"))
    );
    // The 2017 draft calls it expired_token.
    let body = json!({ "scope": "openid", "acr_values": "mod-mf", "login_hint_token": token });
    let (status, body, _) = h.post_json("/bc-authorize", "poll", &body).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("expired_token"))
    );
    let (status, body) = h
        .bc(
            "poll",
            &[
                ("scope", "openid"),
                ("acr_values", "mod-mf"),
                ("login_hint_token", "not-a-jwe"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    h.stop().await;
}
