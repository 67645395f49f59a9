//! Mobile Connect SI rows that depend on the operator's settings: Table 12 "scope temporarily
//! unavailable" (503) and Table 13 "belongs to the Operator, but Mobile Connect services are
//! not enabled" versus "does not belong to the Operator".

mod common;

use common::si::*;
use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn t12_scope_temporarily_unavailable_is_503() {
    let h = Harness::start_configured(|c| c.unavailable_scopes = vec!["mc_authz".into()]).await;
    let mut o = object(&h, ASYNC, SUBSCRIBER, "down");
    o["scope"] = json!("openid mc_authz");
    expect(
        si(&h, &o).await,
        503,
        "temporarily_unavailable",
        Some("corr-down"),
    );
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    // Still published in discovery: it is out of service, not unsupported.
    let meta: serde_json::Value = h
        .http
        .get(format!("{}/.well-known/openid-configuration", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(meta["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("mc_authz")));
    // Other scopes are served.
    let (status, ack) = si(&h, &object(&h, POLLING, SUBSCRIBER, "up")).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    h.stop().await;
}

#[tokio::test]
async fn t13_msisdn_of_the_operator_without_mobile_connect_is_not_registered() {
    let h = Harness::start_configured(|c| c.home_msisdn_prefixes = vec!["4477009".into()]).await;
    // In the operator's range, but not provisioned: Mobile Connect is not enabled for it.
    let o = object(&h, ASYNC, "447700900099", "off");
    let (status, body) = si(&h, &o).await;
    expect(
        (status, body.clone()),
        400,
        "access_denied",
        Some("corr-off"),
    );
    assert_eq!(body["error_description"], "User is not registered");
    // Another operator's number: not recognised (Table 13 row 1).
    let o = object(&h, ASYNC, "33612345678", "foreign");
    let (status, body) = si(&h, &o).await;
    expect(
        (status, body.clone()),
        400,
        "access_denied",
        Some("corr-foreign"),
    );
    assert_eq!(body["error_description"], "Unknown User");
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}
