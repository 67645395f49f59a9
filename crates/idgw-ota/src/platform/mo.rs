//! What arrives in deliver_sm (SMPP 3.4 section 4.6.1) and what the
//! platform does with it:
//!
//! - **Delivery receipts** (esm_class bits 5-2 `0001`, section 5.2.12;
//!   receipted_message_id / message_state TLVs or the Appendix B text): a
//!   final state other than DELIVRD (EXPIRED, UNDELIV, DELETED, REJECTD,
//!   UNKNOWN) is reported once per MT packet through
//!   [`MoSink::on_delivery_failure`].
//! - **OTA MO** (protocol_id 0x7F or a UDH with IEI 0x70 / 0x71, 3GPP
//!   TS 31.115 section 4): segments are reassembled; the card is found by
//!   the source MSISDN.
//!   - IEI 0x70, a Command Packet from the card (TS 31.115 section 4.2, the
//!     card as sending entity): it must carry a CC, be ciphered and use
//!     counter mode 10 or 11 (the platform checks "higher"), with the card's
//!     KIc / KID; its checksum must verify; then its counter must be accepted
//!     by [`super::CounterStore::accept_mo_counter`]. Then `(msisdn, TAR,
//!     secured data)` go to [`MoSink::on_mo`].
//!   - IEI 0x71, a Response Packet (PoR, TS 31.115 section 4.4, ETSI
//!     TS 102 225 section 5.2) to one of our packets: opened with the keys
//!     and SPI it answers; an error status is reported once. A secured PoR
//!     for a packet another platform node sent (the SMSC spreads MO over the
//!     binds) is matched by its CNTR against the newest MT counter issued to
//!     the card.
//!
//! Anything else (tampered, replayed, unknown sender, unmatched PoR) is
//! logged and dropped; the outcome is returned for tests and traces.

use idgw_smpp::pdu::{protocol_id, DeliverSm};
use idgw_smpp::receipt::{DeliveryReceipt, MessageState};
use idgw_smpp::tlv::{self, Tlv};
use idgw_smpp::tpdu::{iei, Udh, UserData};
use tokio::time::Instant;

use super::service::lock;
use super::{mt, tar_hex, CardRecord, MoSink, OtaPlatform, PlatformError, LANE};
use crate::{open_response, CommandPacket, CounterMode, Integrity, ResponseStatus, Tar};

/// What [`OtaPlatform::handle_deliver`] did with one deliver_sm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoOutcome {
    /// A delivery receipt with this state (`None`: unreadable).
    Receipt {
        /// The receipted message's final state.
        state: Option<MessageState>,
        /// Whether a failure went to the sink.
        failure_reported: bool,
    },
    /// One segment of a concatenated message; the rest is awaited.
    Partial,
    /// A card's Command Packet handed to [`MoSink::on_mo`].
    Delivered {
        /// Its TAR.
        tar: Tar,
        /// Its (accepted) counter.
        cntr: u64,
    },
    /// A Proof of Receipt.
    Por {
        /// Its Response Status Code.
        status: ResponseStatus,
        /// Whether a failure went to the sink.
        failure_reported: bool,
    },
    /// Dropped, and why.
    Dropped(DropReason),
}

/// Why a deliver_sm was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Not a receipt and not an OTA message (ordinary SMS to the short code).
    NotOta,
    /// The UDH, segments or packet structure cannot be read.
    Malformed(String),
    /// No card for the source MSISDN.
    UnknownSubscriber,
    /// The packet's SPI is below the minimum (CC, ciphered, counter higher).
    InsufficientSecurity,
    /// Wrong KIc/KID, checksum or ciphering: not from the card.
    Tampered(String),
    /// A counter not higher than the last accepted one.
    Replayed(u64),
    /// A PoR that answers no packet we remember (stale or replayed).
    UnmatchedPor,
    /// The card directory or counter store failed.
    Store(PlatformError),
}

impl OtaPlatform {
    /// Handles one deliver_sm at time `now`; logs what it dropped.
    pub async fn handle_deliver(
        &self,
        sm: DeliverSm,
        sink: &dyn MoSink,
        now: Instant,
    ) -> MoOutcome {
        let from = sm.source_addr.clone();
        let outcome = if (sm.esm_class >> 2) & 0x0F == 0b0001 {
            self.receipt(&sm, sink).await
        } else {
            self.ota_mo(&sm, sink, now).await
        };
        match &outcome {
            MoOutcome::Dropped(reason) => {
                tracing::warn!(msisdn = %from, ?reason, "deliver_sm dropped")
            }
            other => tracing::debug!(msisdn = %from, outcome = ?other, "deliver_sm handled"),
        }
        self.trace_outcome(&from, &outcome);
        outcome
    }

