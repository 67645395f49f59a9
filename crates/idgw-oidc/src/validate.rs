//! Per-parameter checks shared by the three authentication requests: CIBA's (Core 7.1 with the
//! MODRNA profile), Mobile Connect SI's (Table 4, errors Tables 12 and 13) and DI's (Table 2,
//! errors Table 7). Each check states one parameter's rule once; where the specs' tables word
//! an error differently, the check reports what is wrong and the flow words it.

use crate::client::Client;
use crate::error::OAuthError;
use crate::hint::Hint;
use crate::mobile_connect::echoable;
use crate::params::Params;
use crate::transaction::open::MAX_BINDING_MESSAGE;

/// The acr values idgw can satisfy, and whether each needs the SIM PIN: Mobile Connect LoA
/// `2` and `3`, MODRNA `mod-pr` (possession) and `mod-mf` (multi-factor).
pub const SUPPORTED_ACRS: &[(&str, bool)] = &[
    ("2", false),
    ("3", true),
    ("mod-pr", false),
    ("mod-mf", true),
];

/// SI Table 13 and DI Table 7: neither `login_hint` nor `login_hint_token`.
pub const HINT_MISSING: &str =
    "REQUIRED parameters login_hint_token (or) login_hint does not exist";

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::invalid_request(description)
}

/// `acr_values`: the first supported value of the space-separated list, and whether it needs
/// the PIN (MODRNA CIBA profile; SI Table 4 and DI Table 2: "consider only the first supported
/// value").
pub fn choose_acr(acr_values: &str) -> Option<(&'static str, bool)> {
    acr_values
        .split(' ')
        .filter(|v| !v.is_empty())
        .find_map(|v| SUPPORTED_ACRS.iter().find(|(acr, _)| *acr == v).copied())
}

/// What is wrong with a `scope` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeProblem<'a> {
    /// `openid` is missing (CIBA Core 7.1, SI Table 12, DI Table 7).
    NoOpenid,
    /// A value this client may not ask for, or one idgw does not serve.
    NotServed(&'a str),
    /// A value idgw publishes but has taken out of service for now (`unavailable_scopes`).
    Suspended(&'a str),
}

/// Checks `scope` for `client`: `openid`, then every value allowed (and in `served`, if
/// given), then none of them `suspended`.
pub fn scope_problem<'a>(
    scope: &'a str,
    client: &Client,
    served: Option<&[&str]>,
    suspended: &[String],
) -> Option<ScopeProblem<'a>> {
    let mut values = scope.split(' ').filter(|s| !s.is_empty());
    if !values.clone().any(|s| s == "openid") {
        return Some(ScopeProblem::NoOpenid);
    }
    let unserved = |s: &&str| !client.allows_scope(s) || served.is_some_and(|v| !v.contains(s));
    if let Some(bad) = values.clone().find(unserved) {
        return Some(ScopeProblem::NotServed(bad));
    }
    values
        .find(|s| suspended.iter().any(|x| x == s))
        .map(ScopeProblem::Suspended)
}

/// `binding_message`: at most [`MAX_BINDING_MESSAGE`] printable characters, so it fits the SIM
/// Toolkit prompt (CIBA Core 7.1 leaves the limit to the OP). CIBA answers a bad one with its
/// own code, `invalid_binding_message` (Core 13); the Mobile Connect tables with this
/// `invalid_request`.
pub fn binding_message(value: Option<&str>) -> Result<Option<String>, OAuthError> {
    match value {
        Some(m) if m.chars().count() > MAX_BINDING_MESSAGE || m.chars().any(char::is_control) => {
            Err(invalid(format!(
                "binding_message must be at most {MAX_BINDING_MESSAGE} printable characters"
            )))
        }
        other => Ok(other.map(str::to_string)),
    }
}

/// `claims` (OIDC Core 5.5): when sent, a JSON object with at least one member (SI Table 13,
/// DI Table 7 "claims value is invalid").
pub fn claims(params: &Params) -> Result<(), OAuthError> {
    if !params.contains("claims") {
        return Ok(());
    }
    let object = params
        .get("claims")
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
        .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
    if object {
        Ok(())
    } else {
        Err(invalid("claims value is invalid"))
    }
}

/// `max_age` (OIDC Core 3.1.2.1): when sent, a number of seconds (SI Table 13, DI Table 7).
pub fn max_age(params: &Params) -> Result<Option<u64>, OAuthError> {
    params
        .raw("max_age")
        .map(|v| v.trim().parse::<u64>())
        .transpose()
        .map_err(|_| invalid("Invalid max_age value"))
}

