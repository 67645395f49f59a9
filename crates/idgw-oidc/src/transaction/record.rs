//! What the OP remembers of an accepted authentication request (CIBA, Mobile Connect SI or
//! DI), stored with the transaction, and the outcome stored when it ends.

use crate::client::DeliveryMode;
use crate::error::Dialect;
use crate::issue::{Grant, IdTokenExtras};
use idgw_store::{Millis, TransactionRow};
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
    pub device_initiated: Option<BrowserReturn>,
}

/// What a transaction started from a browser keeps to finish there (Mobile Connect DI): the
/// Authorization Response's target (DI Table 3) and the browser allowed to follow it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrowserReturn {
    pub redirect_uri: String,
    pub state: Option<String>,
    /// Hex SHA-256 of the browser's session cookie: only that browser sees the pages of this
    /// transaction and receives its code.
    pub browser: String,
    /// DI Table 2 `ui_locales`, for the pages that follow.
    pub ui_locales: Option<String>,
}

/// Mobile Connect SI Table 10: for `mc_authz` the ID token lives "no more than a few minutes".
pub const MC_AUTHZ_ID_TOKEN_TTL_S: u64 = 120;

impl AcceptedRequest {
    /// The ID token claims this request adds; `auth_req_id` only for push (CIBA Core 10.3.1).
    pub fn id_token_extras<'a>(&'a self, auth_req_id: Option<&'a str>) -> IdTokenExtras<'a> {
        let mc_authz = self.scope.split(' ').any(|s| s == "mc_authz");
        IdTokenExtras {
            nonce: self.nonce.as_deref(),
            hashed_login_hint: self.hashed_login_hint.as_deref(),
            auth_req_id,
            displayed_data: mc_authz.then_some(self.display_text.as_str()),
            recipient: self.recipient.as_deref(),
            max_ttl_s: mc_authz.then_some(MC_AUTHZ_ID_TOKEN_TTL_S),
        }
    }

    /// The grant the transaction's tokens carry once `msisdn` authenticated with `outcome`.
    pub fn grant(&self, msisdn: &str, outcome: &StoredOutcome) -> Grant {
        Grant {
            sub: self.sub.clone(),
            msisdn: msisdn.to_string(),
            scope: self.scope.clone(),
            acr: self.acr.clone(),
            amr: outcome.amr.clone(),
            auth_time: outcome.auth_time,
        }
    }

    /// The request stored in `row`; None (logged) when it cannot be read.
    pub fn of(row: &TransactionRow) -> Option<AcceptedRequest> {
        match serde_json::from_str(&row.request) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::error!(code = "E_TX_ROW", auth_req_id = %row.auth_req_id, error = %e, "unreadable transaction");
                None
            }
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
