//! SMPP v3.4 PDUs (section 4) as plain data, with pure `encode` / `decode`.
//!
//! `decode` takes exactly one frame (use [`frame_len`] to cut it out of a
//! stream); `encode` produces one. Errors say which command_status the peer
//! should be answered with ([`DecodeError::command_status`]).

mod bind;
mod header;
mod submit;
pub(crate) mod wire;

pub use bind::{Bind, BindResp, Outbind};
pub use header::{command_id, frame_len, Header, HEADER_LEN, MAX_PDU_LEN};
pub use submit::{
    data_coding, esm_class, protocol_id, registered_delivery, DeliverSm, DeliverSmResp, SmBody,
    SubmitSm, SubmitSmResp,
};

use crate::status::CommandStatus;
use wire::Reader;

/// One SMPP PDU body, tagged by command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdu {
    /// 4.1.3 bind_receiver
    BindReceiver(Bind),
    /// 4.1.4 bind_receiver_resp
    BindReceiverResp(BindResp),
    /// 4.1.1 bind_transmitter
    BindTransmitter(Bind),
    /// 4.1.2 bind_transmitter_resp
    BindTransmitterResp(BindResp),
    /// 4.1.5 bind_transceiver
    BindTransceiver(Bind),
    /// 4.1.6 bind_transceiver_resp
    BindTransceiverResp(BindResp),
    /// 4.1.7 outbind
    Outbind(Outbind),
    /// 4.4.1 submit_sm
    SubmitSm(SubmitSm),
    /// 4.4.2 submit_sm_resp
    SubmitSmResp(SubmitSmResp),
    /// 4.6.1 deliver_sm
    DeliverSm(DeliverSm),
    /// 4.6.2 deliver_sm_resp
    DeliverSmResp(DeliverSmResp),
    /// 4.2.1 unbind
    Unbind,
    /// 4.2.2 unbind_resp
    UnbindResp,
    /// 4.11.1 enquire_link
    EnquireLink,
    /// 4.11.2 enquire_link_resp
    EnquireLinkResp,
    /// 4.3.1 generic_nack
    GenericNack,
}

