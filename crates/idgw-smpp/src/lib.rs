//! SMPP 3.4 for idgw (placeholder summary, see below).

pub mod conn;
pub mod esme;
pub mod pdu;
pub mod receipt;
pub mod smsc_sim;
pub mod status;
pub mod time;
pub mod tlv;
pub mod tpdu;
