//! Transactions: what the OP stores of an accepted authentication request, and its life from
//! acceptance to its one outcome.
//!
//! - [`record`]: the accepted request and the stored outcome.
//! - [`open`]: opening one for an accepted request, and what the handset shows.
//! - [`lifecycle`]: handing it to the authenticator, recording the outcome, notifying the
//!   client, and the expiry sweeper.

pub mod lifecycle;
pub mod open;
pub mod record;
