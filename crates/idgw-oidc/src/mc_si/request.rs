//! The Mobile Connect SI OIDC Authorization Request ("OIDC Authorization Request", Tables 3
//! and 4, "Validation and Assembly of Request Parameters"), its acknowledgement (Table 5) and
//! its errors (Tables 11, 12 and 13).
//!
//! The request is authenticated by its signed Request Object, not by client credentials.
//! Validation runs to the end before anything is stored; every error echoes the request's
//! `correlation_id`. An accepted request becomes an ordinary transaction: `mc_si_polling` is
//! poll delivery, `mc_si_async_code` is push delivery to the request's `notification_uri`.

use super::{is_si_response_type, request_object, RESPONSE_TYPE_ASYNC_CODE, SUPPORTED_VERSIONS};
use crate::client::{Client, DeliveryMode};
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::hint::{self, Hint};
use crate::mobile_connect::{correlation_id_of, recover_correlation_id, SUPPORTED_SCOPES};
use crate::op::{Op, OpConfig};
use crate::params::{BodyFormat, Incoming, Params};
use crate::transaction::open::{
    display_text, open_transaction, Acknowledgement, MAX_NOTIFICATION_TOKEN, USER_BUSY,
};
use crate::transaction::record::AcceptedRequest;
use crate::validate::{self, choose_acr, scope_problem, ScopeProblem, HINT_MISSING};
use idgw_store::{Millis, StoreError};
use std::sync::Arc;

const DIALECT: Dialect = Dialect::MobileConnectSi;

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_request(description)
}

/// `POST /si-authorize`.
pub async fn si_authorize(
    op: &Arc<Op>,
    incoming: Incoming<'_>,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let (params, format) =
        Params::from_body(incoming.content_type, incoming.body).map_err(|e| {
            e.in_dialect(DIALECT)
                .with_correlation_id(recover_correlation_id(incoming.body).as_deref())
        })?;
    si_authorize_params(op, params, format, now).await
}

/// Table 13 "GET request invalid serialization": SI requests "MUST use POST". The query's
/// `correlation_id` is echoed when it can be read.
pub fn get_not_allowed(query: Option<&str>) -> OAuthError {
    invalid("GET request invalid serialization: use POST")
        .in_dialect(DIALECT)
        .with_correlation_id(recover_correlation_id(query.unwrap_or("").as_bytes()).as_deref())
}

/// An SI request whose body is already parsed (also reached from `/bc-authorize`).
pub async fn si_authorize_params(
    op: &Arc<Op>,
    params: Params,
    format: BodyFormat,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let correlation_id = echoed_correlation_id(&params);
    let result = accept(op, params, format, now).await;
    op.metrics.bc_authorize(match &result {
        Ok(_) => "accepted",
        Err(e) => e.code.as_str(),
    });
    result.map_err(|e| {
        e.in_dialect(DIALECT)
            .with_correlation_id(correlation_id.as_deref())
    })
}

/// The `correlation_id` to echo in an error: the outer one, else the (possibly not yet
/// verified) Request Object's; echoing it tells the sender nothing it did not send.
fn echoed_correlation_id(params: &Params) -> Option<String> {
    correlation_id_of(params.get("correlation_id"), params.get("request"))
}

async fn accept(
    op: &Arc<Op>,
    mut outer: Params,
    format: BodyFormat,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    // Table 13: "POST request Invalid serialization".
    if format != BodyFormat::Form {
        return Err(invalid(
            "POST request Invalid serialization: use application/x-www-form-urlencoded",
        ));
    }
    // Table 12, in its order: response_type, client_id, scope, request.
    let response_type = outer
        .get("response_type")
        .ok_or_else(|| invalid("REQUIRED parameter response_type is missing"))?
        .to_string();
    if !is_si_response_type(&response_type) {
        return Err(invalid("response_type is invalid or not supported"));
    }
    let client_id = outer
        .get("client_id")
        .ok_or_else(|| invalid("REQUIRED parameter client_id is missing"))?
        .to_string();
    let client = op
        .clients
        .get(&client_id, now)
        .await?
        .ok_or_else(|| OAuthError::access_denied("Unknown client ID"))?;
    if client.metadata.request_object_signing_alg.is_none() || !client.has_keys() {
        return Err(OAuthError::unauthorized_client(
            "The client is not allowed to make Mobile Connect service requests",
        ));
    }
    let scope = outer
        .get("scope")
        .ok_or_else(|| invalid("REQUIRED parameter scope is missing"))?
        .to_string();
    check_scope(op, &client, &scope)?;
    let jwt = outer
        .remove("request")
        .ok_or_else(|| invalid("REQUIRED parameter request is missing"))?;
    let object = request_object::open(op, &client, &jwt, now).await?;
    // The three outer parameters must equal the object's ("The Signed Request Object").
    if object.get("response_type") != Some(response_type.as_str()) {
        return Err(invalid("response_type values do not match"));
    }
    if object.get("client_id") != Some(client_id.as_str()) {
        return Err(invalid("Malformed request, ambiguous client ID values"));
    }
    if object.get("scope") != Some(scope.as_str()) {
        return Err(invalid("Malformed request, ambiguous scope values"));
    }
    // Assembly: the object wins.
    let mut params = outer;
    for name in object.names().map(str::to_string).collect::<Vec<_>>() {
        let value = object.raw(&name).unwrap_or_default().to_string();
        params.insert(&name, value);
    }
    validate(op, &client, &params, &response_type, &scope, now).await
}

