//! Transactions: what the OP stores of an accepted authentication request, and its life from
//! acceptance to its one outcome.
//!
//! - [`record`]: the accepted request and the stored outcome.
//! - [`open`]: opening one for an accepted request, and what the handset shows.
//! - [`lifecycle`]: handing it to the authenticator, recording the outcome, notifying the
//!   client, and the expiry sweeper.
//! - [`notification`]: the body that tells a ping or push client.

pub mod lifecycle;
pub mod notification;
pub mod open;
pub mod record;
