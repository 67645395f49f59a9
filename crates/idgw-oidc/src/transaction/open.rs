//! Opening a transaction for an accepted request, the same for every flow: CIBA (Core 7.3),
//! Mobile Connect SI (Table 5) and DI (section 2.1, the wait page). The request becomes a
//! pending transaction held by this node, is recorded for the trace, and goes to the
//! authenticator. Also what every flow shows on the handset, and the limits on it.

use crate::op::Op;
use crate::opaque::random_token;
use crate::transaction::lifecycle::spawn_authentication;
use crate::transaction::record::AcceptedRequest;
use idgw_store::{Millis, StoreError, TransactionRow, TxState};
use std::sync::Arc;

/// CIBA Core 7.1 leaves the limit to the OP; the text must fit the SIM Toolkit prompt.
pub const MAX_BINDING_MESSAGE: usize = 100;
/// CIBA Core 7.1: `client_notification_token` length limit (also Mobile Connect SI Table 4).
pub const MAX_NOTIFICATION_TOKEN: usize = 1024;
/// The Mobile Connect tables' wording for a subscriber with a transaction in flight
/// (DESIGN.md section 8: at most one authentication per MSISDN).
pub const USER_BUSY: &str = "The User is busy with another transaction";

/// The acknowledgement of CIBA Core 7.3 (Mobile Connect SI Table 5 adds `correlation_id`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Acknowledgement {
    pub auth_req_id: String,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// Stores an accepted request as a pending transaction, records it for the trace and hands it
/// to the authenticator; returns its new `auth_req_id`. `StoreError::Busy` means the
/// subscriber already has a transaction in flight (each flow answers it with its table's
/// error and [`USER_BUSY`]).
pub async fn open_transaction(
    op: &Arc<Op>,
    client_id: &str,
    msisdn: String,
    request: AcceptedRequest,
    expires_in: u64,
    step: &str,
    now: Millis,
) -> Result<String, StoreError> {
    let auth_req_id = random_token();
    let row = TransactionRow {
        auth_req_id: auth_req_id.clone(),
        client_id: client_id.to_string(),
        msisdn,
        state: TxState::Pending,
        request: serde_json::to_string(&request).expect("request serializes"),
        outcome: None,
        created_at: now,
        expires_at: now + expires_in as i64 * 1000,
        completed_at: None,
        owner: Some(op.node.id.clone()),
        lease_until: now + op.config.lease_ms,
    };
    op.store.insert_transaction(&row).await?;
    op.event(
        &auth_req_id,
        request.correlation_id.as_deref(),
        "RP",
        step,
        "accepted",
        None,
    )
    .await;
    spawn_authentication(op.clone(), row, request);
    Ok(auth_req_id)
}

/// The text shown on the handset: who asks, why, and the binding message to compare (CIBA
/// Core 7.1 `binding_message`; Mobile Connect `client_name`, `context`, `binding_message`,
/// shown again as the ID token's `displayed_data`).
pub fn display_text(
    client_name: &str,
    context: Option<&str>,
    binding_message: Option<&str>,
) -> String {
    let mut text = client_name.to_string();
    if let Some(c) = context {
        text.push_str(": ");
        text.push_str(c);
    }
    if let Some(b) = binding_message {
        text.push_str(" [");
        text.push_str(b);
        text.push(']');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_names_client_context_and_binding_message() {
        assert_eq!(display_text("Bank", None, None), "Bank");
        assert_eq!(
            display_text("Bank", Some("Pay 10 EUR"), Some("A1")),
            "Bank: Pay 10 EUR [A1]"
        );
    }
}
