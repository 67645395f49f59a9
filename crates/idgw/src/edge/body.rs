//! Request bodies at the edge: each is read whole before any handler runs, within
//! `body_read_timeout` of its head, and no larger than its endpoint's limit (http-body-util's
//! `Limited`). A client trickling its body a byte at a time is cut off at the deadline
//! whatever the limit, which a per-read timeout would not do.
//!
//! Refusals are JSON in the OAuth error shape (RFC 6749 5.2) so that every endpoint, the OP's
//! first, answers bad input with a JSON error: 413 when the body is larger than allowed (also
//! announced by `Content-Length`, before reading), 408 when it does not arrive in time, 400
//! when the body breaks off (a bad chunked encoding). The connection is closed after them.

use axum::body::{Body, HttpBody};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub(super) struct BodyLimits {
    /// The limit of every path not in `tight_paths`.
    pub default: usize,
    pub tight_paths: &'static [&'static str],
    pub tight: usize,
    /// Time to read the whole body, from the request's head on.
    pub deadline: Duration,
}

impl BodyLimits {
    fn for_path(&self, path: &str) -> usize {
        if self.tight_paths.contains(&path) {
            self.tight
        } else {
            self.default
        }
    }
}

/// `router` with every request body read under `limits`.
pub(super) fn layer(router: Router, limits: BodyLimits) -> Router {
    // axum's extractors have their own default limit (2 MiB); ours is the one that counts.
    let most = limits.default.max(limits.tight);
    router
        .layer(middleware::from_fn_with_state(Arc::new(limits), read_body))
        .layer(DefaultBodyLimit::max(most))
}

async fn read_body(
    State(limits): State<Arc<BodyLimits>>,
    request: Request,
    next: Next,
) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let limit = limits.for_path(request.uri().path());
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, too_large(limit));
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(limits.deadline, Limited::new(body, limit).collect()).await;
    match read {
        Ok(Ok(collected)) => {
            let request = Request::from_parts(parts, Body::from(collected.to_bytes()));
            next.run(request).await
        }
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            refuse(StatusCode::PAYLOAD_TOO_LARGE, too_large(limit))
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "request body broke off");
            refuse(StatusCode::BAD_REQUEST, "request body incomplete".into())
        }
        Err(_) => refuse(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "request body not received within {} s",
                limits.deadline.as_secs()
            ),
        ),
    }
}

fn too_large(limit: usize) -> String {
    format!("request body larger than {limit} bytes")
}

fn refuse(status: StatusCode, description: String) -> Response {
    let body = serde_json::json!({
        "error": "invalid_request",
        "error_description": description,
    });
    let mut response = (status, Json(body)).into_response();
    // The rest of the body is never read: the connection cannot carry another request.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
