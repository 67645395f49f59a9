//! The admin listener (DESIGN.md section 4): Prometheus `/metrics`, `/healthz` (the process
//! answers), `/readyz` (the store answers), and the admin API behind `[admin] token`:
//! `GET /admin/v1/transactions/{auth_req_id}` (state and recorded steps).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use idgw_oidc::Op;
use serde_json::json;
use std::sync::Arc;

#[derive(Clone)]
struct Admin {
    op: Arc<Op>,
    /// The admin API bearer token; `None` disables the API.
    token: Option<Arc<str>>,
}

pub fn router(op: Arc<Op>, token: Option<String>) -> Router {
    let admin = Admin {
        op: op.clone(),
        token: token.filter(|t| !t.is_empty()).map(Arc::from),
    };
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(op)
        .merge(
            Router::new()
                .route("/admin/v1/transactions/{auth_req_id}", get(transaction))
                .with_state(admin),
        )
}

/// Constant-time comparison of the presented bearer token.
fn authorized(admin: &Admin, headers: &HeaderMap) -> Result<(), StatusCode> {
    let Some(token) = &admin.token else {
        return Err(StatusCode::NOT_FOUND);
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let same = presented.len() == token.len()
        && presented
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(StatusCode::UNAUTHORIZED)
    }
}

async fn transaction(
    State(admin): State<Admin>,
    headers: HeaderMap,
    Path(auth_req_id): Path<String>,
) -> Response {
    if let Err(status) = authorized(&admin, &headers) {
        return status.into_response();
    }
    let store = &admin.op.store;
    let (row, events) = match (
        store.transaction(&auth_req_id).await,
        store.events(&auth_req_id).await,
    ) {
        (Ok(row), Ok(events)) => (row, events),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(code = "E_STORE", error = %e, "admin lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(row) = row else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let events: Vec<_> = events
        .iter()
        .map(|e| json!({ "at": e.at, "component": e.component, "step": e.step, "outcome": e.outcome, "detail": e.detail }))
        .collect();
    Json(json!({
        "auth_req_id": row.auth_req_id,
        "client_id": row.client_id,
        "state": row.state.as_str(),
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "completed_at": row.completed_at,
        "events": events,
    }))
    .into_response()
}

async fn metrics(State(op): State<Arc<Op>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        op.metrics.render(),
    )
        .into_response()
}

async fn readyz(State(op): State<Arc<Op>>) -> Response {
    match op.store.keys().await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}
