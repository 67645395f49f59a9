//! Mobile Connect DI happy paths: Authorization Request -> "check your phone" -> code (Table 3)
//! -> Token Response (Table 5) with the ID token of Table 6 -> refresh and userinfo; the
//! phone-number page; the browser session (`prompt=none`, `max_age`); code replay.

mod common;

use common::di::*;
use common::*;
use idgw_oidc::authenticator::AuthOutcome;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn code_flow_end_to_end() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let wait = b.authorize(&request(&h, "di", SUBSCRIBER)).await;
    assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
    assert!(b.cookie.as_deref().unwrap().starts_with("idgw_session="));
    let set_cookie = wait.headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let path = wait.location.clone().unwrap();
    assert!(path.starts_with("/authorize/wait?id="));

    // The wait page shows the binding message and follows the transaction.
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("K7-42"), "{}", page.body);
    assert!(page.body.contains("Check your phone"));
    assert!(page.body.contains("ending in 0001"));
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let status_path = path.replace("/wait?", "/status?");
    assert_eq!(b.get(&status_path).await.body, r#"{"state":"pending"}"#);
    // The SIM shows the client's name and the binding message.
    assert!(h.auth.saw(SUBSCRIBER).await);
    let shown = h.auth.last_request();
    assert_eq!(shown.display_text, "DI Bank [K7-42]");
    assert!(shown.pin_required);

    // Another browser may not follow it.
    let mut other = Browser::new(&h);
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&status_path).await.status, StatusCode::NOT_FOUND);

    h.auth.answer(SUBSCRIBER, approved()).await;
    let done = b.follow(&wait).await;
    assert_eq!(done.status, StatusCode::FOUND);
    let p = done.params();
    assert!(done.location.unwrap().starts_with(&redirect_uri(&h)));
    assert_eq!(p["state"], STATE);
    assert_eq!(p["correlation_id"], CORRELATION);
    let code = p["code"].clone();
    // Once answered, the page is gone.
    assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND);

    // Table 5.
    let redirect = redirect_uri(&h);
    let (status, body, headers) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    assert!(body["access_token"].is_string() && body["refresh_token"].is_string());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["correlation_id"], CORRELATION);
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    // Table 6.
    let claims = verify_id_token(&h, body["id_token"].as_str().unwrap(), "di").await;
    assert_eq!(claims["nonce"], NONCE);
    assert_eq!(claims["acr"], "3");
    assert_eq!(claims["amr"], serde_json::json!(["SIM_PIN"]));
    assert_eq!(claims["azp"], "di");
    assert!(claims["auth_time"].as_i64().unwrap() > 0);
    assert!(claims["at_hash"].is_string());
    assert_eq!(
        claims["hashed_login_hint"],
        idgw_oidc::jose::sha256_hex(&format!("MSISDN:{SUBSCRIBER}"))
    );
    assert!(!claims["sub"].as_str().unwrap().contains(SUBSCRIBER));

    // Userinfo with the access token; a refresh token that works with the refresh grant.
    let access = body["access_token"].as_str().unwrap();
    let info = h
        .http
        .get(format!("{}/userinfo", h.base))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::OK);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sub"], claims["sub"]);
    let refresh = body["refresh_token"].as_str().unwrap();
    let (status, refreshed, _) = exchange(
        &h,
        "di",
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    h.stop().await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_its_tokens() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let code = b.code(&request(&h, "di", SUBSCRIBER), SUBSCRIBER).await;
    let redirect = redirect_uri(&h);
    let (status, body, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, again, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["error"], "invalid_grant");
    assert_eq!(again["correlation_id"], CORRELATION);
    let info = h
        .http
        .get(format!("{}/userinfo", h.base))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::UNAUTHORIZED);
    let (status, _, _) = exchange(
        &h,
        "di",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    h.stop().await;
}

