//! What GSMA Mobile Connect adds to every flow, Server-Initiated and Device-Initiated alike:
//! the `correlation_id` echo and its checks (SI Tables 4, 7, 11, 17; DI Tables 2, 3, 8), and
//! the scope values idgw serves.

use crate::error::OAuthError;
use crate::params::Params;

/// Longest `correlation_id` echoed or accepted.
pub const MAX_CORRELATION_ID: usize = 256;
/// Scope values idgw serves (the discovery document's `scopes_supported`).
pub const SUPPORTED_SCOPES: &[&str] = &["openid", "phone", "mc_authn", "mc_authz"];

/// A `correlation_id` fit to echo: present, not empty, printable and bounded.
pub fn echoable(correlation_id: Option<&str>) -> Option<&str> {
    correlation_id.filter(|c| {
        !c.is_empty() && c.len() <= MAX_CORRELATION_ID && !c.chars().any(char::is_control)
    })
}

/// SI Table 7 and DI Table 4: a request after the authorization request (a Polling Request, a
/// Token Request) repeats its `correlation_id`: REQUIRED when the authorization request
/// carried one (`expected`), and that one.
pub fn check_correlation_id(params: &Params, expected: Option<&str>) -> Result<(), OAuthError> {
    match (params.raw("correlation_id"), expected) {
        (None, None) => Ok(()),
        (Some(sent), Some(expected)) if sent == expected => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "Required parameter correlation_id is missing",
        )),
        _ => Err(OAuthError::invalid_request(
            "Malformed request: correlation_id does not match the authorization request",
        )),
    }
}

/// The `correlation_id` of form pairs that are not a valid request (a repeated parameter, a
/// GET query): the outer one if sent once, else that of the Request Object if sent once
/// (SI Tables 11 and 17 echo it in every error).
pub fn recover_correlation_id(form: &[u8]) -> Option<String> {
    let (mut outer, mut request) = (vec![], vec![]);
    for (name, value) in url::form_urlencoded::parse(form) {
        match name.as_ref() {
            "correlation_id" => outer.push(value.into_owned()),
            "request" => request.push(value.into_owned()),
            _ => {}
        }
    }
    let once = |v: &[String]| match v {
        [one] => Some(one.clone()),
        _ => None,
    };
    correlation_id_of(once(&outer).as_deref(), once(&request).as_deref())
}

/// The `correlation_id` to echo in an error: the outer one, else the (possibly not yet
/// verified) Request Object's; echoing it tells the sender nothing it did not send.
pub fn correlation_id_of(outer: Option<&str>, request: Option<&str>) -> Option<String> {
    let from_object = || {
        let claims = crate::jose::unverified_claims(request?)?;
        claims
            .get("correlation_id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    echoable(outer)
        .map(str::to_string)
        .or_else(from_object)
        .filter(|c| echoable(Some(c)).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoable_correlation_ids_are_bounded_and_printable() {
        assert_eq!(echoable(Some("abc")), Some("abc"));
        assert_eq!(echoable(Some("")), None);
        assert_eq!(echoable(Some("a\nb")), None);
        assert_eq!(echoable(Some(&"x".repeat(300))), None);
    }

    #[test]
    fn correlation_id_must_repeat_the_requests() {
        let with = |v: &str| Params::from_form(v.as_bytes()).unwrap();
        assert!(check_correlation_id(&with("correlation_id=c1"), Some("c1")).is_ok());
        assert!(check_correlation_id(&with("correlation_id=c2"), Some("c1")).is_err());
        assert!(check_correlation_id(&with(""), Some("c1")).is_err());
        assert!(check_correlation_id(&with(""), None).is_ok());
        assert!(check_correlation_id(&with("correlation_id=c1"), None).is_err());
    }

    #[test]
    fn a_repeated_correlation_id_is_not_recovered() {
        assert_eq!(
            recover_correlation_id(b"correlation_id=a&x=1&x=2").as_deref(),
            Some("a")
        );
        assert_eq!(
            recover_correlation_id(b"correlation_id=a&correlation_id=b"),
            None
        );
    }
}
