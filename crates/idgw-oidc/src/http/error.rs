//! The one place an [`OAuthError`] becomes an HTTP response: its status and headers follow
//! from its code, its [`Kind`], its [`Dialect`] and the [`Endpoint`] that answers.
//!
//! | where | status |
//! | --- | --- |
//! | every endpoint | `invalid_client`, `invalid_token` 401 (RFC 6749 5.2, RFC 6750 3.1); `temporarily_unavailable` 503; `server_error` 500, or 503 when a dependency is unavailable, as below |
//! | Authentication, CIBA Core | 400, `access_denied` 403 (CIBA Core 13) |
//! | Authentication, 2017 draft | 400, `access_denied` and `unauthorized_client` 403, `unknown_user_id` 404 (draft 6.5) |
//! | Authentication, Mobile Connect SI | 400 (Tables 12, 13) |
//! | Token | 400 (RFC 6749 5.2, CIBA Core 11, draft 6.4, SI Table 18, DI Table 8) |
//! | UserInfo | 400, `insufficient_scope` 403 (RFC 6750 3.1) |
//!
//! A `server_error` for an unavailable dependency is a 503 (DI Table 8 "System connection
//! problem"; CIBA, which has no table of its own), except where Mobile Connect SI's tables say
//! 500: at the Token Endpoint only the authenticator's unavailability is a 503 (Table 18; the
//! store and the client's keys are "System connection problems (internal to IDGW)"), and at
//! the authorization request a store time-out is "IDGW time-out due to internal error" (Table
//! 12) while the client's keys are its "System connection problem" (503).
//!
//! Headers: `Cache-Control: no-store` and `Pragma: no-cache` always (RFC 6749 5.1, DI Annex
//! A.2); `WWW-Authenticate: Basic` on a 401 after HTTP Basic client authentication (RFC 6749
//! 5.2); `WWW-Authenticate: Bearer` with the error on a 401 or 403 at the UserInfo Endpoint
//! (RFC 6750 3).