    /// Reports what a deliver_sm came to (a verified Command Packet is reported where it is
    /// handed on, before the application acts on it).
    fn trace_outcome(&self, msisdn: &str, outcome: &MoOutcome) {
        let trace = &self.config.trace;
        match outcome {
            MoOutcome::Receipt { state, .. } => trace.step(
                msisdn,
                LANE,
                "delivery receipt",
                state.map_or("unreadable", |s| s.stat()),
                None,
            ),
            MoOutcome::Partial => trace.step(
                msisdn,
                LANE,
                "deliver_sm MO segment",
                "waiting for the rest",
                None,
            ),
            MoOutcome::Delivered { .. } => {}
            MoOutcome::Por { status, .. } => trace.step(
                msisdn,
                LANE,
                "PoR",
                &format!("{status:?}"),
                Some(format!("status {:#04x}", status.to_byte())),
            ),
            MoOutcome::Dropped(reason) => trace.step(
                msisdn,
                LANE,
                "deliver_sm MO dropped",
                &format!("{reason:?}"),
                None,
            ),
        }
    }

    async fn receipt(&self, sm: &DeliverSm, sink: &dyn MoSink) -> MoOutcome {
        let text = DeliveryReceipt::parse(&String::from_utf8_lossy(sm.payload())).ok();
        let id = tlv::find(&sm.tlvs, |t| match t {
            Tlv::ReceiptedMessageId(id) => Some(id.clone()),
            _ => None,
        })
        .or_else(|| text.as_ref().map(|r| r.id.clone()));
        let state = tlv::find(&sm.tlvs, |t| match t {
            Tlv::MessageState(s) => MessageState::from_u8(*s),
            _ => None,
        })
        .or_else(|| text.as_ref().map(|r| r.stat));
        let msisdn = sm.source_addr.as_str();
        let failed = match state {
            None => {
                tracing::warn!(%msisdn, "unreadable delivery receipt");
                false
            }
            Some(s) => !matches!(
                s,
                MessageState::Delivered | MessageState::Enroute | MessageState::Accepted
            ),
        };
        tracing::info!(%msisdn, message_id = ?id, ?state, "delivery receipt");
        if !failed {
            return MoOutcome::Receipt {
                state,
                failure_reported: false,
            };
        }
        let stat = state.map_or("UNKNOWN", MessageState::stat);
        let id = id.unwrap_or_default();
        let reason = {
            let mut sent = lock(&self.sent);
            match sent.by_message_id(&id) {
                Some(e) if e.failed => None,
                Some(e) => {
                    e.failed = true;
                    Some(format!("{stat}: message {id} (reference {})", e.reference))
                }
                None => Some(format!("{stat}: message {id}")),
            }
        };
        let failure_reported = reason.is_some();
        if let Some(reason) = reason {
            sink.on_delivery_failure(msisdn, reason).await;
        }
        MoOutcome::Receipt {
            state,
            failure_reported,
        }
    }

    async fn ota_mo(&self, sm: &DeliverSm, sink: &dyn MoSink, now: Instant) -> MoOutcome {
        let ud = match user_data(sm) {
            Ok(ud) => ud,
            Err(e) => return MoOutcome::Dropped(DropReason::Malformed(e)),
        };
        let marked = ud
            .header
            .as_ref()
            .is_some_and(|h| h.has(iei::COMMAND_PACKET) || h.has(iei::RESPONSE_PACKET));
        if sm.protocol_id != protocol_id::SIM_DATA_DOWNLOAD && !marked {
            return MoOutcome::Dropped(DropReason::NotOta);
        }
        let msisdn = sm.source_addr.as_str();
        let whole = match lock(&self.partial).push(msisdn, ud, now) {
            Ok(Some(whole)) => whole,
            Ok(None) => return MoOutcome::Partial,
            Err(e) => return MoOutcome::Dropped(DropReason::Malformed(e)),
        };
        let header = whole.header.unwrap_or_default();
        let command = header.has(iei::COMMAND_PACKET);
        if !command && !header.has(iei::RESPONSE_PACKET) {
            return MoOutcome::Dropped(DropReason::NotOta);
        }
        let card = match self.cards.card(msisdn).await {
            Ok(Some(c)) => c,
            Ok(None) => return MoOutcome::Dropped(DropReason::UnknownSubscriber),
            Err(e) => return MoOutcome::Dropped(DropReason::Store(e)),
        };
        if command {
            self.command_from_card(&card, &whole.data, sink).await
        } else {
            self.por(&card, &whole.data, sink).await
        }
    }