/// `correlation_id`: when sent, not empty and fit to echo (SI Table 13, DI Table 7).
pub fn correlation_id(params: &Params) -> Result<Option<String>, OAuthError> {
    if params.contains("correlation_id") && echoable(params.raw("correlation_id")).is_none() {
        return Err(invalid("Invalid correlation_id value"));
    }
    Ok(params.get("correlation_id").map(str::to_string))
}

/// `client_name`: when sent, one of the client's registered `client_names`, exactly (SI
/// Table 13, DI Tables 1 and 7).
pub fn client_name<'a>(client: &Client, params: &'a Params) -> Result<Option<&'a str>, OAuthError> {
    let name = params.get("client_name");
    let registered = |n: &str| client.metadata.client_names.iter().any(|r| r == n);
    if params.contains("client_name") && !name.is_some_and(registered) {
        return Err(invalid("Invalid client_name value"));
    }
    Ok(name)
}

/// SI Table 4 and DI Table 2: `binding_message`, `client_name` and `context` are REQUIRED for
/// `mc_authz` (an empty `binding_message` is allowed). One error per missing parameter.
pub fn missing_for_mc_authz(params: &Params) -> Vec<OAuthError> {
    [
        ("binding_message", params.contains("binding_message")),
        ("client_name", params.get("client_name").is_some()),
        ("context", params.get("context").is_some()),
    ]
    .into_iter()
    .filter(|(_, present)| !present)
    .map(|(name, _)| invalid(format!("{name} is REQUIRED for mc_authz")))
    .collect()
}

/// `requested_expiry` (CIBA Core 7.1): a positive number of seconds; the transaction's
/// `expires_in` is it (or `default_s`), capped at `max_s`.
pub fn requested_expiry(params: &Params, default_s: u64, max_s: u64) -> Result<u64, OAuthError> {
    let requested = match params.get("requested_expiry") {
        None => default_s,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid("requested_expiry must be a positive integer"))?,
    };
    Ok(requested.min(max_s))
}

/// CIBA Core 7.1: exactly one of `login_hint_token`, `id_token_hint` and `login_hint`.
pub fn one_hint(params: &Params) -> Result<Hint, OAuthError> {
    let hints: Vec<Hint> = [
        params
            .get("login_hint_token")
            .map(|v| Hint::LoginHintToken(v.into())),
        params
            .get("id_token_hint")
            .map(|v| Hint::IdTokenHint(v.into())),
        params.get("login_hint").map(|v| Hint::LoginHint(v.into())),
    ]
    .into_iter()
    .flatten()
    .collect();
    match <[Hint; 1]>::try_from(hints) {
        Ok([hint]) => Ok(hint),
        Err(_) => Err(invalid(
            "exactly one of login_hint_token, id_token_hint and login_hint is required",
        )),
    }
}

