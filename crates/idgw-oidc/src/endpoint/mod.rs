//! The endpoints' domain entry points, one per endpoint with more than one flow behind it:
//! each reads the parameters, authenticates the client where the endpoint asks for it, and
//! hands the request to its flow or grant. They are the only modules that know every flow.
//!
//! - [`backchannel`]: `/bc-authorize` (CIBA Core 7), CIBA or Mobile Connect SI.
//! - [`token`]: the Token Endpoint (RFC 6749 3.2, CIBA Core 10.1): picks the grant.
//! - [`userinfo`]: the UserInfo Endpoint (OIDC Core 5.3).

pub mod backchannel;
pub mod token;
pub mod userinfo;