    async fn command_from_card(
        &self,
        card: &CardRecord,
        bytes: &[u8],
        sink: &dyn MoSink,
    ) -> MoOutcome {
        let packet = match CommandPacket::parse(bytes) {
            Ok(p) => p,
            Err(e) => return MoOutcome::Dropped(DropReason::Malformed(e.to_string())),
        };
        let spi = packet.spi;
        let counter_ok = matches!(
            spi.counter,
            CounterMode::MustBeHigher | CounterMode::MustBeNext
        );
        if spi.integrity != Integrity::Cc || !spi.ciphered || !counter_ok {
            return MoOutcome::Dropped(DropReason::InsufficientSecurity);
        }
        if packet.kic != card.algorithm.kic(card.kvn) || packet.kid != card.algorithm.kid(card.kvn)
        {
            return MoOutcome::Dropped(DropReason::Tampered(format!(
                "KIc/KID {:02X}/{:02X} are not the card's",
                packet.kic.0, packet.kid.0
            )));
        }
        let keys = card.key_set();
        // The counter is checked against the store below, after the
        // checksum: only an authentic packet may move it.
        let opened = match packet.open(
            |kvn| (kvn == card.kvn).then_some(&keys),
            |_| Default::default(),
        ) {
            Ok(o) => o,
            Err(f) => return MoOutcome::Dropped(DropReason::Tampered(f.error.to_string())),
        };
        let cntr = opened.cntr.value();
        match self
            .counters
            .accept_mo_counter(&card.iccid, card.kvn, cntr)
            .await
        {
            Ok(true) => {}
            Ok(false) => return MoOutcome::Dropped(DropReason::Replayed(cntr)),
            Err(e) => return MoOutcome::Dropped(DropReason::Store(e)),
        }
        tracing::info!(msisdn = %card.msisdn, tar = ?opened.tar, cntr, "command packet from the card");
        let trace = &self.config.trace;
        trace.step(
            &card.msisdn,
            LANE,
            "response verified",
            "ok",
            Some(format!(
                "CNTR {cntr}, TAR {}, CC and ciphering OK",
                tar_hex(opened.tar)
            )),
        );
        trace.message(
            &card.msisdn,
            LANE,
            "MSSP",
            "Signed(Response)",
            "sent",
            Some(format!(
                "{} octets to TAR {}",
                opened.data.len(),
                tar_hex(opened.tar)
            )),
        );
        sink.on_mo(&card.msisdn, opened.tar, opened.data).await;
        MoOutcome::Delivered {
            tar: opened.tar,
            cntr,
        }
    }

    async fn por(&self, card: &CardRecord, bytes: &[u8], sink: &dyn MoSink) -> MoOutcome {
        let opened = match open_response(bytes, &mt::security_params(card), &card.key_set()) {
            Ok(o) => o,
            Err(e) => return MoOutcome::Dropped(DropReason::Tampered(e.to_string())),
        };
        let status = opened.status;
        let msisdn = card.msisdn.as_str();
        if status == ResponseStatus::PorOk {
            tracing::info!(%msisdn, cntr = opened.cntr.value(), "PoR OK");
            return MoOutcome::Por {
                status,
                failure_reported: false,
            };
        }
        let cntr = opened.secured.then_some(opened.cntr.value());
        let what = format!(
            "PoR status {:#04x} ({status:?}){}",
            status.to_byte(),
            if opened.secured { "" } else { ", unsecured" }
        );
        let local = {
            let mut sent = lock(&self.sent);
            match sent.by_por(msisdn, cntr) {
                None => None,
                Some(e) if e.failed => Some(None),
                Some(e) => {
                    e.failed = true;
                    Some(Some(format!("{what}: reference {}", e.reference)))
                }
            }
        };
        let reason = match (local, cntr) {
            (Some(reason), _) => reason,
            // Sent by another node of the platform: an authentic PoR naming the newest
            // packet to the card answers it; older counters are stale or replayed.
            (None, Some(c)) => match self.counters.last_mt_counter(&card.iccid, card.kvn).await {
                Ok(last) if last == c => Some(format!("{what}: CNTR {c}, sent by another node")),
                Ok(_) => return MoOutcome::Dropped(DropReason::UnmatchedPor),
                Err(e) => return MoOutcome::Dropped(DropReason::Store(e)),
            },
            (None, None) => return MoOutcome::Dropped(DropReason::UnmatchedPor),
        };
        let failure_reported = reason.is_some();
        if let Some(reason) = reason {
            tracing::warn!(%msisdn, %reason, "card refused a command packet");
            sink.on_delivery_failure(msisdn, reason).await;
        }
        MoOutcome::Por {
            status,
            failure_reported,
        }
    }
}

/// The TS 23.040 TP-UD of a deliver_sm: UDH (when esm_class has UDHI) and data.
fn user_data(sm: &DeliverSm) -> Result<UserData, String> {
    let payload = sm.payload();
    if !sm.has_udh() {
        return Ok(UserData {
            header: None,
            data: payload.to_vec(),
        });
    }
    let (&udhl, rest) = payload.split_first().ok_or("empty message with UDHI")?;
    let ies = rest
        .get(..usize::from(udhl))
        .ok_or("UDH longer than the message")?;
    let header = Udh::decode_ies(ies).map_err(|e| e.to_string())?;
    Ok(UserData {
        header: Some(header),
        data: rest[usize::from(udhl)..].to_vec(),
    })
}