#[tokio::test]
async fn without_a_hint_the_user_types_the_number() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let mut form = request(&h, "di", SUBSCRIBER);
    set(&mut form, "login_hint", None);
    set(&mut form, "ui_locales", Some("de en"));
    let page = b.authorize(&form).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.body.contains("<html lang=\"de\">"));
    assert!(page
        .body
        .contains("<label for=\"msisdn\">Mobilfunknummer</label>"));
    assert!(page.body.contains("action=\"/authorize/msisdn\""));
    assert!(page.body.contains(&format!("value=\"{STATE}\"")));

    // Not a number: the page again, with the error announced.
    let mut typed = form.clone();
    typed.push(("msisdn".into(), "call me".into()));
    let again = b.post_form("/authorize/msisdn", &typed).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("role=\"alert\""));
    assert!(again.body.contains("aria-invalid=\"true\""));

    let mut typed = form.clone();
    typed.push(("msisdn".into(), "+44 7700 900001".into()));
    h.auth.script(SUBSCRIBER, approved());
    let wait = b.post_form("/authorize/msisdn", &typed).await;
    let done = b.follow(&wait).await;
    assert_eq!(done.params()["state"], STATE);
    let code = done.params()["code"].clone();
    let redirect = redirect_uri(&h);
    let (status, body, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    h.stop().await;
}

