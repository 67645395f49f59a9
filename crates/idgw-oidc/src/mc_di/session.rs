//! The OP's first-party session with a browser: one cookie, `idgw_session`, random, stored
//! only as a hash. It binds the pages of an authentication to the browser that started it,
//! and, once the subscriber authenticated there, lets a later request be answered without
//! asking again (OIDC Core 3.1.2.1 `prompt` and `max_age`; DI Table 2).

use super::request::AuthorizationRequest;
use crate::validate::choose_acr;
use idgw_store::{Millis, SessionRow};
use serde::{Deserialize, Serialize};

pub const COOKIE: &str = "idgw_session";
/// How long an authentication in this browser counts.
pub const SESSION_TTL_S: i64 = 8 * 3600;
/// Length of a cookie value we issue (256 random bits, base64url).
const COOKIE_LEN: usize = 43;

/// The browser of a request: its cookie value, and whether it must be (re)set.
#[derive(Debug, Clone)]
pub struct Browser {
    cookie: String,
    pub fresh: bool,
}

impl Browser {
    /// The browser named by a `Cookie` header, or a new one.
    pub fn from_header(cookie_header: Option<&str>) -> Browser {
        let sent = cookie_header
            .into_iter()
            .flat_map(|h| h.split(';'))
            .find_map(|c| {
                let (name, value) = c.trim().split_once('=')?;
                let ours = name == COOKIE
                    && value.len() == COOKIE_LEN
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                ours.then(|| value.to_string())
            });
        match sent {
            Some(cookie) => Browser {
                cookie,
                fresh: false,
            },
            None => Browser {
                cookie: crate::opaque::random_token(),
                fresh: true,
            },
        }
    }

    pub fn hash(&self) -> Vec<u8> {
        crate::opaque::token_hash(&self.cookie)
    }

    pub fn hex(&self) -> String {
        hex::encode(self.hash())
    }

    /// The `Set-Cookie` value: first-party, not readable by scripts, sent on top-level
    /// navigations from the client (SameSite=Lax), `Secure` under an https issuer.
    pub fn set_cookie(&self, secure: bool) -> String {
        format!(
            "{COOKIE}={}; Path=/; Max-Age={SESSION_TTL_S}; HttpOnly; SameSite=Lax{}",
            self.cookie,
            if secure { "; Secure" } else { "" }
        )
    }
}

/// How the subscriber authenticated in this browser, stored with the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionData {
    pub acr: String,
    pub amr: Vec<String>,
}

pub fn row(browser: &Browser, msisdn: &str, data: &SessionData, auth_time: Millis) -> SessionRow {
    SessionRow {
        session_hash: browser.hash(),
        msisdn: msisdn.to_string(),
        data: serde_json::to_string(data).expect("session serializes"),
        auth_time,
        expires_at: auth_time + SESSION_TTL_S * 1000,
    }
}

/// Whether `session` answers `request` without the user: not expired, the same subscriber as
/// the hint (if any), within `max_age`, at least the assurance asked for, no `prompt=login`,
/// and not `mc_authz` (which always prompts, Table 2).
pub fn satisfies(
    session: &SessionRow,
    data: &SessionData,
    request: &AuthorizationRequest,
    msisdn: Option<&str>,
    now: Millis,
) -> bool {
    let fresh = request
        .max_age
        .is_none_or(|max| now - session.auth_time <= max as i64 * 1000);
    let strong_enough = !request.pin_required || choose_acr(&data.acr).is_some_and(|(_, pin)| pin);
    session.expires_at > now
        && msisdn.is_none_or(|m| m == session.msisdn)
        && fresh
        && strong_enough
        && !request.prompt_login
        && !request.mc_authz()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_cookie_shape_is_taken() {
        let good = "a".repeat(43);
        let b = Browser::from_header(Some(&format!("x=1; idgw_session={good}")));
        assert!(!b.fresh);
        let b = Browser::from_header(Some("idgw_session=short"));
        assert!(b.fresh);
        let b = Browser::from_header(Some(&format!("idgw_session={}", "<".repeat(43))));
        assert!(b.fresh);
        assert!(Browser::from_header(None).fresh);
        assert!(b.set_cookie(true).ends_with("; Secure"));
    }
}
