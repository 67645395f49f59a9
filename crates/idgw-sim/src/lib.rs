//! # idgw-sim: the SIM card and handset simulator
//!
//! The far end of the radio hop of DESIGN.md section 1: a simulated UICC per
//! subscriber (card manager and authentication applet) inside a simulated
//! handset whose user answers SIM Toolkit prompts, by hand through a web
//! page and JSON API, or automatically.
//!
//! ## Layers
//!
//! - [`config`]: one `[[subscribers]]` entry ([`SubscriberConfig`]): MSISDN,
//!   PIN, behaviour (`manual | approve | deny | wrong-pin | unreachable`),
//!   delay, OTA key set (`aes128 | aes192 | aes256 | 3des2 | 3des3`, KVN, KIc,
//!   KID), applet key, applet TAR (default `494447`). Secrets never print.
//! - [`sms`]: SMS-DELIVER in (TS 23.040 9.2.2.1; TP-PID 0x7F, class 2 8-bit,
//!   UDH IEI 0x70, concatenation reassembled, at most
//!   [`sms::MAX_PARTIAL_MESSAGES`] waiting); SMS-SUBMIT and
//!   SMS-DELIVER-REPORT out (9.2.2.2, 9.2.2.1a).
//! - [`card`]: the card manager, receiving entity of TS 31.115 section 4 /
//!   TS 102 225 section 5: opens the Command Packet with
//!   [`idgw_ota::CommandPacket::open`] (ciphering, RC/CC, counter rule of the
//!   SPI), routes by TAR (unknown: 0x09, PoR unsecured, counter untouched),
//!   applies the applet's minimum security level (CC + ciphering + counter
//!   mode 10/11, else 0x0A), stores the counter once the security checks
//!   pass, and builds the PoR the SPI asks for (always / on error; in the
//!   SMS-DELIVER-REPORT or an SMS-SUBMIT; CC'd and ciphered per the PoR
//!   bits; 0x06 in clear, with the header read best-effort when the packet
//!   does not even parse). Refused packets never reach the applet.
//! - [`applet`]: checks the idgw-mss challenge MAC (bad MAC: dropped, nothing
//!   shown), raises a [`Prompt`] (PIN or OK/Cancel), verifies the PIN
//!   (3 tries; a wrong PIN keeps the prompt; 0 tries: blocked, answer
//!   PIN_BLOCKED; a right PIN resets the tries), answers a blocked card's
//!   challenges at once with PIN_BLOCKED, and signs the answer with the
//!   applet key. The PIN never leaves the card.
//! - [`state`]: `<state_dir>/<msisdn>.json` per card (tries, blocked, last
//!   counter accepted per KVN, last MO counter per KVN), written to a temp
//!   file and renamed; loaded at [`SimFarm::provision`].
//! - [`farm`]: [`SimFarm`], all phones. MT: [`SimFarm::deliver`] (what the
//!   SMSC simulator calls; [`Unreachable`] for unknown or `unreachable`
//!   phones so the SMSC stores and retries). MO: the caller's [`Radio`]
//!   (`send_mo` must not block; any `Fn(&str, Vec<u8>)` is a `Radio`).
//!   Automatic users answer after `handset_delay_ms` on a tokio timer; the
//!   `wrong-pin` user retries at each re-prompt until the card blocks.
//! - [`handset`], [`http`], [`page`]: the API of DESIGN.md section 7
//!   ([`router`], [`http::serve`] with the caller's listener and shutdown)
//!   and the server-rendered page (escaped, no external assets, forms that
//!   work without JavaScript, one-second polling that swaps changed phones).
//!
//! ## MO format: the applet's answer
//!
//! An SMS-SUBMIT to the OTA short code ([`FarmConfig::ota_address`], default
//! `882`), TP-PID 0x7F, TP-DCS 0xF6, UDH IEI 0x70 (concatenated if it ever
//! needed to be), whose user data is a TS 31.115 **Command Packet** sent by
//! the card to the OTA platform: SPI [`MO_SPI`] `16 00` (CC, ciphered,
//! counter must be higher, no PoR), KIc/KID of the subscriber's algorithm and
//! KVN, TAR = the applet's TAR (the OTA platform hands packets from that TAR
//! to the MSSP that addresses it), CNTR = the card's MO counter, one higher
//! each time and persisted. The OTA platform opens it with
//! [`idgw_ota::open_command`], the card's keys and its last MO counter; the
//! secured data is the 34-octet [`idgw_mss::applet::Answer`] (nonce of the
//! challenge, result, truncated HMAC-SHA256 under the applet key).
//!
//! The PoR of the MT command is separate: a Response Packet (UDH IEI 0x71)
//! in an SMS-SUBMIT when the SPI says so, or in an SMS-DELIVER-REPORT given
//! to [`Radio::send_deliver_report`] (dropped by default: the simulated
//! link carries SMS-DELIVER and SMS-SUBMIT only).
//!
//! ## Limits
//!
//! One OTA key set per card; MO packets use it. Pending prompts are not
//! persisted (a restarted phone has an empty screen), at most
//! [`applet::MAX_PENDING_PROMPTS`] per phone.

pub mod applet;
pub mod card;
pub mod config;
pub mod error;
pub mod farm;
pub mod handset;
pub mod http;
pub mod page;
pub mod sms;
pub mod state;

pub use applet::{Applet, Prompt, UserInput};
pub use card::{Answered, Card, CardAction, Por, MO_SPI};
pub use config::{HandsetBehaviour, OtaAlgorithm, OtaKeysConfig, SubscriberConfig};
pub use error::{AnswerError, ConfigError, StateError};
pub use farm::{AnswerReport, FarmConfig, Radio, SimFarm, Unreachable};
pub use http::router;
