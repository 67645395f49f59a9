//! placeholder
mod command;
mod counter;
pub mod crypto;
mod error;
mod keyid;
mod keys;
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
