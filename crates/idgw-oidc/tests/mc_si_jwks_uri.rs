//! Mobile Connect SI clients whose keys are published at a `jwks_uri` (Table 2): request
//! objects and polling assertions verified with the fetched keys, the cache and its refetch on
//! an unknown `kid`, `kid` required among several keys, Table 12 "System connection problem"
//! when the keys cannot be fetched, and the `sector_identifier_uri` check at registration.
//! The client's documents are served by the harness's receiver on loopback.

mod common;

use common::si::*;
use common::*;
use idgw_oidc::client::{Client, ClientMetadata};
use idgw_oidc::client_keys::{ClientKeys, KeysError, CACHE_TTL_MS};
use idgw_oidc::fetch::{FetchPolicy, Fetcher};
use idgw_oidc::jose::JoseFailure;
use idgw_oidc::registry::{ClientRegistry, RegistryError};
use josekit::jwk::Jwk;
use reqwest::StatusCode;
use serde_json::{json, Value};

const JWKS_PATH: &str = "/sp/jwks.json";
const SECTOR_PATH: &str = "/sp/sector.json";

fn jwks_of(keys: &[&Jwk]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| public_jwks(k)["keys"][0].clone())
        .collect();
    json!({ "keys": keys })
}

/// An SI client like the harness's `si`, with its keys at the receiver's `jwks_uri`.
fn uri_meta(h: &Harness, id: &str) -> ClientMetadata {
    ClientMetadata {
        jwks: None,
        jwks_uri: Some(format!("{}{JWKS_PATH}", h.receiver_base)),
        ..si_meta(id, &rsa_key("unused"), &h.receiver_base, None)
    }
}

async fn register_uri_client(h: &Harness, id: &str) {
    h.op.clients
        .register(uri_meta(h, id), idgw_oidc::now_ms())
        .await
        .unwrap();
}

/// The harness's request object, re-issued by `client`.
fn object_of(h: &Harness, client: &str, response_type: &str, tag: &str) -> Value {
    let mut o = object(h, response_type, SUBSCRIBER, tag);
    for claim in ["iss", "sub", "client_id"] {
        o[claim] = json!(client);
    }
    o
}

fn form_signed(o: &Value, request: String) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = ["response_type", "client_id", "scope"]
        .iter()
        .map(|n| (n.to_string(), o[*n].as_str().unwrap().to_string()))
        .collect();
    form.push(("request".into(), request));
    form
}

/// RS256 without a `kid` in the header.
fn sign_without_kid(key: &Jwk, claims: &Value) -> String {
    // josekit copies the key's kid into the header, so sign with a copy that has none.
    let mut map = key.as_ref().clone();
    map.remove("kid");
    let key = Jwk::from_map(map).unwrap();
    let signer = josekit::jws::RS256.signer_from_jwk(&key).unwrap();
    let header = josekit::jws::JwsHeader::new();
    josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
}

#[tokio::test]
async fn keys_from_jwks_uri_verify_request_objects_and_polling_assertions() {
    let h = Harness::start().await;
    let key = rsa_key("sp-1");
    h.receiver.publish(JWKS_PATH, jwks_of(&[&key]));
    register_uri_client(&h, "si-uri").await;
    assert_eq!(h.receiver.fetched(JWKS_PATH), 0, "keys are fetched on use");
    let o = object_of(&h, "si-uri", POLLING, "u1");
    let (status, ack) = post_si(&h, "/si-authorize", &form_signed(&o, sign_rs256(&key, &o))).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let id = ack["auth_req_id"].as_str().unwrap().to_string();
    h.auth.answer(SUBSCRIBER, approved()).await;
    let mut tokens = Value::Null;
    for n in 0..10 {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let now = now_s();
        let assertion = json!({"iss": "si-uri", "sub": "si-uri", "aud": format!("{}/token", h.base),
            "jti": format!("a-{n}"), "exp": now + 60, "iat": now});
        let form = vec![
            ("grant_type".to_string(), GRANT.to_string()),
            ("auth_req_id".into(), id.clone()),
            ("client_id".into(), "si-uri".into()),
            ("correlation_id".into(), "corr-u1".into()),
            ("client_assertion_type".into(), JWT_BEARER.into()),
            ("client_assertion".into(), sign_rs256(&key, &assertion)),
        ];
        let (s, v) = poll_si(&h, &form).await;
        if s == StatusCode::OK {
            tokens = v;
            break;
        }
        assert_eq!(v["error"], "authorization_pending", "{v}");
    }
    let claims = verify_id_token(&h, tokens["id_token"].as_str().unwrap(), "si-uri").await;
    assert_eq!(claims["nonce"], "nonce-u1");
    assert_eq!(
        h.receiver.fetched(JWKS_PATH),
        1,
        "one fetch, then the cache"
    );
    h.stop().await;
}

