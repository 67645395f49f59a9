//! The OP's HTTP surface (DESIGN.md section 6). Handlers only parse the HTTP request, read
//! the clock once, call the domain function, and render its result or its [`OAuthError`] at
//! their [`Endpoint`] ([`error`] decides status and headers).

pub mod error;

use crate::discovery;
use crate::endpoint::backchannel::bc_authorize;
use crate::endpoint::{token, userinfo};
use crate::error::OAuthError;
use crate::mc_si::request::{get_not_allowed, si_authorize as si_request};
use crate::op::Op;
use crate::params::{Incoming, Params, MAX_BODY};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use error::{Endpoint, ErrorResponse};
use idgw_store::Millis;
use std::sync::Arc;

pub fn router(op: Arc<Op>) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/jwks.json", get(jwks))
        .route("/bc-authorize", post(backchannel))
        .route("/si-authorize", post(si_authorize).get(si_authorize_get))
        .route("/token", post(token_endpoint))
        .route("/userinfo", get(userinfo_endpoint).post(userinfo_endpoint))
        .route(
            "/premiuminfo",
            get(userinfo_endpoint).post(userinfo_endpoint),
        )
        .merge(crate::mc_di::http::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY + 1))
        .with_state(op)
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// JSON with `Cache-Control: no-store` (RFC 6749 5.1, CIBA Core 7.3).
fn no_store(body: impl serde::Serialize) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn openid_configuration(State(op): State<Arc<Op>>) -> Response {
    Json(discovery::metadata(&op.config, op.keys.signing_alg())).into_response()
}

async fn jwks(State(op): State<Arc<Op>>) -> Response {
    let mut response = Json(op.keys.public_jwks().clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    response
}

fn incoming<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> Incoming<'a> {
    Incoming {
        authorization: header_str(headers, header::AUTHORIZATION),
        content_type: header_str(headers, header::CONTENT_TYPE),
        body,
    }
}

fn render(result: Result<impl serde::Serialize, OAuthError>, at: Endpoint) -> Response {
    match result {
        Ok(body) => no_store(body),
        Err(error) => ErrorResponse { error, at }.into_response(),
    }
}

/// An endpoint taking a parameter body: the body (or its size error), the clock read once,
/// the domain call, and its answer rendered at `at`.
async fn answer<T: serde::Serialize>(
    op: &Op,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    at: Endpoint,
    call: impl AsyncFnOnce(Incoming<'_>, Millis) -> Result<T, OAuthError>,
) -> Response {
    match body {
        Ok(body) => render(call(incoming(headers, &body), op.now()).await, at),
        Err(_) => body_too_large(at),
    }
}

async fn backchannel(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let call = async |request: Incoming<'_>, now: Millis| bc_authorize(&op, request, now).await;
    answer(&op, &headers, body, Endpoint::Authentication, call).await
}

async fn si_authorize(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let call = async |request: Incoming<'_>, now: Millis| si_request(&op, request, now).await;
    answer(&op, &headers, body, Endpoint::Authentication, call).await
}

/// Mobile Connect SI requests "MUST use POST"; a GET is an `invalid_request` (SI Table 13).
async fn si_authorize_get(RawQuery(query): RawQuery) -> Response {
    let error = get_not_allowed(query.as_deref());
    ErrorResponse {
        error,
        at: Endpoint::Authentication,
    }
    .into_response()
}

async fn token_endpoint(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let call = async |request: Incoming<'_>, now: Millis| token::token(&op, request, now).await;
    answer(&op, &headers, body, Endpoint::Token, call).await
}

async fn userinfo_endpoint(
    State(op): State<Arc<Op>>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let at = Endpoint::UserInfo;
    let Ok(body) = body else {
        return body_too_large(at);
    };
    let now = op.now();
    let form_token = if method == Method::POST && !body.is_empty() {
        match Params::from_body(header_str(&headers, header::CONTENT_TYPE), &body) {
            Ok((params, _)) => params.get("access_token").map(str::to_string),
            Err(error) => return ErrorResponse { error, at }.into_response(),
        }
    } else {
        None
    };
    let authorization = header_str(&headers, header::AUTHORIZATION);
    render(
        userinfo::userinfo(&op, authorization, form_token.as_deref(), now).await,
        at,
    )
}

/// A body axum could not read (over the size limit) rendered as an OAuth error.
fn body_too_large(at: Endpoint) -> Response {
    let error = OAuthError::invalid_request("the request body is too large");
    ErrorResponse { error, at }.into_response()
}
