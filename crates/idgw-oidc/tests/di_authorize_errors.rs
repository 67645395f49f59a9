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

/// Sends the standard request changed by `change`; expects our 400 page with `error` and
/// `description` (so that the row's check refused it, not another one with the same code).
async fn page(change: impl Fn(&Harness, &mut Form), error: &str, description: &str) {
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    change(&h, &mut form);
    let a = Browser::new(&h).authorize(&form).await;
    a.assert_error_page(error);
    assert!(a.body.contains(description), "{}", a.body);
    h.stop().await;
}

const REDIRECT_URI_INVALID: &str = "redirect_uri is invalid";

/// Sends the standard request changed by `change`; expects an error redirect with `error`
/// and exactly `description`.
async fn redirects_with(change: impl Fn(&Harness, &mut Form), error: &str, description: &str) {
    let a = redirects(change, error).await;
    assert_eq!(a.params()["error_description"], description);
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
async fn msisdn_or_encr_msisdn_of_another_operator_is_access_denied() {
    let h = Harness::start_configured(|c| c.home_msisdn_prefixes = vec!["4477009".into()]).await;
    let encrypted = encrypt_to_op(&h, b"33612345678", "A256GCM").await;
    for hint in [
        "MSISDN:33612345678".to_string(),
        format!("ENCR_MSISDN:{encrypted}"),
    ] {
        let mut form = request(&h, "di", SUBSCRIBER);
        set(&mut form, "login_hint", Some(&hint));
        let p = Browser::new(&h)
            .authorize(&form)
            .await
            .assert_error_redirect(&h, "access_denied");
        assert_eq!(p["error_description"], "Unknown User");
    }
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn msisdn_of_the_operator_without_mobile_connect_is_access_denied() {
    // In the operator's range, not provisioned. The README's choice: the same answer as a
    // foreign number ("User is not registered" [OR] "Unknown User"), telling nobody which
    // numbers are subscribers.
    let h = Harness::start_configured(|c| c.home_msisdn_prefixes = vec!["4477009".into()]).await;
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "login_hint", Some("MSISDN:447700900999"));
    let p = Browser::new(&h)
        .authorize(&form)
        .await
        .assert_error_redirect(&h, "access_denied");
    assert_eq!(p["error_description"], "Unknown User");
    assert!(h.op.store.pending_transactions().await.unwrap().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn authenticator_unreachable_or_expired_is_server_error() {
    let h = Harness::start().await;
    for (msisdn, outcome) in [
        ("447700900002", AuthOutcome::Unreachable),
        ("447700900003", AuthOutcome::Expired),
        (
            "447700900004",
            AuthOutcome::Failed {
                reason: "MSSP connection refused".into(),
            },
        ),
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
async fn unexpected_error_is_server_error() {
    let (h, url, dir) = common::si::start_on_file("di-t7-unexpected").await;
    // The transactions' table disappears under the running OP.
    common::si::break_table(&url, "transactions").await;
    let p = Browser::new(&h)
        .authorize(&request(&h, "di", SUBSCRIBER))
        .await
        .assert_error_redirect(&h, "server_error");
    assert_eq!(p["error_description"], "Internal Server Error");
    h.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_outcome_that_cannot_become_a_code_is_server_error() {
    let (h, url, dir) = common::si::start_on_file("di-t7-code").await;
    let mut b = Browser::new(&h);
    let wait = b.authorize(&request(&h, "di", SUBSCRIBER)).await;
    assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
    // The SIM approves, but the code cannot be stored.
    common::si::break_table(&url, "authorization_codes").await;
    h.auth.answer(SUBSCRIBER, approved()).await;
    let p = b
        .follow(&wait)
        .await
        .assert_error_redirect(&h, "server_error");
    assert_eq!(p["error_description"], "Internal Server Error");
    h.stop().await;
    let _ = std::fs::remove_dir_all(dir);
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
    let missing = |_: &Harness, f: &mut Form| set(f, "redirect_uri", None);
    page(missing, "invalid_request", REDIRECT_URI_INVALID).await;
    page(
        |_, f| set(f, "redirect_uri", Some("https://evil.example/cb")),
        "invalid_request",
        REDIRECT_URI_INVALID,
    )
    .await;
    page(
        |_, f| set(f, "redirect_uri", Some("")),
        "invalid_request",
        REDIRECT_URI_INVALID,
    )
    .await;
}

/// Section 4.1 / Table 1: Simple String Comparison (RFC 3986 6.2.1). Every variant of the
/// registered `http://127.0.0.1:PORT/cb` is another URI and gets our page, never a redirect,
/// even though the request has every other problem a redirect would report.
#[tokio::test]
async fn no_variant_of_a_registered_redirect_uri_is_redirected_to() {
    let h = Harness::start().await;
    let registered = redirect_uri(&h);
    let url = url::Url::parse(&registered).unwrap();
    let host_port = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let other_port = url.port().unwrap().wrapping_add(1);
    let variants = [
        format!("{registered}/"),
        format!("{registered}?x=1"),
        format!("{registered}?"),
        format!("{registered}#"),
        format!("{registered}#frag"),
        registered.replace("/cb", "/CB"),
        registered.replace("http://", "HTTP://"),
        registered.replace("http://", "https://"),
        registered.replace("/cb", "/%63b"),
        registered.replace("/cb", "/c%62"),
        registered.replace("/cb", "/./cb"),
        registered.replace("/cb", "/x/../cb"),
        format!("{registered}%00"),
        format!("{registered}%2F"),
        format!(" {registered}"),
        format!("{registered} "),
        registered.replace("://", "://user@"),
        registered.replace("://", "://user:pw@"),
        registered.replace(&host_port, &format!("{host_port}@evil.example")),
        registered.replace(
            &host_port,
            &format!("{}:{other_port}", url.host_str().unwrap()),
        ),
        registered.replace(&host_port, &format!("localhost:{}", url.port().unwrap())),
        registered.replace("/cb", "//evil.example/cb"),
        format!("{registered}\\@evil.example"),
        "//evil.example/cb".to_string(),
        "/cb".to_string(),
    ];
    for variant in &variants {
        assert_ne!(variant, &registered);
        for client in ["di", "di-nomc"] {
            let mut form = request(&h, client, SUBSCRIBER);
            set(&mut form, "redirect_uri", Some(variant));
            set(&mut form, "nonce", None);
            let a = Browser::new(&h).authorize(&form).await;
            let want = if client == "di" {
                "invalid_request"
            } else {
                "unauthorized_client"
            };
            a.assert_error_page(want);
            if client == "di" {
                assert!(
                    a.body.contains(REDIRECT_URI_INVALID),
                    "{variant}: {}",
                    a.body
                );
            }
            // The page names no URI to go on to.
            assert!(!a.body.contains("href"), "{}", a.body);
            assert!(!a.body.contains("evil.example"), "{}", a.body);
        }
        // By POST too.
        let mut form = request(&h, "di", SUBSCRIBER);
        set(&mut form, "redirect_uri", Some(variant));
        Browser::new(&h)
            .authorize_post(&form)
            .await
            .assert_error_page("invalid_request");
    }
    // A repeated redirect_uri, even with the registered value first, is not trusted.
    let mut form = request(&h, "di", SUBSCRIBER);
    form.push(("redirect_uri".into(), "https://evil.example/cb".into()));
    let a = Browser::new(&h).authorize(&form).await;
    a.assert_error_page("invalid_request");
    assert!(a.body.contains("Multiple parameter names"), "{}", a.body);
    h.stop().await;
}

/// Values echoed into the `Location` are form-encoded: a `state` or `correlation_id` cannot
/// add parameters, a fragment or another target to the redirect.
#[tokio::test]
async fn echoed_values_cannot_change_the_redirect() {
    let h = Harness::start().await;
    let state = "s&error=none&code=forged#https://evil.example/";
    let correlation = "c&code=forged";
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "state", Some(state));
    set(&mut form, "correlation_id", Some(correlation));
    set(&mut form, "nonce", None);
    let a = Browser::new(&h).authorize(&form).await;
    assert_eq!(a.status, StatusCode::FOUND, "{a:?}");
    let location = a.location.clone().unwrap();
    assert!(location.starts_with(&format!("{}?", redirect_uri(&h))));
    assert!(!location.contains('#'), "{location}");
    let pairs: Vec<(String, String)> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["error", "error_description", "state", "correlation_id"]
    );
    let p = a.params();
    assert_eq!(p["state"], state);
    assert_eq!(p["correlation_id"], correlation);
    h.stop().await;
}

#[tokio::test]
async fn response_type_missing() {
    redirects_with(
        |_, f| set(f, "response_type", None),
        "invalid_request",
        "REQUIRED parameter response_type is missing or value is invalid",
    )
    .await;
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
    let missing = |_: &Harness, f: &mut Form| set(f, "client_id", None);
    page(
        missing,
        "invalid_request",
        "REQUIRED parameter client_id is missing",
    )
    .await;
    page(
        |_, f| set(f, "client_id", Some("")),
        "invalid_request",
        "REQUIRED parameter client_id is missing",
    )
    .await;
}

#[tokio::test]
async fn client_id_invalid_is_our_400_page() {
    page(
        |_, f| set(f, "client_id", Some("nobody")),
        "invalid_client",
        "The client is not authorized to request an authorization code",
    )
    .await;
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
        "The client is not allowed to make MC service request.",
    )
    .await;
    // A CIBA-only client (no redirect URIs) never gets a redirect either.
    page(
        |_, f| set(f, "client_id", Some("poll")),
        "unauthorized_client",
        "The client is not allowed to make MC service request.",
    )
    .await;
}

#[tokio::test]
async fn scope_missing() {
    for value in [None, Some("")] {
        redirects_with(
            |_, f| set(f, "scope", value),
            "invalid_request",
            "REQUIRED parameter scope is missing (or) invalid scope value",
        )
        .await;
    }
}

#[tokio::test]
async fn scope_invalid_or_without_openid() {
    for value in ["mc_authn", "openid mc_bogus", "OPENID mc_authn"] {
        redirects_with(
            |_, f| set(f, "scope", Some(value)),
            "invalid_scope",
            "Malformed scope value",
        )
        .await;
    }
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
    for value in [None, Some(""), Some("mc_v9")] {
        redirects_with(
            |_, f| set(f, "version", value),
            "invalid_request",
            "REQUIRED parameter version is missing / invalid",
        )
        .await;
    }
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
    for value in [None, Some("")] {
        redirects_with(
            |_, f| set(f, "nonce", value),
            "invalid_request",
            "REQUIRED parameter nonce is missing (or) invalid",
        )
        .await;
    }
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
    redirects_with(
        |_, f| {
            set(f, "login_hint", None);
            set(f, "login_hint_token", Some("not-a-jwe"));
        },
        "invalid_request",
        "Invalid value for login_hint or login_hint_token",
    )
    .await;
}

#[tokio::test]
async fn acr_values_missing_or_invalid() {
    for value in [None, Some(""), Some("9")] {
        redirects_with(
            |_, f| set(f, "acr_values", value),
            "invalid_request",
            "REQUIRED parameter acr_values are missing or invalid values",
        )
        .await;
    }
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
    for value in ["consent", "none login", ""] {
        redirects_with(
            |_, f| set(f, "prompt", Some(value)),
            "invalid_request",
            "prompt value is invalid",
        )
        .await;
    }
}

#[tokio::test]
async fn claims_empty_or_invalid() {
    for value in ["", "{}", "[1", "[1]"] {
        redirects_with(
            |_, f| set(f, "claims", Some(value)),
            "invalid_request",
            "claims value is invalid",
        )
        .await;
    }
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
    assert_eq!(p["correlation_id"], CORRELATION);
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
    assert!(location.contains("error=invalid_request&"), "{location}");
    assert!(location.contains("error_description=POST+request+Invalid+serialization"));
    assert!(location.contains(&format!("state={STATE}")), "{location}");
    assert!(location.contains(&format!("correlation_id={CORRELATION}")));
    // A form POST is the right serialization.
    let a = Browser::new(&h).authorize_post(&form).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    h.stop().await;
}

#[tokio::test]
async fn max_age_invalid() {
    for value in ["-1", "", "ten", "1.5"] {
        redirects_with(
            |_, f| set(f, "max_age", Some(value)),
            "invalid_request",
            "Invalid max_age value",
        )
        .await;
    }
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
    redirects_with(
        |_, f| set(f, "client_name", Some("")),
        "invalid_request",
        "Invalid client_name value",
    )
    .await;
    // Simple string comparison: another case is another name.
    redirects_with(
        |_, f| set(f, "client_name", Some("di bank")),
        "invalid_request",
        "Invalid client_name value",
    )
    .await;
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

/// Issue 5 "Pages escape everything they echo": every parameter the phone-number page sends
/// back (state, nonce, binding_message, context, ui_locales, claims_locales, correlation_id,
/// a parameter idgw does not know, by name and value) and the binding message on the wait page.
#[tokio::test]
async fn pages_escape_every_echoed_parameter() {
    const HOSTILE: &str = "\"'><x-inj a=1>&amp;</x-inj>";
    const ESCAPED: &str = "&quot;&#39;&gt;&lt;x-inj a=1&gt;&amp;amp;&lt;/x-inj&gt;";
    let h = Harness::start().await;
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "login_hint", None);
    let echoed = [
        "state",
        "nonce",
        "binding_message",
        "context",
        "ui_locales",
        "claims_locales",
        "correlation_id",
        "unknown_parameter",
    ];
    for name in echoed {
        set(&mut form, name, Some(HOSTILE));
    }
    form.push((HOSTILE.to_string(), "v".to_string()));
    let mut b = Browser::new(&h);
    let page = b.authorize(&form).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(!page.body.contains("<x-inj"), "{}", page.body);
    // Each value once as a hidden field, and the unknown name once.
    assert_eq!(
        page.body.matches(ESCAPED).count(),
        echoed.len() + 1,
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("name=\"{ESCAPED}\" value=\"v\"")));
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));

    // The number typed there: the wait page shows the binding message, escaped.
    let mut typed = form.clone();
    typed.push(("msisdn".into(), SUBSCRIBER.into()));
    let wait = b.post_form("/authorize/msisdn", &typed).await;
    assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
    let shown = b.get(wait.location.as_deref().unwrap()).await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    assert!(!shown.body.contains("<x-inj"), "{}", shown.body);
    assert!(shown.body.contains(ESCAPED), "{}", shown.body);

    // The answer goes back form-encoded, the hostile state intact.
    h.auth.answer(SUBSCRIBER, approved()).await;
    let done = b.follow(&wait).await;
    assert_eq!(done.params()["state"], HOSTILE);
    assert_eq!(done.params()["correlation_id"], HOSTILE);
    h.stop().await;
}
