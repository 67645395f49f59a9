//! The OIDC Authorization Request of Mobile Connect DI (section 4, Table 2) and its errors
//! (Annex A.1, Table 7).
//!
//! Table 7 has two kinds of answer. A request whose client is unknown, or whose
//! `redirect_uri` is missing or not registered, gets our own 400 page: nothing is ever
//! redirected to a URI the client did not register. Every other error is redirected to the
//! client with `error`, `error_description`, `state` and `correlation_id`. The parameter checks
//! all run, so "Multiple problems in authorization request" can be told apart from one.

use super::code::Return;
use super::serialization::{collect, Collected, Raw};
use super::{DISPLAY_VALUES, MAX_STATE, RESPONSE_TYPE_CODE, SUPPORTED_VERSIONS};
use crate::client::Client;
use crate::error::{ErrorCode, OAuthError};
use crate::grant::authorization_code::allows_device_initiated;
use crate::hint::Hint;
use crate::mobile_connect::SUPPORTED_SCOPES;
use crate::op::Op;
use crate::params::{Params, MAX_VALUE};
use crate::transaction::open::display_text;
use crate::validate::{self, choose_acr, login_hint, scope_problem, ScopeProblem, HINT_MISSING};
use idgw_store::Millis;
use std::sync::Arc;

/// Scope values that ask for authentication alone: only then may idgw ask the user for the
/// phone number instead of requiring a hint (Table 7, `login_hint` row note).
const AUTHENTICATION_SCOPES: &[&str] = &["openid", "mc_authn"];

/// Why a request is refused, and how (Table 7 "HTTP mode").
#[derive(Debug, Clone)]
pub enum Rejection {
    /// "Bad Request 400": our own page, never a redirect.
    Page(OAuthError),
    /// "Redirect 302" to the client's registered `redirect_uri`.
    Redirect(OAuthError, Return),
}

/// A request that passed Table 7's parameter checks.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub client: Arc<Client>,
    pub ret: Return,
    /// The parameters as sent, for the phone-number page to send back.
    pub params: Params,
    pub scope: String,
    pub nonce: String,
    pub acr: &'static str,
    pub pin_required: bool,
    pub hint: Option<Hint>,
    /// `prompt=none`, unless `scope` has `mc_authz` (Table 2: then the user is always asked).
    pub prompt_none: bool,
    pub prompt_login: bool,
    pub max_age: Option<u64>,
    pub binding_message: Option<String>,
    /// What the handset shows: client name, context, binding message.
    pub display_text: String,
    pub ui_locales: Option<String>,
}

impl AuthorizationRequest {
    /// `scope` names `mc_authz`: always prompt, whatever `prompt` says (Table 2).
    pub fn mc_authz(&self) -> bool {
        self.scope.split(' ').any(|s| s == "mc_authz")
    }
}

/// Table 1: `redirect_uri` exactly equal (RFC 3986 6.2.1) to a registered one, with no
/// fragment (RFC 6749 3.1.2).
pub fn is_registered_redirect(client: &Client, uri: &str) -> bool {
    !uri.contains('#') && client.metadata.redirect_uris.iter().any(|r| r == uri)
}

