//! One SMPP connection to the simulator (SMPP v3.4 section 2.3 session
//! states): bind (4.1), submit_sm (4.4), enquire_link (4.11), unbind (4.2),
//! deliver_sm out (4.6); malformed PDUs get generic_nack (4.3) and the
//! session carries on. A deliver_sm the ESME refuses for now (ESME_RX_T_APPN,
//! its queue is full; ESME_RTHROTTLED, ESME_RMSGQFUL) or leaves unanswered
//! when its connection ends goes back to the router to be delivered again, on
//! this bind or another of the account, as an SMSC retries.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::router::SessionEntry;
use super::{unix_now, Shared};
use crate::conn::{ConnError, Connection, SequenceNumbers};
use crate::pdu::{decode, Bind, BindResp, DeliverSm, Header, Pdu, SubmitSmResp};
use crate::status::CommandStatus;

/// Session state: open (not bound) or bound with its router id.
struct Bound {
    id: u64,
    system_id: String,
    transmits: bool,
}

/// Serves one connection until it closes, unbinds or the simulator stops.
pub(crate) async fn serve(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let peer = stream.peer_addr().ok();
    let mut conn = Connection::new(stream);
    let (tx, mut out) = mpsc::unbounded_channel();
    let mut bound: Option<Bound> = None;
    let mut seq = SequenceNumbers::default();
    // deliver_sm sent and not yet answered, by sequence_number.
    let mut unacked: HashMap<u32, DeliverSm> = HashMap::new();
    let result: Result<(), ConnError> = async {
        loop {
            tokio::select! {
                _ = stop.changed() => {
                    if bound.is_some() {
                        conn.send(&Pdu::Unbind, seq.allocate()).await?;
                    }
                    return Ok(());
                }
                frame = conn.read_frame() => {
                    let frame = match frame {
                        Err(ConnError::Frame(e)) => {
                            // command_length unusable: nack and close, we cannot resynchronise.
                            conn.send_status(&Pdu::GenericNack, e.command_status(), 0).await?;
                            return Err(ConnError::Frame(e));
                        }
                        other => other?,
                    };
                    if !handle(&mut conn, &frame, &shared, &mut bound, &tx, &mut unacked).await? {
                        return Ok(());
                    }
                }
                Some(deliver) = out.recv() => {
                    let n = seq.allocate();
                    conn.send(&Pdu::DeliverSm(deliver.clone()), n).await?;
                    unacked.insert(n, deliver);
                }
            }
        }
    }
    .await;
    if let Some(b) = bound {
        shared.unregister(b.id);
    }
    for deliver in unacked.into_values() {
        shared.redeliver(deliver, "connection ended before deliver_sm_resp");
    }
    if let Err(e) = result {
        tracing::debug!(?peer, error = %e, "SMSC simulator session ended");
    }
}

/// Handles one frame; false ends the session (after unbind).
async fn handle(
    conn: &mut Connection,
    frame: &[u8],
    shared: &Shared,
    bound: &mut Option<Bound>,
    tx: &mpsc::UnboundedSender<DeliverSm>,
    unacked: &mut HashMap<u32, DeliverSm>,
) -> Result<bool, ConnError> {
    let (h, pdu) = match decode(frame) {
        Ok(x) => x,
        Err(e) => {
            let h = Header::peek(frame);
            if !h.is_some_and(|h| h.is_response()) {
                let seq = h.map_or(0, |h| h.sequence_number);
                conn.send_status(&Pdu::GenericNack, e.command_status(), seq)
                    .await?;
            }
            return Ok(true);
        }
    };
    let seq = h.sequence_number;
    match pdu {
        Pdu::BindTransmitter(b) => bind(conn, shared, bound, tx, b, seq, Kind::Tx).await?,
        Pdu::BindReceiver(b) => bind(conn, shared, bound, tx, b, seq, Kind::Rx).await?,
        Pdu::BindTransceiver(b) => bind(conn, shared, bound, tx, b, seq, Kind::Trx).await?,
        Pdu::SubmitSm(sm) => {
            let result = match bound {
                Some(b) if b.transmits => {
                    shared.submit(b.id, &b.system_id, &sm, unix_now(), Instant::now())
                }
                _ => Err(CommandStatus::EsmeRInvBndSts),
            };
            let (status, message_id) = match result {
                Ok(id) => (CommandStatus::EsmeROk, id),
                Err(s) => (s, String::new()),
            };
            conn.send_status(&Pdu::SubmitSmResp(SubmitSmResp { message_id }), status, seq)
                .await?;
        }
        Pdu::EnquireLink => conn.send(&Pdu::EnquireLinkResp, seq).await?,
        Pdu::Unbind => {
            conn.send(&Pdu::UnbindResp, seq).await?;
            return Ok(false);
        }
        Pdu::DeliverSmResp(_) => {
            let status = h.command_status;
            let retry = status == CommandStatus::EsmeRxTAppn || status.is_transient();
            if let Some(deliver) = unacked.remove(&seq).filter(|_| retry) {
                shared.redeliver(deliver, status.name());
            }
        }
        Pdu::EnquireLinkResp | Pdu::GenericNack | Pdu::UnbindResp => {}
        _ if h.is_response() => {}
        _ => {
            conn.send_status(&Pdu::GenericNack, CommandStatus::EsmeRInvCmdId, seq)
                .await?
        }
    }
    Ok(true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tx,
    Rx,
    Trx,
}

async fn bind(
    conn: &mut Connection,
    shared: &Shared,
    bound: &mut Option<Bound>,
    tx: &mpsc::UnboundedSender<crate::pdu::DeliverSm>,
    b: Bind,
    seq: u32,
    kind: Kind,
) -> Result<(), ConnError> {
    let resp = BindResp {
        system_id: "idgw-smsc".into(),
        tlvs: Vec::new(),
    };
    let pdu = match kind {
        Kind::Tx => Pdu::BindTransmitterResp(resp),
        Kind::Rx => Pdu::BindReceiverResp(resp),
        Kind::Trx => Pdu::BindTransceiverResp(resp),
    };
    let status = if bound.is_some() {
        Err(CommandStatus::EsmeRAlyBnd)
    } else {
        shared.authenticate(&b.system_id, &b.password)
    };
    match status {
        Ok(short_codes) => {
            let entry = SessionEntry {
                system_id: b.system_id.clone(),
                address_range: b.address_range.clone(),
                short_codes,
                receives: kind != Kind::Tx,
                tx: tx.clone(),
            };
            // Answer first, so a stored MO never precedes the bind_resp.
            conn.send(&pdu, seq).await?;
            let id = shared.register(entry, Instant::now());
            tracing::info!(system_id = %b.system_id, "ESME bound to SMSC simulator");
            *bound = Some(Bound {
                id,
                system_id: b.system_id,
                transmits: kind != Kind::Rx,
            });
        }
        Err(status) => {
            tracing::warn!(system_id = %b.system_id, %status, "bind refused");
            conn.send_status(&pdu, status, seq).await?;
        }
    }
    Ok(())
}
