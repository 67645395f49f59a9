//! A development aid of `idgw serve` with embedded defaults, and nothing else: the page the
//! demo client's `redirect_uri` points at, on the OP listener, so that Mobile Connect
//! Device-Initiated can be tried in a browser without writing a relying party.
//!
//! It is not a relying party. It shows what the Authorization Response brought (DI section 5
//! Table 3: `code`, `state`, `correlation_id`; or an Annex A.1 error) and the `curl` that
//! redeems the code at `/token` (DI section 6, Table 4); it redeems nothing and keeps
//! nothing. It is mounted only when the demo client is, and never with a configuration file.

use crate::serve::DEMO_CLIENT;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use idgw_oidc::mc_di::code::CODE_TTL_S;
use idgw_oidc::mc_di::pages::Esc;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// Where the page is served on the OP listener.
pub const CALLBACK_PATH: &str = "/demo/callback";

/// The demo client's registered `redirect_uri` for `issuer`.
pub fn redirect_uri(issuer: &str) -> String {
    format!("{issuer}{CALLBACK_PATH}")
}

/// The `curl` that redeems `code` (Table 4 with `client_secret_basic`, section 6.1.1).
/// `secret` is the demo client's secret, or a shell variable naming it.
pub fn token_curl(issuer: &str, secret: &str, code: &str, correlation_id: Option<&str>) -> String {
    let mut curl = format!(
        "curl -s -u \"{DEMO_CLIENT}:{secret}\" -d grant_type=authorization_code \
         --data-urlencode 'code={code}' --data-urlencode 'redirect_uri={}'",
        redirect_uri(issuer)
    );
    if let Some(c) = correlation_id {
        let _ = write!(curl, " --data-urlencode 'correlation_id={c}'");
    }
    let _ = write!(curl, " {issuer}/token");
    curl
}

/// The route, for merging into the OP listener's router.
pub fn router(issuer: String) -> Router {
    Router::new()
        .route(CALLBACK_PATH, get(callback))
        .with_state(Arc::new(issuer))
}

async fn callback(
    State(issuer): State<Arc<String>>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let html = page(&issuer, &p);
    let mut response = html.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The page: every value from the query is escaped. The client secret is not shown (the
/// console banner has it); the command reads it from `$IDGW_DEMO_SECRET`.
fn page(issuer: &str, p: &HashMap<String, String>) -> String {
    let mut body = String::from(
        "<h1>idgw demo callback</h1><p>This page of idgw's demo stands in for a service \
         provider's <code>redirect_uri</code>. It shows the Authorization Response; it redeems \
         nothing.</p><dl>",
    );
    for name in [
        "code",
        "state",
        "correlation_id",
        "error",
        "error_description",
    ] {
        if let Some(v) = p.get(name) {
            let _ = write!(body, "<dt>{name}</dt><dd><code>{}</code></dd>", Esc(v));
        }
    }
    body.push_str("</dl>");
    if let Some(code) = p.get("code") {
        let curl = token_curl(
            issuer,
            "$IDGW_DEMO_SECRET",
            code,
            p.get("correlation_id").map(String::as_str),
        );
        let _ = write!(
            body,
            "<p>Redeem the code within {CODE_TTL_S} s (it works once), with the demo client's \
             secret from the console in <code>IDGW_DEMO_SECRET</code>:</p><pre>{}</pre>",
            Esc(&curl)
        );
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>idgw demo callback</title><style>body{{font-family:system-ui,sans-serif;\
         max-width:48rem;margin:1rem auto;padding:0 1rem}}pre,dd code{{white-space:pre-wrap;\
         word-break:break-all}}</style></head><body>{body}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_shows_and_names_the_code() {
        let mut p = HashMap::new();
        p.insert("code".to_string(), "c<1>".to_string());
        p.insert("state".to_string(), "\"><script>x</script>".to_string());
        let html = page("http://127.0.0.1:8080", &p);
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;"));
        assert!(html.contains("code=c&lt;1&gt;"));
        assert!(html.contains("redirect_uri=http://127.0.0.1:8080/demo/callback"));
        assert!(!html.contains("correlation_id="));
        let mut p = HashMap::new();
        p.insert("error".to_string(), "access_denied".to_string());
        let html = page("http://127.0.0.1:8080", &p);
        assert!(html.contains("<dt>error</dt><dd><code>access_denied</code></dd>"));
        assert!(!html.contains("curl"));
    }
}
