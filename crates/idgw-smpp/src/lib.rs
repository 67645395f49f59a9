//! SMPP 3.4 for idgw (placeholder summary, see below).

pub mod pdu;
pub mod status;
pub mod tlv;
