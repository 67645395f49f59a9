//! Mobile Connect DI Table 7: one test per row, each checking the HTTP status, the `Location`
//! parameters (`error`, `error_description`, `state`, `correlation_id`) or our own 400 page.

mod common;

use common::di::*;
use common::*;
use idgw_oidc::authenticator::AuthOutcome;
use reqwest::StatusCode;

/// Sends the standard request changed by `change`; expects an error redirect with `error`.
async fn redirects(change: impl Fn(&Harness, &mut Form), error: &str) -> Answer {
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    change(&h, &mut form);
    let a = Browser::new(&h).authorize(&form).await;
    a.assert_error_redirect(&h, error);
    h.stop().await;
    a
}

/// Sends the standard request changed by `change`; expects our 400 page with `error`.
async fn page(change: impl Fn(&Harness, &mut Form), error: &str) {
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    change(&h, &mut form);
    Browser::new(&h)
        .authorize(&form)
        .await
        .assert_error_page(error);
    h.stop().await;
}

fn description(a: &Answer) -> String {
    a.params()["error_description"].clone()
}

#[tokio::test]
async fn msisdn_or_pcr_not_of_the_operator_is_access_denied() {
    let a = redirects(
        |_, f| set(f, "login_hint", Some("PCR:no-such-pcr")),
        "access_denied",
    )
    .await;
    assert_eq!(description(&a), "Unknown User");
}

#[tokio::test]
async fn msisdn_not_registered_is_access_denied() {
    let a = redirects(
        |_, f| set(f, "login_hint", Some("MSISDN:447700900999")),
        "access_denied",
    )
    .await;
    assert_eq!(description(&a), "Unknown User");
}

#[tokio::test]
async fn authenticator_unreachable_or_expired_is_server_error() {
    let h = Harness::start().await;
    for (msisdn, outcome) in [
        ("447700900002", AuthOutcome::Unreachable),
        ("447700900003", AuthOutcome::Expired),
    ] {
        h.auth.script(msisdn, outcome);
        let mut b = Browser::new(&h);
        let wait = b.authorize(&request(&h, "di", msisdn)).await;
        let done = b.follow(&wait).await;
        let p = done.assert_error_redirect(&h, "server_error");
        assert_eq!(p["error_description"], "Internal Server Error");
    }
    h.stop().await;
}

#[tokio::test]
async fn same_msisdn_twice_at_once_is_busy() {
    let h = Harness::start().await;
    let first = Browser::new(&h)
        .authorize(&request(&h, "di", SUBSCRIBER))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let a = Browser::new(&h)
        .authorize(&request(&h, "di", SUBSCRIBER))
        .await;
    let p = a.assert_error_redirect(&h, "access_denied");
    assert_eq!(
        p["error_description"],
        "The User is busy with another transaction"
    );
    h.stop().await;
}

