//! The boundary between the OP and whatever authenticates the subscriber (in the shipped
//! binary: the SIM applet chain through an ETSI TS 102 204 MSSP).
//!
//! The OP hands over one accepted transaction and receives exactly one [`AuthOutcome`].
//! Implementations must be idempotent per `auth_req_id`: after a restart the OP hands every
//! still-pending transaction over again.

use async_trait::async_trait;
use idgw_store::{Millis, TxState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationRequest {
    pub auth_req_id: String,
    pub correlation_id: Option<String>,
    /// E.164 digits, no `+`.
    pub msisdn: String,
    /// What the handset shows: client name, context and binding message.
    pub display_text: String,
    /// Whether the user must enter the SIM PIN (from the requested acr) or only confirm.
    pub pin_required: bool,
    /// No outcome is useful after this time.
    pub expires_at: Millis,
}

/// How an authentication ended, as the authenticator reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuthOutcome {
    /// The user authenticated; `amr` per RFC 8176 style values (`SIM_PIN`, `SIM_OK`).
    Approved { amr: Vec<String>, auth_time: Millis },
    /// The user declined (TS 102 204 USER_CANCEL).
    Denied,
    /// The PIN is blocked (TS 102 204 PIN_NR_BLOCKED or CARD_BLOCKED).
    PinBlocked,
    /// The handset could not be reached (TS 102 204 OTA_ERROR, SMS undeliverable).
    Unreachable,
    /// The user did not answer in time (TS 102 204 EXPIRED_TRANSACTION).
    Expired,
    /// Anything else went wrong in the chain.
    Failed { reason: String },
    /// Never reported by an authenticator: the OP could not record the outcome it was given
    /// (e.g. minting the tokens failed), and tells the client of its internal error instead
    /// (CIBA Core 12 `transaction_failed`, Mobile Connect SI Tables 15 and 18 "Unexpected
    /// error").
    Internal,
}

impl AuthOutcome {
    /// The transaction state this outcome ends in.
    pub fn state(&self) -> TxState {
        match self {
            AuthOutcome::Approved { .. } => TxState::Approved,
            AuthOutcome::Denied | AuthOutcome::PinBlocked => TxState::Denied,
            AuthOutcome::Unreachable | AuthOutcome::Failed { .. } | AuthOutcome::Internal => {
                TxState::Failed
            }
            AuthOutcome::Expired => TxState::Expired,
        }
    }

    /// The error a client is told (CIBA Core sections 11 and 12), with a description.
    pub fn error(&self) -> Option<(crate::error::ErrorCode, &'static str)> {
        use crate::error::ErrorCode::*;
        Some(match self {
            AuthOutcome::Approved { .. } => return None,
            AuthOutcome::Denied => (
                AccessDenied,
                "The end-user denied the authorization request",
            ),
            AuthOutcome::PinBlocked => (AccessDenied, "The SIM PIN is blocked"),
            AuthOutcome::Unreachable => (
                TransactionFailed,
                "The authentication device could not be reached",
            ),
            AuthOutcome::Expired => (ExpiredToken, "The authentication request has expired"),
            AuthOutcome::Failed { .. } => (
                TransactionFailed,
                "The authentication could not be completed",
            ),
            AuthOutcome::Internal => (
                TransactionFailed,
                "The OpenID Provider could not complete the transaction",
            ),
        })
    }
}

#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Authenticates the subscriber; returns when the outcome is known. The OP applies its own
    /// deadline (`expires_at`) around this call.
    async fn authenticate(&self, request: AuthenticationRequest) -> AuthOutcome;
}
