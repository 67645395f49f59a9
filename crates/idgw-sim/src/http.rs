//! The handset simulator's HTTP interface (DESIGN.md section 7, contract):
//!
//! | call | does |
//! | --- | --- |
//! | `GET /api/handsets` | every phone: SIM state and pending prompts |
//! | `GET /api/handsets/{msisdn}` | the SIM's state: PIN tries left, blocked, last counters |
//! | `GET /api/handsets/{msisdn}/prompts` | `[{"id","text","pin_required","received_at"}]` |
//! | `POST /api/handsets/{msisdn}/prompts/{id}` | `{"pin":"1234"}`, `{"ok":true}` or `{"cancel":true}` |
//! | `GET /` | the web page of the phones |
//! | `GET /phones` | the phone sections of the page (for its live update) |
//! | `POST /handsets/{msisdn}/prompts/{id}` | the page's form: `pin`, `action=ok|cancel`, then 303 to `/` |
//!
//! Errors are JSON `{"error": code, "error_description": text}`: 404 for an
//! unknown handset or prompt, 400 for a body that is not one of the three
//! answers or does not fit the prompt. The listener and shutdown come from
//! the caller ([`router`] only builds the routes).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use crate::applet::UserInput;
use crate::error::AnswerError;
use crate::farm::SimFarm;
use crate::page;

/// Longest PIN accepted in a request body (the card decides if it is right).
pub const MAX_PIN_LEN: usize = 16;

/// The routes of the handset simulator over `farm`.
pub fn router(farm: SimFarm) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/phones", get(phones))
        .route("/handsets/{msisdn}/prompts/{id}", post(answer_form))
        .route("/api/handsets", get(list))
        .route("/api/handsets/{msisdn}", get(one))
        .route("/api/handsets/{msisdn}/prompts", get(prompts))
        .route("/api/handsets/{msisdn}/prompts/{id}", post(answer_json))
        .with_state(farm)
}

/// Serves [`router`] on the caller's listener until `shutdown` completes
/// (DESIGN.md section 4: default `127.0.0.1:8081`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    farm: SimFarm,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(farm))
        .with_graceful_shutdown(shutdown)
        .await
}

/// An API error: `Display`-free, rendered once in [`IntoResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(AnswerError);

impl From<AnswerError> for ApiError {
    fn from(e: AnswerError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match self.0 {
            AnswerError::UnknownHandset => (StatusCode::NOT_FOUND, "unknown_handset"),
            AnswerError::UnknownPrompt => (StatusCode::NOT_FOUND, "unknown_prompt"),
            AnswerError::PinRequired => (StatusCode::BAD_REQUEST, "pin_required"),
            AnswerError::PinNotExpected => (StatusCode::BAD_REQUEST, "pin_not_expected"),
            AnswerError::BadAnswer => (StatusCode::BAD_REQUEST, "invalid_request"),
        };
        let body = serde_json::json!({"error": code, "error_description": self.0.to_string()});
        (status, Json(body)).into_response()
    }
}

async fn list(State(farm): State<SimFarm>) -> Response {
    Json(farm.views()).into_response()
}

async fn one(State(farm): State<SimFarm>, Path(msisdn): Path<String>) -> Response {
    match farm.view(&msisdn) {
        Some(v) => Json(v).into_response(),
        None => ApiError(AnswerError::UnknownHandset).into_response(),
    }
}

async fn prompts(State(farm): State<SimFarm>, Path(msisdn): Path<String>) -> Response {
    match farm.prompts(&msisdn) {
        Some(p) => Json(p).into_response(),
        None => ApiError(AnswerError::UnknownHandset).into_response(),
    }
}

/// `{"pin": "..."}`, `{"ok": true}` or `{"cancel": true}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    pin: Option<String>,
    ok: Option<bool>,
    cancel: Option<bool>,
}

/// Exactly one of the three answers, or [`AnswerError::BadAnswer`].
fn parse_answer(body: &[u8]) -> Result<UserInput, AnswerError> {
    let b: AnswerBody = serde_json::from_slice(body).map_err(|_| AnswerError::BadAnswer)?;
    match (b.pin, b.ok, b.cancel) {
        (Some(pin), None, None) if (1..=MAX_PIN_LEN).contains(&pin.len()) => {
            Ok(UserInput::Pin(pin))
        }
        (None, Some(true), None) => Ok(UserInput::Ok),
        (None, None, Some(true)) => Ok(UserInput::Cancel),
        _ => Err(AnswerError::BadAnswer),
    }
}

async fn answer_json(
    State(farm): State<SimFarm>,
    Path((msisdn, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if farm.view(&msisdn).is_none() {
        return ApiError(AnswerError::UnknownHandset).into_response();
    }
    let result = parse_answer(&body).and_then(|input| farm.answer(&msisdn, &id, input));
    match result {
        Ok(report) => Json(report).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

async fn index(State(farm): State<SimFarm>, Query(q): Query<NoticeQuery>) -> Response {
    let notice = q.notice.as_deref().and_then(notice_text);
    let html = page::page(&farm.views(), notice);
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

async fn phones(State(farm): State<SimFarm>) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(page::phones_fragment(&farm.views())),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// Only fixed texts are shown: nothing from the query string is reflected.
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "ok" => "Confirmed.",
        "user_cancel" => "Cancelled.",
        "pin_blocked" => "PIN blocked.",
        "card_blocked" => "Card blocked.",
        "wrong_pin" => "Wrong PIN, try again.",
        "pin_required" => "Enter the PIN first.",
        "gone" => "That prompt is no longer there.",
        _ => return None,
    })
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    pin: Option<String>,
    action: String,
}

async fn answer_form(
    State(farm): State<SimFarm>,
    Path((msisdn, id)): Path<(String, String)>,
    Form(form): Form<AnswerForm>,
) -> Response {
    let pin_required = farm
        .prompts(&msisdn)
        .and_then(|ps| ps.into_iter().find(|p| p.id == id))
        .map(|p| p.pin_required);
    let input = match (form.action.as_str(), pin_required) {
        (_, None) => return Redirect::to("/?notice=gone").into_response(),
        ("cancel", _) => UserInput::Cancel,
        ("ok", Some(true)) => match form.pin.filter(|p| !p.is_empty() && p.len() <= MAX_PIN_LEN) {
            Some(pin) => UserInput::Pin(pin),
            None => return Redirect::to("/?notice=pin_required").into_response(),
        },
        ("ok", Some(false)) => UserInput::Ok,
        _ => return ApiError(AnswerError::BadAnswer).into_response(),
    };
    let code = match farm.answer(&msisdn, &id, input) {
        Ok(r) => r.result,
        Err(_) => "gone",
    };
    Redirect::to(&format!("/?notice={code}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_bodies() {
        assert_eq!(
            parse_answer(br#"{"pin":"1234"}"#),
            Ok(UserInput::Pin("1234".into()))
        );
        assert_eq!(parse_answer(br#"{"ok":true}"#), Ok(UserInput::Ok));
        assert_eq!(parse_answer(br#"{"cancel":true}"#), Ok(UserInput::Cancel));
        for bad in [
            &br#"{"ok":false}"#[..],
            br#"{"pin":"1234","ok":true}"#,
            br#"{"pin":""}"#,
            br#"{}"#,
            br#"{"pin":1234}"#,
            br#"{"foo":1}"#,
            b"not json",
        ] {
            assert_eq!(parse_answer(bad), Err(AnswerError::BadAnswer));
        }
    }
}
