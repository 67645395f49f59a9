//! ESME client session (SMPP v3.4 section 2.2, 2.3): binds as a
//! transceiver (4.1.5), keeps a window of outstanding submit_sm (4.4.1),
//! sends and answers enquire_link (4.11), hands deliver_sm (4.6.1) to the
//! caller, reconnects with capped exponential backoff and resubmits what
//! was in flight, backs off on ESME_RTHROTTLED / ESME_RMSGQFUL, and unbinds
//! (4.2) on shutdown.
//!
//! Delivery is at least once: a submit_sm whose response was lost with the
//! connection is sent again after reconnecting.

mod session;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use crate::conn::Transport;
use crate::pdu::{DeliverSm, EncodeError, Pdu, SubmitSm};
use crate::status::CommandStatus;

/// Settings of one ESME bind.
#[derive(Clone)]
pub struct EsmeConfig {
    /// SMSC address, `host:port`.
    pub addr: String,
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    /// Outstanding submit_sm at most (the SMPP window).
    pub window: usize,
    /// Time between our enquire_link requests; a link silent for this long is dropped.
    pub enquire_link_interval: Duration,
    /// How long to wait for connect, bind_resp, submit_sm_resp and unbind_resp.
    pub response_timeout: Duration,
    /// First reconnect delay; doubles up to `reconnect_backoff_max`.
    pub reconnect_backoff_min: Duration,
    pub reconnect_backoff_max: Duration,
    /// First resubmission delay after ESME_RTHROTTLED / ESME_RMSGQFUL; doubles per attempt.
    pub throttle_backoff: Duration,
    /// Capacity of the deliver_sm channel; when full, deliver_sm is answered ESME_RX_T_APPN.
    pub deliver_queue: usize,
}

impl std::fmt::Debug for EsmeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsmeConfig")
            .field("addr", &self.addr)
            .field("system_id", &self.system_id)
            .field("password", &"***")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl EsmeConfig {
    /// Defaults: window 10, enquire_link every 30 s, 10 s response timeout,
    /// reconnect backoff 1 s .. 64 s, throttle backoff 1 s.
    pub fn new(
        addr: impl Into<String>,
        system_id: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        EsmeConfig {
            addr: addr.into(),
            system_id: system_id.into(),
            password: password.into(),
            system_type: String::new(),
            window: 10,
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            reconnect_backoff_min: Duration::from_secs(1),
            reconnect_backoff_max: Duration::from_secs(64),
            throttle_backoff: Duration::from_secs(1),
            deliver_queue: 64,
        }
    }
}

/// Why a submission failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// The SMSC answered submit_sm_resp (or generic_nack) with this error.
    #[error("submit_sm rejected: {0}")]
    Rejected(CommandStatus),
    /// The SMSC refused our bind (e.g. ESME_RINVPASWD); the session keeps retrying.
    #[error("bind rejected: {0}")]
    BindRejected(CommandStatus),
    /// The submit_sm cannot be encoded.
    #[error("invalid submit_sm: {0}")]
    Encode(#[from] EncodeError),
    /// The session was shut down.
    #[error("ESME session stopped")]
    Stopped,
}

/// A submission waiting for its submit_sm_resp.
pub(crate) struct Job {
    pub(crate) sm: SubmitSm,
    pub(crate) reply: oneshot::Sender<Result<String, SubmitError>>,
    pub(crate) attempts: u32,
}

/// Submits messages through a running session. Cheap to clone.
#[derive(Clone)]
pub struct EsmeHandle {
    jobs: mpsc::Sender<Job>,
    window: Arc<Semaphore>,
    bound: watch::Receiver<bool>,
}

impl EsmeHandle {
    /// Submits one message and waits for the SMSC's message_id. Retries
    /// across reconnects and throttling; wrap in `tokio::time::timeout` to bound it.
    pub async fn submit(&self, sm: SubmitSm) -> Result<String, SubmitError> {
        crate::pdu::encode(&Pdu::SubmitSm(sm.clone()), 1)?;
        let _permit = self
            .window
            .acquire()
            .await
            .map_err(|_| SubmitError::Stopped)?;
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job {
                sm,
                reply,
                attempts: 0,
            })
            .await
            .map_err(|_| SubmitError::Stopped)?;
        rx.await.map_err(|_| SubmitError::Stopped)?
    }

    /// Whether the session is currently bound; changes are observable.
    pub fn bound(&self) -> watch::Receiver<bool> {
        self.bound.clone()
    }

    /// Waits until the session is bound (or stopped: returns false).
    pub async fn wait_bound(&self) -> bool {
        let mut rx = self.bound.clone();
        let bound = rx.wait_for(|b| *b).await.is_ok();
        bound
    }
}

/// How the session opens its transport: TCP in production, in-memory
/// duplex pipes in the timer tests (deterministic under `time::pause`).
pub(crate) type Connect = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Box<dyn Transport>>> + Send>>
        + Send
        + Sync,
>;

fn tcp_connect() -> Connect {
    Arc::new(|addr: String| {
        Box::pin(async move {
            let s = tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            Ok(Box::new(s) as Box<dyn Transport>)
        })
    })
}

/// The ESME session task.
pub struct Esme;

impl Esme {
    /// Spawns the session. It runs until `shutdown` completes, then unbinds.
    /// deliver_sm PDUs (MO messages, delivery receipts) arrive on the receiver.
    pub fn start(
        config: EsmeConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> (EsmeHandle, mpsc::Receiver<DeliverSm>) {
        Self::start_with(config, tcp_connect(), shutdown)
    }

    pub(crate) fn start_with(
        config: EsmeConfig,
        connect: Connect,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> (EsmeHandle, mpsc::Receiver<DeliverSm>) {
        let window = config.window.max(1);
        let (jobs_tx, jobs_rx) = mpsc::channel(window);
        let (deliver_tx, deliver_rx) = mpsc::channel(config.deliver_queue.max(1));
        let (bound_tx, bound_rx) = watch::channel(false);
        tokio::spawn(session::run(
            config, connect, jobs_rx, deliver_tx, bound_tx, shutdown,
        ));
        let handle = EsmeHandle {
            jobs: jobs_tx,
            window: Arc::new(Semaphore::new(window)),
            bound: bound_rx,
        };
        (handle, deliver_rx)
    }
}

#[cfg(test)]
mod tests;
