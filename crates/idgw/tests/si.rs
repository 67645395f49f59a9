//! GSMA Mobile Connect Server-Initiated against the real `idgw serve`, through the SIM
//! chain: a service provider shaped like the spec's examples ("Example Requests and
//! Responses": RS256 request objects, `s6BhdRkqt3`, MSISDN 447411188258) completes
//! authentications in notification mode (its own notification endpoint) and in polling mode
//! (`private_key_jwt`). Its keys and its sector identifier document are served from its own
//! loopback server, so the OP fetches them (`jwks_uri`, `sector_identifier_uri`). Tokens are
//! verified with jsonwebtoken, an implementation independent of the OP's josekit.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::Server;
use josekit::jwk::Jwk;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENT: &str = "s6BhdRkqt3";
const MSISDN: &str = "447411188258";

/// The service provider's server: its JWK Set, its sector identifier documents and its
/// notification endpoint (which records every notification and answers 204).
struct Sp {
    base: String,
    key: Jwk,
    notifications: Mutex<Vec<(Option<String>, Value)>>,
    sectors: Mutex<Vec<Value>>,
}

async fn jwks(State(sp): State<Arc<Sp>>) -> Json<Value> {
    let mut public = sp.key.to_public_key().unwrap();
    public.set_key_id(sp.key.key_id().unwrap());
    Json(json!({ "keys": [Value::Object(public.as_ref().clone())] }))
}

async fn sector(
    State(sp): State<Arc<Sp>>,
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> Result<Json<Value>, StatusCode> {
    let doc = sp.sectors.lock().unwrap().get(n).cloned();
    doc.map(Json).ok_or(StatusCode::NOT_FOUND)
}

async fn notify(State(sp): State<Arc<Sp>>, headers: HeaderMap, body: String) -> StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    sp.notifications.lock().unwrap().push((auth, body));
    StatusCode::NO_CONTENT
}

async fn start_sp() -> Arc<Sp> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut key = Jwk::generate_rsa_key(2048).unwrap();
    key.set_key_id("sp-rs256-1");
    let sp = Arc::new(Sp {
        notifications: Mutex::new(vec![]),
        sectors: Mutex::new(vec![]),
        key,
        base,
    });
    // Sector 0 lists the configured client's URIs (SI Table 2).
    let doc = json!([sp.url("/notification_endpoint"), sp.url("/jwks_uri.json")]);
    sp.sectors.lock().unwrap().push(doc);
    let router = Router::new()
        .route("/jwks_uri.json", get(jwks))
        .route("/sector/{n}", get(sector))
        .route("/notification_endpoint", post(notify))
        .with_state(sp.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    sp
}

impl Sp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn sign(&self, claims: &Value) -> String {
        let signer = josekit::jws::RS256.signer_from_jwk(&self.key).unwrap();
        let mut header = josekit::jws::JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id(self.key.key_id().unwrap());
        josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
    }

    async fn notification(&self, s: &Server) -> (Option<String>, Value) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(n) = self.notifications.lock().unwrap().first().cloned() {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no notification; log:\n{}", s.log());
    }
}

fn config(sp: &Sp) -> String {
    format!(
        r#"
[op]
interval = 1
allow_loopback_fetch = true

[[clients]]
client_id = "{CLIENT}"
token_endpoint_auth_method = "private_key_jwt"
jwks_uri = "{jwks}"
request_object_signing_alg = "RS256"
notification_uris = ["{notify}"]
sector_identifier_uri = "{sector}"
client_names = ["sp_client_name"]
scope = "openid mc_authn mc_authz phone"

[[subscribers]]
msisdn = "{MSISDN}"
pin = "1234"
handset = "manual"

[[subscribers]]
msisdn = "447411188259"
pin = "1234"
handset = "manual"

[[subscribers]]
msisdn = "447411188250"
pin = "1234"
handset = "manual"
mc_enabled = false
"#,
        jwks = sp.url("/jwks_uri.json"),
        notify = sp.url("/notification_endpoint"),
        sector = sp.url("/sector/0"),
    )
}

