//! idgw's OpenID Provider: OpenID CIBA Core 1.0 (poll, ping, push) with the MODRNA CIBA
//! profile, the 2017 MODRNA draft dialect, GSMA Mobile Connect Server-Initiated ([`mc_si`])
//! and Device-Initiated ([`mc_di`]), discovery, JWKS, refresh tokens and userinfo.
//!
//! Layout: [`params`], [`client_auth`] and the HTTP layer ([`http`]) parse and render;
//! [`ciba`], [`mc_si`], [`mc_di`], [`endpoint`] and [`transaction`] decide; everything
//! persistent goes through [`idgw_store::Store`]. Subscribers are authenticated through the
//! [`authenticator::Authenticator`] boundary.

pub mod authenticator;
pub mod background;
pub mod ciba;
pub mod client;
pub mod client_auth;
pub mod client_keys;
pub mod discovery;
pub mod endpoint;
pub mod error;
pub mod fetch;
pub mod grant;
pub mod hint;
pub mod http;
pub mod issue;
pub mod jose;
pub mod keys;
pub mod lease;
pub mod mc_di;
pub mod mc_si;
pub mod metrics;
pub mod mobile_connect;
pub mod node;
pub mod op;
pub mod opaque;
pub mod outbox;
pub mod params;
pub mod polls;
pub mod registry;
pub mod sector;
pub mod transaction;
pub mod validate;

pub use error::{Dialect, ErrorCode, OAuthError};
pub use op::{now_ms, Clock, Op, OpConfig, StartError};

#[cfg(test)]
mod module_graph;
#[cfg(test)]
mod testing;