#[tokio::test]
async fn prompt_none_uses_the_session_and_max_age_forces_a_new_authentication() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let mut silent = request(&h, "di", SUBSCRIBER);
    set(&mut silent, "prompt", Some("none"));
    set(&mut silent, "login_hint", None);
    // No session yet.
    b.authorize(&silent)
        .await
        .assert_error_redirect(&h, "login_required");

    b.code(&request(&h, "di", SUBSCRIBER), SUBSCRIBER).await;
    let asked = h.auth.wait_requests(1).await;
    // Now the session answers without the phone.
    let done = b.authorize(&silent).await;
    assert_eq!(done.status, StatusCode::FOUND, "{done:?}");
    let code = done.params()["code"].clone();
    assert_eq!(h.auth.requests.lock().unwrap().len(), asked);
    let redirect = redirect_uri(&h);
    let (status, body, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Another browser has no session.
    Browser::new(&h)
        .authorize(&silent)
        .await
        .assert_error_redirect(&h, "login_required");
    // max_age=0 cannot be met by the session: prompt=none fails, without it the SIM asks.
    set(&mut silent, "max_age", Some("0"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    b.authorize(&silent)
        .await
        .assert_error_redirect(&h, "login_required");
    let mut fresh = request(&h, "di", SUBSCRIBER);
    set(&mut fresh, "max_age", Some("0"));
    let wait = b.authorize(&fresh).await;
    assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
    assert!(h.auth.wait_requests(asked + 1).await > asked);
    h.stop().await;
}

#[tokio::test]
async fn a_denial_on_the_phone_is_access_denied_at_the_client() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    h.auth.script(SUBSCRIBER, AuthOutcome::Denied);
    let wait = b.authorize(&request(&h, "di", SUBSCRIBER)).await;
    b.follow(&wait)
        .await
        .assert_error_redirect(&h, "access_denied");
    h.stop().await;
}

#[tokio::test]
async fn discovery_names_the_authorization_endpoint() {
    let h = Harness::start().await;
    let meta: Value = h
        .http
        .get(format!("{}/.well-known/openid-configuration", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{}/authorize", h.base)
    );
    let has = |k: &str, v: &str| meta[k].as_array().unwrap().iter().any(|x| x == v);
    assert!(has("response_types_supported", "code"));
    assert!(has("grant_types_supported", "authorization_code"));
    assert!(has("ui_locales_supported", "de"));
    assert!(has("display_values_supported", "wap"));
    h.stop().await;
}

#[tokio::test]
async fn a_browser_transaction_cannot_be_polled_for_tokens() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let wait = b.authorize(&request(&h, "di", SUBSCRIBER)).await;
    let path = wait.location.clone().unwrap();
    let auth_req_id = path.trim_start_matches("/authorize/wait?id=");
    h.auth.answer(SUBSCRIBER, approved()).await;
    // Wait until the transaction is approved, then try the CIBA grant on it.
    let status_path = path.replace("/wait?", "/status?");
    for _ in 0..50 {
        if b.get(&status_path).await.body.contains("done") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, body) = h.poll("di", auth_req_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    // The browser still gets its code.
    let done = b.follow(&wait).await;
    assert!(done.params().contains_key("code"), "{done:?}");
    h.stop().await;
}

/// Table 2 for "openid mc_authz": `client_name`, `context` and `binding_message` reach the
/// handset; the user is always asked (no session, `prompt=none` overridden, `id_token_hint`
/// ignored); Table 6 `displayed_data` is what the handset showed.
#[tokio::test]
async fn mc_authz_always_asks_and_returns_displayed_data() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let mut authz = request(&h, "di", SUBSCRIBER);
    set(&mut authz, "scope", Some("openid mc_authz"));
    set(&mut authz, "client_name", Some("DI Shop"));
    set(&mut authz, "context", Some("Pay 10 EUR"));
    let code = b.code(&authz, SUBSCRIBER).await;
    let shown = h.auth.last_request();
    assert_eq!(shown.display_text, "DI Shop: Pay 10 EUR [K7-42]");
    let redirect = redirect_uri(&h);
    let (status, body, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = verify_id_token(&h, body["id_token"].as_str().unwrap(), "di").await;
    assert_eq!(claims["displayed_data"], "DI Shop: Pay 10 EUR [K7-42]");
    let asked = h.auth.wait_requests(1).await;

    // Same browser, fresh session, prompt=none: asked on the SIM again all the same.
    let mut again = authz.clone();
    set(&mut again, "prompt", Some("none"));
    let wait = b.authorize(&again).await;
    assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
    assert!(h.auth.wait_requests(asked + 1).await > asked);
    // (Still scripted to approve.)
    assert!(b.follow(&wait).await.params().contains_key("code"));

    // id_token_hint is no hint for mc_authz.
    let mut hinted = authz.clone();
    set(&mut hinted, "login_hint", None);
    set(&mut hinted, "id_token_hint", body["id_token"].as_str());
    let p = b
        .authorize(&hinted)
        .await
        .assert_error_redirect(&h, "invalid_request");
    assert_eq!(
        p["error_description"],
        "REQUIRED parameters login_hint_token (or) login_hint does not exist"
    );
    h.stop().await;
}

#[tokio::test]
async fn prompt_login_asks_again_and_id_token_hint_answers_prompt_none() {
    let h = Harness::start().await;
    let mut b = Browser::new(&h);
    let code = b.code(&request(&h, "di", SUBSCRIBER), SUBSCRIBER).await;
    let redirect = redirect_uri(&h);
    let (_, body, _) = exchange(&h, "di", &token_request(&code, &redirect)).await;
    let asked = h.auth.wait_requests(1).await;

    // prompt=none with the ID token as hint: a code from the session, the SIM not asked.
    let mut silent = request(&h, "di", SUBSCRIBER);
    set(&mut silent, "login_hint", None);
    set(&mut silent, "prompt", Some("none"));
    set(&mut silent, "id_token_hint", body["id_token"].as_str());
    let done = b.authorize(&silent).await;
    assert_eq!(done.status, StatusCode::FOUND, "{done:?}");
    assert!(done.params().contains_key("code"), "{done:?}");
    assert_eq!(h.auth.requests.lock().unwrap().len(), asked);

    // prompt=login: the session does not answer, the SIM is asked.
    let mut login = request(&h, "di", SUBSCRIBER);
    set(&mut login, "prompt", Some("login"));
    let wait = b.authorize(&login).await;
    assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
    assert!(h.auth.wait_requests(asked + 1).await > asked);
    h.stop().await;
}

/// Table 2 `display`, `ui_locales`, `claims_locales`, `prompt=no_seam`: every allowed value is
/// accepted (an unsupported locale is no error).
#[tokio::test]
async fn optional_parameters_with_allowed_values_are_accepted() {
    let h = Harness::start().await;
    for (name, value) in [
        ("display", "page"),
        ("display", "popup"),
        ("display", "touch"),
        ("display", "wap"),
        ("prompt", "no_seam"),
        ("prompt", "login no_seam"),
        ("ui_locales", "fr-CA fr"),
        ("claims_locales", "xx"),
        ("max_age", "3600"),
        ("claims", r#"{"userinfo":{"phone_number":null}}"#),
    ] {
        let mut form = request(&h, "di", SUBSCRIBER);
        set(&mut form, name, Some(value));
        let msisdn = SUBSCRIBER;
        let mut b = Browser::new(&h);
        let code = b.code(&form, msisdn).await;
        assert!(!code.is_empty(), "{name}={value}");
    }
    h.stop().await;
}
