//! The ESME connection loop: connect, bind_transceiver (SMPP v3.4 4.1.5),
//! then one `select!` over inbound PDUs, new submissions, the enquire_link
//! timer (4.11) and throttled resubmissions, until the link drops or the
//! caller shuts down (unbind, 4.2).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, sleep_until, timeout, Instant};

use super::{Connect, EsmeConfig, Job, SubmitError};
use crate::conn::{ConnError, Connection, SequenceNumbers};
use crate::pdu::{decode, encode, Bind, DeliverSm, DeliverSmResp, Header, Pdu};
use crate::status::CommandStatus;

type Shutdown<'a> = Pin<&'a mut (dyn Future<Output = ()> + Send)>;

/// Jobs waiting to be sent, plus throttled ones waiting for their time.
#[derive(Default)]
struct Queue {
    ready: VecDeque<Job>,
    delayed: Vec<(Instant, Job)>,
    seq: SequenceNumbers,
}

impl Queue {
    fn fail_all(&mut self, jobs: &mut mpsc::Receiver<Job>, err: SubmitError) {
        let delayed = self.delayed.drain(..).map(|d| d.1);
        for job in self.ready.drain(..).chain(delayed) {
            let _ = job.reply.send(Err(err.clone()));
        }
        while let Ok(job) = jobs.try_recv() {
            let _ = job.reply.send(Err(err.clone()));
        }
    }
}

enum End {
    Shutdown,
    Lost(String),
}

enum BindError {
    Rejected(CommandStatus),
    Failed(String),
}

pub(super) async fn run(
    cfg: EsmeConfig,
    connect: Connect,
    mut jobs: mpsc::Receiver<Job>,
    delivers: mpsc::Sender<DeliverSm>,
    bound: watch::Sender<bool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut shutdown: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(shutdown);
    let mut q = Queue::default();
    let mut backoff = cfg.reconnect_backoff_min;
    loop {
        let attempt = tokio::select! {
            _ = &mut shutdown => break,
            r = connect_and_bind(&cfg, &connect, &mut q.seq) => r,
        };
        match attempt {
            Ok(conn) => {
                tracing::info!(addr = %cfg.addr, system_id = %cfg.system_id, "SMPP bound");
                backoff = cfg.reconnect_backoff_min;
                bound.send_replace(true);
                let end =
                    session(&cfg, conn, &mut q, &mut jobs, &delivers, shutdown.as_mut()).await;
                bound.send_replace(false);
                match end {
                    End::Shutdown => {
                        q.fail_all(&mut jobs, SubmitError::Stopped);
                        return;
                    }
                    End::Lost(why) => tracing::warn!(addr = %cfg.addr, %why, "SMPP link lost"),
                }
            }
            Err(BindError::Rejected(status)) => {
                tracing::error!(addr = %cfg.addr, %status, "SMPP bind rejected");
                q.fail_all(&mut jobs, SubmitError::BindRejected(status));
            }
            Err(BindError::Failed(why)) => {
                tracing::warn!(addr = %cfg.addr, %why, "SMPP connect failed")
            }
        }
        // Wait before reconnecting, still accepting submissions.
        let pause = sleep(backoff);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                _ = &mut pause => break,
                _ = &mut shutdown => {
                    q.fail_all(&mut jobs, SubmitError::Stopped);
                    return;
                }
                Some(job) = jobs.recv() => q.ready.push_back(job),
            }
        }
        backoff = (backoff * 2).min(cfg.reconnect_backoff_max);
    }
    q.fail_all(&mut jobs, SubmitError::Stopped);
}

