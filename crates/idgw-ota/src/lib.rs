//! # idgw-ota: the secured packet codec of 3GPP TS 31.115 / ETSI TS 102 225
//!
//! The codec modules are pure code (no I/O, no clock): bytes of secured
//! packets to types and back, with the ciphering and checksums that protect
//! them. The SIM simulator builds on them, and so does the OTA platform
//! service in [`platform`] (cargo feature `platform`, on by default; build
//! with `default-features = false` for the codec alone, without tokio).
//!
//! ## The OTA platform service ([`platform`])
//!
//! - Cards: [`platform::CardRecord`] (MSISDN, ICCID, KVN, algorithm
//!   `aes128 | aes192 | aes256 | 3des2 | 3des3`, KIc, KID, applet TAR) behind
//!   the [`platform::CardDirectory`] trait; counters (MT CNTR issued, MO CNTR
//!   accepted, per ICCID and KVN) behind [`platform::CounterStore`], whose
//!   doc states the atomicity contract a persistent store must keep.
//!   In-memory implementations for tests and demos.
//! - MT: [`platform::OtaPlatform::send`] seals with SPI `16 3A` (CC,
//!   ciphered, counter higher; PoR on error, CC'd and ciphered, by
//!   SMS-SUBMIT), splits into SMS (UDH IEI 0x70, concatenated when needed)
//!   and submits each as submit_sm (esm_class 0x40, PID 0x7F, DCS 0xF6,
//!   receipt requested) through a [`platform::SmsSubmitter`] (the idgw-smpp
//!   ESME session).
//! - MO: [`platform::OtaPlatform::run`] reads the ESME's deliver_sm stream:
//!   failed delivery receipts and error PoRs become
//!   [`platform::MoSink::on_delivery_failure`] (once per MT packet); the
//!   cards' Command Packets (SPI `16 00`) are reassembled, verified,
//!   deciphered and counter-checked, then handed to
//!   [`platform::MoSink::on_mo`]; anything tampered, replayed or from an
//!   unknown number is logged and dropped.
//! - Feature `mssp` (default): the platform implements idgw-mss's
//!   `OtaPlatform` trait, and `platform::MsspSink` hands answers to the MSSP.
//!
//! ## What is here
//!
//! - **Command Packet** ([`CommandPacket`], TS 31.115 section 4.2, TS 102 225
//!   section 5.1): [`CommandPacket::seal`] builds the octets from CPL to the
//!   end (what follows IEIa 0x70 / IEIDLa 0x00 in the UDH);
//!   [`CommandPacket::parse`] / [`CommandPacket::to_bytes`] are the exact keyless
//!   structure; [`open_command`] deciphers, verifies the RC/CC and applies the
//!   counter rules, and on failure returns the Response Status Code the card
//!   must answer plus what it could read of the header ([`OpenFailure`]).
//! - **Response Packet / PoR** ([`ResponsePacket`], TS 31.115 section 4.4,
//!   TS 102 225 section 5.2): seal, parse, [`open_response`]; an unsecured
//!   error PoR (status 0x06 and the like) opens with `secured == false`.
//!   [`ResponseStatus`] carries codes 0x00-0x0C of TS 102 225 table 5.
//! - **SPI** ([`Spi`]): RC/CC/DS choice, ciphering, counter mode (00 none,
//!   01 no replay check, 10 must be higher, 11 must be exactly one higher),
//!   PoR required (never/always/on error), PoR RC/CC/DS, PoR ciphered, PoR
//!   via SMS-DELIVER-REPORT or SMS-SUBMIT.
//! - **KIc / KID** ([`KeyId`]): algorithm family, mode, key version number.
//! - **Algorithms** ([`crypto`]): DES-CBC, 3DES outer-CBC 2 and 3 keys,
//!   DES-ECB, AES-CBC 128/192/256 (zero IV) for ciphering; DES/3DES CBC-MAC
//!   (8 octets), AES-CMAC (leftmost 8 or 4 octets), CRC16/CRC32 for RC.
//! - **Keys** ([`KeySet`], [`Key`]): zeroized on drop, redacted in `Debug`.
//! - **Counters** ([`Cntr`], [`CounterMode::check`]).
//! - **SMS sizing** ([`sms`]): whether a packet fits one 140-octet message
//!   and its single-message user data (UDHL 0x02, IEI 0x70/0x71, 0x00, packet).
//!
//! ## Checksum coverage (verified against published vectors)
//!
//! Command: CC over CPL, CHL, SPI, KIc, KID, TAR, CNTR, PCNTR, secured data
//! with its ciphering padding; the UDH octets are not included. Response: CC
//! over UDHL, RPI, IEIDLa (0x02 0x71 0x00), RPL, RHL, TAR, CNTR, PCNTR, status,
//! data with padding. Ciphering covers CNTR to the end in both; padding is zero
//! octets counted by PCNTR, only when ciphering. Vectors from the opentelecoms
//! gsm0348 `Dataset0348.xml` (test002, test004, test022, test024, test101, the
//! four AES-CMAC cases, "Tomas Andersen Bug #1", Response-501) are reproduced
//! byte for byte in `tests/`.
//!
//! ## Not supported
//!
//! Digital signatures (DS), algorithms "known implicitly" and proprietary ones
//! are parsed but refused when opening or sealing (status 0x06). The response
//! CC assumes the single-message UDH 0x02 0x71 0x00.
//!
//! ```
//! use idgw_ota::*;
//! let spi = Spi::from_bytes([0x16, 0x21]).unwrap(); // CC, ciphered, counter higher; PoR
//! let params = SecurityParams::new(
//!     spi,
//!     KeyId::kic(CipherAlgorithm::AesCbc, 1),
//!     KeyId::kid_cc(CcAlgorithm::AesCmac, 1),
//! );
//! let keys = KeySet::new(1, &[1; 16], &[2; 16]);
//! let tar = Tar([0xB0, 0x00, 0x10]);
//! let cntr = Cntr::new(2).unwrap();
//! let packet = CommandPacket::seal(&params, &keys, tar, cntr, b"\x80\xCA\x00\x00").unwrap();
//! let user_data = sms::command_user_data(&packet).expect("fits one SMS");
//! assert_eq!(&user_data[..3], &[0x02, 0x70, 0x00]);
//! let last = Cntr::new(1).unwrap();
//! let opened = open_command(&packet, |kvn| (kvn == 1).then_some(&keys), |_| last).unwrap();
//! assert_eq!(opened.data, b"\x80\xCA\x00\x00");
//! ```

mod command;
mod counter;
pub mod crypto;
mod error;
mod keyid;
mod keys;
#[cfg(feature = "platform")]
pub mod platform;
mod response;
mod secure;
pub mod sms;
mod spi;
mod status;

pub use command::{open_command, CommandPacket, OpenFailure, OpenedCommand, PacketInfo};
pub use counter::{Cntr, Tar};
pub use error::OtaError;
pub use keyid::{CcAlgorithm, CipherAlgorithm, KeyId, RcAlgorithm};
pub use keys::{Key, KeySet};
pub use response::{open_response, por_params_for, OpenedResponse, ResponsePacket, RESPONSE_UDH};
pub use secure::{CmacLength, SecurityParams};
pub use spi::{CounterMode, Integrity, PorRequired, PorTransport, Spi};
pub use status::ResponseStatus;
