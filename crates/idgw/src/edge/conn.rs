//! One accepted connection: the TLS handshake (bounded by `header_read_timeout`), then HTTP/1.1
//! by hyper with its header read timeout, and an idle timer of our own: hyper has none, so the
//! connection counts its requests in flight and asks hyper to close it once none has been for
//! `idle_timeout`. A connection asked to close (idle, or the server shutting down) finishes the
//! response under way and gets `body_read_timeout` more to do so, then is dropped: a client
//! that stops reading cannot hold it.

use super::Limits;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

pub(super) struct Connection {
    pub router: Router,
    pub limits: Arc<Limits>,
    pub shutdown: watch::Receiver<bool>,
}

impl Connection {
    pub async fn run(self, tcp: TcpStream, peer: SocketAddr, tls: Option<TlsAcceptor>) {
        // Small responses go out at once rather than waiting on Nagle.
        let _ = tcp.set_nodelay(true);
        match tls {
            None => self.http(tcp, peer).await,
            Some(acceptor) => {
                let deadline = self.limits.header_read_timeout;
                match tokio::time::timeout(deadline, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => self.http(stream, peer).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                }
            }
        }
    }

    async fn http<I>(mut self, io: I, peer: SocketAddr)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let activity = Arc::new(Activity::new());
        let service = {
            let inner = TowerToHyperService::new(self.router.clone());
            let activity = activity.clone();
            hyper::service::service_fn(move |request| {
                let busy = activity.begin();
                let response = hyper::service::Service::call(&inner, request);
                async move {
                    let response = response.await;
                    drop(busy);
                    response
                }
            })
        };
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout)
            .max_buf_size(self.limits.max_header_bytes)
            .keep_alive(true);
        let conn = builder.serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        let idle = self.limits.idle_timeout;
        // Set once the connection is asked to close: when it is dropped regardless.
        let mut closing: Option<Instant> = None;
        loop {
            let wake = match (closing, activity.idle_since()) {
                (Some(hard), _) => hard,
                (None, Some(since)) => since + idle,
                (None, None) => Instant::now() + idle,
            };
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        // Header timeouts, resets and malformed requests: the client's doing.
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                    return;
                }
                _ = tokio::time::sleep_until(wake) => {
                    if closing.is_some() {
                        tracing::debug!(%peer, "connection dropped: response not taken in time");
                        return;
                    }
                    if activity.idle_since().is_some_and(|since| since + idle <= Instant::now()) {
                        conn.as_mut().graceful_shutdown();
                        closing = Some(Instant::now() + self.limits.body_read_timeout);
                    }
                }
                _ = super::stopped(&mut self.shutdown), if closing.is_none() => {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now() + self.limits.body_read_timeout);
                }
            }
        }
    }
}

/// Requests in flight on one connection, and when the last one ended.
struct Activity {
    in_flight: AtomicUsize,
    last: Mutex<Instant>,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            in_flight: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
        }
    }

    fn begin(self: &Arc<Self>) -> BusyGuard {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.clone())
    }

    /// When the connection went idle; `None` while a request is in flight.
    fn idle_since(&self) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(*self.last.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A request in flight; dropping it records the connection's latest activity.
struct BusyGuard(Arc<Activity>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        *self.0.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
