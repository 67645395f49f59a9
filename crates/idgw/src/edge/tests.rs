//! The edge against misbehaving clients on loopback: short limits, raw sockets. Times are only
//! bounded from below (a limit is not enforced early) or by a generous ceiling (it is enforced).

use super::*;
use axum::routing::{get, post};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

const CEILING: Duration = Duration::from_secs(10);

fn limits(header: Duration, idle: Duration, body: Duration, max_connections: usize) -> Limits {
    Limits {
        header_read_timeout: header,
        body_read_timeout: body,
        idle_timeout: idle,
        max_connections,
        max_header_bytes: 8192,
        bodies: body::BodyLimits {
            default: 8192,
            tight_paths: &["/token"],
            tight: 1024,
            deadline: body,
        },
    }
}

struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
}

async fn start(limits: Limits) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/token",
            post(|body: String| async move { body.len().to_string() }),
        )
        .route(
            "/other",
            post(|body: String| async move { body.len().to_string() }),
        );
    let (stop, shutdown) = watch::channel(false);
    let server = tokio::spawn(serve("test", listener, None, router, limits, shutdown));
    Running { addr, stop, server }
}

/// Sends `request` on a fresh connection and reads until the server closes it.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(CEILING, s.read_to_end(&mut out))
        .await
        .expect("the server answers and closes");
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the server closes `s` (end of stream or reset); how long it took.
async fn closed(s: &mut TcpStream) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(CEILING, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("connection still open after {CEILING:?}"),
        }
    }
}

/// Whether the server has not closed `s` (nothing to read, no end of stream).
fn still_open(s: &TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

const SLOW_HEAD: &[u8] = b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n";
const GET_OK: &[u8] = b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

#[tokio::test]
async fn slow_heads_are_closed_at_the_header_timeout_while_others_are_served() {
    let header = Duration::from_millis(1500);
    let s = start(limits(header, header, header, 1000)).await;
    let opened = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        c.write_all(SLOW_HEAD).await.unwrap();
        slow.push(c);
    }
    let answer = exchange(s.addr, GET_OK).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"));
    // Served while every slow client was still connected.
    assert!(slow.iter().all(still_open), "slow clients closed early");
    for c in &mut slow {
        closed(c).await;
    }
    assert!(
        opened.elapsed() >= header,
        "closed before the header timeout"
    );
    let _ = s.stop.send(true);
    s.server.await.unwrap();
}

#[tokio::test]
async fn at_the_cap_new_connections_wait_for_a_free_slot() {
    let header = Duration::from_millis(800);
    let s = start(limits(header, header, header, 2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        c.write_all(SLOW_HEAD).await.unwrap();
        held.push(c);
    }
    // Let the server accept both before the third arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = Instant::now();
    let answer = exchange(s.addr, GET_OK).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        asked.elapsed() >= header - Duration::from_millis(100),
        "the third connection was served before a slot freed"
    );
    let _ = s.stop.send(true);
    s.server.await.unwrap();
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout() {
    let idle = Duration::from_millis(300);
    let s = start(limits(CEILING, idle, CEILING, 10)).await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    while !buf.ends_with(b"ok") {
        let mut chunk = [0u8; 512];
        let n = c.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed before answering");
        buf.extend_from_slice(&chunk[..n]);
    }
    let waited = closed(&mut c).await;
    // Closed by the idle timer, well before hyper's header timeout (CEILING) would have.
    assert!(waited >= idle - Duration::from_millis(50), "{waited:?}");
    assert!(waited < CEILING, "{waited:?}");
    let _ = s.stop.send(true);
    s.server.await.unwrap();
}

#[tokio::test]
async fn bodies_over_their_endpoint_limit_get_413_as_json() {
    let s = start(limits(CEILING, CEILING, CEILING, 10)).await;
    let body = "a".repeat(2000);
    let post = |path: &str, body: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    // /token is tight (1 KiB): refused from its Content-Length.
    let answer = exchange(s.addr, post("/token", &body).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""error":"invalid_request""#), "{answer}");
    assert!(answer.contains("larger than 1024 bytes"), "{answer}");
    // The same body is within the default limit (8 KiB) elsewhere.
    let answer = exchange(s.addr, post("/other", &body).as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("2000"), "{answer}");
    // Chunked, so no length up front: refused once 1 KiB has been read.
    let chunked = format!(
        "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let answer = exchange(s.addr, chunked.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // A head over max_header_bytes is refused by hyper.
    let huge = format!(
        "GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n",
        "p".repeat(10_000)
    );
    let answer = exchange(s.addr, huge.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let _ = s.stop.send(true);
    s.server.await.unwrap();
}

#[tokio::test]
async fn a_trickled_body_gets_408_at_the_body_deadline() {
    let deadline = Duration::from_millis(500);
    let s = start(limits(CEILING, CEILING, deadline, 10)).await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    let sent = Instant::now();
    c.write_all(b"POST /other HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123")
        .await
        .unwrap();
    // A byte now and then, never the whole body.
    let mut out = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        tokio::select! {
            n = c.read(&mut chunk) => {
                let n = n.unwrap_or(0);
                if n == 0 { break; }
                out.extend_from_slice(&chunk[..n]);
            }
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                let _ = c.write_all(b"x").await;
            }
        }
        assert!(sent.elapsed() < CEILING, "no answer");
    }
    let answer = String::from_utf8_lossy(&out);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("not received within"), "{answer}");
    assert!(sent.elapsed() >= deadline);
    let _ = s.stop.send(true);
    s.server.await.unwrap();
}

#[tokio::test]
async fn shutdown_closes_open_connections_and_returns() {
    let s = start(limits(CEILING, CEILING, CEILING, 10)).await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut chunk = [0u8; 512];
    assert!(c.read(&mut chunk).await.unwrap() > 0);
    let _ = s.stop.send(true);
    tokio::time::timeout(CEILING, s.server)
        .await
        .expect("serve returns after shutdown")
        .unwrap();
    closed(&mut c).await;
    assert!(TcpStream::connect(s.addr).await.is_err(), "still accepting");
}
