//! The endpoints' domain entry points, one per endpoint: each reads the parameters, authenticates
//! the client where the endpoint asks for it, and hands the request to its flow or grant.
//!
//! - [`token`]: the Token Endpoint (RFC 6749 3.2, CIBA Core 10.1).
//! - [`userinfo`]: the UserInfo Endpoint (OIDC Core 5.3).

pub mod token;
pub mod userinfo;
