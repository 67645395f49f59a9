//! The OAuth 2.0 / OpenID errors idgw answers with: the wire code ([`ErrorCode`], whose
//! `Display` is the code), the description, the [`Dialect`] whose error table applies, and the
//! [`Kind`] of failure. Together with the endpoint that answers, these decide the HTTP status
//! and headers, in one place: [`crate::http::error`]. No HTTP type lives here.
//!
//! Store failures follow one policy ([`From<StoreError>`]): a store that cannot be reached in
//! time ([`StoreError::is_unavailable`]) is [`Dependency::Store`] unavailable ("Service is not
//! available"), any other failure is a `server_error` ("Internal error"); the detail is logged
//! under `E_STORE`, never answered.

use idgw_store::StoreError;
use serde::Serialize;

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
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What the OP depends on and may find unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    /// The store ([`StoreError::is_unavailable`]).
    Store,
    /// The client's `jwks_uri` (Mobile Connect SI Table 12 "System connection problem").
    ClientKeys,
    /// The authenticator: the handset cannot be reached, or it gave up ("expiration in
    /// server", Mobile Connect SI Table 18).
    Authenticator,
}

/// What kind of failure an error is, beyond its wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// The request, the grant or the token was refused (or failed); the code says why.
    #[default]
    Refused,
    /// Client authentication with HTTP Basic failed (RFC 6749 5.2: the answer carries a
    /// `WWW-Authenticate: Basic` challenge).
    BasicAuthentication,
    /// Something the OP depends on cannot be reached in time: a `server_error` the tables
    /// answer with 503 where they allow it.
    Unavailable(Dependency),
}

/// An error answered to a client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
    /// The specification whose error table applies.
    pub dialect: Dialect,
    pub kind: Kind,
    /// Echoed in the error body (Mobile Connect SI Tables 11 and 17, DI Table 8).
    pub correlation_id: Option<String>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: sanitize(&description.into()),
            dialect: Dialect::Core,
            kind: Kind::Refused,
            correlation_id: None,
        }
    }

    /// A `server_error` because `dependency` cannot be reached in time.
    pub fn unavailable(dependency: Dependency, description: impl Into<String>) -> OAuthError {
        OAuthError::new(ErrorCode::ServerError, description).of_kind(Kind::Unavailable(dependency))
    }

    pub fn of_kind(mut self, kind: Kind) -> OAuthError {
        self.kind = kind;
        self
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

    /// The JSON error body (RFC 6749 5.2; Mobile Connect adds `correlation_id`).
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: self.code,
            error_description: &self.description,
            correlation_id: self.correlation_id.as_deref(),
        }
    }
}

/// An error's JSON body (RFC 6749 5.2), also the error part of a push notification (CIBA Core
/// 12, Mobile Connect SI Table 14).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody<'a> {
    pub error: ErrorCode,
    pub error_description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<&'a str>,
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

/// The one policy for store failures (module doc): logged with a stable code, answered without
/// detail.
impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> OAuthError {
        tracing::error!(code = "E_STORE", error = %e, "storage failure");
        if e.is_unavailable() {
            OAuthError::unavailable(Dependency::Store, "Service is not available")
        } else {
            OAuthError::server_error("Internal error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_charset_is_enforced() {
        assert_eq!(sanitize("a \"b\" \\ c\n\u{e9}"), "a 'b' / c??");
    }

    #[test]
    fn store_failures_are_unavailable_or_internal() {
        let broken = OAuthError::from(StoreError::Corrupt("x".into()));
        assert_eq!(
            (broken.code, broken.kind),
            (ErrorCode::ServerError, Kind::Refused)
        );
        assert_eq!(broken.description, "Internal error");
        let down = OAuthError::from(StoreError::Backend(sqlx::Error::PoolTimedOut));
        assert_eq!(down.kind, Kind::Unavailable(Dependency::Store));
        assert_eq!(down.description, "Service is not available");
    }

    #[test]
    fn the_body_is_the_wire_code_and_the_echo() {
        let e = OAuthError::invalid_grant("x").with_correlation_id(Some("c"));
        assert_eq!(
            serde_json::to_value(e.body()).unwrap(),
            serde_json::json!({"error": "invalid_grant", "error_description": "x", "correlation_id": "c"})
        );
    }
}
