//! SMPP v3.4 section 3.3 / 5.3 optional parameters (TLVs).
//!
//! The TLVs idgw uses are typed; every other TLV is kept as
//! [`Tlv::Other`] with its raw value, so a PDU re-encodes octet for octet.

use crate::pdu::wire::{cstr_value, Reader};
use crate::pdu::{DecodeError, EncodeError};

/// TLV tags, SMPP v3.4 section 5.3.2 (table 5-4).
pub mod tag {
    /// 5.3.2.32 message_payload
    pub const MESSAGE_PAYLOAD: u16 = 0x0424;
    /// 5.3.2.22 sar_msg_ref_num
    pub const SAR_MSG_REF_NUM: u16 = 0x020C;
    /// 5.3.2.23 sar_total_segments
    pub const SAR_TOTAL_SEGMENTS: u16 = 0x020E;
    /// 5.3.2.24 sar_segment_seqnum
    pub const SAR_SEGMENT_SEQNUM: u16 = 0x020F;
    /// 5.3.2.17 user_message_reference
    pub const USER_MESSAGE_REFERENCE: u16 = 0x0204;
    /// 5.3.2.12 receipted_message_id
    pub const RECEIPTED_MESSAGE_ID: u16 = 0x001E;
    /// 5.3.2.35 message_state
    pub const MESSAGE_STATE: u16 = 0x0427;
    /// 5.3.2.31 network_error_code
    pub const NETWORK_ERROR_CODE: u16 = 0x0423;
    /// 5.3.2.25 sc_interface_version (bind responses)
    pub const SC_INTERFACE_VERSION: u16 = 0x0210;
}

/// Maximum size of receipted_message_id including the NUL (5.3.2.12).
const RECEIPTED_MESSAGE_ID_MAX: usize = 65;

/// One optional parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tlv {
    /// 5.3.2.32: the short message data, up to 64 K octets; replaces `short_message`.
    MessagePayload(Vec<u8>),
    /// 5.3.2.22: reference number of a concatenated message.
    SarMsgRefNum(u16),
    /// 5.3.2.23: total number of segments.
    SarTotalSegments(u8),
    /// 5.3.2.24: sequence number of this segment, from 1.
    SarSegmentSeqnum(u8),
    /// 5.3.2.17: ESME assigned message reference.
    UserMessageReference(u16),
    /// 5.3.2.12: SMSC message_id of the receipted message.
    ReceiptedMessageId(String),
    /// 5.3.2.35: final state of the receipted message (see [`crate::receipt::MessageState`]).
    MessageState(u8),
    /// 5.3.2.31: network type (1 ANSI-136, 2 IS-95, 3 GSM, ...) and its error code.
    NetworkErrorCode { network_type: u8, error_code: u16 },
    /// Any other TLV, preserved raw.
    Other { tag: u16, value: Vec<u8> },
}

impl Tlv {
    /// The TLV's tag.
    pub fn tag(&self) -> u16 {
        match self {
            Tlv::MessagePayload(_) => tag::MESSAGE_PAYLOAD,
            Tlv::SarMsgRefNum(_) => tag::SAR_MSG_REF_NUM,
            Tlv::SarTotalSegments(_) => tag::SAR_TOTAL_SEGMENTS,
            Tlv::SarSegmentSeqnum(_) => tag::SAR_SEGMENT_SEQNUM,
            Tlv::UserMessageReference(_) => tag::USER_MESSAGE_REFERENCE,
            Tlv::ReceiptedMessageId(_) => tag::RECEIPTED_MESSAGE_ID,
            Tlv::MessageState(_) => tag::MESSAGE_STATE,
            Tlv::NetworkErrorCode { .. } => tag::NETWORK_ERROR_CODE,
            Tlv::Other { tag, .. } => *tag,
        }
    }

