//! The grants of the Token Endpoint, one module each (the endpoint itself is
//! [`crate::endpoint::token`], which authenticates the client and picks the grant):
//!
//! - [`poll`]: the CIBA grant (CIBA Core 10.1 and 11), the 2017 draft's `backchannel_request`
//!   grant (draft 6.1-6.4) and the Mobile Connect SI Polling Request (SI Tables 7-9, 17, 18):
//!   one poll of a transaction's result.
//! - [`authorization_code`]: the Mobile Connect DI code grant (DI Tables 4, 5, 6 and 8).
//! - [`refresh`]: `refresh_token` (RFC 6749 6).
//!
//! Each returns the token response or an [`crate::error::OAuthError`], never HTTP.

pub mod authorization_code;
pub mod poll;
pub mod refresh;

/// CIBA Core 10.1.
pub const GRANT_CIBA: &str = "urn:openid:params:grant-type:ciba";
/// The 2017 MODRNA draft 6.1.
pub const GRANT_MODRNA_2017: &str = "urn:openid:params:modrna:grant-type:backchannel_request";
/// Mobile Connect SI Table 7: the Polling Request's grant type.
pub const GRANT_SERVER_INITIATED: &str = "urn:openid:params:mc:grant-type:server_initiated";
/// RFC 6749 4.1.3; Mobile Connect DI Table 4.
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";
/// RFC 6749 6.
pub const GRANT_REFRESH: &str = "refresh_token";

/// Whether `grant_type` polls a backchannel authentication (CIBA Core or the 2017 draft).
pub fn is_ciba_grant(grant_type: &str) -> bool {
    grant_type == GRANT_CIBA || grant_type == GRANT_MODRNA_2017
}
