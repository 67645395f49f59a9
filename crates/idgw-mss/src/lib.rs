//! placeholder
pub mod applet;
pub mod error;
pub mod json;
pub mod model;
pub mod soap;
pub mod status;

pub use error::{DecodeError, EncodeError};
pub use model::*;
pub use status::{FaultCode, MssFault, StatusCode};
#[cfg(test)]
mod testdata;
