//! SMPP v3.4 sections 4.1.1-4.1.7: bind_transmitter, bind_receiver,
//! bind_transceiver (one body layout), their responses, and outbind.

use super::wire::{put_cstr, Reader};
use super::{DecodeError, EncodeError};
use crate::tlv::{decode_tlvs, encode_tlvs, Tlv};

const SYSTEM_ID_MAX: usize = 16;
const PASSWORD_MAX: usize = 9;
const SYSTEM_TYPE_MAX: usize = 13;
const ADDRESS_RANGE_MAX: usize = 41;

/// SMPP version 3.4 as `interface_version` (5.2.4).
pub const INTERFACE_VERSION_34: u8 = 0x34;

/// Body of bind_transmitter / bind_receiver / bind_transceiver (4.1.1, 4.1.3, 4.1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub system_id: String,
    pub password: String,
    pub system_type: String,
    pub interface_version: u8,
    pub addr_ton: u8,
    pub addr_npi: u8,
    pub address_range: String,
}

impl Bind {
    /// A bind for `system_id`/`password` with SMPP 3.4 and empty ranges.
    pub fn new(system_id: impl Into<String>, password: impl Into<String>) -> Self {
        Bind {
            system_id: system_id.into(),
            password: password.into(),
            system_type: String::new(),
            interface_version: INTERFACE_VERSION_34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
        }
    }

    pub(super) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Bind {
            system_id: r.cstr("system_id", SYSTEM_ID_MAX)?,
            password: r.cstr("password", PASSWORD_MAX)?,
            system_type: r.cstr("system_type", SYSTEM_TYPE_MAX)?,
            interface_version: r.u8("interface_version")?,
            addr_ton: r.u8("addr_ton")?,
            addr_npi: r.u8("addr_npi")?,
            address_range: r.cstr("address_range", ADDRESS_RANGE_MAX)?,
        })
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_cstr(out, "system_id", &self.system_id, SYSTEM_ID_MAX)?;
        put_cstr(out, "password", &self.password, PASSWORD_MAX)?;
        put_cstr(out, "system_type", &self.system_type, SYSTEM_TYPE_MAX)?;
        out.extend_from_slice(&[self.interface_version, self.addr_ton, self.addr_npi]);
        put_cstr(out, "address_range", &self.address_range, ADDRESS_RANGE_MAX)
    }
}

/// Body of the bind responses (4.1.2, 4.1.4, 4.1.6): the SMSC's system_id and
/// optionally the `sc_interface_version` TLV.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BindResp {
    pub system_id: String,
    pub tlvs: Vec<Tlv>,
}

impl BindResp {
    pub(super) fn is_empty(&self) -> bool {
        self.system_id.is_empty() && self.tlvs.is_empty()
    }

    pub(super) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if r.remaining() == 0 {
            // Omitted on error (4.1.2); tolerated on success too.
            return Ok(BindResp::default());
        }
        Ok(BindResp {
            system_id: r.cstr("system_id", SYSTEM_ID_MAX)?,
            tlvs: decode_tlvs(r)?,
        })
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_cstr(out, "system_id", &self.system_id, SYSTEM_ID_MAX)?;
        encode_tlvs(&self.tlvs, out)
    }
}

/// Body of outbind (4.1.7): the SMSC asks the ESME to bind_receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbind {
    pub system_id: String,
    pub password: String,
}

impl Outbind {
    pub(super) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Outbind {
            system_id: r.cstr("system_id", SYSTEM_ID_MAX)?,
            password: r.cstr("password", PASSWORD_MAX)?,
        })
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_cstr(out, "system_id", &self.system_id, SYSTEM_ID_MAX)?;
        put_cstr(out, "password", &self.password, PASSWORD_MAX)
    }
}
