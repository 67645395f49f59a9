//! The browser following its authentication on the "check your phone" page (DI section 2.1):
//! while the SIM is asked, the page polls; once it answered, the approved transaction becomes
//! the code (and the browser's session) in one store step, or its error is redirected
//! (Table 7). Only the browser that started the transaction may follow it.

use super::code::{self, Return};
use super::session::{self, Browser, SessionData};
use crate::error::OAuthError;
use crate::grant::authorization_code::CodeGrant;
use crate::op::Op;
use crate::transaction::record::{AcceptedRequest, StoredOutcome};
use idgw_store::{Millis, TransactionRow, TxState};

/// Where a followed transaction stands, for the wait page.
#[derive(Debug)]
pub enum Progress {
    /// Still on the SIM.
    Pending {
        request: Box<AcceptedRequest>,
        msisdn: String,
    },
    /// Ended: the Authorization Response (a code or an error).
    Redirect(String),
    /// Unknown, another browser's, or already answered.
    Gone,
}

/// The transaction `auth_req_id` if this browser started it.
async fn load(
    op: &Op,
    auth_req_id: &str,
    browser: &Browser,
) -> Result<Option<(TransactionRow, AcceptedRequest, Return)>, OAuthError> {
    let Some(row) = op.store.transaction(auth_req_id).await? else {
        return Ok(None);
    };
    let Ok(request) = serde_json::from_str::<AcceptedRequest>(&row.request) else {
        return Ok(None);
    };
    let ours = request
        .device_initiated
        .as_ref()
        .is_some_and(|d| d.browser == browser.hex());
    match (ours, Return::of(&request)) {
        (true, Some(ret)) => Ok(Some((row, request, ret))),
        _ => Ok(None),
    }
}

/// Whether the followed transaction is still on the SIM (None: not this browser's).
pub async fn pending(
    op: &Op,
    auth_req_id: &str,
    browser: &Browser,
) -> Result<Option<bool>, OAuthError> {
    Ok(load(op, auth_req_id, browser)
        .await?
        .map(|(row, _, _)| row.state == TxState::Pending))
}

/// Follows a transaction from its browser: once it ended, issues the code (and the browser's
/// session) or redirects the error (Table 7: denial is `access_denied`; an unreachable
/// authenticator, expiry or failure `server_error`).
pub async fn follow(
    op: &Op,
    auth_req_id: &str,
    browser: &Browser,
    now: Millis,
) -> Result<Progress, OAuthError> {
    let Some((row, request, ret)) = load(op, auth_req_id, browser).await? else {
        return Ok(Progress::Gone);
    };
    let outcome =
        || -> Option<StoredOutcome> { serde_json::from_str(row.outcome.as_deref()?).ok() };
    let error = match row.state {
        TxState::Pending => {
            return Ok(Progress::Pending {
                request: Box::new(request),
                msisdn: row.msisdn,
            })
        }
        TxState::Redeemed => return Ok(Progress::Gone),
        TxState::Approved => {
            let outcome =
                outcome().ok_or_else(|| OAuthError::server_error("Internal Server Error"))?;
            let grant = request.grant(&row.msisdn, &outcome);
            let data = SessionData {
                acr: grant.acr.clone(),
                amr: grant.amr.clone(),
            };
            let session = session::row(browser, &row.msisdn, &data, grant.auth_time);
            let code_grant = CodeGrant { request, grant };
            match code::issue(
                op,
                &row.client_id,
                &ret,
                &code_grant,
                Some(auth_req_id),
                Some(&session),
                now,
            )
            .await
            {
                Ok(location) => return Ok(location.map_or(Progress::Gone, Progress::Redirect)),
                // Table 7 "Any Unexpected error": the client is told, as for any other end.
                Err(_) => OAuthError::server_error("Internal Server Error"),
            }
        }
        TxState::Denied => OAuthError::access_denied(
            outcome()
                .and_then(|o| o.error_description)
                .unwrap_or_else(|| "The end-user denied the authorization request".into()),
        ),
        TxState::Failed | TxState::Expired => OAuthError::server_error("Internal Server Error"),
    };
    Ok(Progress::Redirect(ret.error(&error)))
}