/// Validates a request per Table 2 and Table 7.
pub async fn validate(
    op: &Op,
    raw: Raw<'_>,
    now: Millis,
) -> Result<AuthorizationRequest, Rejection> {
    let c = collect(raw);
    let p = &c.params;
    let page = |e: OAuthError| Rejection::Page(e);
    if c.duplicates
        .iter()
        .any(|d| d == "client_id" || d == "redirect_uri")
    {
        return Err(page(OAuthError::invalid_request(
            "Multiple parameter names in the authorization request. Malformed request",
        )));
    }
    let client_id = p.get("client_id").ok_or_else(|| {
        page(OAuthError::invalid_request(
            "REQUIRED parameter client_id is missing",
        ))
    })?;
    let client = op
        .clients
        .get(client_id, now)
        .await
        .map_err(|e| page(e.into()))?
        .ok_or_else(|| {
            page(OAuthError::invalid_client(
                "The client is not authorized to request an authorization code",
            ))
        })?;
    let redirect_uri = p
        .get("redirect_uri")
        .filter(|u| is_registered_redirect(&client, u));
    if !allows_device_initiated(&client) {
        let e = OAuthError::unauthorized_client(
            "The client is not allowed to make MC service request.",
        );
        return Err(match redirect_uri {
            Some(uri) => Rejection::Redirect(e, Return::new(uri, p)),
            None => page(e),
        });
    }
    let redirect_uri =
        redirect_uri.ok_or_else(|| page(OAuthError::invalid_request("redirect_uri is invalid")))?;
    let ret = Return::new(redirect_uri, p);
    check(&client, &c, &op.config.unavailable_scopes)
        .map(|checked| checked.into_request(client.clone(), ret.clone(), p.clone()))
        .map_err(|mut problems| {
            let e = if problems.len() == 1 {
                problems.remove(0)
            } else {
                OAuthError::invalid_request("Malformed request multiple problems exist")
            };
            Rejection::Redirect(e, ret)
        })
}

/// The parameter values that passed [`check`].
struct Checked {
    scope: String,
    nonce: String,
    acr: &'static str,
    pin_required: bool,
    hint: Option<Hint>,
    prompt: Vec<String>,
    max_age: Option<u64>,
    binding_message: Option<String>,
    display_text: String,
}

impl Checked {
    fn into_request(
        self,
        client: Arc<Client>,
        ret: Return,
        params: Params,
    ) -> AuthorizationRequest {
        let mc_authz = self.scope.split(' ').any(|s| s == "mc_authz");
        AuthorizationRequest {
            ui_locales: params.get("ui_locales").map(str::to_string),
            client,
            ret,
            params,
            scope: self.scope,
            nonce: self.nonce,
            acr: self.acr,
            pin_required: self.pin_required,
            hint: self.hint,
            prompt_none: self.prompt.iter().any(|p| p == "none") && !mc_authz,
            prompt_login: self.prompt.iter().any(|p| p == "login"),
            max_age: self.max_age,
            binding_message: self.binding_message,
            display_text: self.display_text,
        }
    }
}

fn invalid(description: &str) -> OAuthError {
    OAuthError::invalid_request(description)
}

/// The problems found so far: Table 7 tells one from several.
#[derive(Default)]
struct Problems(Vec<OAuthError>);

impl Problems {
    fn add(&mut self, e: OAuthError) {
        self.0.push(e);
    }

    /// The value of a check that passed; a failed one is noted.
    fn check<T>(&mut self, result: Result<T, OAuthError>) -> Option<T> {
        result.map_err(|e| self.add(e)).ok()
    }
}

