//! SMSC simulator: an SMPP v3.4 server (section 2.2) for tests, demos and
//! `idgw smsc-sim`. It accepts binds for configured accounts, turns MT
//! submit_sm into TS 23.040 SMS-DELIVER TPDUs for simulated handsets
//! (the "radio hop", [`HandsetLink`]), stores and forwards them while a
//! handset is unreachable (until the validity period, 7.1.1, expires),
//! sends delivery receipts (Appendix B) when registered_delivery asks, and
//! turns handsets' MO SMS-SUBMIT into deliver_sm for the bound ESME of the
//! receiving short code (round robin over its binds, as when an account has
//! several, e.g. one per OTA platform node).
//!
//! Like mini-redis, [`run`] takes its listener and shutdown signal from the caller.

mod router;
mod session;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

pub use router::Shared;

use crate::trace::Trace;

/// One account the simulator accepts binds for.
#[derive(Clone)]
pub struct Account {
    pub system_id: String,
    pub password: String,
    /// Short codes whose MO messages go to this account; when no bound
    /// account claims a short code, MO goes to any bound receiver.
    pub short_codes: Vec<String>,
}

impl Account {
    pub fn new(system_id: impl Into<String>, password: impl Into<String>) -> Self {
        Account {
            system_id: system_id.into(),
            password: password.into(),
            short_codes: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("system_id", &self.system_id)
            .field("password", &"***")
            .field("short_codes", &self.short_codes)
            .finish()
    }
}

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SmscConfig {
    pub accounts: Vec<Account>,
    /// Validity of a message without validity_period (SMSC default).
    pub default_validity: Duration,
    /// How often stored messages are retried.
    pub retry_interval: Duration,
    /// Simultaneous SMPP connections at most.
    pub max_connections: usize,
    /// Where the simulator reports its steps (lane `SMSC`) for `idgw trace`.
    pub trace: Trace,
}

impl SmscConfig {
    /// Reports each step (submit_sm accepted, SMS-DELIVER to the handset or stored,
    /// receipts, MO as deliver_sm) to `trace`, by MSISDN.
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = trace;
        self
    }
}

impl Default for SmscConfig {
    fn default() -> Self {
        SmscConfig {
            accounts: Vec::new(),
            default_validity: Duration::from_secs(300),
            retry_interval: Duration::from_secs(5),
            max_connections: 64,
            trace: Trace::default(),
        }
    }
}

/// The handset cannot be reached now (switched off, out of coverage).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("handset unreachable")]
pub struct Unreachable;

/// The radio hop towards handsets: delivers SMS-DELIVER TPDU bytes.
pub trait HandsetLink: Send + Sync + 'static {
    fn deliver(&self, msisdn: &str, sms_deliver: Vec<u8>) -> Result<(), Unreachable>;
}

/// An MO message from a handset: SMS-SUBMIT TPDU bytes.
#[derive(Debug, Clone)]
pub struct MoSms {
    pub msisdn: String,
    pub sms_submit: Vec<u8>,
}

/// A [`HandsetLink`] over in-process channels: each attached MSISDN gets a
/// receiver of SMS-DELIVER TPDUs; unattached ones are unreachable.
#[derive(Default)]
pub struct ChannelHandsets {
    phones: Mutex<HashMap<String, mpsc::UnboundedSender<Vec<u8>>>>,
}

impl ChannelHandsets {
    /// Switches the handset on: TPDUs for `msisdn` arrive on the receiver.
    pub fn attach(&self, msisdn: &str) -> mpsc::UnboundedReceiver<Vec<u8>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().insert(msisdn.to_owned(), tx);
        rx
    }

    /// Switches the handset off.
    pub fn detach(&self, msisdn: &str) {
        self.lock().remove(msisdn);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Vec<u8>>>> {
        self.phones.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl HandsetLink for ChannelHandsets {
    fn deliver(&self, msisdn: &str, sms_deliver: Vec<u8>) -> Result<(), Unreachable> {
        match self.lock().get(msisdn) {
            Some(tx) => tx.send(sms_deliver).map_err(|_| Unreachable),
            None => Err(Unreachable),
        }
    }
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs the simulator until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    config: SmscConfig,
    link: Arc<dyn HandsetLink>,
    mut mo: mpsc::Receiver<MoSms>,
    shutdown: impl Future<Output = ()>,
) {
    let limit = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut retry = tokio::time::interval(config.retry_interval);
    let shared = Arc::new(Shared::new(config, link));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "SMSC simulator accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Ok(permit) = limit.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, "SMSC simulator connection limit reached");
                    continue;
                };
                let shared = shared.clone();
                let stop = stop_rx.clone();
                tokio::spawn(async move {
                    session::serve(stream, shared, stop).await;
                    drop(permit);
                });
            }
            Some(m) = mo.recv() => shared.mo(&m.msisdn, &m.sms_submit, Instant::now()),
            _ = retry.tick() => shared.tick(unix_now(), Instant::now()),
        }
    }
    let _ = stop_tx.send(true);
}

#[cfg(test)]
mod tests;
