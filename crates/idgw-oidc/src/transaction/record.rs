//! What the OP remembers of an accepted backchannel request, stored with the transaction,
//! and the outcome stored when it ends.

use crate::client::DeliveryMode;
use crate::error::Dialect;
use idgw_store::Millis;
use serde::{Deserialize, Serialize};

/// An accepted request (CIBA Core 7.1 after validation), everything needed to finish it
/// without the original HTTP request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedRequest {
    pub dialect: Dialect,
    pub delivery: DeliveryMode,
    pub scope: String,
    /// The acr chosen from `acr_values` (first supported).
    pub acr: String,
    pub pin_required: bool,
    /// The pairwise subject for this client's sector.
    pub sub: String,
    pub nonce: Option<String>,
    pub binding_message: Option<String>,
    pub display_text: String,
    pub client_notification_token: Option<String>,
    /// Where ping/push notifications go (registered endpoint, or a registered per-request one).
    pub notification_endpoint: Option<String>,
    /// The sequence-diagram dialect's request id, echoed in its notification.
    pub client_req_id: Option<String>,
    pub correlation_id: Option<String>,
    pub hashed_login_hint: Option<String>,
    /// Minimum polling interval in seconds (CIBA Core 7.3).
    pub interval: u64,
    /// Mobile Connect SI notification mode: the request's `notification_uri`, the ID token's
    /// `recipient` claim (SI Table 10).
    #[serde(default)]
    pub recipient: Option<String>,
    /// Mobile Connect DI: where the browser goes back to, and which browser may follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_initiated: Option<crate::mc_di::BrowserReturn>,
}

/// Mobile Connect SI Table 10: for `mc_authz` the ID token lives "no more than a few minutes".
pub const MC_AUTHZ_ID_TOKEN_TTL_S: u64 = 120;

impl AcceptedRequest {
    /// The ID token claims this request adds; `auth_req_id` only for push (CIBA Core 10.3.1).
    pub fn id_token_extras<'a>(
        &'a self,
        auth_req_id: Option<&'a str>,
    ) -> crate::issue::IdTokenExtras<'a> {
        let mc_authz = self.scope.split(' ').any(|s| s == "mc_authz");
        crate::issue::IdTokenExtras {
            nonce: self.nonce.as_deref(),
            hashed_login_hint: self.hashed_login_hint.as_deref(),
            auth_req_id,
            displayed_data: mc_authz.then_some(self.display_text.as_str()),
            recipient: self.recipient.as_deref(),
            max_ttl_s: mc_authz.then_some(MC_AUTHZ_ID_TOKEN_TTL_S),
        }
    }
}

/// What the authenticator reported, as stored when the transaction ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutcome {
    pub amr: Vec<String>,
    pub auth_time: Millis,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The acr values idgw can satisfy, and whether each needs the SIM PIN: Mobile Connect LoA
/// `2` and `3`, MODRNA `mod-pr` (possession) and `mod-mf` (multi-factor).
pub const SUPPORTED_ACRS: &[(&str, bool)] = &[
    ("2", false),
    ("3", true),
    ("mod-pr", false),
    ("mod-mf", true),
];

/// The first supported value of a space-separated `acr_values` list.
pub fn choose_acr(acr_values: &str) -> Option<(&'static str, bool)> {
    acr_values
        .split(' ')
        .filter(|v| !v.is_empty())
        .find_map(|v| SUPPORTED_ACRS.iter().find(|(acr, _)| *acr == v).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_supported_acr_wins() {
        assert_eq!(choose_acr("urn:x 3 2"), Some(("3", true)));
        assert_eq!(choose_acr("mod-pr mod-mf"), Some(("mod-pr", false)));
        assert_eq!(choose_acr("urn:x"), None);
    }
}