/// Table 12's scope rows (the outer `scope`, before the Request Object is opened).
fn check_scope(op: &Op, client: &Client, scope: &str) -> Result<(), OAuthError> {
    let suspended = &op.config.unavailable_scopes;
    match scope_problem(scope, client, Some(SUPPORTED_SCOPES), suspended) {
        None => Ok(()),
        Some(ScopeProblem::NoOpenid) => Err(OAuthError::invalid_scope(
            "REQUIRED scope value openid is missing",
        )),
        Some(ScopeProblem::NotServed(bad)) => Err(OAuthError::invalid_scope(format!(
            "Service is not available: scope {bad}"
        ))),
        // A published scope the operator has taken out of service for now.
        Some(ScopeProblem::Suspended(down)) => Err(OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            format!("Service is not available temporarily: scope {down}"),
        )),
    }
}

/// The assembled parameters that passed Table 13.
struct Checked {
    nonce: String,
    correlation_id: Option<String>,
    hint: Hint,
    acr: &'static str,
    pin_required: bool,
    binding_message: Option<String>,
    display_text: String,
    /// Notification mode: `client_notification_token` and the registered `notification_uri`.
    notification: Option<(String, String)>,
}

/// Table 13 on the assembled parameters, in the table's order: the first failing check answers.
fn check(
    client: &Client,
    params: &Params,
    response_type: &str,
    scope: &str,
) -> Result<Checked, OAuthError> {
    let version = params
        .get("version")
        .ok_or_else(|| invalid("REQUIRED parameter version is missing"))?;
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(invalid("version is invalid"));
    }
    let nonce = params
        .get("nonce")
        .ok_or_else(|| invalid("REQUIRED parameter nonce is missing or empty"))?
        .to_string();
    let correlation_id = validate::correlation_id(params)?;
    let hint = validate::login_hint(params)?.ok_or_else(|| invalid(HINT_MISSING))?;
    // idgw always captures consent itself; an SP-captured consent (acr 0) is refused.
    if params
        .get("acr_values")
        .is_some_and(|v| v.split(' ').any(|a| a == "0"))
    {
        return Err(OAuthError::access_denied(
            "SP is not allowed to capture the consent",
        ));
    }
    let (acr, pin_required) = params
        .get("acr_values")
        .and_then(choose_acr)
        .ok_or_else(|| invalid("REQUIRED parameter acr_values are missing (or) invalid values"))?;
    validate::max_age(params)?;
    validate::claims(params)?;
    if let Some(prompt) = params.get("prompt") {
        if prompt.split(' ').any(|p| !matches!(p, "login" | "none")) {
            return Err(invalid("prompt must be login or none"));
        }
    }
    // mc_authz always prompts, overriding prompt (Table 4 prompt).
    let mc_authz = scope.split(' ').any(|s| s == "mc_authz");
    if prompt_is_none(params) && !mc_authz {
        return Err(invalid(
            "prompt=none is not supported: Server-Initiated requests always prompt the User",
        ));
    }
    // Displayed on the authentication device: client_name, context, binding_message.
    let client_name = validate::client_name(client, params)?;
    let binding_message = validate::binding_message(params.raw("binding_message"))?;
    if mc_authz {
        if let Some(missing) = validate::missing_for_mc_authz(params).into_iter().next() {
            return Err(missing);
        }
    }
    let notification = if response_type == RESPONSE_TYPE_ASYNC_CODE {
        let token = params
            .get("client_notification_token")
            .filter(|t| t.len() <= MAX_NOTIFICATION_TOKEN)
            .ok_or_else(|| {
                invalid("REQUIRED parameter client_notification_token is missing (or) invalid")
            })?;
        let uri = params
            .get("notification_uri")
            .filter(|u| client.metadata.notification_uris.iter().any(|r| r == u))
            .ok_or_else(|| {
                invalid("REQUIRED parameter notification_uri is missing (or) invalid")
            })?;
        Some((token.to_string(), uri.to_string()))
    } else {
        None
    };
    // A plain MSISDN only where the client may send one.
    if let Hint::LoginHint(value) = &hint {
        let plain = !value.starts_with("ENCR_MSISDN:") && !value.starts_with("PCR:");
        if plain && client.metadata.plain_msisdn_allowed == Some(false) {
            return Err(OAuthError::access_denied(
                "SP is not allowed to send the plain MSISDN",
            ));
        }
    }
    Ok(Checked {
        nonce,
        correlation_id,
        hint,
        acr,
        pin_required,
        display_text: display_text(
            client_name.unwrap_or(client.display_name()),
            params.get("context"),
            binding_message.as_deref(),
        ),
        binding_message,
        notification,
    })
}

