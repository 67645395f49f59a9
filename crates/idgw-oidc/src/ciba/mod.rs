//! OpenID CIBA Core 1.0 with the MODRNA CIBA profile, the 2017 MODRNA draft and the sequence
//! diagram's dialect: the backchannel authentication request.
//!
//! - [`request`]: the request at `/bc-authorize` (CIBA Core 7.1-7.3; 2017 draft 4.1-4.3).
//! - [`request_object`]: the signed authentication request (CIBA Core 7.1.1).

pub mod request;
pub mod request_object;
