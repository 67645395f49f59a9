//! GSMA Mobile Connect Server-Initiated mode (`specs/gsma-mobile-connect-server-initiated.txt`)
//! on top of the CIBA machinery: the same transactions, authenticator, outbox and tokens.
//!
//! - [`request`]: the SI OIDC Authorization Request at `/si-authorize` (also `/bc-authorize`
//!   with an `mc_si_*` response type): Tables 3 and 4, acknowledgement Table 5, errors
//!   Tables 11, 12 and 13.
//! - [`request_object`]: the signed Request Object ("Signature Validation", Table 4 claims).
//!
//! The Polling Request at `/token` (Tables 7, 8, 9, errors Tables 17 and 18) is the grant of
//! [`crate::grant::poll`]. Notification mode (Tables 6, 14, 15) is the push delivery of
//! [`crate::transaction::lifecycle`], and the ID token claims of Table 10 come from
//! [`crate::transaction::record::AcceptedRequest::id_token_extras`]. The `correlation_id`
//! rules SI shares with DI are [`crate::mobile_connect`].

pub mod request;
pub mod request_object;

/// Table 3: Server-Initiated using Notification.
pub const RESPONSE_TYPE_ASYNC_CODE: &str = "mc_si_async_code";
/// Table 3: Server-Initiated using Polling.
pub const RESPONSE_TYPE_POLLING: &str = "mc_si_polling";
/// Table 4 `version`: the profile versions idgw implements (the spec's examples use
/// `mc_si_r2_v1.0`; its text names the first version `Siv1.0`).
pub const SUPPORTED_VERSIONS: &[&str] = &["mc_si_r2_v1.0", "mc_si_v1.0", "Siv1.0"];

/// Whether `response_type` asks for Server-Initiated mode.
pub fn is_si_response_type(response_type: &str) -> bool {
    response_type == RESPONSE_TYPE_ASYNC_CODE || response_type == RESPONSE_TYPE_POLLING
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_si_response_types() {
        assert!(is_si_response_type("mc_si_async_code"));
        assert!(is_si_response_type("mc_si_polling"));
        assert!(!is_si_response_type("code"));
    }
}
