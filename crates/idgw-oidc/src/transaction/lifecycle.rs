//! The life of a transaction after acceptance: hand it to the
//! [`crate::authenticator::Authenticator`], record the
//! one outcome, and queue what the client must be told (CIBA Core 10.2 ping, 10.3 push,
//! 12 push error; the 2017 draft's notification). The expiry sweeper ends transactions
//! nobody answered; [`crate::lease`] hands pending ones over again when their node stopped or
//! died.
//!
//! Mobile Connect SI notification mode is push delivery to the request's `notification_uri`:
//! the Table 6 token response or the Table 14/15 error, both with `correlation_id`
//! ([`notification`]), never after `expires_in` (SI Table 5).

use crate::authenticator::{AuthOutcome, AuthenticationRequest};
use crate::client::DeliveryMode;
use crate::error::{Dialect, OAuthError};
use crate::issue::mint;
use crate::op::Op;
use crate::transaction::notification::{self, Notified};
use crate::transaction::record::{AcceptedRequest, StoredOutcome};
use idgw_store::{Finish, Millis, NewNotification, TransactionRow, TxState};
use std::sync::Arc;

/// Hands an accepted transaction to the authenticator in the background.
/// Its lease is renewed while this node waits (see [`crate::lease`]).
pub fn spawn_authentication(op: Arc<Op>, row: TransactionRow, request: AcceptedRequest) {
    let working = op.node.work(&row.auth_req_id);
    tokio::spawn(async move {
        let _working = working;
        let auth = AuthenticationRequest {
            auth_req_id: row.auth_req_id.clone(),
            correlation_id: request.correlation_id.clone(),
            msisdn: row.msisdn.clone(),
            display_text: request.display_text.clone(),
            pin_required: request.pin_required,
            expires_at: row.expires_at,
        };
        op.event(
            &row.auth_req_id,
            request.correlation_id.as_deref(),
            "OP",
            "Authenticate(MSISDN)",
            "sent",
            None,
        )
        .await;
        let left = (row.expires_at - op.now()).max(0) as u64;
        let outcome = match tokio::time::timeout(
            std::time::Duration::from_millis(left),
            op.authenticator.authenticate(auth),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => AuthOutcome::Expired,
        };
        if let Err(e) = complete(&op, &row, &request, outcome, op.now()).await {
            tracing::error!(auth_req_id = %row.auth_req_id, error = %e, "cannot record outcome; telling the client of an internal error");
            // Nothing was written: end it as an internal error, which the client is told
            // (SI Table 15 "Unexpected error"), rather than leave it to the sweeper, whose
            // expiry comes when nothing may be notified any more (SI Table 5).
            let internal = complete(&op, &row, &request, AuthOutcome::Internal, op.now()).await;
            if let Err(e) = internal {
                tracing::error!(auth_req_id = %row.auth_req_id, error = %e, "cannot record outcome; the sweeper will expire it");
            }
        }
    });
}

/// Records the outcome of a pending transaction and queues its notification, atomically.
/// Returns false when the transaction had already ended (a racing sweeper or node).
pub async fn complete(
    op: &Op,
    row: &TransactionRow,
    request: &AcceptedRequest,
    outcome: AuthOutcome,
    now: Millis,
) -> Result<bool, OAuthError> {
    let stored = StoredOutcome {
        amr: match &outcome {
            AuthOutcome::Approved { amr, .. } => amr.clone(),
            _ => vec![],
        },
        auth_time: match &outcome {
            AuthOutcome::Approved { auth_time, .. } => *auth_time,
            _ => now,
        },
        error: outcome.error().map(|(code, _)| code.as_str().to_string()),
        error_description: outcome.error().map(|(_, d)| d.to_string()),
    };
    let mut finish = Finish {
        auth_req_id: row.auth_req_id.clone(),
        state: outcome.state(),
        outcome: Some(serde_json::to_string(&stored).expect("outcome serializes")),
        tokens: vec![],
        notification: None,
        now,
    };
    let bearer = request
        .client_notification_token
        .clone()
        .or_else(|| request.client_req_id.clone());
    let mc_si = request.dialect == Dialect::MobileConnectSi;
    // SI Table 5: "Any notification after this interval MUST be discarded".
    let deadline = if mc_si {
        row.expires_at
    } else {
        row.expires_at.max(now + 60_000)
    };
    if let (Some(url), Some(bearer)) = (request.notification_endpoint.clone(), bearer) {
        let notified = match (request.delivery, &outcome) {
            (DeliveryMode::Ping, AuthOutcome::Expired) => None,
            (DeliveryMode::Ping, _) => Some(Notified::Ping),
            (DeliveryMode::Push, AuthOutcome::Approved { .. }) => {
                let grant = request.grant(&row.msisdn, &stored);
                let extras = request.id_token_extras(Some(&row.auth_req_id));
                let auth_req_id = Some(row.auth_req_id.as_str());
                let issued = mint(op, &row.client_id, auth_req_id, &grant, &extras, now).await?;
                finish.state = TxState::Redeemed;
                finish.tokens = issued.rows;
                Some(Notified::Tokens(issued.response))
            }
            (DeliveryMode::Push, _) if mc_si && now >= deadline => None,
            (DeliveryMode::Push, _) => {
                let (code, description) = notification::error_of(request, &outcome);
                Some(Notified::Error(code, description))
            }
            (DeliveryMode::Poll, _) => None,
        };
        finish.notification = notified.map(|notified| NewNotification {
            auth_req_id: row.auth_req_id.clone(),
            url,
            bearer,
            body: notification::body(request, &row.auth_req_id, notified),
            deadline,
        });
    }
    let done = op
        .store
        .finish_transaction(TxState::Pending, &finish)
        .await?;
    if done {
        let label = finish.state.as_str();
        op.metrics.transaction_ended(label);
        let step = match &outcome {
            AuthOutcome::Approved { .. } => "Authentication OK".to_string(),
            other => format!("{other:?}"),
        };
        op.event(
            &row.auth_req_id,
            request.correlation_id.as_deref(),
            "OP",
            &step,
            label,
            None,
        )
        .await;
        if finish.notification.is_some() {
            op.outbox_wake.notify_one();
        }
    }
    Ok(done)
}

/// Ends every pending transaction past its expiry, telling push clients (CIBA Core 12).
pub async fn sweep_expired(op: &Op, now: Millis) -> Result<usize, OAuthError> {
    let due = op.store.expired_pending(now, 500).await?;
    let mut ended = 0;
    for row in due {
        let Some(request) = AcceptedRequest::of(&row) else {
            // Unreadable: still end it, so the subscriber is free and polls see an end.
            let finish = Finish {
                auth_req_id: row.auth_req_id.clone(),
                state: TxState::Failed,
                outcome: None,
                tokens: vec![],
                notification: None,
                now,
            };
            op.store
                .finish_transaction(TxState::Pending, &finish)
                .await?;
            continue;
        };
        if complete(op, &row, &request, AuthOutcome::Expired, now).await? {
            ended += 1;
        }
    }
    Ok(ended)
}
