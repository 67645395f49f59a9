//! # idgw-smpp: SMPP 3.4 for the idgw OTA path
//!
//! What is here, layer by layer (codec -> session -> simulator):
//!
//! - [`pdu`]: pure SMPP v3.4 PDU codec (section 4): header, bind_* (+_resp),
//!   outbind, submit_sm / deliver_sm (+_resp), enquire_link, unbind (+_resp),
//!   generic_nack; [`pdu::frame_len`] for stream framing with a size guard;
//!   typed [`pdu::DecodeError`]s that name the command_status to answer with.
//!   OTA constants: esm_class UDHI 0x40, protocol_id 0x7F, data_coding 0xF6.
//! - [`status`]: every command_status of section 5.1.3 (code, name, description).
//! - [`tlv`]: optional parameters (5.3.2) used by idgw, unknown TLVs kept raw.
//! - [`receipt`]: delivery receipt text of Appendix B and message_state (5.2.28).
//! - [`tpdu`]: 3GPP TS 23.040 SMS-DELIVER / SMS-SUBMIT, addresses, TP-SCTS,
//!   TP-UD with UDH, GSM 7-bit packing, TS 31.115 command/response packet IEIs,
//!   split/reassemble of concatenated 8-bit messages.
//! - [`time`]: calendar helpers for receipt dates, TP-SCTS and validity_period.
//! - [`conn`]: a framed SMPP connection over any byte stream.
//! - [`esme`]: the ESME client session (bind_transceiver, window, enquire_link,
//!   reconnect with capped backoff, throttle backoff, resubmission, unbind).
//! - [`trace`]: the trace hook ([`trace::Trace`]): the simulator reports each step by
//!   MSISDN for `idgw trace`; the OTA platform and the SIM simulator use it too.
//! - [`smsc_sim`]: the SMSC simulator (accounts, MT to simulated handsets as
//!   SMS-DELIVER, store-and-forward with validity, receipts, MO routing).
//!
//! The fuzz target `pdu_decode` lives in `fuzz/` (cargo-fuzz layout).

pub mod conn;
pub mod esme;
pub mod pdu;
pub mod receipt;
pub mod smsc_sim;
pub mod status;
pub mod time;
pub mod tlv;
pub mod tpdu;
pub mod trace;
