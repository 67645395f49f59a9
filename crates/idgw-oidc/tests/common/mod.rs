//! Test harness: a real OP on an ephemeral loopback port, with a real store, a notification
//! receiver (the client's endpoint) on another port, and a test double of the
//! `Authenticator` whose outcomes the test decides. The double exists only in tests.
#![allow(dead_code)]

pub mod di;
pub mod si;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Router;
use idgw_oidc::authenticator::{AuthOutcome, AuthenticationRequest, Authenticator};
use idgw_oidc::client::{AuthMethod, ClientMetadata, ClientSecret, DeliveryMode};
use idgw_oidc::{Op, OpConfig};
use idgw_store::SubscriberRow;
use josekit::jwk::Jwk;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Notify};

pub const SUBSCRIBER: &str = "447700900001";

/// The authenticator double: outcomes are scripted per MSISDN, or given later by `answer`.
#[derive(Default)]
pub struct TestAuthenticator {
    pub requests: Mutex<Vec<AuthenticationRequest>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<AuthOutcome>>>,
    scripted: Mutex<HashMap<String, AuthOutcome>>,
    arrived: Notify,
}

impl TestAuthenticator {
    pub fn script(&self, msisdn: &str, outcome: AuthOutcome) {
        self.scripted
            .lock()
            .unwrap()
            .insert(msisdn.to_string(), outcome);
    }

