//! GSMA Mobile Connect Device-Initiated mode (`specs/gsma-mobile-connect-device-initiated-3.0.txt`):
//! the OIDC Authorization Code Flow in the user's browser, with the operator's own pages, on
//! the same transactions, authenticator (the SIM chain) and tokens as CIBA.
//!
//! - [`request`]: the OIDC Authorization Request (Table 2) and its errors (Table 7), read by
//!   [`serialization`].
//! - [`authorize`]: what an accepted request leads to: a code from the browser's session, the
//!   phone-number page, or an authentication on the SIM followed live on the "check your
//!   phone" page.
//! - [`follow`]: the "check your phone" page's side: the transaction's end becomes the code.
//! - [`code`]: authorization codes and the Authorization Response (Table 3).
//! - [`session`]: the OP's first-party browser session (`prompt`, `max_age`).
//! - [`pages`] and [`http`]: the server-rendered pages and their routes.
//!
//! The Token Request with `authorization_code` (Tables 4, 5, 6 and 8) is the grant of
//! [`crate::grant::authorization_code`].

pub mod authorize;
pub mod code;
pub mod follow;
pub mod http;
pub mod pages;
pub mod request;
pub mod serialization;
pub mod session;

/// Where the Authorization Endpoint is served (DESIGN.md section 6).
pub const AUTHORIZE_PATH: &str = "/authorize";
/// Table 2 `response_type`: the Authorization Code Flow.
pub const RESPONSE_TYPE_CODE: &str = "code";
/// Longest `state` accepted and echoed (Table 2 `state`).
pub const MAX_STATE: usize = 1024;
/// Table 2 `display`.
pub const DISPLAY_VALUES: &[&str] = &["page", "popup", "touch", "wap"];
/// Table 2 `version`: the profile versions idgw accepts (the spec's examples use `mc_v2.3`;
/// the earlier Mobile Connect releases named `mc_v1.1`, `mc_v1.2` and `mc_di_r2_v2.3`).
pub const SUPPORTED_VERSIONS: &[&str] = &["mc_v1.1", "mc_v1.2", "mc_v2.3", "mc_di_r2_v2.3"];