/// The spec's example Request Object (notification mode), with fresh times and ids.
fn request_object(s: &Server, client: &str, response_type: &str, msisdn: &str, tag: &str) -> Value {
    let now = now_s();
    json!({
        "iss": client, "iat": now, "exp": now + 600, "aud": s.op, "sub": client,
        "response_type": response_type, "client_id": client, "prompt": "login",
        "scope": "openid mc_authn", "version": "mc_si_r2_v1.0", "nonce": format!("nonce-{tag}"),
        "max_age": "86400", "ui_locales": "en-us", "claims_locales": "en-us",
        "login_hint": msisdn, "acr_values": "2", "binding_message": "interlock id",
        "client_name": "sp_client_name", "context": "can you authenticate for my SP",
        "correlation_id": format!("corr-{tag}"),
    })
}

async fn si_authorize(s: &Server, sp: &Sp, object: &Value) -> (u16, Value) {
    let form = [
        ("response_type", object["response_type"].as_str().unwrap()),
        ("client_id", object["client_id"].as_str().unwrap()),
        ("scope", object["scope"].as_str().unwrap()),
        ("request", &sp.sign(object)),
    ];
    let r = s
        .http
        .post(format!("{}/si-authorize", s.op))
        .form(&form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The user answers the SIM prompt: with the PIN when asked, else with OK.
async fn user_approves(s: &Server, msisdn: &str, expected_text: &str) {
    let prompt = s.prompt(msisdn).await;
    let text = prompt["text"].as_str().unwrap();
    assert!(text.contains(expected_text), "the SIM shows {text}");
    let answer = if prompt["pin_required"] == true {
        json!({"pin": "1234"})
    } else {
        json!({"ok": true})
    };
    let (status, body) = s
        .answer(msisdn, prompt["id"].as_str().unwrap(), answer)
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Verifies an ID token with jsonwebtoken against the OP's published `/jwks.json`.
async fn verify_id_token(s: &Server, id_token: &str, audience: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(s.get(&format!("{}/jwks.json", s.op)).await).unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in /jwks.json");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[s.op.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("ID token verifies with jsonwebtoken")
        .claims
}

fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// OIDC Core 3.1.3.6: base64url of the left half of SHA-256 of the access token.
fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Polls (Table 7) with a fresh `private_key_jwt` assertion (Table 8) until not pending.
async fn poll(s: &Server, sp: &Sp, client: &str, auth_req_id: &str, corr: &str) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let now = now_s();
        let assertion = sp.sign(&json!({"iss": client, "sub": client,
            "aud": format!("{}/token", s.op), "jti": format!("{auth_req_id}-{n}"),
            "exp": now + 60, "iat": now}));
        let form = [
            ("client_id", client),
            (
                "grant_type",
                "urn:openid:params:mc:grant-type:server_initiated",
            ),
            ("auth_req_id", auth_req_id),
            ("correlation_id", corr),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ];
        let r = s
            .http
            .post(format!("{}/token", s.op))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        if body["error"] != "authorization_pending" && body["error"] != "slow_down" {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    panic!("{auth_req_id} still pending; log:\n{}", s.log());
}

#[tokio::test]
async fn notification_mode_delivers_verified_tokens_through_the_sim() {
    let sp = start_sp().await;
    let s = Server::start("si-notify", &config(&sp)).await;
    let mut object = request_object(&s, CLIENT, "mc_si_async_code", MSISDN, "n1");
    object["client_notification_token"] = json!("78bc6c98-aa27-4710-ad10-12dbc8ff8f22");
    object["notification_uri"] = json!(sp.url("/notification_endpoint"));
    let (status, ack) = si_authorize(&s, &sp, &object).await;
    assert_eq!(status, 200, "{ack}\n{}", s.log());
    // Table 5: no interval in notification mode.
    assert_eq!(ack["correlation_id"], "corr-n1");
    assert!(
        ack["expires_in"].is_number() && ack.get("interval").is_none(),
        "{ack}"
    );
    user_approves(&s, MSISDN, "can you authenticate for my SP").await;
    // Table 6, with the client_notification_token as bearer.
    let (authorization, tokens) = sp.notification(&s).await;
    assert_eq!(
        authorization.as_deref(),
        Some("Bearer 78bc6c98-aa27-4710-ad10-12dbc8ff8f22")
    );
    assert_eq!(tokens["auth_req_id"], ack["auth_req_id"]);
    assert_eq!(tokens["correlation_id"], "corr-n1");
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["expires_in"].is_number(), "{tokens}");
    let access_token = tokens["access_token"].as_str().unwrap();
    // Table 10.
    let claims = verify_id_token(&s, tokens["id_token"].as_str().unwrap(), CLIENT).await;
    assert_eq!(claims["nonce"], "nonce-n1");
    assert_eq!(claims["acr"], "2");
    assert_eq!(claims["amr"], json!(["SIM_OK"]));
    assert_eq!(claims["azp"], CLIENT);
    assert_eq!(claims["recipient"], sp.url("/notification_endpoint"));
    assert_eq!(claims["hashed_login_hint"], sha256_hex(MSISDN));
    assert_eq!(claims["at_hash"], at_hash(access_token));
    assert!(claims["auth_time"].is_number());
    assert!(
        !claims["sub"].as_str().unwrap().contains(MSISDN),
        "sub is a PCR"
    );
    // The access token opens the premiuminfo endpoint.
    let info: Value = s
        .http
        .get(format!("{}/premiuminfo", s.op))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], claims["sub"], "{info}");
}