use crate::error::{Dependency, Dialect, ErrorCode, Kind, OAuthError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The endpoint that answers an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/bc-authorize` and `/si-authorize`: CIBA Core 13, 2017 draft 6.5, Mobile Connect SI
    /// Tables 12 and 13.
    Authentication,
    /// `/token`: RFC 6749 5.2, CIBA Core 11, 2017 draft 6.4, SI Tables 17 and 18, DI Table 8.
    Token,
    /// `/userinfo` and `/premiuminfo`: RFC 6750 3.1.
    UserInfo,
}

/// The HTTP status of `e` answered at `at` (the table in the module doc).
pub fn status(e: &OAuthError, at: Endpoint) -> StatusCode {
    use ErrorCode::*;
    let si = e.dialect == Dialect::MobileConnectSi;
    match (e.kind, e.code) {
        (Kind::Unavailable(dependency), _) => unavailable(dependency, at, si),
        (_, ServerError) => StatusCode::INTERNAL_SERVER_ERROR,
        (_, TemporarilyUnavailable) => StatusCode::SERVICE_UNAVAILABLE,
        (_, InvalidClient | InvalidToken) => StatusCode::UNAUTHORIZED,
        (_, code) => match at {
            Endpoint::Token => StatusCode::BAD_REQUEST,
            Endpoint::UserInfo if code == InsufficientScope => StatusCode::FORBIDDEN,
            Endpoint::UserInfo => StatusCode::BAD_REQUEST,
            Endpoint::Authentication if si => StatusCode::BAD_REQUEST,
            Endpoint::Authentication => match code {
                AccessDenied => StatusCode::FORBIDDEN,
                UnauthorizedClient if e.dialect.is_draft() => StatusCode::FORBIDDEN,
                UnknownUserId if e.dialect.is_draft() => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            },
        },
    }
}

fn unavailable(dependency: Dependency, at: Endpoint, si: bool) -> StatusCode {
    let internal_to_the_op = match (si, at, dependency) {
        (true, Endpoint::Token, Dependency::Authenticator) => false,
        (true, Endpoint::Token, _) => true,
        (true, _, Dependency::Store) => true,
        _ => false,
    };
    if internal_to_the_op {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// An error as answered at an endpoint.
#[derive(Debug)]
pub struct ErrorResponse {
    pub error: OAuthError,
    pub at: Endpoint,
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let e = &self.error;
        let status = status(e, self.at);
        let mut response = (status, Json(e.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if status == StatusCode::UNAUTHORIZED && e.kind == Kind::BasicAuthentication {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"idgw\""),
            );
        }
        let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
        if self.at == Endpoint::UserInfo && refused {
            let value = format!(
                "Bearer error=\"{}\", error_description=\"{}\"",
                e.code, e.description
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Endpoint::*;

    fn of(code: ErrorCode, dialect: Dialect, kind: Kind) -> OAuthError {
        OAuthError::new(code, "x").in_dialect(dialect).of_kind(kind)
    }

    /// Each row: code, dialect, kind, where, status.
    #[test]
    fn status_follows_code_kind_dialect_and_endpoint() {
        use Dialect::{Core, Draft2017, MobileConnectSi as Si, Sequence};
        use ErrorCode::*;
        let refused = Kind::Refused;
        let store = Kind::Unavailable(Dependency::Store);
        let keys = Kind::Unavailable(Dependency::ClientKeys);
        let authenticator = Kind::Unavailable(Dependency::Authenticator);
        let auth = Authentication;
        let rows = [
            (UnknownUserId, Core, refused, auth, 400),
            (UnknownUserId, Draft2017, refused, auth, 404),
            (UnknownUserId, Si, refused, auth, 400),
            (AccessDenied, Core, refused, auth, 403),
            (AccessDenied, Draft2017, refused, auth, 403),
            (AccessDenied, Si, refused, auth, 400),
            (AccessDenied, Core, refused, Token, 400),
            (AccessDenied, Si, refused, Token, 400),
            (UnauthorizedClient, Core, refused, auth, 400),
            (UnauthorizedClient, Sequence, refused, auth, 403),
            (UnauthorizedClient, Draft2017, refused, Token, 400),
            (InvalidClient, Core, refused, auth, 401),
            (InvalidClient, Si, refused, Token, 401),
            (InvalidToken, Core, refused, UserInfo, 401),
            (InsufficientScope, Core, refused, UserInfo, 403),
            (InvalidRequest, Core, refused, UserInfo, 400),
            (TemporarilyUnavailable, Si, refused, auth, 503),
            (ServerError, Si, refused, auth, 500),
            (ServerError, Core, refused, Token, 500),
            // The store cannot be reached: 503, but 500 where SI's tables say so.
            (ServerError, Core, store, Token, 503),
            (ServerError, Core, store, auth, 503),
            (ServerError, Core, store, UserInfo, 503),
            (ServerError, Si, store, Token, 500),
            (ServerError, Si, store, auth, 500),
            // The client's jwks_uri: SI Table 12 503, Table 18 500.
            (ServerError, Si, keys, auth, 503),
            (ServerError, Si, keys, Token, 500),
            (ServerError, Core, keys, Token, 503),
            // The authenticator: SI Table 18 503.
            (ServerError, Si, authenticator, Token, 503),
        ];
        for (code, dialect, kind, at, expected) in rows {
            let got = status(&of(code, dialect, kind), at).as_u16();
            assert_eq!(got, expected, "{code} {dialect:?} {kind:?} at {at:?}");
        }
    }

    #[test]
    fn challenges_follow_the_authentication_tried() {
        let answer = |e: OAuthError, at| ErrorResponse { error: e, at }.into_response();
        let basic = OAuthError::invalid_client("x").of_kind(Kind::BasicAuthentication);
        let r = answer(basic, Token);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Basic realm=\"idgw\""
        );
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[header::PRAGMA], "no-cache");
        let r = answer(OAuthError::invalid_client("x"), Token);
        assert!(!r.headers().contains_key(header::WWW_AUTHENTICATE));
        let r = answer(OAuthError::new(ErrorCode::InvalidToken, "gone"), UserInfo);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Bearer error=\"invalid_token\", error_description=\"gone\""
        );
        let r = answer(OAuthError::invalid_request("x"), UserInfo);
        assert!(!r.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
