//! Helpers for the Mobile Connect DI tests: a standard Authorization Request, a browser that
//! keeps the OP's cookie, and the Location parameters of a redirect.

use super::*;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};

/// A DI client registration (DI Table 1).
pub fn meta(id: &str, secret: &str, receiver_base: &str) -> ClientMetadata {
    ClientMetadata {
        client_id: id.into(),
        client_secret: Some(ClientSecret(secret.into())),
        scope: Some("openid phone mc_authn mc_authz".into()),
        redirect_uris: vec![
            format!("{receiver_base}/cb"),
            format!("{receiver_base}/cb2"),
        ],
        client_names: vec!["DI Bank".into(), "DI Shop".into()],
        ..ClientMetadata::default()
    }
}

pub const STATE: &str = "af0ifjsldkj";
pub const CORRELATION: &str = "42da5b19-457a-4d30-a5c4-038c62dccbb0";
pub const NONCE: &str = "n-0S6_WzA2Mj";

pub type Form = Vec<(String, String)>;

pub fn redirect_uri(h: &Harness) -> String {
    format!("{}/cb", h.receiver_base)
}

/// Table 2 with every REQUIRED parameter, for `client` and `msisdn` (B.1.2 with a hint).
pub fn request(h: &Harness, client: &str, msisdn: &str) -> Form {
    [
        ("response_type", "code".to_string()),
        ("client_id", client.to_string()),
        ("redirect_uri", redirect_uri(h)),
        ("scope", "openid mc_authn".to_string()),
        ("version", "mc_v2.3".to_string()),
        ("state", STATE.to_string()),
        ("nonce", NONCE.to_string()),
        ("acr_values", "3 2".to_string()),
        ("login_hint", format!("MSISDN:{msisdn}")),
        ("binding_message", "K7-42".to_string()),
        ("correlation_id", CORRELATION.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Sets (or with None removes) a parameter.
pub fn set(form: &mut Form, name: &str, value: Option<&str>) {
    form.retain(|(k, _)| k != name);
    if let Some(v) = value {
        form.push((name.to_string(), v.to_string()));
    }
}

pub fn query_string(form: &Form) -> String {
    serde_urlencoded::to_string(form).unwrap()
}

/// One answer of the OP.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The query parameters of `Location`.
    pub fn params(&self) -> HashMap<String, String> {
        let location = self.location.as_deref().expect("a Location header");
        let url = url::Url::parse(location).expect("an absolute Location");
        url.query_pairs().into_owned().collect()
    }

    /// Table 7 "Redirect 302": to the registered `redirect_uri` with `error`,
    /// `error_description`, `state` and `correlation_id`.
    pub fn assert_error_redirect(&self, h: &Harness, error: &str) -> HashMap<String, String> {
        assert_eq!(self.status, StatusCode::FOUND, "{self:?}");
        let location = self.location.as_deref().unwrap();
        assert!(
            location.starts_with(&format!("{}?", redirect_uri(h))),
            "{location}"
        );
        let p = self.params();
        assert_eq!(p["error"], error, "{p:?}");
        assert!(!p["error_description"].is_empty());
        assert_eq!(p.get("state").map(String::as_str), Some(STATE));
        assert_eq!(
            p.get("correlation_id").map(String::as_str),
            Some(CORRELATION)
        );
        assert!(!p.contains_key("code"));
        p
    }

    /// Table 7 "Bad Request 400": our own page, never a redirect.
    pub fn assert_error_page(&self, error: &str) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{self:?}");
        assert!(self.location.is_none());
        assert!(
            self.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{self:?}"
        );
        assert!(
            self.body.contains(&format!("<code>{error}</code>")),
            "{}",
            self.body
        );
        assert!(self.body.starts_with("<!DOCTYPE html><html lang="));
    }
}

/// A browser: keeps the OP's session cookie and does not follow redirects.
pub struct Browser<'a> {
    pub h: &'a Harness,
    pub cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(h: &'a Harness) -> Browser<'a> {
        Browser { h, cookie: None }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let req = match &self.cookie {
            Some(c) => req.header(COOKIE, c),
            None => req,
        };
        let resp = req.send().await.unwrap();
        if let Some(set) = resp.headers().get(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = Some(pair);
        }
        Answer {
            status: resp.status(),
            location: resp
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_string()),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        }
    }

    /// `GET /authorize?{query}`.
    pub async fn authorize(&mut self, form: &Form) -> Answer {
        let url = format!("{}/authorize?{}", self.h.base, query_string(form));
        self.send(self.h.http.get(url)).await
    }

    pub async fn authorize_post(&mut self, form: &Form) -> Answer {
        let url = format!("{}/authorize", self.h.base);
        self.send(self.h.http.post(url).form(form)).await
    }

    /// `GET` of an OP path (the wait page, the status).
    pub async fn get(&mut self, path: &str) -> Answer {
        let url = format!("{}{path}", self.h.base);
        self.send(self.h.http.get(url)).await
    }

    pub async fn post_form(&mut self, path: &str, form: &Form) -> Answer {
        let url = format!("{}{path}", self.h.base);
        self.send(self.h.http.post(url).form(form)).await
    }

    /// Follows the wait page until it redirects (at most 5 s); returns that redirect.
    pub async fn follow(&mut self, wait: &Answer) -> Answer {
        assert_eq!(wait.status, StatusCode::SEE_OTHER, "{wait:?}");
        let path = wait.location.clone().unwrap();
        for _ in 0..50 {
            let a = self.get(&path).await;
            if a.status != StatusCode::OK {
                return a;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the wait page never redirected");
    }

    /// The whole flow with an approving authenticator: the code of the final redirect.
    pub async fn code(&mut self, form: &Form, msisdn: &str) -> String {
        self.h.auth.script(msisdn, approved());
        let wait = self.authorize(form).await;
        let done = self.follow(&wait).await;
        assert_eq!(done.status, StatusCode::FOUND, "{done:?}");
        done.params()["code"].clone()
    }
}

/// `POST /token` for a code, with HTTP Basic as `client`.
pub async fn exchange(
    h: &Harness,
    client: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    h.post_form("/token", client, form).await
}

/// The Table 4 token request for `code`.
pub fn token_request<'a>(code: &'a str, redirect: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect),
        ("correlation_id", CORRELATION),
    ]
}
