//! The Mobile Connect SI OIDC Authorization Request ("OIDC Authorization Request", Tables 3
//! and 4, "Validation and Assembly of Request Parameters"), its acknowledgement (Table 5) and
//! its errors (Tables 11, 12 and 13).
//!
//! The request is authenticated by its signed Request Object, not by client credentials.
//! Validation runs to the end before anything is stored; every error echoes the request's
//! `correlation_id`. An accepted request becomes an ordinary transaction: `mc_si_polling` is
//! poll delivery, `mc_si_async_code` is push delivery to the request's `notification_uri`.

use super::{echoable, is_si_response_type, request_object, RESPONSE_TYPE_ASYNC_CODE};
use crate::ciba::request::{
    display_text, open_transaction, Acknowledgement, MAX_BINDING_MESSAGE, MAX_NOTIFICATION_TOKEN,
};
use crate::client::{Client, DeliveryMode};
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::hint::{self, Hint};
use crate::op::Op;
use crate::params::{BodyFormat, Incoming, Params};
use crate::transaction::record::{choose_acr, AcceptedRequest};
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

/// The `correlation_id` of form pairs that are not a valid request (a repeated parameter, a
/// GET query): the outer one if sent once, else that of the Request Object if sent once.
pub fn recover_correlation_id(form: &[u8]) -> Option<String> {
    let (mut outer, mut request) = (vec![], vec![]);
    for (name, value) in url::form_urlencoded::parse(form) {
        match name.as_ref() {
            "correlation_id" => outer.push(value.into_owned()),
            "request" => request.push(value.into_owned()),
            _ => {}
        }
    }
    let once = |v: &[String]| match v {
        [one] => Some(one.clone()),
        _ => None,
    };
    correlation_id_of(once(&outer).as_deref(), once(&request).as_deref())
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

fn correlation_id_of(outer: Option<&str>, request: Option<&str>) -> Option<String> {
    let from_object = || {
        let claims = crate::jose::unverified_claims(request?)?;
        claims
            .get("correlation_id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    echoable(outer)
        .map(str::to_string)
        .or_else(from_object)
        .filter(|c| echoable(Some(c)).is_some())
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

fn check_scope(op: &Op, client: &Client, scope: &str) -> Result<(), OAuthError> {
    if !scope.split(' ').any(|s| s == "openid") {
        return Err(OAuthError::invalid_scope(
            "REQUIRED scope value openid is missing",
        ));
    }
    if let Some(bad) = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .find(|s| !client.allows_scope(s) || !SUPPORTED_SCOPES.contains(s))
    {
        return Err(OAuthError::invalid_scope(format!(
            "Service is not available: scope {bad}"
        )));
    }
    // Table 12: a published scope the operator has taken out of service for now.
    if let Some(down) = scope
        .split(' ')
        .find(|s| op.config.unavailable_scopes.iter().any(|u| u == s))
    {
        return Err(OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            format!("Service is not available temporarily: scope {down}"),
        ));
    }
    Ok(())
}

/// Scope values idgw serves (the discovery document's `scopes_supported`).
pub const SUPPORTED_SCOPES: &[&str] = &["openid", "phone", "mc_authn", "mc_authz"];

/// Table 13 on the assembled parameters, then the transaction.
async fn validate(
    op: &Arc<Op>,
    client: &Arc<Client>,
    params: &Params,
    response_type: &str,
    scope: &str,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let present_but_empty = |name: &str| params.contains(name) && params.get(name).is_none();
    let version = params
        .get("version")
        .ok_or_else(|| invalid("REQUIRED parameter version is missing"))?;
    if !super::SUPPORTED_VERSIONS.contains(&version) {
        return Err(invalid("version is invalid"));
    }
    let nonce = params
        .get("nonce")
        .ok_or_else(|| invalid("REQUIRED parameter nonce is missing or empty"))?
        .to_string();
    if present_but_empty("correlation_id") {
        return Err(invalid("Invalid correlation_id value"));
    }
    let correlation_id = params.get("correlation_id").map(str::to_string);
    if correlation_id
        .as_deref()
        .is_some_and(|c| echoable(Some(c)).is_none())
    {
        return Err(invalid("Invalid correlation_id value"));
    }
    let hint =
        match (params.get("login_hint"), params.get("login_hint_token")) {
            (Some(_), Some(_)) => return Err(invalid(
                "Malformed request, duplicate parameter entries: login_hint and login_hint_token",
            )),
            (Some(h), None) => Hint::LoginHint(h.to_string()),
            (None, Some(t)) => Hint::LoginHintToken(t.to_string()),
            (None, None) => {
                return Err(invalid(
                    "REQUIRED parameters login_hint_token (or) login_hint does not exist",
                ))
            }
        };
    // Table 13: idgw always captures consent itself; an SP-captured consent (acr 0) is refused.
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
        .ok_or_else(|| invalid("REQUIRED parameter acr_values are missing (or) invalid"))?;
    if let Some(max_age) = params.get("max_age") {
        if max_age.trim().parse::<u64>().is_err() {
            return Err(invalid("Invalid max_age value"));
        }
    } else if present_but_empty("max_age") {
        return Err(invalid("Invalid max_age value"));
    }
    if params.contains("claims") {
        let ok = params
            .get("claims")
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
            .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
        if !ok {
            return Err(invalid("claims value is invalid"));
        }
    }
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
    if present_but_empty("client_name") {
        return Err(invalid("Invalid client_name value"));
    }
    let client_name = params.get("client_name");
    if let Some(name) = client_name {
        if !client.metadata.client_names.iter().any(|n| n == name) {
            return Err(invalid("Invalid client_name value"));
        }
    }
    let binding_message = params.contains("binding_message").then(|| {
        params
            .get("binding_message")
            .unwrap_or_default()
            .to_string()
    });
    if let Some(m) = &binding_message {
        if m.chars().count() > MAX_BINDING_MESSAGE || m.chars().any(char::is_control) {
            return Err(invalid(format!(
                "binding_message must be at most {MAX_BINDING_MESSAGE} printable characters"
            )));
        }
    }
    let context = params.get("context");
    if mc_authz {
        if binding_message.is_none() {
            return Err(invalid("binding_message is REQUIRED for mc_authz"));
        }
        if client_name.is_none() {
            return Err(invalid("client_name is REQUIRED for mc_authz"));
        }
        if context.is_none() {
            return Err(invalid("context is REQUIRED for mc_authz"));
        }
    }

    // Notification mode: client_notification_token and a registered notification_uri.
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

    // Who: a plain MSISDN only where the client may send one (Table 13).
    if let Hint::LoginHint(value) = &hint {
        let plain = !value.starts_with("ENCR_MSISDN:") && !value.starts_with("PCR:");
        if plain && client.metadata.plain_msisdn_allowed == Some(false) {
            return Err(OAuthError::access_denied(
                "SP is not allowed to send the plain MSISDN",
            ));
        }
    }
    let msisdn = hint::resolve(op, client, &hint, DIALECT, now)
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
    let sub = op.pcr(&client.sector, &msisdn).await?;
    let delivery = if notification.is_some() {
        DeliveryMode::Push
    } else {
        DeliveryMode::Poll
    };
    let (client_notification_token, notification_uri) = notification.unzip();
    let expires_in = cfg.default_expires_in_s;
    let request = AcceptedRequest {
        dialect: DIALECT,
        delivery,
        scope: scope.to_string(),
        acr: acr.to_string(),
        pin_required,
        sub,
        nonce: Some(nonce),
        display_text: display_text(
            client_name.unwrap_or(client.display_name()),
            context,
            binding_message.as_deref(),
        ),
        binding_message,
        client_notification_token,
        notification_endpoint: notification_uri.clone(),
        client_req_id: None,
        correlation_id: correlation_id.clone(),
        hashed_login_hint: hint.hashed(),
        interval: cfg.interval_s,
        recipient: notification_uri,
        device_initiated: None,
    };
    let auth_req_id = match open_transaction(
        op,
        client.id(),
        msisdn,
        request,
        expires_in,
        "POST /si-authorize",
        now,
    )
    .await
    {
        Ok(id) => id,
        // Table 12: "Multiple requests for the same MSISDN sent at the same time".
        Err(StoreError::Busy) => {
            return Err(OAuthError::server_error(
                "The User is busy with another transaction",
            ))
        }
        Err(e) => return Err(e.into()),
    };
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
fn not_a_subscriber(config: &crate::op::OpConfig, msisdn: &str) -> OAuthError {
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