/// Mobile Connect (SI Table 13, DI Table 7): `login_hint` or `login_hint_token`, not both;
/// None when neither was sent.
pub fn login_hint(params: &Params) -> Result<Option<Hint>, OAuthError> {
    match (params.get("login_hint"), params.get("login_hint_token")) {
        (Some(_), Some(_)) => Err(invalid("Malformed request, duplicate parameter entries")),
        (Some(h), None) => Ok(Some(Hint::LoginHint(h.to_string()))),
        (None, Some(t)) => Ok(Some(Hint::LoginHintToken(t.to_string()))),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientMetadata;

    fn params(form: &str) -> Params {
        Params::from_form(form.as_bytes()).unwrap()
    }

    fn client(scope: Option<&str>, names: &[&str]) -> Client {
        let metadata = ClientMetadata {
            client_id: "c".into(),
            scope: scope.map(str::to_string),
            client_names: names.iter().map(|n| n.to_string()).collect(),
            ..ClientMetadata::default()
        };
        Client::from_metadata(metadata, Some(vec![1])).unwrap()
    }

    #[test]
    fn first_supported_acr_wins() {
        assert_eq!(choose_acr("urn:x 3 2"), Some(("3", true)));
        assert_eq!(choose_acr("mod-pr mod-mf"), Some(("mod-pr", false)));
        assert_eq!(choose_acr("urn:x"), None);
    }

    #[test]
    fn scope_needs_openid_then_served_values_then_none_suspended() {
        let c = client(Some("openid phone mc_authz"), &[]);
        let served = Some(&["openid", "phone", "mc_authn"][..]);
        let down = vec!["phone".to_string()];
        let problem = |s| scope_problem(s, &c, served, &down);
        assert_eq!(problem("phone"), Some(ScopeProblem::NoOpenid));
        assert_eq!(
            problem("openid mc_authn"),
            Some(ScopeProblem::NotServed("mc_authn"))
        );
        assert_eq!(
            problem("openid mc_authz"),
            Some(ScopeProblem::NotServed("mc_authz"))
        );
        assert_eq!(
            problem("openid  phone"),
            Some(ScopeProblem::Suspended("phone"))
        );
        assert_eq!(scope_problem("openid mc_authz", &c, None, &[]), None);
    }

    #[test]
    fn binding_message_is_short_and_printable() {
        assert_eq!(binding_message(Some("")).unwrap().as_deref(), Some(""));
        assert_eq!(binding_message(None).unwrap(), None);
        assert!(binding_message(Some(&"x".repeat(101))).is_err());
        assert!(binding_message(Some(&"\u{e9}".repeat(100))).is_ok());
        assert!(binding_message(Some("a\nb")).is_err());
    }

    #[test]
    fn claims_max_age_and_correlation_id_when_sent() {
        assert!(claims(&params("")).is_ok());
        assert!(claims(&params(r#"claims={"userinfo":{}}"#)).is_ok());
        for bad in ["claims=", "claims={}", "claims=[1]", "claims=x"] {
            assert!(claims(&params(bad)).is_err(), "{bad}");
        }
        assert_eq!(max_age(&params("max_age=+60")).unwrap(), Some(60));
        assert_eq!(max_age(&params("")).unwrap(), None);
        for bad in ["max_age=", "max_age=1.5", "max_age=-1"] {
            assert!(max_age(&params(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            correlation_id(&params("correlation_id=c"))
                .unwrap()
                .as_deref(),
            Some("c")
        );
        assert!(correlation_id(&params("correlation_id=")).is_err());
        assert_eq!(correlation_id(&params("")).unwrap(), None);
    }

    #[test]
    fn client_name_must_be_registered_and_mc_authz_needs_three() {
        let c = client(None, &["Bank"]);
        assert_eq!(
            client_name(&c, &params("client_name=Bank")).unwrap(),
            Some("Bank")
        );
        assert!(client_name(&c, &params("client_name=bank")).is_err());
        assert!(client_name(&c, &params("client_name=")).is_err());
        assert_eq!(client_name(&c, &params("")).unwrap(), None);
        assert_eq!(
            missing_for_mc_authz(&params("binding_message=&client_name=B&context=x")).len(),
            0
        );
        let missing = missing_for_mc_authz(&params("client_name="));
        let texts: Vec<_> = missing.iter().map(|e| e.description.as_str()).collect();
        assert_eq!(
            texts,
            [
                "binding_message is REQUIRED for mc_authz",
                "client_name is REQUIRED for mc_authz",
                "context is REQUIRED for mc_authz"
            ]
        );
    }

    #[test]
    fn requested_expiry_is_positive_and_capped() {
        assert_eq!(requested_expiry(&params(""), 300, 3600).unwrap(), 300);
        assert_eq!(
            requested_expiry(&params("requested_expiry=120"), 300, 3600).unwrap(),
            120
        );
        assert_eq!(
            requested_expiry(&params("requested_expiry=9000"), 300, 3600).unwrap(),
            3600
        );
        assert!(requested_expiry(&params("requested_expiry=0"), 300, 3600).is_err());
        assert!(requested_expiry(&params("requested_expiry=soon"), 300, 3600).is_err());
    }

    #[test]
    fn hints_one_for_ciba_and_not_both_for_mobile_connect() {
        assert_eq!(
            one_hint(&params("login_hint=1")).unwrap(),
            Hint::LoginHint("1".into())
        );
        assert!(one_hint(&params("")).is_err());
        assert!(one_hint(&params("login_hint=1&id_token_hint=t")).is_err());
        assert_eq!(login_hint(&params("")).unwrap(), None);
        assert_eq!(
            login_hint(&params("login_hint_token=t")).unwrap(),
            Some(Hint::LoginHintToken("t".into()))
        );
        assert!(login_hint(&params("login_hint=1&login_hint_token=t")).is_err());
    }
}
