//! Authorization codes (RFC 6749 4.1.2) and the Authorization Response of Mobile Connect DI
//! (section 5, Table 3; errors Annex A.1).
//!
//! A code is random, stored by its hash, single-use and short-lived, and bound to its client,
//! `redirect_uri`, `nonce` and `correlation_id` (what it stores is the accepted request). The
//! tokens minted from it carry its `grant_id`, so a replayed code revokes them.

use super::MAX_STATE;
use crate::error::OAuthError;
use crate::grant::authorization_code::CodeGrant;
use crate::mobile_connect::echoable;
use crate::op::Op;
use crate::opaque::{random_token, token_hash};
use crate::params::Params;
use crate::transaction::record::AcceptedRequest;
use idgw_store::{CodeRow, Millis, SessionRow};
use serde::{Deserialize, Serialize};

/// How long a code may wait to be exchanged (RFC 6749 4.1.2 recommends at most 10 minutes).
pub const CODE_TTL_S: i64 = 120;

/// Where the Authorization Response goes: the registered `redirect_uri`, with `state` and
/// `correlation_id` echoed as sent (Table 3, Annex A.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Return {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub correlation_id: Option<String>,
}

impl Return {
    pub fn new(redirect_uri: &str, params: &Params) -> Return {
        Return {
            redirect_uri: redirect_uri.to_string(),
            state: params
                .raw("state")
                .filter(|s| s.len() <= MAX_STATE)
                .map(str::to_string),
            correlation_id: echoable(params.get("correlation_id")).map(str::to_string),
        }
    }

    /// The return of a transaction started from a browser.
    pub fn of(request: &AcceptedRequest) -> Option<Return> {
        let di = request.device_initiated.as_ref()?;
        Some(Return {
            redirect_uri: di.redirect_uri.clone(),
            state: di.state.clone(),
            correlation_id: request.correlation_id.clone(),
        })
    }

    /// The `redirect_uri` with `pairs`, `state` and `correlation_id` added to its query
    /// (form serialization, section 5).
    fn url(&self, pairs: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(s) = &self.state {
            query.append_pair("state", s);
        }
        if let Some(c) = &self.correlation_id {
            query.append_pair("correlation_id", c);
        }
        let join = if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{join}{}", self.redirect_uri, query.finish())
    }

    /// Table 3: the successful response.
    pub fn code(&self, code: &str) -> String {
        self.url(&[("code", code)])
    }

    /// Annex A.1: an error response.
    pub fn error(&self, e: &OAuthError) -> String {
        self.url(&[
            ("error", e.code.as_str()),
            ("error_description", &e.description),
        ])
    }
}

/// Issues a code for `client_id` and returns the Authorization Response's `Location`.
/// `from` is the approved transaction it ends (None for a code from the browser's session);
/// `session` is stored with it. None when the transaction was no longer approved (another
/// request of the same browser took the code).
pub async fn issue(
    op: &Op,
    client_id: &str,
    ret: &Return,
    code_grant: &CodeGrant,
    from: Option<&str>,
    session: Option<&SessionRow>,
    now: Millis,
) -> Result<Option<String>, OAuthError> {
    let code = random_token();
    let grant_id = from.map_or_else(random_token, str::to_string);
    let row = CodeRow {
        code_hash: token_hash(&code),
        client_id: client_id.to_string(),
        redirect_uri: ret.redirect_uri.clone(),
        grant_id: grant_id.clone(),
        grant: serde_json::to_string(code_grant).expect("code grant serializes"),
        created_at: now,
        expires_at: now + CODE_TTL_S * 1000,
        used_at: None,
    };
    if !op.store.issue_code(&row, from, session).await? {
        return Ok(None);
    }
    op.event(
        &grant_id,
        ret.correlation_id.as_deref(),
        "OP",
        "authorization code issued",
        "ok",
        None,
    )
    .await;
    Ok(Some(ret.code(&code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(uri: &str) -> Return {
        Return {
            redirect_uri: uri.into(),
            state: Some("a b&c".into()),
            correlation_id: Some("c1".into()),
        }
    }

    #[test]
    fn responses_keep_the_registered_query_and_encode_every_value() {
        assert_eq!(
            ret("https://sp.example/cb").code("x/y"),
            "https://sp.example/cb?code=x%2Fy&state=a+b%26c&correlation_id=c1"
        );
        let e = OAuthError::access_denied("Unknown User");
        assert_eq!(
            ret("https://sp.example/cb?app=1").error(&e),
            "https://sp.example/cb?app=1&error=access_denied&error_description=Unknown+User&state=a+b%26c&correlation_id=c1"
        );
    }
}