// Multi-threaded: the SP's server must answer while `idgw client add` runs (blocking).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_mode_with_private_key_jwt_and_a_client_added_by_the_command() {
    let sp = start_sp().await;
    let s = Server::start("si-poll", &config(&sp)).await;
    let mut object = request_object(&s, CLIENT, "mc_si_polling", MSISDN, "p1");
    object["acr_values"] = json!("3"); // the PIN this time
    let (status, ack) = si_authorize(&s, &sp, &object).await;
    assert_eq!(status, 200, "{ack}\n{}", s.log());
    assert_eq!(ack["interval"], 1);
    assert_eq!(ack["correlation_id"], "corr-p1");
    let id = ack["auth_req_id"].as_str().unwrap().to_string();
    user_approves(&s, MSISDN, "sp_client_name").await;
    let (status, tokens) = poll(&s, &sp, CLIENT, &id, "corr-p1").await;
    assert_eq!(status, 200, "{tokens}\n{}", s.log());
    assert_eq!(tokens["correlation_id"], "corr-p1");
    let claims = verify_id_token(&s, tokens["id_token"].as_str().unwrap(), CLIENT).await;
    assert_eq!(claims["nonce"], "nonce-p1");
    assert_eq!(claims["amr"], json!(["SIM_PIN"]));
    assert!(claims.get("recipient").is_none());
    let pcr = claims["sub"].clone();

    // `idgw client add` with the SI options: refused while the sector document lacks a URI.
    let notify = sp.url("/notification_endpoint");
    let jwks_uri = sp.url("/jwks_uri.json");
    sp.sectors.lock().unwrap().push(json!([jwks_uri]));
    sp.sectors.lock().unwrap().push(json!([jwks_uri, notify]));
    let add = |sector: usize| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
        common::idgw_env(&mut cmd);
        cmd.args(["client", "add", "--client-id", "sp-cli"])
            .args(["--token-endpoint-auth-method", "private_key_jwt"])
            .args([
                "--jwks-uri",
                &jwks_uri,
                "--request-object-signing-alg",
                "RS256",
            ])
            .args([
                "--notification-uri",
                &notify,
                "--client-name",
                "sp_client_name",
            ])
            .args([
                "--scope",
                "openid mc_authn",
                "--plain-msisdn-allowed",
                "true",
            ])
            .arg("--sector-identifier-uri")
            .arg(sp.url(&format!("/sector/{sector}")))
            .arg("--config")
            .arg(&s.config)
            .output()
            .unwrap()
    };
    let refused = add(1);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains(&format!("does not list {notify}")),
        "{stderr}"
    );
    let added = add(2);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    // The new client, of the same sector (host), polls for the same user: same PCR.
    let object = request_object(&s, "sp-cli", "mc_si_polling", MSISDN, "p2");
    let (status, ack) = si_authorize(&s, &sp, &object).await;
    assert_eq!(status, 200, "{ack}\n{}", s.log());
    let id = ack["auth_req_id"].as_str().unwrap().to_string();
    user_approves(&s, MSISDN, "interlock id").await;
    let (status, tokens) = poll(&s, &sp, "sp-cli", &id, "corr-p2").await;
    assert_eq!(status, 200, "{tokens}");
    let claims = verify_id_token(&s, tokens["id_token"].as_str().unwrap(), "sp-cli").await;
    assert_eq!(claims["sub"], pcr, "PCRs are per sector");

    // Table 13: a subscriber of the operator without Mobile Connect.
    let object = request_object(&s, CLIENT, "mc_si_polling", "447411188250", "off");
    let (status, body) = si_authorize(&s, &sp, &object).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("access_denied"))
    );
    assert_eq!(body["error_description"], "User is not registered");
    assert_eq!(body["correlation_id"], "corr-off");
}
