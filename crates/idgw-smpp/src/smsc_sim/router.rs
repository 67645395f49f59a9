//! The simulator's routing state: bound sessions, MT submit_sm converted to
//! SMS-DELIVER (TS 23.040 9.2.2.1) and delivered or stored until their
//! validity expires (SMPP v3.4 7.1.1), delivery receipts (Appendix B,
//! esm_class 0x04, 5.2.12), and MO SMS-SUBMIT (9.2.2.2) turned into deliver_sm.
//! Time is passed in (`now_unix` for receipt dates, `now` for expiry).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{HandsetLink, SmscConfig};
use crate::pdu::{esm_class, registered_delivery, DeliverSm, SubmitSm};
use crate::receipt::{DeliveryReceipt, MessageState};
use crate::status::CommandStatus;
use crate::time::{validity_secs, DateTime};
use crate::tlv::Tlv;
use crate::tpdu::{
    split_8bit, Address, Alphabet, Scts, SmsDeliver, SmsSubmit, Udh, UserData, MAX_UD_OCTETS,
};

/// This component's lane in `idgw trace`.
const LANE: &str = "SMSC";

/// A bound session as the router sees it.
pub(crate) struct SessionEntry {
    pub(crate) system_id: String,
    pub(crate) address_range: String,
    pub(crate) short_codes: Vec<String>,
    pub(crate) receives: bool,
    pub(crate) tx: mpsc::UnboundedSender<DeliverSm>,
}

/// What a receipt needs to know about its submit_sm.
struct Origin {
    session: u64,
    system_id: String,
    sm: SubmitSm,
    submit_date: String,
}

struct PendingMt {
    message_id: String,
    msisdn: String,
    tpdus: Vec<Vec<u8>>,
    expires_at: Instant,
    origin: Origin,
}

#[derive(Default)]
struct State {
    sessions: HashMap<u64, SessionEntry>,
    pending: Vec<PendingMt>,
    mo_pending: Vec<(Instant, DeliverSm)>,
    next_message_id: u64,
    next_session: u64,
    /// Turns of the MO round robin so far.
    mo_turn: usize,
}

