//! The Backchannel Authentication Endpoint (CIBA Core 7.1-7.3 with the MODRNA CIBA profile;
//! the 2017 MODRNA draft 4.1-4.3; the sequence diagram's `client_req_id` request).
//!
//! Validation runs to the end before anything is stored: a rejected request leaves no
//! transaction behind (only a spent `jti`, which is replay evidence).

use crate::ciba::request_object;
use crate::client::{Client, DeliveryMode};
use crate::client_auth;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::hint::{self, Hint};
use crate::op::Op;
use crate::opaque::random_token;
use crate::params::{BodyFormat, Incoming, Params};
use crate::transaction::lifecycle::spawn_authentication;
use crate::transaction::record::{choose_acr, AcceptedRequest};
use idgw_store::{Millis, StoreError, TransactionRow, TxState};
use std::sync::Arc;

/// CIBA Core 7.1 leaves the limit to the OP; the text must fit the SIM Toolkit prompt.
pub const MAX_BINDING_MESSAGE: usize = 100;
/// CIBA Core 7.1: `client_notification_token` length limit.
pub const MAX_NOTIFICATION_TOKEN: usize = 1024;

/// The acknowledgement of CIBA Core 7.3.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Acknowledgement {
    pub auth_req_id: String,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// Validates and accepts a backchannel authentication request. The error carries the
/// dialect whose table decides its HTTP status.
pub async fn bc_authorize(
    op: &Arc<Op>,
    incoming: Incoming<'_>,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let (mut params, format) = Params::from_body(incoming.content_type, incoming.body)?;
    // Mobile Connect SI is also reachable here, by its response types.
    if params
        .get("response_type")
        .is_some_and(crate::mc_si::is_si_response_type)
    {
        return crate::mc_si::request::si_authorize_params(op, params, format, now).await;
    }
    // The dialect is known for certain only after client authentication, but the body's
    // format already tells the draft's JSON requests apart.
    let guessed = guess_dialect(None, format, &params);
    let audiences = op.config.audiences(&op.config.bc_authorize_url());
    let client =
        client_auth::authenticate(op, incoming.authorization, &mut params, &audiences, now)
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
    if !grants.is_empty()
        && !grants
            .iter()
            .any(|g| crate::endpoint::token::is_ciba_grant(g))
    {
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
    if !scope.split(' ').any(|s| s == "openid") {
        return Err(OAuthError::invalid_scope("scope must contain openid"));
    }
    if let Some(bad) = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .find(|s| !client.allows_scope(s))
    {
        return Err(OAuthError::invalid_scope(format!(
            "scope {bad} is not allowed for this client"
        )));
    }

    // Exactly one hint (CIBA Core 7.1).
    let hints: Vec<Hint> = [
        params
            .get("login_hint_token")
            .map(|v| Hint::LoginHintToken(v.into())),
        params
            .get("id_token_hint")
            .map(|v| Hint::IdTokenHint(v.into())),
        params.get("login_hint").map(|v| Hint::LoginHint(v.into())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let [hint] = hints.as_slice() else {
        return Err(invalid(
            "exactly one of login_hint_token, id_token_hint and login_hint is required",
        ));
    };

    // acr_values: REQUIRED by the MODRNA profile; the first supported value wins.
    let acr_values = params
        .get("acr_values")
        .ok_or_else(|| invalid("missing required parameter acr_values"))?;
    let (acr, pin_required) = choose_acr(acr_values)
        .ok_or_else(|| invalid("none of the acr_values is supported (2, 3, mod-pr, mod-mf)"))?;

    let binding_message = params.get("binding_message").map(str::to_string);
    if let Some(m) = &binding_message {
        if m.chars().count() > MAX_BINDING_MESSAGE || m.chars().any(char::is_control) {
            return Err(OAuthError::new(
                ErrorCode::InvalidBindingMessage,
                format!(
                    "binding_message must be at most {MAX_BINDING_MESSAGE} printable characters"
                ),
            ));
        }
    }

    let requested_expiry = match params.get("requested_expiry") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| invalid("requested_expiry must be a positive integer"))?,
        ),
    };
    let expires_in = requested_expiry
        .unwrap_or(cfg.default_expires_in_s)
        .min(cfg.max_expires_in_s);

    let (delivery, notification_endpoint, client_notification_token, client_req_id) =
        delivery(client, &params, dialect)?;

    // Who is to be authenticated.
    let msisdn = hint::resolve(op, client, hint, dialect, now).await?;
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

    let sub = op.pcr(&client.sector, &msisdn).await?;
    let display_text = display_text(
        client.display_name(),
        params.get("context"),
        binding_message.as_deref(),
    );
    let interval = cfg.interval_s;
    let correlation_id = params.get("correlation_id").map(str::to_string);
    let request = AcceptedRequest {
        dialect,
        delivery,
        scope,
        acr: acr.to_string(),
        pin_required,
        sub,
        nonce: params.get("nonce").map(str::to_string),
        binding_message,
        display_text,
        client_notification_token,
        notification_endpoint,
        client_req_id,
        correlation_id: correlation_id.clone(),
        hashed_login_hint: hint.hashed(),
        interval,
        recipient: None,
        device_initiated: None,
    };
    let auth_req_id = match open_transaction(
        op,
        client.id(),
        msisdn,
        request,
        expires_in,
        "POST /bc-authorize",
        now,
    )
    .await
    {
        Ok(id) => id,
        Err(StoreError::Busy) => {
            return Err(OAuthError::access_denied(
                "The User is busy with another transaction",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let polls =
        delivery == DeliveryMode::Poll || (delivery == DeliveryMode::Ping && !dialect.is_draft());
    Ok(Acknowledgement {
        auth_req_id,
        expires_in,
        interval: polls.then_some(interval),
        correlation_id,
    })
}

/// Stores an accepted request as a pending transaction, records it for the trace and hands it
/// to the authenticator; returns its new `auth_req_id`. `StoreError::Busy` means the
/// subscriber already has a transaction in flight (DESIGN.md section 8).
pub async fn open_transaction(
    op: &Arc<Op>,
    client_id: &str,
    msisdn: String,
    request: AcceptedRequest,
    expires_in: u64,
    step: &str,
    now: Millis,
) -> Result<String, StoreError> {
    let auth_req_id = random_token();
    let row = TransactionRow {
        auth_req_id: auth_req_id.clone(),
        client_id: client_id.to_string(),
        msisdn,
        state: TxState::Pending,
        request: serde_json::to_string(&request).expect("request serializes"),
        outcome: None,
        created_at: now,
        expires_at: now + expires_in as i64 * 1000,
        completed_at: None,
        owner: Some(op.node.id.clone()),
        lease_until: now + op.config.lease_ms,
    };
    op.store.insert_transaction(&row).await?;
    op.event(
        &auth_req_id,
        request.correlation_id.as_deref(),
        "RP",
        step,
        "accepted",
        None,
    )
    .await;
    spawn_authentication(op.clone(), row, request);
    Ok(auth_req_id)
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

/// The text shown on the handset: who asks, why, and the binding message to compare.
pub fn display_text(
    client_name: &str,
    context: Option<&str>,
    binding_message: Option<&str>,
) -> String {
    let mut text = client_name.to_string();
    if let Some(c) = context {
        text.push_str(": ");
        text.push_str(c);
    }
    if let Some(b) = binding_message {
        text.push_str(" [");
        text.push_str(b);
        text.push(']');
    }
    text
}
