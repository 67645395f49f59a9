//! SMPP v3.4 section 3.2 PDU header (`command_length`, `command_id`,
//! `command_status`, `sequence_number`) and the command_id values of
//! section 5.1.2.1, plus the framing helper used by stream readers.

use super::DecodeError;
use crate::status::CommandStatus;

/// Length of the PDU header in octets (section 3.2).
pub const HEADER_LEN: usize = 16;

/// Largest PDU this crate accepts. SMPP sets no limit; 64 KiB leaves room for
/// a full `message_payload` TLV and stops a hostile peer from making us buffer
/// gigabytes.
pub const MAX_PDU_LEN: usize = 65_536;

/// command_id values, SMPP v3.4 section 5.1.2.1 (table 5-1).
pub mod command_id {
    pub const GENERIC_NACK: u32 = 0x8000_0000;
    pub const BIND_RECEIVER: u32 = 0x0000_0001;
    pub const BIND_RECEIVER_RESP: u32 = 0x8000_0001;
    pub const BIND_TRANSMITTER: u32 = 0x0000_0002;
    pub const BIND_TRANSMITTER_RESP: u32 = 0x8000_0002;
    pub const QUERY_SM: u32 = 0x0000_0003;
    pub const SUBMIT_SM: u32 = 0x0000_0004;
    pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
    pub const DELIVER_SM: u32 = 0x0000_0005;
    pub const DELIVER_SM_RESP: u32 = 0x8000_0005;
    pub const UNBIND: u32 = 0x0000_0006;
    pub const UNBIND_RESP: u32 = 0x8000_0006;
    pub const REPLACE_SM: u32 = 0x0000_0007;
    pub const CANCEL_SM: u32 = 0x0000_0008;
    pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
    pub const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
    pub const OUTBIND: u32 = 0x0000_000B;
    pub const ENQUIRE_LINK: u32 = 0x0000_0015;
    pub const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;
    pub const SUBMIT_MULTI: u32 = 0x0000_0021;
    pub const ALERT_NOTIFICATION: u32 = 0x0000_0102;
    pub const DATA_SM: u32 = 0x0000_0103;
}

/// The 16-octet header of every PDU (section 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub command_length: u32,
    pub command_id: u32,
    pub command_status: CommandStatus,
    pub sequence_number: u32,
}

impl Header {
    /// Reads a header from the first 16 octets, without validating the length.
    /// Useful to answer an undecodable PDU with a `generic_nack` carrying its
    /// `sequence_number`.
    pub fn peek(buf: &[u8]) -> Option<Header> {
        let b = buf.get(..HEADER_LEN)?;
        let word = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Some(Header {
            command_length: word(0),
            command_id: word(4),
            command_status: CommandStatus::from_code(word(8)),
            sequence_number: word(12),
        })
    }

    /// True when the command_id has the response bit (0x80000000) set.
    pub fn is_response(&self) -> bool {
        self.command_id & 0x8000_0000 != 0
    }
}

/// How many octets the frame at the start of `buf` occupies.
///
/// `Ok(None)`: fewer than 4 octets buffered, read more. `Ok(Some(n))`: the
/// frame is `n` octets long (it may not be fully buffered yet). An error means
/// the stream is unusable: the `command_length` is below the header size or
/// above [`MAX_PDU_LEN`] (section 3.2, ESME_RINVCMDLEN).
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, DecodeError> {
    let Some(b) = buf.get(..4) else {
        return Ok(None);
    };
    let command_length = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let n = command_length as usize;
    if !(HEADER_LEN..=MAX_PDU_LEN).contains(&n) {
        return Err(DecodeError::InvalidCommandLength {
            command_length,
            available: buf.len(),
        });
    }
    Ok(Some(n))
}
