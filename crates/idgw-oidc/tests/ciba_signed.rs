//! Signed authentication requests (CIBA Core 7.1.1): the accepted form and each negative.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn claims(h: &Harness, jti: &str) -> Value {
    let now = now_s();
    json!({
        "iss": "signed", "aud": h.base, "exp": now + 300, "iat": now, "nbf": now, "jti": jti,
        "scope": "openid", "acr_values": "mod-mf", "login_hint": "MSISDN:447700900001", "binding_message": "SIGNED-1",
    })
}

async fn send_signed(h: &Harness, jwt: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![("request", jwt)];
    form.extend_from_slice(extra);
    h.bc("signed", &form).await
}

#[tokio::test]
async fn signed_request_is_accepted_and_its_jti_single_use() {
    let h = Harness::start().await;
    let key = h.client("signed").key.unwrap();
    let jwt = sign_es256(&key, &claims(&h, "r-1"));
    let (status, body) = send_signed(&h, &jwt, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(h.auth.wait_requests(1).await, 1);
    let (status, body) = send_signed(&h, &jwt, &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "replayed jti"
    );
    h.stop().await;
}

#[tokio::test]
async fn each_negative_of_section_7_1_1() {
    let h = Harness::start().await;
    let key = h.client("signed").key.unwrap();
    let mut cases: Vec<(&str, Value)> = vec![];
    let mut case = |name: &'static str, edit: &dyn Fn(&mut Value)| {
        let mut c = claims(&h, name);
        edit(&mut c);
        cases.push((name, c));
    };
    case("missing aud", &|c| {
        drop(c.as_object_mut().unwrap().remove("aud"))
    });
    case("bad aud", &|c| c["aud"] = json!("https://other.example"));
    case("missing iss", &|c| {
        drop(c.as_object_mut().unwrap().remove("iss"))
    });
    case("bad iss", &|c| c["iss"] = json!("poll"));
    case("missing exp", &|c| {
        drop(c.as_object_mut().unwrap().remove("exp"))
    });
    case("expired", &|c| c["exp"] = json!(now_s() - 5));
    case("missing iat", &|c| {
        drop(c.as_object_mut().unwrap().remove("iat"))
    });
    case("missing nbf", &|c| {
        drop(c.as_object_mut().unwrap().remove("nbf"))
    });
    case("nbf in the future", &|c| c["nbf"] = json!(now_s() + 600));
    case("too long lived", &|c| c["exp"] = json!(now_s() + 7200));
    case("missing jti", &|c| {
        drop(c.as_object_mut().unwrap().remove("jti"))
    });
    for (name, c) in cases {
        let jwt = sign_es256(&key, &c);
        let (status, body) = send_signed(&h, &jwt, &[]).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{name}: {body}"
        );
    }
    // alg none.
    let b64 = |v: &Value| idgw_oidc::jose::b64(v.to_string().as_bytes());
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none"})),
        b64(&claims(&h, "none"))
    );
    assert_eq!(
        send_signed(&h, &unsigned, &[]).await.1["error"],
        "invalid_request"
    );
    // Another client's key (same kid, different key).
    let other = ec_key("signed-1");
    assert_eq!(
        send_signed(&h, &sign_es256(&other, &claims(&h, "other")), &[])
            .await
            .1["error"],
        "invalid_request"
    );
    // Request parameters outside the JWT.
    let jwt = sign_es256(&key, &claims(&h, "outside"));
    assert_eq!(
        send_signed(&h, &jwt, &[("scope", "openid")]).await.1["error"],
        "invalid_request"
    );
    // This client registered a signing alg: unsigned requests are refused.
    let (status, body) = h
        .bc(
            "signed",
            &[
                ("scope", "openid"),
                ("acr_values", "mod-mf"),
                ("login_hint", "447700900001"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    assert!(
        h.op.store.pending_transactions().await.unwrap().is_empty(),
        "no transaction from a rejected request"
    );
    h.stop().await;
}
