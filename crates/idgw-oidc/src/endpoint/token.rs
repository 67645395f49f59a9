//! The Token Endpoint (RFC 6749 3.2): reads the request, authenticates the client (RFC 6749
//! 2.3, OIDC Core 9) and hands it to its grant ([`crate::grant`]): the CIBA grants and the
//! Mobile Connect SI Polling Request ([`crate::grant::poll`]), `authorization_code`
//! ([`crate::grant::authorization_code`]) and `refresh_token` ([`crate::grant::refresh`]).

use crate::client_auth;
use crate::error::{Dialect, ErrorCode, OAuthError};
use crate::grant::{self, poll};
use crate::grant::{
    GRANT_AUTHORIZATION_CODE, GRANT_CIBA, GRANT_MODRNA_2017, GRANT_REFRESH, GRANT_SERVER_INITIATED,
};
use crate::issue::TokenResponse;
use crate::mobile_connect::{echoable, recover_correlation_id};
use crate::op::Op;
use crate::params::{BodyFormat, Incoming, Params};
use idgw_store::Millis;

/// Handles a token request; the result is the body of a 200 response.
pub async fn token(
    op: &Op,
    incoming: Incoming<'_>,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    // SI Table 17 also for a body that is not a valid request (a repeated parameter): its
    // correlation_id is echoed when it can be read.
    let (mut params, format) =
        Params::from_body(incoming.content_type, incoming.body).map_err(|e| {
            let recovered = recover_correlation_id(incoming.body);
            e.with_correlation_id(recovered.as_deref())
        })?;
    // Mobile Connect DI Table 8: the code grant is form-serialized only.
    if format != BodyFormat::Form && params.get("grant_type") == Some(GRANT_AUTHORIZATION_CODE) {
        return Err(OAuthError::invalid_request("No form serialization exists"));
    }
    // Mobile Connect SI Table 17: every error echoes the request's correlation_id.
    let correlation_id = echoable(params.get("correlation_id")).map(str::to_string);
    token_params(op, incoming.authorization, &mut params, now)
        .await
        .map_err(|e| e.with_correlation_id(correlation_id.as_deref()))
}

async fn token_params(
    op: &Op,
    authorization: Option<&str>,
    params: &mut Params,
    now: Millis,
) -> Result<TokenResponse, OAuthError> {
    let grant_type = params.require("grant_type")?.to_string();
    let dialect = match grant_type.as_str() {
        GRANT_MODRNA_2017 => Dialect::Draft2017,
        GRANT_SERVER_INITIATED => Dialect::MobileConnectSi,
        _ => Dialect::Core,
    };
    if dialect == Dialect::MobileConnectSi && params.get("client_id").is_none() {
        // SI Table 18: "Client_id is missing".
        return Err(
            OAuthError::invalid_request("Required parameter client_id is missing")
                .in_dialect(dialect),
        );
    }
    let audiences = op.config.audiences(&op.config.token_url());
    let client = client_auth::authenticate(op, authorization, params, &audiences, now)
        .await
        .map_err(|e| e.in_dialect(dialect))?;
    let result = match grant_type.as_str() {
        GRANT_CIBA | GRANT_MODRNA_2017 => poll::ciba(op, &client, params, dialect, now).await,
        GRANT_SERVER_INITIATED => poll::server_initiated(op, &client, params, now).await,
        GRANT_REFRESH => grant::refresh::refresh(op, &client, params, now).await,
        GRANT_AUTHORIZATION_CODE => {
            grant::authorization_code::grant(op, &client, params, now).await
        }
        other => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!("grant_type {other} is not supported"),
        )),
    };
    op.metrics.token(match &result {
        Ok(_) => "issued",
        Err(e) => e.code.as_str(),
    });
    result.map_err(|e| e.in_dialect(dialect))
}