/// State shared by all simulator sessions.
pub struct Shared {
    pub(crate) config: SmscConfig,
    link: Arc<dyn HandsetLink>,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(config: SmscConfig, link: Arc<dyn HandsetLink>) -> Self {
        Shared {
            config,
            link,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks a bind against the accounts (ESME_RBINDFAIL for an unknown
    /// system_id, ESME_RINVPASWD for a wrong password).
    pub(crate) fn authenticate(
        &self,
        system_id: &str,
        password: &str,
    ) -> Result<Vec<String>, CommandStatus> {
        let account = self
            .config
            .accounts
            .iter()
            .find(|a| a.system_id == system_id)
            .ok_or(CommandStatus::EsmeRBindFail)?;
        if account.password != password {
            return Err(CommandStatus::EsmeRInvPaswd);
        }
        Ok(account.short_codes.clone())
    }

    pub(crate) fn register(&self, entry: SessionEntry, now: Instant) -> u64 {
        let mut st = self.lock();
        st.next_session += 1;
        let id = st.next_session;
        st.sessions.insert(id, entry);
        drop(st);
        self.flush_mo(now);
        id
    }

    pub(crate) fn unregister(&self, id: u64) {
        self.lock().sessions.remove(&id);
    }

    /// Accepts an MT submit_sm: returns its message_id, or the error status.
    pub(crate) fn submit(
        &self,
        session: u64,
        system_id: &str,
        sm: &SubmitSm,
        now_unix: i64,
        now: Instant,
    ) -> Result<String, CommandStatus> {
        let trace = &self.config.trace;
        let msisdn = sm.destination_addr.as_str();
        let tpdus = to_sms_deliver(sm, now_unix).inspect_err(|status| {
            trace.step(
                msisdn,
                LANE,
                "submit_sm rejected",
                &format!("{status:?}"),
                None,
            );
        })?;
        let validity = validity_secs(&sm.validity_period, now_unix)
            .map(|s| std::time::Duration::from_secs(s as u64))
            .unwrap_or(self.config.default_validity);
        let message_id = {
            let mut st = self.lock();
            st.next_message_id += 1;
            format!("{:08X}", st.next_message_id)
        };
        trace.step(
            msisdn,
            LANE,
            "submit_sm accepted",
            "ESME_ROK",
            Some(format!(
                "message_id {message_id}, {} SMS-DELIVER",
                tpdus.len()
            )),
        );
        let mut p = PendingMt {
            message_id: message_id.clone(),
            msisdn: sm.destination_addr.clone(),
            tpdus,
            expires_at: now + validity,
            origin: Origin {
                session,
                system_id: system_id.to_owned(),
                sm: sm.clone(),
                submit_date: DateTime::from_unix(now_unix).receipt_format(),
            },
        };
        if self.try_deliver(&mut p) {
            self.receipt(&p, MessageState::Delivered, now_unix);
        } else {
            tracing::info!(msisdn = %p.msisdn, %message_id, "handset unreachable, stored");
            trace.step(
                &p.msisdn,
                LANE,
                "stored (unreachable)",
                "retrying",
                Some(format!("message_id {message_id}")),
            );
            self.lock().pending.push(p);
        }
        Ok(message_id)
    }

    /// Sends the remaining segments; true when all went through.
    fn try_deliver(&self, p: &mut PendingMt) -> bool {
        while let Some(tpdu) = p.tpdus.first() {
            // Reported before the radio hop: the handset acts on it before `deliver` returns.
            self.config.trace.message(
                &p.msisdn,
                LANE,
                "SIM",
                "SMS-DELIVER to handset",
                "paging",
                Some(format!(
                    "message_id {}, {} octets",
                    p.message_id,
                    tpdu.len()
                )),
            );
            if self.link.deliver(&p.msisdn, tpdu.clone()).is_err() {
                return false;
            }
            p.tpdus.remove(0);
        }
        true
    }

    /// Retries stored messages and expires old ones.
    pub(crate) fn tick(&self, now_unix: i64, now: Instant) {
        let pending = std::mem::take(&mut self.lock().pending);
        let mut keep = Vec::new();
        for mut p in pending {
            if now >= p.expires_at {
                tracing::info!(message_id = %p.message_id, "validity period expired");
                self.config.trace.step(
                    &p.msisdn,
                    LANE,
                    "validity period expired",
                    "EXPIRED",
                    Some(format!("message_id {}", p.message_id)),
                );
                self.receipt(&p, MessageState::Expired, now_unix);
            } else if self.try_deliver(&mut p) {
                self.receipt(&p, MessageState::Delivered, now_unix);
            } else {
                keep.push(p);
            }
        }
        self.lock().pending.extend(keep);
        self.flush_mo(now);
    }

    /// Sends a receipt if registered_delivery asks for one (5.2.17).
    fn receipt(&self, p: &PendingMt, state: MessageState, now_unix: i64) {
        let wanted = match p.origin.sm.registered_delivery & registered_delivery::RECEIPT_MASK {
            registered_delivery::ON_SUCCESS_OR_FAILURE => true,
            registered_delivery::ON_FAILURE => state != MessageState::Delivered,
            _ => false,
        };
        if !wanted {
            return;
        }
        let sm = &p.origin.sm;
        let text = if Alphabet::from_dcs(sm.data_coding) == Alphabet::Gsm7 && !sm.has_udh() {
            sm.payload()
                .iter()
                .take(20)
                .map(|b| char::from(b & 0x7F))
                .collect()
        } else {
            String::new()
        };
        let r = DeliveryReceipt {
            id: p.message_id.clone(),
            sub: 1,
            dlvrd: u32::from(state == MessageState::Delivered),
            submit_date: p.origin.submit_date.clone(),
            done_date: DateTime::from_unix(now_unix).receipt_format(),
            stat: state,
            err: "000".into(),
            text,
        };
        let deliver = DeliverSm {
            source_addr_ton: sm.dest_addr_ton,
            source_addr_npi: sm.dest_addr_npi,
            source_addr: sm.destination_addr.clone(),
            dest_addr_ton: sm.source_addr_ton,
            dest_addr_npi: sm.source_addr_npi,
            destination_addr: sm.source_addr.clone(),
            esm_class: esm_class::SMSC_DELIVERY_RECEIPT,
            short_message: r.to_text().into_bytes(),
            tlvs: vec![
                Tlv::ReceiptedMessageId(p.message_id.clone()),
                Tlv::MessageState(state as u8),
            ],
            ..DeliverSm::default()
        };
        let st = self.lock();
        let target = st
            .sessions
            .get(&p.origin.session)
            .filter(|s| s.receives)
            .or_else(|| {
                st.sessions
                    .values()
                    .find(|s| s.receives && s.system_id == p.origin.system_id)
            });
        let trace = &self.config.trace;
        let detail = Some(format!("message_id {}", p.message_id));
        match target {
            Some(s) => {
                trace.message(
                    &p.msisdn,
                    LANE,
                    "OTA",
                    "deliver_sm receipt",
                    state.stat(),
                    detail,
                );
                let _ = s.tx.send(deliver);
            }
            None => {
                tracing::info!(message_id = %p.message_id, "receipt dropped: ESME not bound");
                trace.step(&p.msisdn, LANE, "receipt dropped", "ESME not bound", detail);
            }
        }
    }

    /// An MO SMS-SUBMIT from a handset becomes deliver_sm to the ESME bound
    /// for its destination short code (stored while none is bound).
    pub(crate) fn mo(&self, msisdn: &str, sms_submit: &[u8], now: Instant) {
        let submit = match SmsSubmit::decode(sms_submit) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(%msisdn, error = %e, "undecodable MO SMS-SUBMIT dropped");
                self.config.trace.step(
                    msisdn,
                    LANE,
                    "MO dropped",
                    "undecodable",
                    Some(e.to_string()),
                );
                return;
            }
        };
        let mut short_message = match &submit.user_data.header {
            Some(h) => h.encode().unwrap_or_default(),
            None => Vec::new(),
        };
        short_message.extend_from_slice(&submit.user_data.data);
        let deliver = DeliverSm {
            source_addr_ton: crate::tpdu::TON_INTERNATIONAL,
            source_addr_npi: crate::tpdu::NPI_ISDN,
            source_addr: msisdn.to_owned(),
            dest_addr_ton: submit.tp_da.ton,
            dest_addr_npi: submit.tp_da.npi,
            destination_addr: submit.tp_da.digits.clone(),
            esm_class: if submit.user_data.header.is_some() {
                esm_class::UDHI
            } else {
                0
            },
            protocol_id: submit.tp_pid,
            data_coding: submit.tp_dcs,
            short_message,
            ..DeliverSm::default()
        };
        self.lock()
            .mo_pending
            .push((now + self.config.default_validity, deliver));
        self.flush_mo(now);
    }

    /// A deliver_sm the ESME did not take (`why`): kept to be delivered again when the
    /// next MO arrives, a bind registers or the retry timer ticks, within its validity.
    pub(crate) fn redeliver(&self, deliver: DeliverSm, why: &str) {
        tracing::info!(to = %deliver.destination_addr, from = %deliver.source_addr, why, "deliver_sm to be delivered again");
        let expires = Instant::now() + self.config.default_validity;
        self.lock().mo_pending.push((expires, deliver));
    }

    fn flush_mo(&self, now: Instant) {
        let mut st = self.lock();
        let pending = std::mem::take(&mut st.mo_pending);
        for (expires, d) in pending {
            if now >= expires {
                tracing::info!(to = %d.destination_addr, "MO expired undelivered");
                continue;
            }
            let target = mo_target(&st.sessions, &d.destination_addr, st.mo_turn);
            st.mo_turn = st.mo_turn.wrapping_add(1);
            let target = target.and_then(|id| st.sessions.get(&id));
            match target {
                Some(s) => {
                    self.config.trace.message(
                        &d.source_addr,
                        LANE,
                        "OTA",
                        "deliver_sm MO to ESME",
                        "sent",
                        Some(format!(
                            "to {}, {} octets",
                            d.destination_addr,
                            d.short_message.len()
                        )),
                    );
                    let _ = s.tx.send(d);
                }
                None => st.mo_pending.push((expires, d)),
            }
        }
    }
}

/// The session that gets the next MO for `short_code`: the receiving binds that claim it (its
/// account's short code or their address_range), else every receiving bind, taken in turn, as
/// an SMSC spreads traffic over an account's binds (round robin).
fn mo_target(sessions: &HashMap<u64, SessionEntry>, short_code: &str, turn: usize) -> Option<u64> {
    let mut receivers: Vec<(u64, bool)> = sessions
        .iter()
        .filter(|(_, s)| s.receives)
        .map(|(id, s)| {
            let claims =
                s.short_codes.iter().any(|c| c == short_code) || s.address_range == short_code;
            (*id, claims)
        })
        .collect();
    if receivers.iter().any(|(_, claims)| *claims) {
        receivers.retain(|(_, claims)| *claims);
    }
    receivers.sort_unstable();
    (!receivers.is_empty()).then(|| receivers[turn % receivers.len()].0)
}

/// submit_sm -> SMS-DELIVER TPDUs (several when an 8-bit payload exceeds 140 octets).
fn to_sms_deliver(sm: &SubmitSm, now_unix: i64) -> Result<Vec<Vec<u8>>, CommandStatus> {
    if sm.destination_addr.is_empty() || !sm.destination_addr.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandStatus::EsmeRInvDstAdr);
    }
    let payload = sm.payload();
    let (header, data) = if sm.has_udh() {
        let (&udhl, rest) = payload
            .split_first()
            .ok_or(CommandStatus::EsmeRInvEsmClass)?;
        let ies = rest
            .get(..udhl as usize)
            .ok_or(CommandStatus::EsmeRInvEsmClass)?;
        let udh = Udh::decode_ies(ies).map_err(|_| CommandStatus::EsmeRInvEsmClass)?;
        (Some(udh), &rest[udhl as usize..])
    } else {
        (None, payload)
    };
    let gsm7 = Alphabet::from_dcs(sm.data_coding) == Alphabet::Gsm7;
    let segments = if gsm7 {
        let data = data.iter().map(|b| b & 0x7F).collect();
        vec![UserData { header, data }]
    } else {
        let hdr_len = header
            .as_ref()
            .map_or(0, |h| h.encode().map_or(usize::MAX, |b| b.len()));
        if hdr_len.saturating_add(data.len()) <= MAX_UD_OCTETS {
            vec![UserData {
                header,
                data: data.to_vec(),
            }]
        } else {
            let first_ies = header.map(|h| h.ies).unwrap_or_default();
            let reference = (now_unix & 0xFF) as u8;
            split_8bit(data, &first_ies, reference).map_err(|_| CommandStatus::EsmeRInvMsgLen)?
        }
    };
    segments
        .into_iter()
        .map(|user_data| {
            SmsDeliver {
                tp_mms: true,
                tp_oa: Address {
                    ton: sm.source_addr_ton & 0x07,
                    npi: sm.source_addr_npi & 0x0F,
                    digits: sm.source_addr.clone(),
                },
                tp_pid: sm.protocol_id,
                tp_dcs: sm.data_coding,
                tp_scts: Scts::from_unix(now_unix),
                user_data,
                ..SmsDeliver::default()
            }
            .encode()
            .map_err(|e| match e {
                crate::tpdu::TpduError::InvalidAddress => CommandStatus::EsmeRInvSrcAdr,
                _ => CommandStatus::EsmeRInvMsgLen,
            })
        })
        .collect()
}