async fn connect_and_bind(
    cfg: &EsmeConfig,
    connect: &Connect,
    seq: &mut SequenceNumbers,
) -> Result<Connection, BindError> {
    let fail = |e: &dyn std::fmt::Display| BindError::Failed(e.to_string());
    let stream = timeout(cfg.response_timeout, connect(cfg.addr.clone()))
        .await
        .map_err(|e| fail(&e))?
        .map_err(|e| fail(&e))?;
    let mut conn = Connection::from_boxed(stream);
    let bind = Bind {
        system_type: cfg.system_type.clone(),
        ..Bind::new(cfg.system_id.clone(), cfg.password.clone())
    };
    let bind_seq = seq.allocate();
    conn.send(&Pdu::BindTransceiver(bind), bind_seq)
        .await
        .map_err(|e| fail(&e))?;
    let wait = async {
        loop {
            let frame = conn.read_frame().await?;
            if let Ok((h, Pdu::BindTransceiverResp(_) | Pdu::GenericNack)) = decode(&frame) {
                if h.sequence_number == bind_seq {
                    return Ok::<_, ConnError>(h.command_status);
                }
            }
        }
    };
    match timeout(cfg.response_timeout, wait).await {
        Err(e) => Err(fail(&e)),
        Ok(Err(e)) => Err(fail(&e)),
        Ok(Ok(status)) if status.is_ok() => Ok(conn),
        Ok(Ok(status)) => Err(BindError::Rejected(status)),
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

async fn session(
    cfg: &EsmeConfig,
    mut conn: Connection,
    q: &mut Queue,
    jobs: &mut mpsc::Receiver<Job>,
    delivers: &mpsc::Sender<DeliverSm>,
    mut shutdown: Shutdown<'_>,
) -> End {
    let mut inflight: HashMap<u32, (Job, Instant)> = HashMap::new();
    let mut enquire = tokio::time::interval_at(
        Instant::now() + cfg.enquire_link_interval,
        cfg.enquire_link_interval,
    );
    let mut heard_since_tick = true;
    let end = 'session: loop {
        // Send everything that is ready.
        while let Some(job) = q.ready.pop_front() {
            if job.reply.is_closed() {
                continue; // the caller gave up
            }
            let seq = q.seq.allocate();
            let bytes = match encode(&Pdu::SubmitSm(job.sm.clone()), seq) {
                Ok(b) => b,
                Err(e) => {
                    let _ = job.reply.send(Err(e.into()));
                    continue;
                }
            };
            if let Err(e) = conn.write_frame(&bytes).await {
                q.ready.push_front(job);
                break 'session End::Lost(e.to_string());
            }
            inflight.insert(seq, (job, Instant::now()));
        }
        let next_delayed = q.delayed.iter().map(|d| d.0).min();
        tokio::select! {
            _ = &mut shutdown => {
                unbind(cfg, &mut conn, q.seq.allocate()).await;
                break 'session End::Shutdown;
            }
            frame = conn.read_frame() => {
                let frame = match frame {
                    Ok(f) => f,
                    Err(e) => break 'session End::Lost(e.to_string()),
                };
                heard_since_tick = true;
                match inbound(&mut conn, &frame, &mut inflight, q, delivers, cfg).await {
                    Ok(None) => {}
                    Ok(Some(end)) => break 'session end,
                    Err(e) => break 'session End::Lost(e.to_string()),
                }
            }
            Some(job) = jobs.recv() => q.ready.push_back(job),
            _ = enquire.tick() => {
                if !heard_since_tick {
                    break 'session End::Lost("no answer to enquire_link".into());
                }
                let now = Instant::now();
                if inflight.values().any(|(_, sent)| now - *sent > cfg.response_timeout) {
                    break 'session End::Lost("submit_sm_resp timeout".into());
                }
                heard_since_tick = false;
                if let Err(e) = conn.send(&Pdu::EnquireLink, q.seq.allocate()).await {
                    break 'session End::Lost(e.to_string());
                }
            }
            _ = sleep_until(next_delayed.unwrap_or_else(far_future)), if next_delayed.is_some() => {
                let now = Instant::now();
                let (due, later): (Vec<_>, Vec<_>) = q.delayed.drain(..).partition(|d| d.0 <= now);
                q.delayed = later;
                q.ready.extend(due.into_iter().map(|d| d.1));
            }
        }
    };
    // Whatever was unanswered goes first after reconnecting (or fails on shutdown).
    let mut pending: Vec<(u32, Job)> = inflight.into_iter().map(|(s, (j, _))| (s, j)).collect();
    pending.sort_by_key(|p| std::cmp::Reverse(p.0));
    for (_, job) in pending {
        q.ready.push_front(job);
    }
    end
}

/// Handles one inbound frame; `Some(end)` closes the session.
async fn inbound(
    conn: &mut Connection,
    frame: &[u8],
    inflight: &mut HashMap<u32, (Job, Instant)>,
    q: &mut Queue,
    delivers: &mpsc::Sender<DeliverSm>,
    cfg: &EsmeConfig,
) -> Result<Option<End>, ConnError> {
    let (h, pdu) = match decode(frame) {
        Ok(x) => x,
        Err(e) => {
            let seq = Header::peek(frame).map_or(0, |h| h.sequence_number);
            tracing::warn!(error = %e, seq, "undecodable PDU from SMSC");
            if Header::peek(frame).is_some_and(|h| !h.is_response()) {
                conn.send_status(&Pdu::GenericNack, e.command_status(), seq)
                    .await?;
            }
            return Ok(None);
        }
    };
    let seq = h.sequence_number;
    match pdu {
        Pdu::SubmitSmResp(resp) => {
            let Some((mut job, _)) = inflight.remove(&seq) else {
                return Ok(None);
            };
            let status = h.command_status;
            if status.is_ok() {
                let _ = job.reply.send(Ok(resp.message_id));
            } else if status.is_transient() {
                job.attempts += 1;
                let factor = 1u32 << (job.attempts - 1).min(6);
                let delay = (cfg.throttle_backoff * factor).min(cfg.reconnect_backoff_max);
                tracing::info!(%status, ?delay, "SMSC throttling, resubmitting later");
                q.delayed.push((Instant::now() + delay, job));
            } else {
                let _ = job.reply.send(Err(SubmitError::Rejected(status)));
            }
        }
        Pdu::GenericNack => {
            if let Some((job, _)) = inflight.remove(&seq) {
                let _ = job.reply.send(Err(SubmitError::Rejected(h.command_status)));
            }
        }
        Pdu::DeliverSm(sm) => {
            let status = match delivers.try_send(sm) {
                Ok(()) => CommandStatus::EsmeROk,
                Err(_) => CommandStatus::EsmeRxTAppn,
            };
            conn.send_status(&Pdu::DeliverSmResp(DeliverSmResp::default()), status, seq)
                .await?;
        }
        Pdu::EnquireLink => conn.send(&Pdu::EnquireLinkResp, seq).await?,
        Pdu::Unbind => {
            conn.send(&Pdu::UnbindResp, seq).await?;
            return Ok(Some(End::Lost("unbind from SMSC".into())));
        }
        Pdu::EnquireLinkResp | Pdu::UnbindResp | Pdu::DeliverSmResp(_) => {}
        other if h.is_response() => tracing::debug!(?other, "unexpected response"),
        _ => {
            conn.send_status(&Pdu::GenericNack, CommandStatus::EsmeRInvCmdId, seq)
                .await?
        }
    }
    Ok(None)
}

/// Sends unbind and waits (bounded) for unbind_resp (4.2).
async fn unbind(cfg: &EsmeConfig, conn: &mut Connection, seq: u32) {
    if conn.send(&Pdu::Unbind, seq).await.is_err() {
        return;
    }
    let wait = async {
        while let Ok(frame) = conn.read_frame().await {
            if let Ok((_, Pdu::UnbindResp)) = decode(&frame) {
                return;
            }
        }
    };
    let _ = timeout(cfg.response_timeout, wait).await;
}
