//! [`Ap`]: the Application Provider side of an authentication (TS 102 204 clause 7.2 and
//! 7.3): one `MSS_SignatureReq`, then the outcome as an event.
//!
//! - `asynchServerServer` (the default): the request carries the AP's `AP_URL`; the MSSP
//!   delivers the final `MSS_StatusResp` there ([`super::notification`]) and the AP
//!   acknowledges it with an `MSS_ReceiptReq`. If no notification came by
//!   [`ApConfig::fallback_margin`] before the deadline (the AP was unreachable and the
//!   MSSP's retries did not get through), one `MSS_StatusReq` asks for the outcome.
//! - `asynchClientServer`, for MSSPs that offer nothing else: an `MSS_StatusReq` every
//!   [`ApConfig::poll_interval`] until a final status ([`MAX_POLL_FAILURES`] failed queries
//!   in a row end it as failed).
//!
//! Either way a pending transaction is an entry in [`Pending`] (no task, no timer of its
//! own): one scheduler ([`Ap::run`]) makes the due status queries and ends transactions at
//! their deadline. An authentication handed over again (after a restart, or by another OP
//! node) re-sends the request with the same `AP_TransID`, which the MSSP joins; in
//! asynchServerServer it then delivers the outcome to this AP's `AP_URL`.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};

use super::pending::{Kind, Notified, Pending, Query};
use super::{ClientError, ClientOutcome, MssClient, REQUEST_TIMEOUT};
use crate::model::*;
use crate::profile::SignatureProfile;
use crate::{MssFault, StatusCode};

/// asynchClientServer: pause between status queries.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// asynchServerServer: how long before the deadline the fallback status query goes.
pub const DEFAULT_FALLBACK_MARGIN: Duration = Duration::from_secs(5);
/// Consecutive failed status queries (transport or HTTP errors) tolerated before giving up.
pub const MAX_POLL_FAILURES: u32 = 3;
/// Most status queries in flight at once.
pub const MAX_QUERIES: usize = 64;
/// Longest `TimeOut` asked of the MSSP (TS 102 204 MSSPs commonly cap it).
const MAX_TIME_OUT_SECS: u64 = 300;
/// How long an acknowledgement waits for the MSSP's answer to the request when the
/// notification overtook it.
const ACK_WAIT: Duration = Duration::from_secs(2);

/// How the AP learns outcomes.
#[derive(Debug, Clone)]
pub struct ApConfig {
    /// `asynchServerServer` or `asynchClientServer`.
    pub messaging_mode: MessagingMode,
    /// The AP's notification URL (`AP_URL`), required for asynchServerServer.
    pub ap_url: Option<String>,
    /// See [`DEFAULT_POLL_INTERVAL`].
    pub poll_interval: Duration,
    /// See [`DEFAULT_FALLBACK_MARGIN`].
    pub fallback_margin: Duration,
}

impl ApConfig {
    /// asynchServerServer with notifications to `ap_url`.
    pub fn notified(ap_url: impl Into<String>) -> ApConfig {
        ApConfig {
            messaging_mode: MessagingMode::AsynchServerServer,
            ap_url: Some(ap_url.into()),
            poll_interval: DEFAULT_POLL_INTERVAL,
            fallback_margin: DEFAULT_FALLBACK_MARGIN,
        }
    }

    /// asynchClientServer, asking every `poll_interval`.
    pub fn polled(poll_interval: Duration) -> ApConfig {
        ApConfig {
            messaging_mode: MessagingMode::AsynchClientServer,
            ap_url: None,
            poll_interval,
            fallback_margin: DEFAULT_FALLBACK_MARGIN,
        }
    }
}

/// An AP of one MSSP: its client, its pending transactions, its scheduler.
pub struct Ap {
    client: MssClient,
    config: ApConfig,
    pending: Mutex<Pending>,
    /// Wakes the scheduler when an action became due earlier than it planned.
    wake: Notify,
    queries: Arc<Semaphore>,
}

impl std::fmt::Debug for Ap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ap")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn superseded() -> ClientOutcome {
    ClientOutcome::Failed("handed over again".into())
}

/// Forgets a wait whose authentication was dropped (the OP gave up on it).
struct Registration<'a> {
    ap: &'a Ap,
    ap_trans_id: &'a str,
    token: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.ap.lock().cancel(self.ap_trans_id, self.token);
    }
}