#[tokio::test]
async fn kid_is_required_when_the_set_has_several_keys() {
    let h = Harness::start().await;
    let (k1, k2) = (rsa_key("sp-1"), rsa_key("sp-2"));
    h.receiver.publish(JWKS_PATH, jwks_of(&[&k1, &k2]));
    register_uri_client(&h, "si-uri").await;
    let o = object_of(&h, "si-uri", POLLING, "nokid");
    let form = form_signed(&o, sign_without_kid(&k2, &o));
    expect(
        post_si(&h, "/si-authorize", &form).await,
        400,
        "invalid_request",
        Some("corr-nokid"),
    );
    // With its kid the same key is found.
    let o = object_of(&h, "si-uri", POLLING, "kid");
    let (status, ack) = post_si(&h, "/si-authorize", &form_signed(&o, sign_rs256(&k2, &o))).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    h.stop().await;
}

#[tokio::test]
async fn t12_system_connection_problem_when_the_keys_cannot_be_fetched() {
    let h = Harness::start().await;
    // Nothing is published at the jwks_uri: the receiver answers 404.
    register_uri_client(&h, "si-uri").await;
    let key = rsa_key("sp-1");
    let o = object_of(&h, "si-uri", ASYNC, "conn");
    expect(
        post_si(&h, "/si-authorize", &form_signed(&o, sign_rs256(&key, &o))).await,
        503,
        "server_error",
        Some("corr-conn"),
    );
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn t18_system_connection_problem_when_the_polling_client_keys_cannot_be_fetched() {
    let h = Harness::start().await;
    register_uri_client(&h, "si-uri").await;
    let key = rsa_key("sp-1");
    let now = now_s();
    let assertion = json!({"iss": "si-uri", "sub": "si-uri", "aud": format!("{}/token", h.base),
        "jti": "a-1", "exp": now + 60, "iat": now});
    let form = vec![
        ("grant_type".to_string(), GRANT.to_string()),
        ("auth_req_id".into(), "any".into()),
        ("client_id".into(), "si-uri".into()),
        ("correlation_id".into(), "corr-keys".into()),
        ("client_assertion_type".into(), JWT_BEARER.into()),
        ("client_assertion".into(), sign_rs256(&key, &assertion)),
    ];
    expect(
        poll_si(&h, &form).await,
        500,
        "server_error",
        Some("corr-keys"),
    );
    h.stop().await;
}

#[tokio::test]
async fn unknown_kid_refetches_at_most_once_per_interval_and_ttl_expires() {
    let h = Harness::start().await;
    let (a, b, c) = (rsa_key("a"), rsa_key("b"), rsa_key("c"));
    h.receiver.publish(JWKS_PATH, jwks_of(&[&a]));
    let client = Client::from_metadata(uri_meta(&h, "si-uri"), None).unwrap();
    let keys = ClientKeys::new(Fetcher::new(FetchPolicy {
        allow_loopback: true,
        ..FetchPolicy::default()
    }));
    let token = |k: &Jwk| sign_rs256(k, &json!({"x": 1}));
    let verify = |t: String, now: i64| {
        let (keys, client) = (&keys, &client);
        async move { keys.verify(client, &t, &["RS256"], now).await }
    };
    assert!(verify(token(&a), 0).await.is_ok());
    assert!(verify(token(&a), 1_000).await.is_ok());
    assert_eq!(h.receiver.fetched(JWKS_PATH), 1, "cached");
    // The client rotates to b: within the refetch interval the unknown kid is refused...
    h.receiver.publish(JWKS_PATH, jwks_of(&[&a, &b]));
    assert!(matches!(
        verify(token(&b), 2_000).await,
        Err(KeysError::Jose(JoseFailure::NoKey))
    ));
    assert_eq!(h.receiver.fetched(JWKS_PATH), 1, "rate-limited");
    // ... after it, the set is fetched again and b verifies.
    assert!(verify(token(&b), 10_000).await.is_ok());
    assert_eq!(h.receiver.fetched(JWKS_PATH), 2);
    // A kid the client never published: one refetch per interval, no more.
    for now in [10_500, 12_000, 19_999] {
        assert!(verify(token(&c), now).await.is_err());
    }
    assert_eq!(h.receiver.fetched(JWKS_PATH), 2);
    assert!(verify(token(&c), 20_000).await.is_err());
    assert_eq!(h.receiver.fetched(JWKS_PATH), 3);
    // After the TTL the set is fetched again; if the fetch fails the last set still serves.
    h.receiver.documents.lock().unwrap().clear();
    assert!(verify(token(&a), 20_000 + CACHE_TTL_MS).await.is_ok());
    assert_eq!(h.receiver.fetched(JWKS_PATH), 4);
    h.stop().await;
}

#[tokio::test]
async fn a_jwks_uri_that_may_not_be_fetched_is_refused_at_registration() {
    let h = Harness::start().await;
    for uri in [
        "https://10.0.0.1/jwks.json",
        "https://169.254.169.254/jwks.json",
    ] {
        let meta = ClientMetadata {
            jwks_uri: Some(uri.into()),
            ..uri_meta(&h, "si-private")
        };
        let e =
            h.op.clients
                .register(meta, idgw_oidc::now_ms())
                .await
                .unwrap_err()
                .to_string();
        assert!(e.contains("jwks_uri") && e.contains("not allowed"), "{e}");
    }
    assert!(h.op.store.client("si-private").await.unwrap().is_none());
    h.stop().await;
}

#[tokio::test]
async fn notification_uris_the_policy_refuses_fail_registration() {
    let h = Harness::start().await;
    for uri in [
        "https://10.0.0.1/notify",
        "https://169.254.169.254/notify",
        "https://[fe80::1]/notify",
        "https://192.168.0.10/notify",
    ] {
        // Table 2 notification_uris, and the CIBA push endpoint.
        let si = ClientMetadata {
            notification_uris: vec![uri.into()],
            ..uri_meta(&h, "si-private")
        };
        let push = ClientMetadata {
            notification_uris: vec![],
            backchannel_token_delivery_mode: idgw_oidc::client::DeliveryMode::Push,
            backchannel_client_notification_endpoint: Some(uri.into()),
            ..uri_meta(&h, "si-private")
        };
        for meta in [si, push] {
            let e = register(&h, meta).await.unwrap_err().to_string();
            assert!(e.contains("notification URI") && e.contains(uri), "{e}");
        }
    }
    assert!(h.op.store.client("si-private").await.unwrap().is_none());
    h.stop().await;
}

#[tokio::test]
async fn loopback_notification_uris_need_allow_loopback() {
    let h = Harness::start().await;
    let meta = uri_meta(&h, "si-loopback");
    assert!(meta.notification_uris[0].starts_with("http://127.0.0.1:"));
    let store = idgw_store::open("sqlite::memory:").await.unwrap();
    let strict = ClientRegistry::new(store.clone(), vec![7; 32], Fetcher::default());
    let e = strict
        .register(meta.clone(), idgw_oidc::now_ms())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("notification URI"), "{e}");
    assert!(store.client("si-loopback").await.unwrap().is_none());
    // The harness's policy allows loopback: the same registration succeeds.
    register(&h, meta).await.unwrap();
    h.stop().await;
}