impl Pdu {
    /// The command_id of this PDU (section 5.1.2.1).
    pub fn command_id(&self) -> u32 {
        use command_id::*;
        match self {
            Pdu::BindReceiver(_) => BIND_RECEIVER,
            Pdu::BindReceiverResp(_) => BIND_RECEIVER_RESP,
            Pdu::BindTransmitter(_) => BIND_TRANSMITTER,
            Pdu::BindTransmitterResp(_) => BIND_TRANSMITTER_RESP,
            Pdu::BindTransceiver(_) => BIND_TRANSCEIVER,
            Pdu::BindTransceiverResp(_) => BIND_TRANSCEIVER_RESP,
            Pdu::Outbind(_) => OUTBIND,
            Pdu::SubmitSm(_) => SUBMIT_SM,
            Pdu::SubmitSmResp(_) => SUBMIT_SM_RESP,
            Pdu::DeliverSm(_) => DELIVER_SM,
            Pdu::DeliverSmResp(_) => DELIVER_SM_RESP,
            Pdu::Unbind => UNBIND,
            Pdu::UnbindResp => UNBIND_RESP,
            Pdu::EnquireLink => ENQUIRE_LINK,
            Pdu::EnquireLinkResp => ENQUIRE_LINK_RESP,
            Pdu::GenericNack => GENERIC_NACK,
        }
    }
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// 3.2: command_length below 16, above [`MAX_PDU_LEN`] or not the frame size.
    #[error("invalid command_length {command_length} ({available} octets available)")]
    InvalidCommandLength {
        command_length: u32,
        available: usize,
    },
    /// 5.1.2.1: not a command this codec implements; answer generic_nack ESME_RINVCMDID.
    #[error("unknown or unsupported command_id 0x{command_id:08X}")]
    UnknownCommandId { command_id: u32 },
    /// The body ends inside a mandatory parameter.
    #[error("PDU body truncated in {field}")]
    Truncated { field: &'static str },
    /// 3.1: a C-Octet String longer than its maximum size (NUL included).
    #[error("{field}: C-Octet String longer than {max} octets")]
    CStringTooLong { field: &'static str, max: usize },
    /// 3.1: a C-Octet String whose NUL is missing before the end of the body.
    #[error("{field}: C-Octet String without NUL terminator")]
    CStringMissingNul { field: &'static str },
    /// A C-Octet String that is not UTF-8 (SMPP requires ASCII).
    #[error("{field}: not ASCII/UTF-8 text")]
    InvalidText { field: &'static str },
    /// 4.4.1: sm_length above 254.
    #[error("sm_length {0} above 254")]
    InvalidSmLength(u8),
    /// Octets after the end of a body that takes no TLVs.
    #[error("{0} unexpected octets after the PDU body")]
    TrailingBytes(usize),
    /// 3.3: the TLV stream ends inside a TLV.
    #[error("optional parameter stream truncated")]
    TlvStreamTruncated,
    /// 5.3.2: a known TLV with the wrong length.
    #[error("TLV 0x{tag:04X} has invalid length {length}")]
    InvalidTlvLength { tag: u16, length: usize },
    /// 5.3.2: a known TLV with an invalid value.
    #[error("TLV 0x{tag:04X} has an invalid value")]
    InvalidTlvValue { tag: u16 },
}

impl DecodeError {
    /// The command_status to answer the offending PDU with (section 5.1.3).
    pub fn command_status(&self) -> CommandStatus {
        use CommandStatus as S;
        match self {
            DecodeError::InvalidCommandLength { .. }
            | DecodeError::Truncated { .. }
            | DecodeError::TrailingBytes(_) => S::EsmeRInvCmdLen,
            DecodeError::UnknownCommandId { .. } => S::EsmeRInvCmdId,
            DecodeError::InvalidSmLength(_) => S::EsmeRInvMsgLen,
            DecodeError::TlvStreamTruncated => S::EsmeRInvOptParStream,
            DecodeError::InvalidTlvLength { .. } => S::EsmeRInvParLen,
            DecodeError::InvalidTlvValue { .. } => S::EsmeRInvOptParamVal,
            DecodeError::CStringTooLong { field, .. }
            | DecodeError::CStringMissingNul { field }
            | DecodeError::InvalidText { field } => match *field {
                "system_id" => S::EsmeRInvSysId,
                "password" => S::EsmeRInvPaswd,
                "system_type" => S::EsmeRInvSysTyp,
                "service_type" => S::EsmeRInvSerTyp,
                "source_addr" => S::EsmeRInvSrcAdr,
                "destination_addr" | "address_range" => S::EsmeRInvDstAdr,
                "schedule_delivery_time" => S::EsmeRInvSched,
                "validity_period" => S::EsmeRInvExpiry,
                "message_id" => S::EsmeRInvMsgId,
                _ => S::EsmeRInvCmdLen,
            },
        }
    }
}

/// Why a PDU could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// 3.1: value longer than the field's maximum size (NUL included).
    #[error("{field} longer than {max} octets")]
    FieldTooLong { field: &'static str, max: usize },
    /// A C-Octet String value containing NUL.
    #[error("{field} contains a NUL octet")]
    EmbeddedNul { field: &'static str },
    /// 4.4.1: short_message above 254 octets (use the message_payload TLV).
    #[error("short_message of {0} octets above 254")]
    ShortMessageTooLong(usize),
    /// 3.3: TLV value above 65535 octets.
    #[error("TLV 0x{tag:04X} value too long")]
    TlvTooLong { tag: u16 },
    /// The PDU would exceed [`MAX_PDU_LEN`].
    #[error("PDU of {0} octets above the maximum")]
    PduTooLarge(usize),
}

/// Encodes a request, or a response with `ESME_ROK`.
pub fn encode(pdu: &Pdu, sequence_number: u32) -> Result<Vec<u8>, EncodeError> {
    encode_with_status(pdu, CommandStatus::EsmeROk, sequence_number)
}

/// Encodes a PDU with an explicit command_status (responses, generic_nack).
///
/// For a response with a non-zero status and empty fields the body is
/// omitted, as sections 4.1.2, 4.4.2 and 4.6.2 prescribe.
pub fn encode_with_status(
    pdu: &Pdu,
    status: CommandStatus,
    sequence_number: u32,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![0u8; HEADER_LEN];
    let omit = !status.is_ok();
    match pdu {
        Pdu::BindReceiver(b) | Pdu::BindTransmitter(b) | Pdu::BindTransceiver(b) => {
            b.encode(&mut out)?
        }
        Pdu::BindReceiverResp(r) | Pdu::BindTransmitterResp(r) | Pdu::BindTransceiverResp(r) => {
            if !(omit && r.is_empty()) {
                r.encode(&mut out)?
            }
        }
        Pdu::Outbind(o) => o.encode(&mut out)?,
        Pdu::SubmitSm(sm) | Pdu::DeliverSm(sm) => sm.encode(&mut out)?,
        Pdu::SubmitSmResp(SubmitSmResp { message_id })
        | Pdu::DeliverSmResp(DeliverSmResp { message_id }) => {
            if !(omit && message_id.is_empty()) {
                wire::put_cstr(&mut out, "message_id", message_id, submit::MESSAGE_ID_MAX)?
            }
        }
        Pdu::Unbind | Pdu::UnbindResp | Pdu::EnquireLink | Pdu::EnquireLinkResp => {}
        Pdu::GenericNack => {}
    }
    if out.len() > MAX_PDU_LEN {
        return Err(EncodeError::PduTooLarge(out.len()));
    }
    let len = out.len() as u32;
    out[0..4].copy_from_slice(&len.to_be_bytes());
    out[4..8].copy_from_slice(&pdu.command_id().to_be_bytes());
    out[8..12].copy_from_slice(&status.code().to_be_bytes());
    out[12..16].copy_from_slice(&sequence_number.to_be_bytes());
    Ok(out)
}

/// Decodes exactly one frame (`buf.len()` must equal its command_length).
pub fn decode(buf: &[u8]) -> Result<(Header, Pdu), DecodeError> {
    let header = Header::peek(buf).ok_or(DecodeError::InvalidCommandLength {
        command_length: 0,
        available: buf.len(),
    })?;
    let n = header.command_length as usize;
    if !(HEADER_LEN..=MAX_PDU_LEN).contains(&n) || n != buf.len() {
        return Err(DecodeError::InvalidCommandLength {
            command_length: header.command_length,
            available: buf.len(),
        });
    }
    let mut r = Reader::new(&buf[HEADER_LEN..]);
    let empty_body = r.remaining() == 0;
    use command_id::*;
    let pdu = match header.command_id {
        BIND_RECEIVER => Pdu::BindReceiver(Bind::decode(&mut r)?),
        BIND_TRANSMITTER => Pdu::BindTransmitter(Bind::decode(&mut r)?),
        BIND_TRANSCEIVER => Pdu::BindTransceiver(Bind::decode(&mut r)?),
        BIND_RECEIVER_RESP => Pdu::BindReceiverResp(BindResp::decode(&mut r)?),
        BIND_TRANSMITTER_RESP => Pdu::BindTransmitterResp(BindResp::decode(&mut r)?),
        BIND_TRANSCEIVER_RESP => Pdu::BindTransceiverResp(BindResp::decode(&mut r)?),
        OUTBIND => Pdu::Outbind(Outbind::decode(&mut r)?),
        SUBMIT_SM => Pdu::SubmitSm(SmBody::decode(&mut r)?),
        DELIVER_SM => Pdu::DeliverSm(SmBody::decode(&mut r)?),
        SUBMIT_SM_RESP | DELIVER_SM_RESP => {
            let message_id = if empty_body {
                String::new()
            } else {
                r.cstr("message_id", submit::MESSAGE_ID_MAX)?
            };
            if header.command_id == SUBMIT_SM_RESP {
                Pdu::SubmitSmResp(SubmitSmResp { message_id })
            } else {
                Pdu::DeliverSmResp(DeliverSmResp { message_id })
            }
        }
        UNBIND => Pdu::Unbind,
        UNBIND_RESP => Pdu::UnbindResp,
        ENQUIRE_LINK => Pdu::EnquireLink,
        ENQUIRE_LINK_RESP => Pdu::EnquireLinkResp,
        GENERIC_NACK => Pdu::GenericNack,
        command_id => return Err(DecodeError::UnknownCommandId { command_id }),
    };
    if r.remaining() > 0 {
        return Err(DecodeError::TrailingBytes(r.remaining()));
    }
    Ok((header, pdu))
}

#[cfg(test)]
mod tests;