impl Ap {
    /// An AP calling the MSSP through `client`. Run its scheduler with [`Ap::run`].
    pub fn new(client: MssClient, config: ApConfig) -> Result<Arc<Ap>, ClientError> {
        match config.messaging_mode {
            MessagingMode::AsynchServerServer if config.ap_url.is_none() => {
                return Err(ClientError::Url(
                    "asynchServerServer needs the AP's notification URL".into(),
                ))
            }
            MessagingMode::Synch => {
                return Err(ClientError::Url("synch mode is not an AP flow here".into()))
            }
            _ => {}
        }
        Ok(Arc::new(Ap {
            client,
            config,
            pending: Mutex::default(),
            wake: Notify::new(),
            queries: Arc::new(Semaphore::new(MAX_QUERIES)),
        }))
    }

    /// The MSSP client.
    pub fn client(&self) -> &MssClient {
        &self.client
    }

    /// The settings.
    pub fn config(&self) -> &ApConfig {
        &self.config
    }

    /// How many transactions wait for their outcome.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Every method of Pending leaves it consistent before it can panic.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn woken_if(&self, earliest: bool) {
        if earliest {
            self.wake.notify_one();
        }
    }

    /// Asks `msisdn`'s SIM to confirm `display_text`, with the PIN when `pin_required`,
    /// and waits for the outcome until `deadline` (never longer). The MSSP is given the
    /// time left as `TimeOut`. `ap_trans_id` must be the same whenever the same
    /// authentication is handed over again.
    pub async fn authenticate(
        &self,
        msisdn: &str,
        display_text: &str,
        pin_required: bool,
        ap_trans_id: &str,
        deadline: Instant,
    ) -> ClientOutcome {
        let now = tokio::time::Instant::now().into_std();
        let left = deadline.saturating_duration_since(now);
        if left < Duration::from_secs(1) {
            return ClientOutcome::Expired;
        }
        let kind = match self.config.messaging_mode {
            MessagingMode::AsynchServerServer => Kind::Notified,
            _ => Kind::Polled { failures: 0 },
        };
        let (mut done, token, earliest) =
            self.lock()
                .register(ap_trans_id, pin_required, deadline, kind);
        self.woken_if(earliest);
        let _registration = Registration {
            ap: self,
            ap_trans_id,
            token,
        };
        let mut header = self.client.header(ap_trans_id);
        header.ap_info.ap_url = match kind {
            Kind::Notified => self.config.ap_url.clone(),
            Kind::Polled { .. } => None,
        };
        let req = MssSignatureReq {
            header,
            mobile_user: MobileUser {
                msisdn: msisdn.to_owned(),
            },
            data_to_be_signed: Data::text(display_text),
            data_to_be_displayed: None,
            signature_profile: Some(SignatureProfile::for_pin(pin_required).uri().to_owned()),
            additional_services: Vec::new(),
            mss_format: None,
            validity_date: None,
            time_out: Some(left.as_secs().min(MAX_TIME_OUT_SECS) as u32),
            messaging_mode: self.config.messaging_mode,
        };
        let answer = tokio::select! {
            answer = self.client.signature(&req) => answer,
            // The deadline passed first (or the authentication was handed over again).
            outcome = &mut done => return outcome.unwrap_or_else(|_| superseded()),
        };
        // Not kept while the transaction waits: a waiting transaction costs memory only.
        drop(req);
        let earliest = {
            let mut pending = self.lock();
            match answer {
                Err(e) => {
                    let outcome = ClientOutcome::of_error(e, pin_required);
                    pending.refused(ap_trans_id, token, outcome);
                    false
                }
                Ok(resp) => match ClientOutcome::of_status(resp.status.code, pin_required) {
                    Some(outcome) => {
                        pending.complete(ap_trans_id, Some(token), outcome);
                        false
                    }
                    None => {
                        tracing::debug!(mssp_trans_id = %resp.mssp_trans_id, msisdn, mode = %self.config.messaging_mode.as_str(), "signature request accepted");
                        let now = tokio::time::Instant::now().into_std();
                        let first = self.first_query(now, deadline);
                        pending.accepted(ap_trans_id, token, &resp.mssp_trans_id, first)
                    }
                },
            }
        };
        self.woken_if(earliest);
        done.await.unwrap_or_else(|_| superseded())
    }

    /// When the first status query goes: after one interval when polling; as the
    /// notification fallback, `fallback_margin` before the deadline (but not before half
    /// the time left).
    fn first_query(&self, now: Instant, deadline: Instant) -> Instant {
        match self.config.messaging_mode {
            MessagingMode::AsynchServerServer => {
                let half = now + deadline.saturating_duration_since(now) / 2;
                deadline
                    .checked_sub(self.config.fallback_margin)
                    .map_or(half, |at| at.max(half))
            }
            _ => now + self.config.poll_interval,
        }
    }

    /// The scheduler: makes the due status queries (at most [`MAX_QUERIES`] at once) and
    /// ends transactions at their deadline, until `shutdown` completes.
    pub async fn run(self: Arc<Self>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let now = tokio::time::Instant::now().into_std();
            let (due, next) = {
                let mut pending = self.lock();
                (pending.due(now), pending.next_wake())
            };
            for query in due {
                let Ok(slot) = self.queries.clone().acquire_owned().await else {
                    return;
                };
                let ap = self.clone();
                tokio::spawn(async move {
                    let answer = ap.query(&query).await;
                    let now = tokio::time::Instant::now().into_std();
                    let polling = (ap.config.poll_interval, MAX_POLL_FAILURES);
                    let earliest = ap.lock().queried(&query, answer, now, polling);
                    ap.woken_if(earliest);
                    drop(slot);
                });
            }
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = self.wake.notified() => {}
                () = sleep => {}
            }
        }
    }

    /// One `MSS_StatusReq`: `Ok(Some)` a final status (or a fault, which ends it too),
    /// `Ok(None)` still outstanding, `Err` no answer.
    async fn query(&self, query: &Query) -> Result<Option<ClientOutcome>, String> {
        let asked = tokio::time::timeout(REQUEST_TIMEOUT, self.client.status(&query.mssp_trans_id));
        match asked.await {
            Ok(Ok(status)) => Ok(ClientOutcome::of_status(status.status.code, query.pin)),
            Ok(Err(e @ ClientError::Fault(_))) => Ok(Some(ClientOutcome::of_error(e, query.pin))),
            Ok(Err(e)) => {
                tracing::warn!(mssp_trans_id = %query.mssp_trans_id, error = %e, "status query failed");
                Err(e.to_string())
            }
            Err(_) => Err("status query timed out".into()),
        }
    }

    /// A notification (asynchServerServer): the final `MSS_StatusResp` of one of this AP's
    /// transactions. Completes it and returns the acknowledgement (`MSS_ReceiptReq`, without
    /// the AP's password: it answers the MSSP's call); a fault (101 WRONG_PARAM) for another
    /// AP's, an unknown transaction's or a status that is not final.
    pub async fn notify(&self, resp: &MssStatusResp) -> Result<MssReceiptReq, MssFault> {
        let refuse = |why: &str| MssFault::new(StatusCode::WrongParam, Some(why.to_owned()));
        let ap = &resp.header.ap_info;
        if ap.ap_id != self.client.ap_id() {
            return Err(refuse("not this AP's AP_ID"));
        }
        let code = resp.status.code;
        if ClientOutcome::of_status(code, true).is_none() {
            return Err(refuse("not a final status"));
        }
        let outcome = |pin| ClientOutcome::of_status(code, pin).unwrap_or(ClientOutcome::Expired);
        let found = self.lock().notified(&ap.ap_trans_id, outcome);
        let mssp_trans_id = match found {
            Notified::Unknown => return Err(refuse("unknown AP_TransID")),
            Notified::Completed(id) => id,
            Notified::Early(id) => match tokio::time::timeout(ACK_WAIT, id).await {
                Ok(Ok(id)) => id,
                _ => return Err(refuse("MSSP_TransID not known yet")),
            },
        };
        tracing::debug!(ap_trans_id = %ap.ap_trans_id, %mssp_trans_id, status = %code, "notified");
        let mut header = self.client.header(ap.ap_trans_id.clone());
        header.ap_info.ap_pwd = None;
        Ok(MssReceiptReq {
            header,
            mobile_user: resp.mobile_user.clone(),
            status: None,
            message: None,
            mssp_trans_id: mssp_trans_id.into(),
        })
    }
}
