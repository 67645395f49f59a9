//! The HTTP edge: how every HTTP listener idgw serves (OP, admin, handset, MSSP, OTA API,
//! radio) holds up under hostile clients (issue 11, item 2). One function, [`serve`], owns the
//! accept loop of each listener:
//!
//! - at most `max_connections` connections per listener (a [`Semaphore`]: at the cap the
//!   listener stops accepting and new connections wait in the kernel's backlog);
//! - the request head (request line and headers) must arrive within `header_read_timeout`,
//!   counted from the connection, or from the previous response on a kept-alive one (hyper's
//!   `header_read_timeout`), and fit in `max_header_bytes`; a TLS handshake gets the same time;
//! - a connection with no request in flight for `idle_timeout` is closed ([`conn`]);
//! - a request body must arrive whole within `body_read_timeout` and fit its endpoint's limit
//!   (`max_body_bytes`, tighter for the OP's form endpoints), else 408 or 413 ([`body`]).
//!
//! The caller owns the listener and the shutdown signal (STYLE.md 6); on shutdown the listener
//! stops accepting, open connections finish their response and close, and [`serve`] returns
//! once they have (at most [`DRAIN_TIMEOUT`] later).

mod body;
mod conn;

use axum::Router;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

/// How long [`serve`] waits, after shutdown, for open connections to finish.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Accept errors (out of file descriptors, mostly) back off from this...
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// ...doubling up to this.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// `[http]`: the limits of every HTTP listener. Times in seconds, sizes in bytes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Time to receive a request's head, from the connection (or the previous response) on;
    /// also the limit of a TLS handshake.
    pub header_read_timeout: u64,
    /// Time to receive a request's whole body, from its head on.
    pub body_read_timeout: u64,
    /// A connection with no request for this long is closed (hyper also counts the wait for
    /// the next request towards `header_read_timeout`: the smaller of the two applies).
    pub idle_timeout: u64,
    /// Open connections per listener; more wait to be accepted.
    pub max_connections: usize,
    /// Largest request head (request line and headers); larger ones get 431.
    pub max_header_bytes: usize,
    /// Largest request body anywhere not listed below; larger ones get 413.
    pub max_body_bytes: usize,
    /// Largest body of the OP's form endpoints ([`OP_FORM_PATHS`]).
    pub max_form_body_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            header_read_timeout: 10,
            body_read_timeout: 10,
            idle_timeout: 5,
            max_connections: 4096,
            max_header_bytes: 64 * 1024,
            max_body_bytes: 1024 * 1024,
            max_form_body_bytes: 64 * 1024,
        }
    }
}

/// The OP endpoints that take a form (or, at `/bc-authorize`, a small JSON) body: a
/// request object or client assertion is a few KiB, so `max_form_body_bytes` holds them.
pub const OP_FORM_PATHS: &[&str] = &[
    "/token",
    "/bc-authorize",
    "/si-authorize",
    "/authorize",
    "/authorize/msisdn",
    "/userinfo",
    "/premiuminfo",
];

impl HttpSettings {
    /// Refuses settings that would disable a protection or that hyper rejects.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.header_read_timeout > 0 && self.body_read_timeout > 0 && self.idle_timeout > 0,
            "[http] timeouts must be at least 1 second"
        );
        anyhow::ensure!(
            (1..=u32::MAX as usize).contains(&self.max_connections),
            "[http] max_connections must be between 1 and {}",
            u32::MAX
        );
        // hyper's read buffer cannot be smaller than 8 KiB.
        anyhow::ensure!(
            self.max_header_bytes >= 8192,
            "[http] max_header_bytes must be at least 8192"
        );
        anyhow::ensure!(
            self.max_body_bytes > 0 && self.max_form_body_bytes > 0,
            "[http] body limits must be at least 1 byte"
        );
        Ok(())
    }

    /// The limits of a listener whose every endpoint takes up to `max_body_bytes`.
    pub fn limits(&self) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout),
            body_read_timeout: Duration::from_secs(self.body_read_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: self.max_connections,
            max_header_bytes: self.max_header_bytes,
            bodies: body::BodyLimits {
                default: self.max_body_bytes,
                tight_paths: &[],
                tight: self.max_body_bytes,
                deadline: Duration::from_secs(self.body_read_timeout),
            },
        }
    }

    /// The OP listener's limits: [`OP_FORM_PATHS`] take up to `max_form_body_bytes`.
    pub fn op_limits(&self) -> Limits {
        let mut limits = self.limits();
        limits.bodies.tight_paths = OP_FORM_PATHS;
        limits.bodies.tight = self.max_form_body_bytes;
        limits
    }
}

/// The limits of one listener, as [`serve`] applies them.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_header_bytes: usize,
    bodies: body::BodyLimits,
}

/// Serves `router` on `listener` (over TLS when `tls` is given) within `limits`, until
/// `shutdown` turns true and the open connections have finished.
pub async fn serve(
    name: &'static str,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let router = body::layer(router, limits.bodies.clone());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let limits = Arc::new(limits);
    let mut backoff = ACCEPT_BACKOFF_MIN;
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = stopped(&mut shutdown) => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(listener = name, error = %e, "accept failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => break,
        };
        backoff = ACCEPT_BACKOFF_MIN;
        let connection = conn::Connection {
            router: router.clone(),
            limits: limits.clone(),
            shutdown: shutdown.clone(),
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            connection.run(tcp, peer, tls).await;
            drop(slot);
        });
    }
    drop(listener);
    // Every open connection holds a slot: all slots back means all connections closed.
    let all = limits.max_connections as u32;
    if tokio::time::timeout(DRAIN_TIMEOUT, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            listener = name,
            open = limits.max_connections - slots.available_permits(),
            "connections still open after the drain timeout"
        );
    }
}

/// Resolves once `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Raises this process's soft limit on open files to its hard limit (systemd, for one,
/// starts services at 1024 for `select()`'s sake) and returns the limit now in force, so
/// that `max_connections` can be held on every listener. `None` where there is no such
/// limit to read.
#[cfg(unix)]
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by reference.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is narrower on some targets
    Some(limit.rlim_cur as u64)
}

#[cfg(not(unix))]
pub fn raise_open_files_limit() -> Option<u64> {
    None
}

/// Raises the open-files limit and warns when it cannot hold `max_connections` on each of
/// `exposed` listeners at once (the OP and admin listeners, which face clients; a full cap
/// only makes accepting fail and back off instead).
pub fn prepare_open_files(settings: &HttpSettings, exposed: usize) {
    let Some(limit) = raise_open_files_limit() else {
        return;
    };
    // Headroom for the store, the other listeners, outbound calls and the SMPP binds.
    let wanted = (settings.max_connections * exposed + 1024) as u64;
    if limit < wanted {
        tracing::warn!(
            open_files_limit = limit,
            max_connections = settings.max_connections,
            exposed,
            "the open-files limit cannot hold [http] max_connections on every client-facing listener; raise it (ulimit -n, LimitNOFILE=) or lower max_connections"
        );
    }
}

#[cfg(test)]
mod tests;