/// Every Table 7 parameter check after client and `redirect_uri`; all problems found.
fn check(client: &Client, c: &Collected, suspended: &[String]) -> Result<Checked, Vec<OAuthError>> {
    let p = &c.params;
    let mut problems = Problems::default();
    if !c.duplicates.is_empty() {
        problems.add(invalid(
            "Multiple parameter names in the authorization request. Malformed request",
        ));
    }
    if let Some(s) = c.serialization {
        problems.add(invalid(s));
    }
    if p.names()
        .any(|n| p.raw(n).is_some_and(|v| v.len() > MAX_VALUE))
    {
        problems.add(invalid("A parameter value is too long"));
    }
    match p.get("response_type") {
        None => problems.add(invalid(
            "REQUIRED parameter response_type is missing or value is invalid",
        )),
        Some(RESPONSE_TYPE_CODE) => {}
        Some(_) => problems.add(invalid("Invalid response_type value")),
    };
    let scope = p.get("scope").unwrap_or_default().to_string();
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if scope.is_empty() {
        problems.add(invalid(
            "REQUIRED parameter scope is missing (or) invalid scope value",
        ));
    } else {
        match scope_problem(&scope, client, Some(SUPPORTED_SCOPES), suspended) {
            None => {}
            Some(ScopeProblem::Suspended(_)) => problems.add(OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                "Requested service is not available temporarily",
            )),
            Some(_) => problems.add(OAuthError::invalid_scope("Malformed scope value")),
        };
    }
    // Table 2 `version`: without one, a request with no Mobile Connect scope is a
    // first-generation authentication request.
    let mc_scope = scopes.iter().any(|s| s.starts_with("mc_"));
    let sent_empty = |name: &str| p.contains(name) && p.get(name).is_none();
    match p.get("version") {
        Some(v) if SUPPORTED_VERSIONS.contains(&v) => {}
        None if !mc_scope && !sent_empty("version") => {}
        _ => problems.add(invalid("REQUIRED parameter version is missing / invalid")),
    };
    if let Some(state) = p.raw("state") {
        if state.is_empty() || state.len() > MAX_STATE || state.chars().any(char::is_control) {
            problems.add(invalid("RECOMMENDED parameter state is invalid"));
        }
    }
    let nonce = p.get("nonce").unwrap_or_default().to_string();
    if nonce.is_empty() {
        problems.add(invalid("REQUIRED parameter nonce is missing (or) invalid"));
    }
    let prompt: Vec<String> = p
        .raw("prompt")
        .map(|v| v.split(' ').map(str::to_string).collect())
        .unwrap_or_default();
    let prompt_ok = prompt
        .iter()
        .all(|v| matches!(v.as_str(), "none" | "login" | "no_seam"))
        && !(prompt.len() > 1 && prompt.iter().any(|v| v == "none"));
    if !prompt_ok {
        problems.add(invalid("prompt value is invalid"));
    }
    // Table 2 `prompt` and `id_token_hint`: for "openid mc_authz" the user is always asked,
    // whatever `prompt` says, and `id_token_hint` is ignored.
    let mc_authz = scopes.contains(&"mc_authz");
    let hint = match problems.check(login_hint(p)) {
        Some(None) if !mc_authz => p
            .get("id_token_hint")
            .map(|t| Hint::IdTokenHint(t.to_string())),
        sent => sent.flatten(),
    };
    // Table 7 note: the user may be asked for the number, for authentication alone.
    let may_ask = scopes.iter().all(|s| AUTHENTICATION_SCOPES.contains(s));
    let prompt_none = !mc_authz && prompt.iter().any(|v| v == "none");
    if hint.is_none() && !prompt_none && !may_ask {
        problems.add(invalid(HINT_MISSING));
    }
    let acr = p.get("acr_values").and_then(choose_acr);
    if acr.is_none() {
        problems.add(invalid(
            "REQUIRED parameter acr_values are missing or invalid values",
        ));
    }
    if p.contains("display")
        && !p
            .get("display")
            .is_some_and(|d| DISPLAY_VALUES.contains(&d))
    {
        problems.add(invalid("Invalid display value. / not supported"));
    }
    problems.check(validate::claims(p));
    let max_age = problems.check(validate::max_age(p)).flatten();
    problems.check(validate::correlation_id(p));
    let client_name = problems.check(validate::client_name(client, p)).flatten();
    let binding_message = problems
        .check(validate::binding_message(p.raw("binding_message")))
        .flatten();
    if mc_authz {
        for missing in validate::missing_for_mc_authz(p) {
            problems.add(missing);
        }
    }
    if !problems.0.is_empty() {
        return Err(problems.0);
    }
    let (acr, pin_required) = acr.expect("checked");
    Ok(Checked {
        display_text: display_text(
            client_name.unwrap_or(client.display_name()),
            p.get("context"),
            binding_message.as_deref(),
        ),
        scope,
        nonce,
        acr,
        pin_required,
        hint,
        prompt,
        max_age,
        binding_message,
    })
}

/// Table 7 "MSISDN/ENCR_MSISDN/PCR provided does not belong to the Operator" and "User is
/// not registered": one answer, so the error tells nobody which numbers are subscribers.
pub fn unknown_user() -> OAuthError {
    OAuthError::access_denied("Unknown User")
}

/// A hint that cannot be read (Table 7).
pub fn invalid_hint(e: OAuthError) -> OAuthError {
    match e.code {
        ErrorCode::UnknownUserId => unknown_user(),
        ErrorCode::ServerError => e,
        _ => invalid("Invalid value for login_hint or login_hint_token"),
    }
}