#[tokio::test]
async fn redirect_uri_missing_unregistered_or_invalid_is_our_400_page() {
    page(|_, f| set(f, "redirect_uri", None), "invalid_request").await;
    page(
        |_, f| set(f, "redirect_uri", Some("https://evil.example/cb")),
        "invalid_request",
    )
    .await;
    // Simple string comparison: a prefix, a fragment or another case is not the same URI.
    page(
        |h, f| set(f, "redirect_uri", Some(&format!("{}/", redirect_uri(h)))),
        "invalid_request",
    )
    .await;
    page(
        |h, f| set(f, "redirect_uri", Some(&format!("{}#x", redirect_uri(h)))),
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn response_type_missing() {
    let a = redirects(|_, f| set(f, "response_type", None), "invalid_request").await;
    assert!(description(&a).contains("response_type is missing"));
}

#[tokio::test]
async fn response_type_invalid_or_unsupported() {
    for value in ["token", "code id_token", "bogus"] {
        let a = redirects(
            |_, f| set(f, "response_type", Some(value)),
            "invalid_request",
        )
        .await;
        assert_eq!(description(&a), "Invalid response_type value");
    }
}

#[tokio::test]
async fn client_id_missing_is_our_400_page() {
    page(|_, f| set(f, "client_id", None), "invalid_request").await;
}

#[tokio::test]
async fn client_id_invalid_is_our_400_page() {
    page(|_, f| set(f, "client_id", Some("nobody")), "invalid_client").await;
}

#[tokio::test]
async fn client_not_allowed_with_valid_redirect_uri_is_redirected() {
    let a = redirects(
        |_, f| set(f, "client_id", Some("di-nomc")),
        "unauthorized_client",
    )
    .await;
    assert_eq!(
        description(&a),
        "The client is not allowed to make MC service request."
    );
}

#[tokio::test]
async fn client_not_allowed_with_invalid_redirect_uri_is_our_400_page() {
    page(
        |_, f| {
            set(f, "client_id", Some("di-nomc"));
            set(f, "redirect_uri", Some("https://evil.example/cb"));
        },
        "unauthorized_client",
    )
    .await;
    // A CIBA-only client (no redirect URIs) never gets a redirect either.
    page(
        |_, f| set(f, "client_id", Some("poll")),
        "unauthorized_client",
    )
    .await;
}

#[tokio::test]
async fn scope_missing() {
    redirects(|_, f| set(f, "scope", None), "invalid_request").await;
}

#[tokio::test]
async fn scope_invalid_or_without_openid() {
    redirects(|_, f| set(f, "scope", Some("mc_authn")), "invalid_scope").await;
    redirects(
        |_, f| set(f, "scope", Some("openid mc_bogus")),
        "invalid_scope",
    )
    .await;
}

#[tokio::test]
async fn scope_published_but_temporarily_not_served() {
    let auth = std::sync::Arc::new(TestAuthenticator::default());
    let h = Harness::launch("sqlite::memory:", auth, None, |c| {
        c.unavailable_scopes = vec!["mc_authn".into()]
    })
    .await;
    let a = Browser::new(&h)
        .authorize(&request(&h, "di", SUBSCRIBER))
        .await;
    let p = a.assert_error_redirect(&h, "temporarily_unavailable");
    assert_eq!(
        p["error_description"],
        "Requested service is not available temporarily"
    );
    // Other scopes are still served.
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "scope", Some("openid"));
    set(&mut form, "version", None);
    let a = Browser::new(&h).authorize(&form).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    h.stop().await;
}

#[tokio::test]
async fn version_missing_or_invalid() {
    redirects(|_, f| set(f, "version", None), "invalid_request").await;
    redirects(|_, f| set(f, "version", Some("mc_v9")), "invalid_request").await;
    // Section 4.1: no version and no Mobile Connect scope is a first-generation request.
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "version", None);
    set(&mut form, "scope", Some("openid"));
    let a = Browser::new(&h).authorize(&form).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    h.stop().await;
}

#[tokio::test]
async fn state_invalid() {
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "state", Some(""));
    let a = Browser::new(&h).authorize(&form).await;
    assert_eq!(a.status, StatusCode::FOUND);
    let p = a.params();
    assert_eq!(p["error"], "invalid_request");
    assert_eq!(
        p["error_description"],
        "RECOMMENDED parameter state is invalid"
    );
    assert_eq!(p["correlation_id"], CORRELATION);
    h.stop().await;
}

#[tokio::test]
async fn nonce_missing_or_empty() {
    redirects(|_, f| set(f, "nonce", None), "invalid_request").await;
    redirects(|_, f| set(f, "nonce", Some("")), "invalid_request").await;
}

#[tokio::test]
async fn login_hint_and_login_hint_token_missing() {
    // Authorisation (mc_authz) cannot capture the number on our page.
    let a = redirects(
        |_, f| {
            set(f, "login_hint", None);
            set(f, "scope", Some("openid mc_authz"));
            set(f, "client_name", Some("DI Bank"));
            set(f, "context", Some("Pay 10 EUR"));
        },
        "invalid_request",
    )
    .await;
    assert_eq!(
        description(&a),
        "REQUIRED parameters login_hint_token (or) login_hint does not exist"
    );
}

#[tokio::test]
async fn login_hint_and_login_hint_token_both_present() {
    let a = redirects(
        |_, f| set(f, "login_hint_token", Some("eyJ.x.y.z.w")),
        "invalid_request",
    )
    .await;
    assert_eq!(
        description(&a),
        "Malformed request, duplicate parameter entries"
    );
}