// ---- sector_identifier_uri (Table 2) -----------------------------------------------------

fn sector_meta(h: &Harness) -> ClientMetadata {
    ClientMetadata {
        sector_identifier_uri: Some(format!("{}{SECTOR_PATH}", h.receiver_base)),
        redirect_uris: vec![format!("{}/sp/return", h.receiver_base)],
        ..uri_meta(h, "si-sector")
    }
}

async fn register(h: &Harness, meta: ClientMetadata) -> Result<(), RegistryError> {
    h.op.clients
        .register(meta, idgw_oidc::now_ms())
        .await
        .map(|_| ())
}

#[tokio::test]
async fn sector_identifier_uri_must_list_every_uri_of_the_client() {
    let h = Harness::start().await;
    let meta = sector_meta(&h);
    let notify = meta.notification_uris[0].clone();
    let jwks_uri = meta.jwks_uri.clone().unwrap();
    let redirect = meta.redirect_uris[0].clone();
    let all = vec![notify.clone(), jwks_uri.clone(), redirect.clone()];
    for missing in &all {
        let listed: Vec<&String> = all.iter().filter(|u| *u != missing).collect();
        h.receiver.publish(SECTOR_PATH, json!(listed));
        let e = register(&h, meta.clone()).await.unwrap_err().to_string();
        assert!(
            e.contains(&format!("does not list {missing}")),
            "the error names the missing URI: {e}"
        );
        assert!(h.op.store.client("si-sector").await.unwrap().is_none());
    }
    h.receiver.publish(SECTOR_PATH, json!(all));
    register(&h, meta.clone()).await.unwrap();
    let client =
        h.op.clients
            .get("si-sector", idgw_oidc::now_ms())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        client.sector, "127.0.0.1",
        "PCRs are per sector_identifier_uri host"
    );
    h.stop().await;
}

#[tokio::test]
async fn sector_identifier_uri_that_cannot_be_read_fails_registration() {
    let h = Harness::start().await;
    // Not published: 404.
    let e = register(&h, sector_meta(&h)).await.unwrap_err().to_string();
    assert!(
        e.contains("sector_identifier_uri") && e.contains("404"),
        "{e}"
    );
    // Not a JSON array of URIs.
    h.receiver
        .publish(SECTOR_PATH, json!({"redirect_uris": ["x"]}));
    let e = register(&h, sector_meta(&h)).await.unwrap_err().to_string();
    assert!(e.contains("not the expected JSON document"), "{e}");
    h.stop().await;
}
