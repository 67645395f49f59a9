//! What an Authorization Request leads to (DI sections 2.1 and 4): a code at once from the
//! browser's session, the phone-number page, or an authentication on the SIM that the browser
//! then follows on the "check your phone" page ([`super::follow`]).

use super::code;
use super::request::{self, AuthorizationRequest, Rejection};
use super::serialization::Raw;
use super::session::{self, Browser, SessionData};
use crate::client::DeliveryMode;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::grant::authorization_code::CodeGrant;
use crate::hint::{self, normalize_msisdn, Hint};
use crate::issue::Grant;
use crate::jose::sha256_hex;
use crate::op::Op;
use crate::transaction::open::{open_transaction, USER_BUSY};
use crate::transaction::record::{AcceptedRequest, BrowserReturn};
use idgw_store::{Millis, StoreError};
use std::sync::Arc;

/// The answer to an Authorization Request.
#[derive(Debug)]
pub enum Step {
    /// 302 to the client: a code (Table 3) or an error (Table 7).
    Redirect(String),
    /// Our own 400 page (Table 7 "Bad Request 400").
    ErrorPage(OAuthError),
    /// The phone-number page; `invalid_number` when the number typed there was not one.
    AskMsisdn {
        request: Box<AuthorizationRequest>,
        invalid_number: bool,
    },
    /// The authentication runs on the SIM: the browser follows it on the wait page.
    Wait { auth_req_id: String },
}

/// `GET|POST /authorize`, and the phone-number page's answer (`entered` is the typed number).
pub async fn authorize(
    op: &Arc<Op>,
    raw: Raw<'_>,
    browser: &Browser,
    entered: Option<&str>,
    now: Millis,
) -> Step {
    let request = match request::validate(op, raw, now).await {
        Ok(r) => r,
        Err(Rejection::Page(e)) => return Step::ErrorPage(e),
        Err(Rejection::Redirect(e, ret)) => return Step::Redirect(ret.error(&e)),
    };
    let ret = request.ret.clone();
    match accept(op, request, browser, entered, now).await {
        Ok(step) => step,
        Err(e) => Step::Redirect(ret.error(&internal_as_table_7(e))),
    }
}

/// Table 7 "System connection problems [internal to ID GW] (or) ... Any Unexpected error":
/// `server_error` "Internal Server Error", whatever failed inside (the log has the detail).
fn internal_as_table_7(e: OAuthError) -> OAuthError {
    match e.code {
        ErrorCode::ServerError => OAuthError::server_error("Internal Server Error"),
        _ => e,
    }
}

async fn accept(
    op: &Arc<Op>,
    mut request: AuthorizationRequest,
    browser: &Browser,
    entered: Option<&str>,
    now: Millis,
) -> Result<Step, OAuthError> {
    if let Some(typed) = entered {
        if request.hint.is_some() {
            return Err(OAuthError::invalid_request(
                "Malformed request, duplicate parameter entries",
            ));
        }
        let digits: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let Some(msisdn) = normalize_msisdn(&digits) else {
            return Ok(Step::AskMsisdn {
                request: Box::new(request),
                invalid_number: true,
            });
        };
        request.hint = Some(Hint::LoginHint(format!("MSISDN:{msisdn}")));
    }
    let client = request.client.clone();
    let msisdn = match &request.hint {
        Some(h) => {
            let m = hint::resolve(op, &client, h, Dialect::Core, now)
                .await
                .map_err(request::invalid_hint)?;
            if op.store.subscriber(&m).await?.is_none() {
                return Err(request::unknown_user());
            }
            Some(m)
        }
        None => None,
    };
    if let Some(step) = from_session(op, &request, browser, msisdn.as_deref(), now).await? {
        return Ok(step);
    }
    if request.prompt_none {
        return Err(OAuthError::new(
            ErrorCode::LoginRequired,
            "The User is not authenticated",
        ));
    }
    let Some(msisdn) = msisdn else {
        return Ok(Step::AskMsisdn {
            request: Box::new(request),
            invalid_number: false,
        });
    };
    let accepted = accepted(op, &request, &msisdn, browser).await?;
    let expires_in = op.config.default_expires_in_s;
    let step = "GET|POST /authorize";
    match open_transaction(op, client.id(), msisdn, accepted, expires_in, step, now).await {
        Ok(auth_req_id) => Ok(Step::Wait { auth_req_id }),
        Err(StoreError::Busy) => Err(OAuthError::access_denied(USER_BUSY)),
        Err(e) => Err(e.into()),
    }
}

/// A code straight from the browser's session, when it satisfies the request.
async fn from_session(
    op: &Op,
    request: &AuthorizationRequest,
    browser: &Browser,
    msisdn: Option<&str>,
    now: Millis,
) -> Result<Option<Step>, OAuthError> {
    if browser.fresh {
        return Ok(None);
    }
    let Some(row) = op.store.session(&browser.hash()).await? else {
        return Ok(None);
    };
    let Ok(data) = serde_json::from_str::<SessionData>(&row.data) else {
        return Ok(None);
    };
    if !session::satisfies(&row, &data, request, msisdn, now) {
        return Ok(None);
    }
    let accepted = accepted(op, request, &row.msisdn, browser).await?;
    let grant = Grant {
        sub: accepted.sub.clone(),
        msisdn: row.msisdn.clone(),
        scope: accepted.scope.clone(),
        acr: data.acr,
        amr: data.amr,
        auth_time: row.auth_time,
    };
    let code_grant = CodeGrant {
        request: accepted,
        grant,
    };
    let client_id = request.client.id();
    let location = code::issue(op, client_id, &request.ret, &code_grant, None, None, now).await?;
    Ok(location.map(Step::Redirect))
}

/// The transaction's request: what the authenticator shows and what the tokens will say.
async fn accepted(
    op: &Op,
    request: &AuthorizationRequest,
    msisdn: &str,
    browser: &Browser,
) -> Result<AcceptedRequest, OAuthError> {
    let client = &request.client;
    let hashed_login_hint = request
        .hint
        .as_ref()
        .and_then(Hint::hashed)
        .unwrap_or_else(|| sha256_hex(&format!("MSISDN:{msisdn}")));
    Ok(AcceptedRequest {
        dialect: Dialect::Core,
        delivery: DeliveryMode::Poll,
        scope: request.scope.clone(),
        acr: request.acr.to_string(),
        pin_required: request.pin_required,
        sub: op.pcr(&client.sector, msisdn).await?,
        nonce: Some(request.nonce.clone()),
        binding_message: request.binding_message.clone(),
        display_text: request.display_text.clone(),
        client_notification_token: None,
        notification_endpoint: None,
        client_req_id: None,
        correlation_id: request.ret.correlation_id.clone(),
        hashed_login_hint: Some(hashed_login_hint),
        interval: op.config.interval_s,
        recipient: None,
        device_initiated: Some(BrowserReturn {
            redirect_uri: request.ret.redirect_uri.clone(),
            state: request.ret.state.clone(),
            browser: browser.hex(),
            ui_locales: request.ui_locales.clone(),
        }),
    })
}
