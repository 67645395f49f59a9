//! The HTTP edge of the real binary under slow clients (issue 11, item 2): thousands of
//! connections that send a request line and one header and then stall are closed at
//! `[http] header_read_timeout` (short here), while real clients are served meanwhile, on the
//! OP listener and on the others. Loopback only; bounded in count and time.

mod common;

use common::Server;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The slow clients' target count, fewer if the open-files limit cannot hold them.
const SLOW: usize = 2000;
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Nothing in this test may take longer than this.
const CEILING: Duration = Duration::from_secs(60);

/// Raises this process's open-files limit to its hard limit (the server, spawned after,
/// inherits it) and returns it.
fn raise_open_files() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by reference.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is narrower on some targets
    let current = limit.rlim_cur as u64;
    current
}

/// A connection that sent a request line and one header, and then nothing.
async fn slow(addr: &str) -> (TcpStream, Instant) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("send");
    (s, Instant::now())
}

/// Whether the server has not closed `s` yet (nothing to read, no end of stream).
fn still_open(s: &TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// Waits for the server to close `s`; the time since `opened`.
async fn closed_after(s: &mut TcpStream, opened: Instant) -> Duration {
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout(CEILING, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return opened.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("a slow connection is still open after {CEILING:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_closed_at_the_header_timeout_and_real_clients_served_meanwhile() {
    let limit = raise_open_files();
    // This process and the server each hold one descriptor per slow connection.
    let slow_count = SLOW.min(limit.saturating_sub(400) as usize);
    assert!(
        slow_count >= 500,
        "open-files limit {limit} too low for this test"
    );
    let s = Server::start(
        "edge",
        &format!(
            "[http]\nheader_read_timeout = {}\n",
            HEADER_TIMEOUT.as_secs()
        ),
    )
    .await;
    let op = s.op.trim_start_matches("http://").to_string();
    let others = [
        s.admin.trim_start_matches("http://").to_string(),
        s.handset.trim_start_matches("http://").to_string(),
        s.mssp.trim_start_matches("http://").to_string(),
    ];

    let started = Instant::now();
    let mut held = Vec::with_capacity(slow_count + 300);
    for _ in 0..slow_count {
        held.push(slow(&op).await);
    }
    for addr in &others {
        for _ in 0..100 {
            held.push(slow(addr).await);
        }
    }
    let opening = started.elapsed();

    // Real clients, each on a fresh connection, while the slow ones are held.
    let mut latencies = Vec::new();
    for i in 0..20 {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let asked = Instant::now();
        let (url, status) = if i % 2 == 0 {
            let r = http
                .get(format!("{}/.well-known/openid-configuration", s.op))
                .send()
                .await
                .expect("discovery answered");
            (r.url().to_string(), r.status().as_u16())
        } else {
            // A bad grant: the OP's JSON error, not a hang.
            let r = http
                .post(format!("{}/token", s.op))
                .form(&[("grant_type", "nonsense")])
                .send()
                .await
                .expect("token endpoint answered");
            (r.url().to_string(), r.status().as_u16())
        };
        latencies.push(asked.elapsed());
        assert!(
            status == 200 || status == 400 || status == 401,
            "{url}: {status}"
        );
    }
    let r = reqwest::get(format!("{}/readyz", s.admin)).await.unwrap();
    assert_eq!(r.status(), 200);
    latencies.sort();
    let served_by = started.elapsed();
    // Served while the slow ones were held: every slow connection younger than the header
    // timeout is still open, the last one opened among them.
    let young: Vec<bool> = held
        .iter()
        .filter(|(_, opened)| opened.elapsed() < HEADER_TIMEOUT - Duration::from_millis(200))
        .map(|(conn, _)| still_open(conn))
        .collect();
    assert!(
        still_open(&held.last().unwrap().0),
        "the real clients were served only after the slow connections went ({served_by:?})"
    );
    assert!(
        young.iter().all(|open| *open),
        "a slow connection closed early"
    );

    // Every slow connection is closed, none before the header timeout.
    let mut waits = Vec::with_capacity(held.len());
    for (conn, opened) in &mut held {
        waits.push(closed_after(conn, *opened).await);
    }
    let (min, max) = (*waits.iter().min().unwrap(), *waits.iter().max().unwrap());
    println!(
        "{} slow connections ({slow_count} on the OP, 100 each on admin, handset, MSSP; opened in {opening:?}); \
         20 real requests meanwhile: p50 {:?}, max {:?}, all served {served_by:?} after the first slow connection, \
         {} slow connections still open then; slow ones closed {min:?} to {max:?} after opening \
         (header_read_timeout {HEADER_TIMEOUT:?})",
        held.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        young.len(),
    );
    assert!(
        min >= HEADER_TIMEOUT - Duration::from_millis(50),
        "a slow connection was closed before the header timeout: {min:?}"
    );
    assert!(max < CEILING);
    // The server is still well after all that.
    let r = reqwest::get(format!("{}/.well-known/openid-configuration", s.op))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
