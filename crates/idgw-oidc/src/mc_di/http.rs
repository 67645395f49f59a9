//! The routes of Mobile Connect DI. Handlers read the request (query, body, cookie, language),
//! call [`authorize`](super::authorize) and render its answer: a redirect, a page, or the small
//! JSON status the wait page polls.
//!
//! | route | does |
//! | --- | --- |
//! | `GET\|POST /authorize` | the OIDC Authorization Request (Table 2) |
//! | `POST /authorize/msisdn` | the phone-number page's form: the request again, plus `msisdn` |
//! | `GET /authorize/wait?id=` | the "check your phone" page; once the phone answered, the redirect |
//! | `GET /authorize/status?id=` | `{"state": "pending"}` or `{"state": "done"}` for the page's script |

use super::authorize::{self, Step};
use super::follow::{self, Progress};
use super::pages::{self, Lang, Waiting};
use super::serialization::Raw;
use super::session::Browser;
use super::AUTHORIZE_PATH;
use crate::error::OAuthError;
use crate::op::Op;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<Op>> {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_get).post(authorize_post))
        .route("/authorize/msisdn", post(msisdn))
        .route("/authorize/wait", get(wait))
        .route("/authorize/status", get(status))
}

/// The pages allow nothing from elsewhere, no framing, and no `Referer` (the wait page's URL
/// names the transaction).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What every handler needs besides its own input.
struct Context {
    browser: Browser,
    accept_language: Option<String>,
    secure: bool,
}

impl Context {
    fn new(op: &Op, headers: &HeaderMap) -> Context {
        Context {
            browser: Browser::from_header(header_str(headers, header::COOKIE)),
            accept_language: header_str(headers, header::ACCEPT_LANGUAGE).map(str::to_string),
            secure: op.config.issuer.starts_with("https://"),
        }
    }

    fn lang(&self, ui_locales: Option<&str>) -> Lang {
        Lang::choose(ui_locales, self.accept_language.as_deref())
    }

    /// Adds the headers every answer carries (no caching, no referrer, the cookie if new).
    fn finish(&self, mut response: Response) -> Response {
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        if self.browser.fresh {
            if let Ok(v) = HeaderValue::from_str(&self.browser.set_cookie(self.secure)) {
                h.insert(header::SET_COOKIE, v);
            }
        }
        response
    }

    fn page(&self, status: StatusCode, html: String) -> Response {
        let mut response = (status, html).into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        self.finish(response)
    }

    fn redirect(&self, status: StatusCode, location: &str) -> Response {
        match HeaderValue::from_str(location) {
            Ok(v) => self.finish((status, [(header::LOCATION, v)]).into_response()),
            Err(_) => self.error_page(&OAuthError::server_error("Internal Server Error"), None),
        }
    }

    fn error_page(&self, e: &OAuthError, ui_locales: Option<&str>) -> Response {
        let html = pages::error(self.lang(ui_locales).catalog(), e);
        self.page(StatusCode::BAD_REQUEST, html)
    }

    fn render(&self, step: Step) -> Response {
        match step {
            Step::Redirect(location) => self.redirect(StatusCode::FOUND, &location),
            Step::ErrorPage(e) => self.error_page(&e, None),
            Step::AskMsisdn {
                request,
                invalid_number,
            } => {
                let c = self.lang(request.ui_locales.as_deref()).catalog();
                let name = request
                    .params
                    .get("client_name")
                    .unwrap_or(request.client.display_name());
                self.page(
                    StatusCode::OK,
                    pages::phone(c, name, &request.params, invalid_number),
                )
            }
            Step::Wait { auth_req_id } => {
                let location = format!("/authorize/wait?id={auth_req_id}");
                self.redirect(StatusCode::SEE_OTHER, &location)
            }
        }
    }
}

async fn authorize_get(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    run(&op, &headers, true, query.as_deref(), body, false).await
}

async fn authorize_post(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    run(&op, &headers, false, query.as_deref(), body, false).await
}

async fn msisdn(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    run(&op, &headers, false, None, body, true).await
}

async fn run(
    op: &Arc<Op>,
    headers: &HeaderMap,
    get: bool,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
    from_phone_page: bool,
) -> Response {
    let cx = Context::new(op, headers);
    let Ok(body) = body else {
        return cx.error_page(
            &OAuthError::invalid_request("the request is too large"),
            None,
        );
    };
    let raw = Raw {
        get,
        query,
        content_type: header_str(headers, header::CONTENT_TYPE),
        body: &body,
    };
    let entered = if from_phone_page {
        let typed = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "msisdn")
            .map(|(_, v)| v.into_owned());
        Some(typed.unwrap_or_default())
    } else {
        None
    };
    let now = op.now();
    let step = authorize::authorize(op, raw, &cx.browser, entered.as_deref(), now).await;
    cx.render(step)
}

async fn wait(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let cx = Context::new(&op, &headers);
    let id = query.get("id").map(String::as_str).unwrap_or_default();
    let now = op.now();
    match follow::follow(&op, id, &cx.browser, now).await {
        Ok(Progress::Pending { request, msisdn }) => {
            let ui_locales = request
                .device_initiated
                .as_ref()
                .and_then(|d| d.ui_locales.as_deref());
            let c = cx.lang(ui_locales).catalog();
            let waiting = Waiting {
                auth_req_id: id,
                msisdn: &msisdn,
                binding_message: request.binding_message.as_deref(),
                pin_required: request.pin_required,
            };
            cx.page(StatusCode::OK, pages::wait(c, &waiting))
        }
        Ok(Progress::Redirect(location)) => cx.redirect(StatusCode::FOUND, &location),
        Ok(Progress::Gone) => cx.page(StatusCode::NOT_FOUND, pages::gone(cx.lang(None).catalog())),
        Err(e) => cx.error_page(&e, None),
    }
}

async fn status(
    State(op): State<Arc<Op>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let cx = Context::new(&op, &headers);
    let id = query.get("id").map(String::as_str).unwrap_or_default();
    let (code, state) = match follow::pending(&op, id, &cx.browser).await {
        Ok(Some(true)) => (StatusCode::OK, "pending"),
        Ok(Some(false)) => (StatusCode::OK, "done"),
        Ok(None) => (StatusCode::NOT_FOUND, "unknown"),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error"),
    };
    let body = Json(serde_json::json!({ "state": state }));
    let mut response = (code, body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
