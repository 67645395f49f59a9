//! The ping-mode client's notification endpoint (CIBA Core 10.2), on loopback: a ping
//! `POST /ping` with `Authorization: Bearer <client_notification_token>` and
//! `{"auth_req_id": ...}` wakes the flow that sent that token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch};

#[derive(Default)]
struct Waiting {
    flows: Mutex<HashMap<String, oneshot::Sender<String>>>,
}

/// The running receiver; it stops when dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    waiting: Arc<Waiting>,
    _stop: watch::Sender<bool>,
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let waiting = Arc::new(Waiting::default());
        let router = Router::new()
            .route("/ping", post(ping))
            .with_state(waiting.clone());
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        });
        Ok(Receiver {
            addr,
            waiting,
            _stop: stop,
        })
    }

    /// Where clients register their notification endpoint.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}/ping", self.addr)
    }

    /// Registers `token` before the request that carries it; the receiver yields the pinged
    /// `auth_req_id`.
    pub fn expect(&self, token: &str) -> oneshot::Receiver<String> {
        let (tx, rx) = oneshot::channel();
        self.waiting
            .flows
            .lock()
            .expect("waiting")
            .insert(token.to_string(), tx);
        rx
    }

    /// Forgets a token whose flow gave up.
    pub fn forget(&self, token: &str) {
        self.waiting.flows.lock().expect("waiting").remove(token);
    }
}

async fn ping(
    State(waiting): State<Arc<Waiting>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let (Some(token), Some(id)) = (token, body["auth_req_id"].as_str()) else {
        return StatusCode::BAD_REQUEST;
    };
    match waiting.flows.lock().expect("waiting").remove(token) {
        Some(flow) => {
            let _ = flow.send(id.to_string());
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}
