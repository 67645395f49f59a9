//! SMPP v3.4 section 4.4.1 submit_sm and 4.6.1 deliver_sm, which share one
//! body layout ([`SmBody`]), their responses (4.4.2, 4.6.2) and the field
//! values idgw uses for OTA (SIM data download) messages.

use super::wire::{put_cstr, Reader};
use super::{DecodeError, EncodeError};
use crate::tlv::{decode_tlvs, encode_tlvs, Tlv};

const SERVICE_TYPE_MAX: usize = 6;
const ADDR_MAX: usize = 21;
const TIME_MAX: usize = 17;
pub(super) const MESSAGE_ID_MAX: usize = 65;
/// 4.4.1: short_message holds at most 254 octets.
pub const SHORT_MESSAGE_MAX: usize = 254;

/// esm_class bits (5.2.12).
pub mod esm_class {
    /// Store and forward mode (bits 1-0 = 11).
    pub const STORE_AND_FORWARD: u8 = 0x03;
    /// deliver_sm: SMSC delivery receipt (bits 5-2 = 0001).
    pub const SMSC_DELIVERY_RECEIPT: u8 = 0x04;
    /// UDHI indicator (bit 6): short_message starts with a TS 23.040 UDH.
    pub const UDHI: u8 = 0x40;
    /// Reply path (bit 7).
    pub const REPLY_PATH: u8 = 0x80;
}

/// protocol_id values (5.2.13 refers to TS 23.040 section 9.2.3.9 TP-PID).
pub mod protocol_id {
    /// TP-PID 0x7F: (U)SIM data download (TS 23.040, TS 31.111).
    pub const SIM_DATA_DOWNLOAD: u8 = 0x7F;
}

/// data_coding values (5.2.19, TS 23.038 section 4).
pub mod data_coding {
    /// SMSC default alphabet.
    pub const DEFAULT: u8 = 0x00;
    /// 8-bit binary.
    pub const OCTET: u8 = 0x04;
    /// Class 2 (SIM specific), 8-bit data: the OTA data coding.
    pub const CLASS2_8BIT: u8 = 0xF6;
}

/// registered_delivery bits (5.2.17).
pub mod registered_delivery {
    /// No SMSC delivery receipt.
    pub const NONE: u8 = 0x00;
    /// Receipt on final outcome, success or failure.
    pub const ON_SUCCESS_OR_FAILURE: u8 = 0x01;
    /// Receipt on failure only.
    pub const ON_FAILURE: u8 = 0x02;
    /// Mask of the SMSC delivery receipt bits.
    pub const RECEIPT_MASK: u8 = 0x03;
}

/// Body of submit_sm (4.4.1) and deliver_sm (4.6.1).
///
/// In deliver_sm, schedule_delivery_time, validity_period,
/// replace_if_present_flag and sm_default_msg_id are unused (NULL / 0).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmBody {
    pub service_type: String,
    pub source_addr_ton: u8,
    pub source_addr_npi: u8,
    pub source_addr: String,
    pub dest_addr_ton: u8,
    pub dest_addr_npi: u8,
    pub destination_addr: String,
    pub esm_class: u8,
    pub protocol_id: u8,
    pub priority_flag: u8,
    pub schedule_delivery_time: String,
    pub validity_period: String,
    pub registered_delivery: u8,
    pub replace_if_present_flag: u8,
    pub data_coding: u8,
    pub sm_default_msg_id: u8,
    /// Up to 254 octets; `sm_length` on the wire.
    pub short_message: Vec<u8>,
    pub tlvs: Vec<Tlv>,
}

/// submit_sm body (4.4.1).
pub type SubmitSm = SmBody;
/// deliver_sm body (4.6.1).
pub type DeliverSm = SmBody;

impl SmBody {
    /// The message octets: the `message_payload` TLV if present (5.3.2.32),
    /// else `short_message`.
    pub fn payload(&self) -> &[u8] {
        crate::tlv::find(&self.tlvs, |t| match t {
            Tlv::MessagePayload(p) => Some(p.as_slice()),
            _ => None,
        })
        .unwrap_or(&self.short_message)
    }

    /// True when esm_class has the UDHI bit: the payload starts with a UDH.
    pub fn has_udh(&self) -> bool {
        self.esm_class & esm_class::UDHI != 0
    }

    pub(super) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut sm = SmBody {
            service_type: r.cstr("service_type", SERVICE_TYPE_MAX)?,
            source_addr_ton: r.u8("source_addr_ton")?,
            source_addr_npi: r.u8("source_addr_npi")?,
            source_addr: r.cstr("source_addr", ADDR_MAX)?,
            dest_addr_ton: r.u8("dest_addr_ton")?,
            dest_addr_npi: r.u8("dest_addr_npi")?,
            destination_addr: r.cstr("destination_addr", ADDR_MAX)?,
            esm_class: r.u8("esm_class")?,
            protocol_id: r.u8("protocol_id")?,
            priority_flag: r.u8("priority_flag")?,
            schedule_delivery_time: r.cstr("schedule_delivery_time", TIME_MAX)?,
            validity_period: r.cstr("validity_period", TIME_MAX)?,
            registered_delivery: r.u8("registered_delivery")?,
            replace_if_present_flag: r.u8("replace_if_present_flag")?,
            data_coding: r.u8("data_coding")?,
            sm_default_msg_id: r.u8("sm_default_msg_id")?,
            ..SmBody::default()
        };
        let sm_length = r.u8("sm_length")?;
        if sm_length as usize > SHORT_MESSAGE_MAX {
            return Err(DecodeError::InvalidSmLength(sm_length));
        }
        sm.short_message = r.octets(sm_length as usize, "short_message")?.to_vec();
        sm.tlvs = decode_tlvs(r)?;
        Ok(sm)
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.short_message.len() > SHORT_MESSAGE_MAX {
            return Err(EncodeError::ShortMessageTooLong(self.short_message.len()));
        }
        put_cstr(out, "service_type", &self.service_type, SERVICE_TYPE_MAX)?;
        out.extend_from_slice(&[self.source_addr_ton, self.source_addr_npi]);
        put_cstr(out, "source_addr", &self.source_addr, ADDR_MAX)?;
        out.extend_from_slice(&[self.dest_addr_ton, self.dest_addr_npi]);
        put_cstr(out, "destination_addr", &self.destination_addr, ADDR_MAX)?;
        out.extend_from_slice(&[self.esm_class, self.protocol_id, self.priority_flag]);
        put_cstr(
            out,
            "schedule_delivery_time",
            &self.schedule_delivery_time,
            TIME_MAX,
        )?;
        put_cstr(out, "validity_period", &self.validity_period, TIME_MAX)?;
        out.extend_from_slice(&[
            self.registered_delivery,
            self.replace_if_present_flag,
            self.data_coding,
            self.sm_default_msg_id,
            self.short_message.len() as u8,
        ]);
        out.extend_from_slice(&self.short_message);
        encode_tlvs(&self.tlvs, out)
    }
}

/// submit_sm_resp body (4.4.2): the SMSC's message_id (empty on error).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubmitSmResp {
    pub message_id: String,
}

/// deliver_sm_resp body (4.6.2): message_id, unused (NULL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeliverSmResp {
    pub message_id: String,
}
