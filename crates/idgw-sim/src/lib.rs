//! # idgw-sim: the SIM card and handset simulator
//!
//! (summary below, filled in at the end)

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
