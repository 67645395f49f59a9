//! The backchannel authentication request (CIBA Core 7.1-7.3 with the MODRNA CIBA profile;
//! the 2017 MODRNA draft 4.1-4.3; the sequence diagram's `client_req_id` request).
//!
//! Validation runs to the end before anything is stored: a rejected request leaves no
//! transaction behind (only a spent `jti`, which is replay evidence).

use super::request_object;
use crate::client::{Client, DeliveryMode};
use crate::client_auth;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::grant::is_ciba_grant;
use crate::hint;
use crate::op::Op;
use crate::params::{BodyFormat, Params};
use crate::transaction::open::{
    display_text, open_transaction, Acknowledgement, MAX_NOTIFICATION_TOKEN, USER_BUSY,
};
use crate::transaction::record::AcceptedRequest;
use crate::validate::{self, choose_acr, scope_problem, ScopeProblem};
use idgw_store::{Millis, StoreError};
use std::sync::Arc;

/// Authenticates the client and accepts its request (parameters already read from the body
/// in `format`). The error carries the dialect whose table decides its HTTP status.
pub async fn bc_authorize(
    op: &Arc<Op>,
    authorization: Option<&str>,
    mut params: Params,
    format: BodyFormat,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    // The dialect is known for certain only after client authentication, but the body's
    // format already tells the draft's JSON requests apart.
    let guessed = guess_dialect(None, format, &params);
    let audiences = op.config.audiences(&op.config.bc_authorize_url());
    let client = client_auth::authenticate(op, authorization, &mut params, &audiences, now)
        .await
        .map_err(|e| e.in_dialect(guessed))?;
    let dialect = guess_dialect(Some(&client), format, &params);
    let result = accept(op, &client, params, dialect, now).await;
    op.metrics.bc_authorize(match &result {
        Ok(_) => "accepted",
        Err(e) => e.code.as_str(),
    });
    result.map_err(|e| e.in_dialect(dialect))
}

fn guess_dialect(client: Option<&Client>, format: BodyFormat, params: &Params) -> Dialect {
    if let Some(d) = client.and_then(|c| c.metadata.backchannel_dialect) {
        return d;
    }
    match format {
        BodyFormat::Form => Dialect::Core,
        BodyFormat::Json if params.contains("client_req_id") => Dialect::Sequence,
        BodyFormat::Json => Dialect::Draft2017,
    }
}

