//! idgw's two `SignatureProfile` URIs (TS 102 204 clause 6.2.1 leaves
//! profiles to the MSSP; clause 7.2.1 carries the chosen one in
//! `SignatureProfile/mssURI`). A profile here says how the SIM applet asks
//! the user (see [`crate::applet`]):
//!
//! - [`PROFILE_SIM_PIN`] `http://idgw.local/profiles/sim-pin`: the applet
//!   shows the text and asks for the user's PIN (Mobile Connect LoA 3). This
//!   is the default when a request names no profile.
//! - [`PROFILE_SIM_OK`] `http://idgw.local/profiles/sim-ok`: the applet
//!   shows the text with OK/Cancel only (LoA 2).
//!
//! Any other URI is answered with 109 UNSUPPORTED_PROFILE.

/// PIN-protected confirmation on the SIM applet.
pub const PROFILE_SIM_PIN: &str = "http://idgw.local/profiles/sim-pin";
/// OK/Cancel confirmation on the SIM applet, no PIN.
pub const PROFILE_SIM_OK: &str = "http://idgw.local/profiles/sim-ok";

/// One of idgw's signature profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureProfile {
    /// [`PROFILE_SIM_PIN`].
    SimPin,
    /// [`PROFILE_SIM_OK`].
    SimOk,
}

impl SignatureProfile {
    /// The profile's URI (the `mssURI`).
    pub fn uri(self) -> &'static str {
        match self {
            SignatureProfile::SimPin => PROFILE_SIM_PIN,
            SignatureProfile::SimOk => PROFILE_SIM_OK,
        }
    }

    /// The profile named by `uri` (surrounding whitespace ignored).
    pub fn from_uri(uri: &str) -> Option<SignatureProfile> {
        match uri.trim() {
            PROFILE_SIM_PIN => Some(SignatureProfile::SimPin),
            PROFILE_SIM_OK => Some(SignatureProfile::SimOk),
            _ => None,
        }
    }

    /// The profile for an AP that wants (or not) the PIN asked.
    pub fn for_pin(pin_required: bool) -> SignatureProfile {
        if pin_required {
            SignatureProfile::SimPin
        } else {
            SignatureProfile::SimOk
        }
    }

    /// Whether the applet asks for the PIN.
    pub fn pin_required(self) -> bool {
        self == SignatureProfile::SimPin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for p in [SignatureProfile::SimPin, SignatureProfile::SimOk] {
            assert_eq!(SignatureProfile::from_uri(p.uri()), Some(p));
            assert_eq!(SignatureProfile::for_pin(p.pin_required()), p);
        }
        assert_eq!(SignatureProfile::from_uri("http://example/other"), None);
    }
}