#[tokio::test]
async fn login_hint_or_login_hint_token_invalid() {
    let a = redirects(
        |_, f| set(f, "login_hint", Some("MSISDN:12ab")),
        "invalid_request",
    )
    .await;
    assert_eq!(
        description(&a),
        "Invalid value for login_hint or login_hint_token"
    );
    redirects(
        |_, f| {
            set(f, "login_hint", None);
            set(f, "login_hint_token", Some("not-a-jwe"));
        },
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn acr_values_missing_or_invalid() {
    redirects(|_, f| set(f, "acr_values", None), "invalid_request").await;
    redirects(|_, f| set(f, "acr_values", Some("9")), "invalid_request").await;
}

#[tokio::test]
async fn display_invalid() {
    let a = redirects(|_, f| set(f, "display", Some("tv")), "invalid_request").await;
    assert_eq!(description(&a), "Invalid display value. / not supported");
}

#[tokio::test]
async fn same_parameter_multiple_times() {
    let a = redirects(
        |_, f| f.push(("nonce".into(), "second".into())),
        "invalid_request",
    )
    .await;
    assert_eq!(
        description(&a),
        "Multiple parameter names in the authorization request. Malformed request"
    );
}

#[tokio::test]
async fn prompt_invalid() {
    redirects(|_, f| set(f, "prompt", Some("consent")), "invalid_request").await;
    redirects(
        |_, f| set(f, "prompt", Some("none login")),
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn claims_empty_or_invalid() {
    redirects(|_, f| set(f, "claims", Some("")), "invalid_request").await;
    redirects(|_, f| set(f, "claims", Some("{}")), "invalid_request").await;
    redirects(|_, f| set(f, "claims", Some("[1")), "invalid_request").await;
}

#[tokio::test]
async fn get_request_with_a_body_is_invalid_serialization() {
    let h = Harness::start().await;
    let form = request(&h, "di", SUBSCRIBER);
    let resp = h
        .http
        .get(format!("{}/authorize", h.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query_string(&form))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap();
    let p: std::collections::HashMap<String, String> = url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(p["error"], "invalid_request");
    assert_eq!(p["error_description"], "GET request invalid serialization");
    assert_eq!(p["state"], STATE);
    h.stop().await;
}

#[tokio::test]
async fn post_request_without_form_serialization() {
    let h = Harness::start().await;
    let form = request(&h, "di", SUBSCRIBER);
    let body: serde_json::Map<String, serde_json::Value> = form
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let resp = h
        .http
        .post(format!("{}/authorize", h.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(location.contains("error_description=POST+request+Invalid+serialization"));
    assert!(location.contains(&format!("correlation_id={CORRELATION}")));
    // A form POST is the right serialization.
    let a = Browser::new(&h).authorize_post(&form).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    h.stop().await;
}

#[tokio::test]
async fn max_age_invalid() {
    let a = redirects(|_, f| set(f, "max_age", Some("-1")), "invalid_request").await;
    assert_eq!(description(&a), "Invalid max_age value");
}

#[tokio::test]
async fn multiple_problems() {
    let a = redirects(
        |_, f| {
            set(f, "nonce", None);
            set(f, "display", Some("tv"));
        },
        "invalid_request",
    )
    .await;
    assert_eq!(description(&a), "Malformed request multiple problems exist");
}

#[tokio::test]
async fn correlation_id_empty() {
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "correlation_id", Some(""));
    let a = Browser::new(&h).authorize(&form).await;
    assert_eq!(a.status, StatusCode::FOUND);
    let p = a.params();
    assert_eq!(p["error"], "invalid_request");
    assert_eq!(p["error_description"], "Invalid correlation_id value");
    assert_eq!(p["state"], STATE);
    assert!(!p.contains_key("correlation_id"));
    h.stop().await;
}

#[tokio::test]
async fn client_name_empty_or_not_registered() {
    redirects(|_, f| set(f, "client_name", Some("")), "invalid_request").await;
    let a = redirects(
        |_, f| set(f, "client_name", Some("Evil Corp")),
        "invalid_request",
    )
    .await;
    assert_eq!(description(&a), "Invalid client_name value");
}

#[tokio::test]
async fn error_pages_escape_and_never_redirect() {
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "client_id", Some("<script>alert(1)</script>"));
    let a = Browser::new(&h).authorize(&form).await;
    a.assert_error_page("invalid_client");
    assert!(!a.body.contains("<script>alert"));
    assert!(a.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    h.stop().await;
}
