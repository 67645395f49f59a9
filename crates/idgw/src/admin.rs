//! The admin listener (DESIGN.md section 4): Prometheus `/metrics`, `/healthz` (the process
//! answers) and `/readyz` (the store answers).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use idgw_oidc::Op;
use std::sync::Arc;

pub fn router(op: Arc<Op>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(op)
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