/// Table 13 on the assembled parameters, then the subscriber, then the transaction.
async fn validate(
    op: &Arc<Op>,
    client: &Arc<Client>,
    params: &Params,
    response_type: &str,
    scope: &str,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let checked = check(client, params, response_type, scope)?;
    let msisdn = hint::resolve(op, client, &checked.hint, DIALECT, now)
        .await
        .map_err(|e| match e.code {
            ErrorCode::UnknownUserId => OAuthError::access_denied("Unknown User"),
            ErrorCode::InvalidRequest | ErrorCode::ServerError => e,
            _ => invalid("Invalid value for login_hint (or) login_hint_token"),
        })?;
    if op.store.subscriber(&msisdn).await?.is_none() {
        return Err(not_a_subscriber(&op.config, &msisdn));
    }
    let cfg = &op.config;
    let delivery = match checked.notification {
        Some(_) => DeliveryMode::Push,
        None => DeliveryMode::Poll,
    };
    let (client_notification_token, notification_uri) = checked.notification.unzip();
    let expires_in = cfg.default_expires_in_s;
    let correlation_id = checked.correlation_id;
    let request = AcceptedRequest {
        dialect: DIALECT,
        delivery,
        scope: scope.to_string(),
        acr: checked.acr.to_string(),
        pin_required: checked.pin_required,
        sub: op.pcr(&client.sector, &msisdn).await?,
        nonce: Some(checked.nonce),
        display_text: checked.display_text,
        binding_message: checked.binding_message,
        client_notification_token,
        notification_endpoint: notification_uri.clone(),
        client_req_id: None,
        correlation_id: correlation_id.clone(),
        hashed_login_hint: checked.hint.hashed(),
        interval: cfg.interval_s,
        recipient: notification_uri,
        device_initiated: None,
    };
    let step = "POST /si-authorize";
    let auth_req_id = open_transaction(op, client.id(), msisdn, request, expires_in, step, now)
        .await
        .map_err(|e| match e {
            // Table 12: "Multiple requests for the same MSISDN sent at the same time".
            StoreError::Busy => OAuthError::server_error(USER_BUSY),
            e => e.into(),
        })?;
    Ok(Acknowledgement {
        auth_req_id,
        expires_in,
        interval: (delivery == DeliveryMode::Poll).then_some(cfg.interval_s),
        correlation_id,
    })
}

/// Table 13 for an MSISDN that is not a provisioned subscriber: inside the operator's number
/// ranges it "belongs to the Operator, but Mobile Connect services are not enabled" (idgw does
/// no on-the-fly registration: provisioning a subscriber enables Mobile Connect); outside them
/// it is not this operator's user. Both are `access_denied`.
fn not_a_subscriber(config: &OpConfig, msisdn: &str) -> OAuthError {
    let home = config.home_msisdn_prefixes.is_empty()
        || config
            .home_msisdn_prefixes
            .iter()
            .any(|p| msisdn.starts_with(p.as_str()));
    OAuthError::access_denied(if home {
        "User is not registered"
    } else {
        "Unknown User"
    })
}

fn prompt_is_none(params: &Params) -> bool {
    params
        .get("prompt")
        .is_some_and(|p| p.split(' ').any(|v| v == "none"))
}