async fn accept(
    op: &Arc<Op>,
    client: &Arc<Client>,
    mut params: Params,
    dialect: Dialect,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let cfg = &op.config;
    let grants = &client.metadata.grant_types;
    if !grants.is_empty() && !grants.iter().any(|g| is_ciba_grant(g)) {
        return Err(OAuthError::unauthorized_client(
            "this client is not registered for backchannel authentication",
        ));
    }
    if let Some(jwt) = params.remove("request") {
        if let Some(name) = params.names().find(|n| !matches!(*n, "client_id")) {
            return Err(invalid(format!(
                "parameter {name} must be inside the signed request object"
            )));
        }
        params = request_object::open(op, client, &jwt, dialect, now).await?;
    } else if client
        .metadata
        .backchannel_authentication_request_signing_alg
        .is_some()
    {
        return Err(invalid("this client must send a signed request object"));
    }

    // scope: REQUIRED, with openid (CIBA Core 7.1).
    let scope = params.require("scope")?.to_string();
    match scope_problem(&scope, client, None, &[]) {
        None | Some(ScopeProblem::Suspended(_)) => {}
        Some(ScopeProblem::NoOpenid) => {
            return Err(OAuthError::invalid_scope("scope must contain openid"))
        }
        Some(ScopeProblem::NotServed(bad)) => {
            return Err(OAuthError::invalid_scope(format!(
                "scope {bad} is not allowed for this client"
            )))
        }
    }
    let hint = validate::one_hint(&params)?;
    // acr_values: REQUIRED by the MODRNA profile; the first supported value wins.
    let acr_values = params
        .get("acr_values")
        .ok_or_else(|| invalid("missing required parameter acr_values"))?;
    let (acr, pin_required) = choose_acr(acr_values)
        .ok_or_else(|| invalid("none of the acr_values is supported (2, 3, mod-pr, mod-mf)"))?;
    // CIBA Core 13 has a code of its own for a bad binding_message.
    let binding_message = validate::binding_message(params.get("binding_message"))
        .map_err(|e| OAuthError::new(ErrorCode::InvalidBindingMessage, e.description))?;
    let expires_in =
        validate::requested_expiry(&params, cfg.default_expires_in_s, cfg.max_expires_in_s)?;
    let (delivery, notification_endpoint, client_notification_token, client_req_id) =
        delivery(client, &params, dialect)?;

    // Who is to be authenticated.
    let msisdn = hint::resolve(op, client, &hint, dialect, now).await?;
    let subscriber = op.store.subscriber(&msisdn).await?.ok_or_else(|| {
        OAuthError::unknown_user_id("the subscriber named by the hint is not known")
            .in_dialect(dialect)
    })?;
    if client.metadata.backchannel_user_code_parameter {
        let code = params.get("user_code").ok_or_else(|| {
            OAuthError::new(
                ErrorCode::MissingUserCode,
                "user_code is required for this client",
            )
        })?;
        if subscriber.user_code.as_deref() != Some(code) {
            return Err(OAuthError::new(
                ErrorCode::InvalidUserCode,
                "user_code is not valid for this user",
            ));
        }
    }

    let interval = cfg.interval_s;
    let correlation_id = params.get("correlation_id").map(str::to_string);
    let request = AcceptedRequest {
        dialect,
        delivery,
        scope,
        acr: acr.to_string(),
        pin_required,
        sub: op.pcr(&client.sector, &msisdn).await?,
        nonce: params.get("nonce").map(str::to_string),
        display_text: display_text(
            client.display_name(),
            params.get("context"),
            binding_message.as_deref(),
        ),
        binding_message,
        client_notification_token,
        notification_endpoint,
        client_req_id,
        correlation_id: correlation_id.clone(),
        hashed_login_hint: hint.hashed(),
        interval,
        recipient: None,
        device_initiated: None,
    };
    let step = "POST /bc-authorize";
    let auth_req_id = open_transaction(op, client.id(), msisdn, request, expires_in, step, now)
        .await
        .map_err(|e| match e {
            StoreError::Busy => OAuthError::access_denied(USER_BUSY),
            e => e.into(),
        })?;
    let polls =
        delivery == DeliveryMode::Poll || (delivery == DeliveryMode::Ping && !dialect.is_draft());
    Ok(Acknowledgement {
        auth_req_id,
        expires_in,
        interval: polls.then_some(interval),
        correlation_id,
    })
}

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_request(description)
}

type Delivery = (DeliveryMode, Option<String>, Option<String>, Option<String>);

/// The delivery mode and notification target of a request (CIBA Core 7.1 and 10; the 2017
/// draft's notification mode; the sequence diagram's per-request endpoint).
fn delivery(client: &Client, params: &Params, dialect: Dialect) -> Result<Delivery, OAuthError> {
    let mode = client.metadata.backchannel_token_delivery_mode;
    let token = params.get("client_notification_token").map(str::to_string);
    if let Some(t) = &token {
        if t.len() > MAX_NOTIFICATION_TOKEN {
            return Err(invalid(format!(
                "client_notification_token exceeds {MAX_NOTIFICATION_TOKEN} characters"
            )));
        }
    }
    let client_req_id = params.get("client_req_id").map(str::to_string);
    if let Some(id) = &client_req_id {
        if id.len() > MAX_NOTIFICATION_TOKEN {
            return Err(invalid("client_req_id is too long"));
        }
    }
    let endpoint = match params.get("client_notification_endpoint") {
        // A per-request endpoint must be one the client registered: no open relay.
        Some(url) if client.registered_notification_urls().any(|u| u == url) => {
            Some(url.to_string())
        }
        Some(_) => {
            return Err(invalid(
                "client_notification_endpoint is not registered for this client",
            ))
        }
        None => client
            .metadata
            .backchannel_client_notification_endpoint
            .clone(),
    };
    match mode {
        DeliveryMode::Poll => Ok((mode, None, None, client_req_id)),
        DeliveryMode::Ping | DeliveryMode::Push => {
            let endpoint =
                endpoint.ok_or_else(|| invalid("no client notification endpoint is registered"))?;
            let bearer_ok =
                token.is_some() || (dialect == Dialect::Sequence && client_req_id.is_some());
            if !bearer_ok {
                return Err(invalid(
                    "client_notification_token is required for ping and push clients",
                ));
            }
            Ok((mode, Some(endpoint), token, client_req_id))
        }
    }
}
