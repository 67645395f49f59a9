//! The guarded outbound fetch (`idgw_oidc::fetch`) against a real loopback server: size and
//! time limits, redirects never followed, error statuses, and loopback refused unless the
//! policy allows it.

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use idgw_oidc::fetch::{FetchError, FetchPolicy, Fetcher};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

const LIMIT: usize = 1024;

async fn server() -> String {
    let router = Router::new()
        .route("/ok.json", get(|| async { r#"{"keys": []}"# }))
        .route("/big.json", get(|| async { "x".repeat(LIMIT + 1) }))
        .route(
            "/redirect",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok.json")]) }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late".into_response()
            }),
        )
        .route("/gone", get(|| async { StatusCode::GONE }))
        .route("/text", get(|| async { "not json" }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// A raw HTTP/1.1 server answering every connection with a chunked body of `total` bytes
/// and no Content-Length, so the limit must be enforced while reading.
async fn chunked_server(total: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let mut answer =
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .to_vec();
            for _ in 0..total / 100 {
                answer.extend_from_slice(format!("64\r\n{}\r\n", "y".repeat(100)).as_bytes());
            }
            answer.extend_from_slice(b"0\r\n\r\n");
            let _ = socket.write_all(&answer).await;
        }
    });
    base
}

fn dev() -> Fetcher {
    Fetcher::new(FetchPolicy {
        allow_loopback: true,
        max_bytes: LIMIT,
        timeout: Duration::from_millis(300),
    })
}

#[tokio::test]
async fn a_small_json_document_is_fetched() {
    let base = server().await;
    let doc: serde_json::Value = dev().get_json(&format!("{base}/ok.json")).await.unwrap();
    assert_eq!(doc["keys"], serde_json::json!([]));
}

#[tokio::test]
async fn documents_over_the_size_limit_are_refused() {
    let base = server().await;
    let chunked = chunked_server(1100).await;
    for url in [format!("{base}/big.json"), format!("{chunked}/any.json")] {
        let got = dev().get(&url).await;
        assert!(
            matches!(got, Err(FetchError::TooLarge { limit: LIMIT, .. })),
            "{url}: {got:?}"
        );
    }
    // Under the limit, the same chunked answer is read whole.
    let small = chunked_server(900).await;
    assert_eq!(
        dev().get(&format!("{small}/any.json")).await.unwrap().len(),
        900
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let base = server().await;
    let got = dev().get(&format!("{base}/redirect")).await;
    assert!(
        matches!(got, Err(FetchError::Redirect { status: 302, .. })),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_slow_server_hits_the_time_limit() {
    let base = server().await;
    let started = Instant::now();
    let got = dev().get(&format!("{base}/slow")).await;
    assert!(matches!(got, Err(FetchError::Timeout { .. })), "{got:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn error_statuses_and_non_json_are_errors() {
    let base = server().await;
    let got = dev().get(&format!("{base}/gone")).await;
    assert!(
        matches!(got, Err(FetchError::Status { status: 410, .. })),
        "{got:?}"
    );
    let got = dev()
        .get_json::<serde_json::Value>(&format!("{base}/text"))
        .await;
    assert!(matches!(got, Err(FetchError::NotJson { .. })), "{got:?}");
}

#[tokio::test]
async fn loopback_is_refused_unless_allowed() {
    let base = server().await;
    let strict = Fetcher::new(FetchPolicy::default());
    let got = strict.get(&format!("{base}/ok.json")).await;
    assert!(matches!(got, Err(FetchError::Scheme(_))), "{got:?}");
    let https = base.replace("http://", "https://");
    let got = strict.get(&format!("{https}/ok.json")).await;
    assert!(
        matches!(got, Err(FetchError::ForbiddenAddress { .. })),
        "{got:?}"
    );
    // By name too: localhost resolves to loopback addresses, each of them refused.
    let port = base.rsplit(':').next().unwrap();
    let got = strict
        .get(&format!("https://localhost:{port}/ok.json"))
        .await;
    assert!(
        matches!(got, Err(FetchError::ForbiddenAddress { .. })),
        "{got:?}"
    );
}
