//! GSMA Mobile Connect Device-Initiated mode (`specs/gsma-mobile-connect-device-initiated-3.0.txt`):
//! the OIDC Authorization Code Flow in the user's browser, with the operator's own pages, on
//! the same transactions, authenticator (the SIM chain) and tokens as CIBA.
//!
//! - [`request`]: the OIDC Authorization Request (Table 2) and its errors (Table 7).
//! - [`authorize`]: what an accepted request leads to: a code from the browser's session, the
//!   phone-number page, or an authentication on the SIM followed live on the "check your
//!   phone" page.
//! - [`follow`]: the "check your phone" page's side: the transaction's end becomes the code.
//! - [`code`]: authorization codes and the Authorization Response (Table 3).
//! - [`session`]: the OP's first-party browser session (`prompt`, `max_age`).
//! - [`grant`]: the Token Request with `authorization_code` (Tables 4, 5, 6 and 8).
//! - [`pages`] and [`http`]: the server-rendered pages and their routes.

pub mod authorize;
pub mod code;
pub mod follow;
pub mod grant;
pub mod http;
pub mod pages;
pub mod request;
pub mod session;

use serde::{Deserialize, Serialize};

/// Where the Authorization Endpoint is served (DESIGN.md section 6).
pub const AUTHORIZE_PATH: &str = "/authorize";
/// Table 2 `response_type`: the Authorization Code Flow.
pub const RESPONSE_TYPE_CODE: &str = "code";
/// Table 4 `grant_type`.
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";
/// Table 2 `display`.
pub const DISPLAY_VALUES: &[&str] = &["page", "popup", "touch", "wap"];
/// Table 2 `version`: the profile versions idgw accepts (the spec's examples use `mc_v2.3`;
/// the earlier Mobile Connect releases named `mc_v1.1`, `mc_v1.2` and `mc_di_r2_v2.3`).
pub const SUPPORTED_VERSIONS: &[&str] = &["mc_v1.1", "mc_v1.2", "mc_v2.3", "mc_di_r2_v2.3"];

/// What a transaction started from a browser keeps to finish there: the Authorization
/// Response's target (Table 3) and the browser allowed to follow it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrowserReturn {
    pub redirect_uri: String,
    pub state: Option<String>,
    /// Hex SHA-256 of the browser's session cookie: only that browser sees the pages of this
    /// transaction and receives its code.
    pub browser: String,
    /// Table 2 `ui_locales`, for the pages that follow.
    pub ui_locales: Option<String>,
}
