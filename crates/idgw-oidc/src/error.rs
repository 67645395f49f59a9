//! The OAuth 2.0 / OpenID error codes idgw answers with, and their one rendering to HTTP.
//!
//! `Display` of [`ErrorCode`] is the wire code. The HTTP status depends on the endpoint and the
//! dialect (CIBA Core section 13 versus the 2017 MODRNA draft section 6.5), so it is chosen by
//! [`OAuthError::status`] from the error's [`Dialect`].

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Which specification's error table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// OpenID CIBA Core 1.0 with the MODRNA CIBA profile.
    #[default]
    Core,
    /// MODRNA CIBA flow 2017 draft (JSON bodies, `unknown_user_id` is 404).
    Draft2017,
    /// The request of `sequence-ciba-sim-applet.txt` (`client_req_id`), a 2017-draft variant.
    Sequence,
    /// GSMA Mobile Connect Server-Initiated (Tables 12, 13 and 18: `access_denied` is a 400).
    MobileConnectSi,
}

impl Dialect {
    pub fn is_draft(self) -> bool {
        matches!(self, Dialect::Draft2017 | Dialect::Sequence)
    }
}

/// Error codes, named as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// RFC 6749 5.2; CIBA Core 13.
    InvalidRequest,
    /// RFC 6749 5.2; CIBA Core 13 (401).
    InvalidClient,
    /// RFC 6749 5.2; CIBA Core 11.
    InvalidGrant,
    /// RFC 6749 5.2; CIBA Core 13.
    UnauthorizedClient,
    /// RFC 6749 5.2.
    UnsupportedGrantType,
    /// RFC 6749 5.2; CIBA Core 13.
    InvalidScope,
    /// CIBA Core 11, 12, 13 (403 at the backchannel endpoint).
    AccessDenied,
    /// CIBA Core 13.
    ExpiredLoginHintToken,
    /// CIBA Core 13 (400); 2017 draft 6.5 (404).
    UnknownUserId,
    /// CIBA Core 13.
    MissingUserCode,
    /// CIBA Core 13.
    InvalidUserCode,
    /// CIBA Core 13.
    InvalidBindingMessage,
    /// CIBA Core 11.
    AuthorizationPending,
    /// CIBA Core 11.
    SlowDown,
    /// CIBA Core 11 and 12; 2017 draft 6.4 and 6.5 (an expired hint there).
    ExpiredToken,
    /// CIBA Core 12 (push error).
    TransactionFailed,
    /// 2017 draft 6.4.
    UnknownAuthReqId,
    /// RFC 6750 3.1.
    InvalidToken,
    /// RFC 6750 3.1.
    InsufficientScope,
    /// RFC 6749 4.1.2.1.
    ServerError,
    /// RFC 6749 4.1.2.1.
    TemporarilyUnavailable,
    /// OIDC Core 3.1.2.6: `prompt=none` without a session that satisfies the request (Mobile
    /// Connect DI Table 2 `prompt`).
    LoginRequired,
    /// `server_error` answered with 503 Service Unavailable: Mobile Connect SI Table 12
    /// ("System connection problem") and Table 18 ("Authenticator unreachable").
    ServerUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ExpiredLoginHintToken => "expired_login_hint_token",
            ErrorCode::UnknownUserId => "unknown_user_id",
            ErrorCode::MissingUserCode => "missing_user_code",
            ErrorCode::InvalidUserCode => "invalid_user_code",
            ErrorCode::InvalidBindingMessage => "invalid_binding_message",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::TransactionFailed => "transaction_failed",
            ErrorCode::UnknownAuthReqId => "unknown_auth_req_id",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ServerUnavailable => "server_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answered to a client: code, description, and the table that decides the status.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
    pub dialect: Dialect,
    /// Set when the client tried HTTP Basic authentication (RFC 6749 5.2: answer with
    /// `WWW-Authenticate`).
    pub basic_auth: bool,
    /// Set at the userinfo endpoint: the error travels in `WWW-Authenticate` (RFC 6750 3).
    pub bearer: bool,
    /// Set at the token endpoint, where every error but `invalid_client` is a 400 (RFC 6749
    /// 5.2, CIBA Core 11), `access_denied` included.
    pub at_token_endpoint: bool,
    /// Echoed in the error body (Mobile Connect SI Tables 11 and 17).
    pub correlation_id: Option<String>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: sanitize(&description.into()),
            dialect: Dialect::Core,
            basic_auth: false,
            bearer: false,
            at_token_endpoint: false,
            correlation_id: None,
        }
    }

    /// Echoes `correlation_id` in the error body (Mobile Connect SI Tables 11 and 17).
    pub fn with_correlation_id(mut self, correlation_id: Option<&str>) -> OAuthError {
        if self.correlation_id.is_none() {
            self.correlation_id = correlation_id.map(str::to_string);
        }
        self
    }

    pub fn in_dialect(mut self, dialect: Dialect) -> OAuthError {
        self.dialect = dialect;
        self
    }

    /// The HTTP status for this error (CIBA Core 13, 2017 draft 6.5, RFC 6749 5.2, RFC 6750 3.1).
    pub fn status(&self) -> StatusCode {
        use ErrorCode::*;
        match self.code {
            InvalidClient | InvalidToken => StatusCode::UNAUTHORIZED,
            ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            TemporarilyUnavailable | ServerUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ if self.at_token_endpoint => StatusCode::BAD_REQUEST,
            _ if self.dialect == Dialect::MobileConnectSi => StatusCode::BAD_REQUEST,
            AccessDenied => StatusCode::FORBIDDEN,
            InsufficientScope => StatusCode::FORBIDDEN,
            UnauthorizedClient if self.dialect.is_draft() => StatusCode::FORBIDDEN,
            UnknownUserId if self.dialect.is_draft() => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

macro_rules! constructors {
    ($($name:ident => $code:ident),* $(,)?) => {
        impl OAuthError {
            $(
                pub fn $name(description: impl Into<String>) -> OAuthError {
                    OAuthError::new(ErrorCode::$code, description)
                }
            )*
        }
    };
}

constructors! {
    invalid_request => InvalidRequest,
    invalid_client => InvalidClient,
    invalid_grant => InvalidGrant,
    unauthorized_client => UnauthorizedClient,
    invalid_scope => InvalidScope,
    access_denied => AccessDenied,
    unknown_user_id => UnknownUserId,
    server_error => ServerError,
}

/// Keeps only the characters RFC 6749 allows in `error_description` (%x20-21 / %x23-5B /
/// %x5D-7E): no quotes, backslashes, control or non-ASCII characters.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c if (' '..='~').contains(&c) => c,
            _ => '?',
        })
        .collect()
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = serde_json::json!({ "error": self.code.as_str(), "error_description": self.description });
        if let Some(id) = &self.correlation_id {
            body["correlation_id"] = serde_json::json!(id);
        }
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // Mobile Connect DI Annex A.2 (and RFC 6749 5.1): `Pragma: no-cache` too.
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if status == StatusCode::UNAUTHORIZED && self.basic_auth {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"idgw\""),
            );
        }
        if self.bearer {
            let value = format!(
                "Bearer error=\"{}\", error_description=\"{}\"",
                self.code, self.description
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        response
    }
}

/// Internal failures: logged with a stable code, answered as `server_error` without detail.
impl From<idgw_store::StoreError> for OAuthError {
    fn from(e: idgw_store::StoreError) -> OAuthError {
        tracing::error!(code = "E_STORE", error = %e, "storage failure");
        OAuthError::server_error("internal error (E_STORE)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_dialect() {
        let e = OAuthError::unknown_user_id("x");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            e.clone().in_dialect(Dialect::Draft2017).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            OAuthError::access_denied("x").status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            OAuthError::invalid_client("x").status(),
            StatusCode::UNAUTHORIZED
        );
        let u = OAuthError::unauthorized_client("x");
        assert_eq!(u.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            u.in_dialect(Dialect::Sequence).status(),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn description_charset_is_enforced() {
        assert_eq!(sanitize("a \"b\" \\ c\n\u{e9}"), "a 'b' / c??");
    }
}