    /// Answers the authentication waiting for `msisdn` (waits up to 5 s for it to arrive).
    pub async fn answer(&self, msisdn: &str, outcome: AuthOutcome) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let notified = self.arrived.notified();
            if let Some(tx) = self.waiting.lock().unwrap().remove(msisdn) {
                let _ = tx.send(outcome);
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no authentication arrived for {msisdn}");
            }
        }
    }

    /// Waits (up to 2 s) until at least `n` authentications arrived; returns how many did.
    pub async fn wait_requests(&self, n: usize) -> usize {
        for _ in 0..100 {
            let got = self.requests.lock().unwrap().len();
            if got >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.requests.lock().unwrap().len()
    }

    /// Whether an authentication for `msisdn` arrived (waits up to 1 s).
    pub async fn saw(&self, msisdn: &str) -> bool {
        for _ in 0..50 {
            if self
                .requests
                .lock()
                .unwrap()
                .iter()
                .any(|r| r.msisdn == msisdn)
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    pub fn last_request(&self) -> AuthenticationRequest {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request")
    }
}

#[async_trait]
impl Authenticator for TestAuthenticator {
    async fn authenticate(&self, request: AuthenticationRequest) -> AuthOutcome {
        self.requests.lock().unwrap().push(request.clone());
        if let Some(outcome) = self.scripted.lock().unwrap().get(&request.msisdn).cloned() {
            return outcome;
        }
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap()
            .insert(request.msisdn.clone(), tx);
        self.arrived.notify_waiters();
        rx.await.unwrap_or(AuthOutcome::Failed {
            reason: "test dropped".into(),
        })
    }
}

pub fn approved() -> AuthOutcome {
    AuthOutcome::Approved {
        amr: vec!["SIM_PIN".into()],
        auth_time: idgw_oidc::now_ms(),
    }
}

/// A notification the client's endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

/// The client's notification endpoint: records every POST, answers with scripted statuses
/// (204 when none is scripted). GETs serve the client's published documents (`jwks_uri`,
/// `sector_identifier_uri`) from `documents`, counting fetches per path.
#[derive(Default)]
pub struct Receiver {
    pub received: Mutex<Vec<Received>>,
    pub statuses: Mutex<VecDeque<u16>>,
    pub arrived: Notify,
    pub documents: Mutex<HashMap<String, Value>>,
    pub fetches: Mutex<HashMap<String, usize>>,
}

impl Receiver {
    /// Publishes `document` at `path` (GET).
    pub fn publish(&self, path: &str, document: Value) {
        self.documents
            .lock()
            .unwrap()
            .insert(path.to_string(), document);
    }

    /// How many times `path` was fetched.
    pub fn fetched(&self, path: &str) -> usize {
        self.fetches.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn document(
    State(r): State<Arc<Receiver>>,
    uri: axum::http::Uri,
) -> Result<axum::Json<Value>, StatusCode> {
    *r.fetches
        .lock()
        .unwrap()
        .entry(uri.path().to_string())
        .or_default() += 1;
    let doc = r.documents.lock().unwrap().get(uri.path()).cloned();
    doc.map(axum::Json).ok_or(StatusCode::NOT_FOUND)
}

impl Receiver {
    /// Waits up to `secs` for the `n`-th notification on `path`.
    pub async fn wait(&self, path: &str, n: usize, secs: u64) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.arrived.notified();
            let got: Vec<Received> = self
                .received
                .lock()
                .unwrap()
                .iter()
                .filter(|r| r.path == path)
                .cloned()
                .collect();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return got;
            }
        }
    }
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let status = r.statuses.lock().unwrap().pop_front().unwrap_or(204);
    r.received.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    r.arrived.notify_waiters();
    StatusCode::from_u16(status).unwrap()
}

/// A test client's credentials and keys.
#[derive(Clone)]
pub struct TestClient {
    pub id: &'static str,
    pub secret: &'static str,
    pub key: Option<Jwk>,
}

pub fn ec_key(kid: &str) -> Jwk {
    let mut k = Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap();
    k.set_key_id(kid);
    k
}

pub fn public_jwks(key: &Jwk) -> Value {
    let mut public = key.to_public_key().unwrap();
    public.set_key_id(key.key_id().unwrap());
    json!({ "keys": [Value::Object(public.as_ref().clone())] })
}

/// An RSA key for RS256, the Mobile Connect SI recommended alg.
pub fn rsa_key(kid: &str) -> Jwk {
    let mut k = Jwk::generate_rsa_key(2048).unwrap();
    k.set_key_id(kid);
    k
}

/// Signs `claims` with an RSA key as an RS256 compact JWS (Mobile Connect SI request objects
/// and client assertions).
pub fn sign_rs256(key: &Jwk, claims: &Value) -> String {
    sign_rs256_payload(key, claims.to_string().as_bytes())
}

/// Signs a payload given as bytes (e.g. JSON that a `Value` cannot hold, such as a repeated
/// member name) as an RS256 compact JWS.
pub fn sign_rs256_payload(key: &Jwk, payload: &[u8]) -> String {
    let signer = josekit::jws::RS256.signer_from_jwk(key).unwrap();
    let mut header = josekit::jws::JwsHeader::new();
    header.set_token_type("JWT");
    header.set_key_id(key.key_id().unwrap());
    josekit::jws::serialize_compact(payload, &header, &signer).unwrap()
}

/// Signs `claims` with an ES256 key as a compact JWS (the client side of the tests).
pub fn sign_es256(key: &Jwk, claims: &Value) -> String {
    let signer = josekit::jws::ES256.signer_from_jwk(key).unwrap();
    let mut header = josekit::jws::JwsHeader::new();
    header.set_key_id(key.key_id().unwrap());
    josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
}

/// A Mobile Connect SI client registration (SI Table 2).
pub fn si_meta(id: &str, key: &Jwk, receiver_base: &str, plain: Option<bool>) -> ClientMetadata {
    ClientMetadata {
        client_id: id.into(),
        client_name: Some(format!("{id} app")),
        scope: Some("openid phone mc_authn mc_authz".into()),
        token_endpoint_auth_method: AuthMethod::PrivateKeyJwt,
        jwks: Some(public_jwks(key)),
        request_object_signing_alg: Some("RS256".into()),
        notification_uris: vec![format!("{receiver_base}/si-notify")],
        client_names: vec!["SI Bank".into(), "SI Shop".into()],
        plain_msisdn_allowed: plain,
        ..ClientMetadata::default()
    }
}

pub struct Harness {
    pub base: String,
    pub op: Arc<Op>,
    pub auth: Arc<TestAuthenticator>,
    pub receiver: Arc<Receiver>,
    pub receiver_base: String,
    pub http: reqwest::Client,
    pub clients: HashMap<&'static str, TestClient>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

pub fn now_s() -> i64 {
    idgw_oidc::now_ms() / 1000
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(
            "sqlite::memory:",
            Arc::new(TestAuthenticator::default()),
            None,
        )
        .await
    }

    /// Starts an OP whose settings `edit` changes first.
    pub async fn start_configured(edit: impl FnOnce(&mut OpConfig)) -> Harness {
        let auth = Arc::new(TestAuthenticator::default());
        Harness::launch("sqlite::memory:", auth, None, edit).await
    }

    /// Starts an OP on `store_url`; `keys` carries client keys over a restart.
    pub async fn start_with(
        store_url: &str,
        auth: Arc<TestAuthenticator>,
        keys: Option<(Jwk, Jwk)>,
    ) -> Harness {
        Harness::launch(store_url, auth, keys, |_| {}).await
    }

    /// Like [`Harness::start_with`], holding transactions under leases of `lease_ms`.
    pub async fn start_node(
        store_url: &str,
        auth: Arc<TestAuthenticator>,
        keys: Option<(Jwk, Jwk)>,
        lease_ms: i64,
    ) -> Harness {
        Harness::launch(store_url, auth, keys, |c| c.lease_ms = lease_ms).await
    }

    pub async fn launch(
        store_url: &str,
        auth: Arc<TestAuthenticator>,
        keys: Option<(Jwk, Jwk)>,
        edit: impl FnOnce(&mut OpConfig),
    ) -> Harness {
        let receiver = Arc::new(Receiver::default());
        let receiver_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver_base = format!("http://{}", receiver_listener.local_addr().unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let store = idgw_store::open(store_url).await.unwrap();
        let mut config = OpConfig::new(&base);
        config.interval_s = 1;
        // The client's documents are served by the receiver, on loopback.
        config.fetch.allow_loopback = true;
        edit(&mut config);
        let op = Op::new(config, store.clone(), auth.clone()).await.unwrap();
        let (jwt_key, signed_key) = keys.unwrap_or_else(|| (ec_key("jwt-1"), ec_key("signed-1")));
        let si_key = rsa_key("si-1");
        let mut clients = HashMap::new();
        let now = idgw_oidc::now_ms();
        let mut register = |meta: ClientMetadata, secret: &'static str, key: Option<Jwk>| {
            let id: &'static str = Box::leak(meta.client_id.clone().into_boxed_str());
            clients.insert(id, TestClient { id, secret, key });
            meta
        };
        let base_meta = |id: &str, secret: &str| ClientMetadata {
            client_id: id.into(),
            client_secret: Some(ClientSecret(secret.into())),
            client_name: Some(format!("{id} app")),
            scope: Some("openid phone mc_authn mc_authz".into()),
            ..ClientMetadata::default()
        };
        let notify = |path: &str| Some(format!("{receiver_base}{path}"));
        let metas = vec![
            register(base_meta("poll", "poll-secret"), "poll-secret", None),
            register(
                ClientMetadata {
                    token_endpoint_auth_method: AuthMethod::ClientSecretPost,
                    ..base_meta("post", "post-secret")
                },
                "post-secret",
                None,
            ),
            register(
                ClientMetadata {
                    client_secret: None,
                    token_endpoint_auth_method: AuthMethod::PrivateKeyJwt,
                    jwks: Some(public_jwks(&jwt_key)),
                    ..base_meta("jwt", "")
                },
                "",
                Some(jwt_key.clone()),
            ),
            register(
                ClientMetadata {
                    backchannel_authentication_request_signing_alg: Some("ES256".into()),
                    jwks: Some(public_jwks(&signed_key)),
                    ..base_meta("signed", "signed-secret")
                },
                "signed-secret",
                Some(signed_key.clone()),
            ),
            register(
                ClientMetadata {
                    backchannel_token_delivery_mode: DeliveryMode::Ping,
                    backchannel_client_notification_endpoint: notify("/ping"),
                    ..base_meta("ping", "ping-secret")
                },
                "ping-secret",
                None,
            ),
            register(
                ClientMetadata {
                    backchannel_token_delivery_mode: DeliveryMode::Push,
                    backchannel_client_notification_endpoint: notify("/push"),
                    notification_uris: vec![format!("{receiver_base}/push-alt")],
                    ..base_meta("push", "push-secret")
                },
                "push-secret",
                None,
            ),
            register(
                ClientMetadata {
                    backchannel_user_code_parameter: true,
                    ..base_meta("usercode", "usercode-secret")
                },
                "usercode-secret",
                None,
            ),
            register(
                ClientMetadata {
                    grant_types: vec!["authorization_code".into()],
                    ..base_meta("noba", "noba-secret")
                },
                "noba-secret",
                None,
            ),
            // Mobile Connect DI clients (DI Table 1): redirect URIs and client names.
            register(
                di::meta("di", "di-secret", &receiver_base),
                "di-secret",
                None,
            ),
            register(
                ClientMetadata {
                    token_endpoint_auth_method: AuthMethod::ClientSecretPost,
                    ..di::meta("di-post", "di-post-secret", &receiver_base)
                },
                "di-post-secret",
                None,
            ),
            register(
                ClientMetadata {
                    grant_types: vec!["urn:openid:params:grant-type:ciba".into()],
                    ..di::meta("di-nomc", "di-nomc-secret", &receiver_base)
                },
                "di-nomc-secret",
                None,
            ),
            // Mobile Connect SI clients (SI Table 2): RS256 request objects, private_key_jwt.
            register(
                si_meta("si", &si_key, &receiver_base, None),
                "",
                Some(si_key.clone()),
            ),
            register(
                si_meta("si-noplain", &si_key, &receiver_base, Some(false)),
                "",
                Some(si_key.clone()),
            ),
        ];
        for meta in metas {
            op.clients.register(meta, now).await.unwrap();
        }
        for i in 1..=9 {
            let msisdn = format!("44770090000{i}");
            let user_code = (i == 9).then(|| "4711".to_string());
            store
                .upsert_subscriber(&SubscriberRow { msisdn, user_code }, now)
                .await
                .unwrap();
        }
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut tasks = vec![];
        let router = idgw_oidc::http::router(op.clone());
        let mut rx = shutdown_rx.clone();
        tasks.push(tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|s| *s).await;
                })
                .await
                .unwrap();
        }));
        let recv_router = Router::new()
            .fallback(axum::routing::post(receive).get(document))
            .with_state(receiver.clone());
        let mut rx = shutdown_rx.clone();
        tasks.push(tokio::spawn(async move {
            axum::serve(receiver_listener, recv_router)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|s| *s).await;
                })
                .await
                .unwrap();
        }));
        tasks.push(tokio::spawn(op.clone().run_background(shutdown_rx)));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Harness {
            base,
            op,
            auth,
            receiver,
            receiver_base,
            http,
            clients,
            shutdown,
            tasks,
        }
    }

    pub fn client(&self, id: &str) -> TestClient {
        self.clients
            .get(id)
            .cloned()
            .unwrap_or_else(|| panic!("no test client {id}"))
    }

    pub fn client_keys(&self) -> (Jwk, Jwk) {
        (
            self.client("jwt").key.unwrap(),
            self.client("signed").key.unwrap(),
        )
    }

    /// The node dies: its tasks end without releasing its leases or finishing anything.
    pub fn kill(self) {
        for t in &self.tasks {
            t.abort();
        }
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// POSTs a form with HTTP Basic client authentication.
    pub async fn post_form(
        &self,
        path: &str,
        client: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let c = self.client(client);
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .basic_auth(c.id, Some(c.secret))
            .form(form);
        send(req).await
    }

    pub async fn post_json(
        &self,
        path: &str,
        client: &str,
        body: &Value,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let c = self.client(client);
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .basic_auth(c.id, Some(c.secret))
            .json(body);
        send(req).await
    }

    pub async fn bc(&self, client: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let (s, v, _) = self.post_form("/bc-authorize", client, form).await;
        (s, v)
    }

    /// A standard CIBA request for `msisdn`.
    pub async fn start_auth(&self, client: &str, msisdn: &str) -> String {
        let hint = format!("MSISDN:{msisdn}");
        let (status, body) = self
            .bc(
                client,
                &[
                    ("scope", "openid phone"),
                    ("acr_values", "mod-mf"),
                    ("login_hint", &hint),
                    ("client_notification_token", "cnt-123"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["auth_req_id"].as_str().unwrap().to_string()
    }

    pub async fn poll(&self, client: &str, auth_req_id: &str) -> (StatusCode, Value) {
        let (s, v, _) = self
            .post_form(
                "/token",
                client,
                &[
                    ("grant_type", "urn:openid:params:grant-type:ciba"),
                    ("auth_req_id", auth_req_id),
                ],
            )
            .await;
        (s, v)
    }

    /// Polls every `interval` until the response is no longer pending.
    pub async fn poll_until_done(&self, client: &str, auth_req_id: &str) -> (StatusCode, Value) {
        for _ in 0..40 {
            let (s, v) = self.poll(client, auth_req_id).await;
            if v["error"] != "authorization_pending" && v["error"] != "slow_down" {
                return (s, v);
            }
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        panic!("still pending");
    }

    pub async fn jwks(&self) -> Value {
        self.http
            .get(format!("{}/jwks.json", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

/// Encrypts `plaintext` to the OP's published encryption key (RSA-OAEP-256, content
/// encryption `enc`): an `ENCR_MSISDN:` hint or a `login_hint_token`.
pub async fn encrypt_to_op(h: &Harness, plaintext: &[u8], enc: &str) -> String {
    let jwks = h.jwks().await;
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["use"] == "enc")
        .expect("enc key published")
        .clone();
    let jwk = Jwk::from_bytes(key.to_string()).unwrap();
    let encrypter = josekit::jwe::RSA_OAEP_256.encrypter_from_jwk(&jwk).unwrap();
    let mut header = josekit::jwe::JweHeader::new();
    header.set_content_encryption(enc);
    josekit::jwe::serialize_compact(plaintext, &header, &encrypter).unwrap()
}

/// Verifies an ID token with an independent JOSE implementation (jsonwebtoken) against the
/// OP's published JWKS, checking signature, `iss`, `aud` and `exp`.
pub async fn verify_id_token(h: &Harness, id_token: &str, audience: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(h.jwks().await).unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid published in JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[h.base.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("ID token verifies")
        .claims
}