    fn value(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(match self {
            Tlv::MessagePayload(v) | Tlv::Other { value: v, .. } => v.clone(),
            Tlv::SarMsgRefNum(v) | Tlv::UserMessageReference(v) => v.to_be_bytes().to_vec(),
            Tlv::SarTotalSegments(v) | Tlv::SarSegmentSeqnum(v) | Tlv::MessageState(v) => vec![*v],
            Tlv::ReceiptedMessageId(s) => {
                let mut out = Vec::new();
                crate::pdu::wire::put_cstr(
                    &mut out,
                    "receipted_message_id",
                    s,
                    RECEIPTED_MESSAGE_ID_MAX,
                )?;
                out
            }
            Tlv::NetworkErrorCode {
                network_type,
                error_code,
            } => {
                let e = error_code.to_be_bytes();
                vec![*network_type, e[0], e[1]]
            }
        })
    }

    /// Parses one TLV value for `tag`.
    fn from_parts(tag: u16, value: &[u8]) -> Result<Tlv, DecodeError> {
        let bad_len = || DecodeError::InvalidTlvLength {
            tag,
            length: value.len(),
        };
        let u8v = || match value {
            [v] => Ok(*v),
            _ => Err(bad_len()),
        };
        let u16v = || match value {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(bad_len()),
        };
        Ok(match tag {
            tag::MESSAGE_PAYLOAD => Tlv::MessagePayload(value.to_vec()),
            tag::SAR_MSG_REF_NUM => Tlv::SarMsgRefNum(u16v()?),
            tag::SAR_TOTAL_SEGMENTS => Tlv::SarTotalSegments(u8v()?),
            tag::SAR_SEGMENT_SEQNUM => Tlv::SarSegmentSeqnum(u8v()?),
            tag::USER_MESSAGE_REFERENCE => Tlv::UserMessageReference(u16v()?),
            tag::MESSAGE_STATE => Tlv::MessageState(u8v()?),
            tag::RECEIPTED_MESSAGE_ID => Tlv::ReceiptedMessageId(
                cstr_value(value, RECEIPTED_MESSAGE_ID_MAX)
                    .ok_or(DecodeError::InvalidTlvValue { tag })?,
            ),
            tag::NETWORK_ERROR_CODE => match value {
                [t, a, b] => Tlv::NetworkErrorCode {
                    network_type: *t,
                    error_code: u16::from_be_bytes([*a, *b]),
                },
                _ => return Err(bad_len()),
            },
            _ => Tlv::Other {
                tag,
                value: value.to_vec(),
            },
        })
    }
}

/// Reads TLVs until the end of the body (section 3.3).
pub(crate) fn decode_tlvs(r: &mut Reader<'_>) -> Result<Vec<Tlv>, DecodeError> {
    let mut tlvs = Vec::new();
    while r.remaining() > 0 {
        if r.remaining() < 4 {
            return Err(DecodeError::TlvStreamTruncated);
        }
        let tag = r.u16("tlv tag")?;
        let len = r.u16("tlv length")? as usize;
        let value = r
            .octets(len, "tlv value")
            .map_err(|_| DecodeError::TlvStreamTruncated)?;
        tlvs.push(Tlv::from_parts(tag, value)?);
    }
    Ok(tlvs)
}

/// Appends TLVs (tag, length, value).
pub(crate) fn encode_tlvs(tlvs: &[Tlv], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for tlv in tlvs {
        let value = tlv.value()?;
        let len =
            u16::try_from(value.len()).map_err(|_| EncodeError::TlvTooLong { tag: tlv.tag() })?;
        out.extend_from_slice(&tlv.tag().to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&value);
    }
    Ok(())
}

/// First TLV matching `f`, e.g. `find(&sm.tlvs, |t| match t { Tlv::MessagePayload(p) => Some(p), _ => None })`.
pub fn find<'a, T: 'a>(tlvs: &'a [Tlv], f: impl Fn(&'a Tlv) -> Option<T>) -> Option<T> {
    tlvs.iter().find_map(f)
}
