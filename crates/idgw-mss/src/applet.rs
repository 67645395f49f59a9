//! idgw's SIM applet challenge protocol: the bytes the MSSP hands to the OTA
//! platform for the SIM applet (carried as the secured data of a 3GPP
//! TS 31.115 command packet) and the answer the applet sends back. Not part
//! of TS 102 204: it is what idgw's MSSP does between receiving an
//! `MSS_SignatureReq` (clause 7.2) and answering it.
//!
//! Challenge (MSSP -> applet):
//!
//! ```text
//! version(1)=0x01 | nonce(16) | flags(1) | ref_len(1) | ref(ref_len, <= 20)
//!   | text_len(2, big endian) | text(text_len, UTF-8) | mac(16)
//! ```
//!
//! `flags` bit 0 set: the applet asks for the PIN; clear: OK/Cancel only.
//! Other bits are reserved and must be 0. `ref` is the transaction reference
//! (`MSSP_TransID`, or `AP_TransID`) shown in logs and traces. `text` is what
//! the applet displays (the `DataToBeDisplayed`, or `DataToBeSigned` text).
//!
//! Answer (applet -> MSSP), 34 bytes:
//!
//! ```text
//! version(1)=0x01 | nonce(16, the challenge's) | result(1) | mac(16)
//! ```
//!
//! `mac` = the first 16 bytes of HMAC-SHA256(K, label || all previous bytes)
//! with the subscriber's 32-byte applet key K, shared by MSSP and SIM. The
//! label (`idgw-applet-challenge` / `idgw-applet-answer`, not transmitted)
//! separates the two directions so no MAC of one is valid for the other.
//! Tags are compared in constant time.
//!
//! Size budget ([`MAX_DISPLAY_TEXT_LEN`]): three concatenated SMS carry
//! 3 x 140 octets of user data; the concatenation header (UDHL + IEI 0x00,
//! 6 octets) in each segment and the command packet identifier (IEI 0x70,
//! 2 octets) in the first leave 132 + 134 + 134 = 400 octets of command
//! packet. Its header (TS 31.115 clause 4.2 / TS 102 225 clause 5.1: CPL 2,
//! CHL 1, SPI 2, KIc 1, KID 1, TAR 3, CNTR 5, PCNTR 1, an 8-octet
//! cryptographic checksum) takes 24 octets, and AES ciphering pads by up to
//! 15 octets, leaving [`MAX_SECURED_DATA`] = 361 octets for the challenge.
//! With the largest reference the overhead is 57 octets, so the display
//! text may have up to 304 octets of UTF-8 (304 ASCII characters; fewer for
//! other scripts).

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

use crate::StatusCode;

/// The protocol version this module writes and reads.
pub const VERSION: u8 = 0x01;
/// Nonce length.
pub const NONCE_LEN: usize = 16;
/// Truncated HMAC-SHA256 tag length.
pub const MAC_LEN: usize = 16;
/// Applet key length (HMAC-SHA256 key).
pub const KEY_LEN: usize = 32;
/// Longest transaction reference.
pub const MAX_REF_LEN: usize = 20;
/// Secured data octets available in three concatenated OTA SMS (see above).
pub const MAX_SECURED_DATA: usize = 361;
/// Challenge bytes other than the text, with the longest reference.
pub const CHALLENGE_OVERHEAD: usize = 1 + NONCE_LEN + 1 + 1 + MAX_REF_LEN + 2 + MAC_LEN;
/// Longest display text in UTF-8 octets: 304.
pub const MAX_DISPLAY_TEXT_LEN: usize = MAX_SECURED_DATA - CHALLENGE_OVERHEAD;
/// Length of an encoded answer.
pub const ANSWER_LEN: usize = 1 + NONCE_LEN + 1 + MAC_LEN;

const FLAG_PIN_REQUIRED: u8 = 0x01;
const CHALLENGE_LABEL: &[u8] = b"idgw-applet-challenge";
const ANSWER_LABEL: &[u8] = b"idgw-applet-answer";
const MIN_CHALLENGE_LEN: usize = 1 + NONCE_LEN + 1 + 1 + 2 + MAC_LEN;

/// Errors of the applet protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppletError {
    /// Fewer bytes than the structure needs.
    #[error("message truncated")]
    Truncated,
    /// Bytes after the structure.
    #[error("trailing bytes after the message")]
    TrailingBytes,
    /// A version this module does not speak.
    #[error("unsupported version {0:#04x}")]
    UnsupportedVersion(u8),
    /// The MAC does not verify (tampered, or another key).
    #[error("MAC verification failed")]
    BadMac,
    /// Reserved flag bits set.
    #[error("reserved flags set: {0:#04x}")]
    ReservedFlags(u8),
    /// Unknown answer result byte.
    #[error("unknown result {0:#04x}")]
    UnknownResult(u8),
    /// Reference or display text not UTF-8.
    #[error("{0} is not UTF-8")]
    NotUtf8(&'static str),
    /// Reference longer than [`MAX_REF_LEN`].
    #[error("reference of {0} bytes exceeds {MAX_REF_LEN}")]
    ReferenceTooLong(usize),
    /// Display text longer than [`MAX_DISPLAY_TEXT_LEN`].
    #[error("display text of {0} bytes exceeds {MAX_DISPLAY_TEXT_LEN}")]
    TextTooLong(usize),
    /// A key of the wrong length.
    #[error("applet key must be {KEY_LEN} bytes, got {0}")]
    BadKeyLength(usize),
}

/// A subscriber's applet key. Zeroized on drop; `Debug` does not show it.
#[derive(Clone)]
pub struct AppletKey([u8; KEY_LEN]);

impl AppletKey {
    /// Wraps 32 key bytes.
    pub fn new(bytes: [u8; KEY_LEN]) -> AppletKey {
        AppletKey(bytes)
    }

    /// Copies a key from a slice, which must be 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<AppletKey, AppletError> {
        let array: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| AppletError::BadKeyLength(bytes.len()))?;
        Ok(AppletKey(array))
    }

    /// The key bytes, for storing (encrypted) or provisioning a SIM.
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn mac(&self, label: &[u8], data: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(label);
        mac.update(data);
        mac
    }

    fn tag(&self, label: &[u8], data: &[u8]) -> [u8; MAC_LEN] {
        let full = self.mac(label, data).finalize().into_bytes();
        let mut tag = [0u8; MAC_LEN];
        tag.copy_from_slice(&full[..MAC_LEN]);
        tag
    }

    /// Checks `message = body || tag` in constant time; returns the body.
    fn open<'a>(&self, label: &[u8], message: &'a [u8]) -> Result<&'a [u8], AppletError> {
        let split = message
            .len()
            .checked_sub(MAC_LEN)
            .ok_or(AppletError::Truncated)?;
        let (body, tag) = message.split_at(split);
        self.mac(label, body)
            .verify_truncated_left(tag)
            .map_err(|_| AppletError::BadMac)?;
        Ok(body)
    }
}

impl Drop for AppletKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for AppletKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppletKey(<redacted>)")
    }
}

/// What the MSSP asks the applet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Fresh random bytes chosen by the MSSP (passed in: this module is pure).
    pub nonce: [u8; NONCE_LEN],
    /// Ask for the PIN (true) or only for OK/Cancel (false).
    pub pin_required: bool,
    /// Transaction reference, at most [`MAX_REF_LEN`] bytes.
    pub reference: String,
    /// Text to display, at most [`MAX_DISPLAY_TEXT_LEN`] bytes of UTF-8.
    pub text: String,
}

impl Challenge {
    /// Encodes and MACs the challenge.
    pub fn encode(&self, key: &AppletKey) -> Result<Vec<u8>, AppletError> {
        if self.reference.len() > MAX_REF_LEN {
            return Err(AppletError::ReferenceTooLong(self.reference.len()));
        }
        if self.text.len() > MAX_DISPLAY_TEXT_LEN {
            return Err(AppletError::TextTooLong(self.text.len()));
        }
        let mut out =
            Vec::with_capacity(MIN_CHALLENGE_LEN + self.reference.len() + self.text.len());
        out.push(VERSION);
        out.extend_from_slice(&self.nonce);
        out.push(if self.pin_required {
            FLAG_PIN_REQUIRED
        } else {
            0
        });
        out.push(self.reference.len() as u8);
        out.extend_from_slice(self.reference.as_bytes());
        out.extend_from_slice(&(self.text.len() as u16).to_be_bytes());
        out.extend_from_slice(self.text.as_bytes());
        let tag = key.tag(CHALLENGE_LABEL, &out);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Verifies the MAC, then decodes (what the SIM applet does).
    pub fn decode(bytes: &[u8], key: &AppletKey) -> Result<Challenge, AppletError> {
        if bytes.len() < MIN_CHALLENGE_LEN {
            return Err(AppletError::Truncated);
        }
        if bytes[0] != VERSION {
            return Err(AppletError::UnsupportedVersion(bytes[0]));
        }
        let body = key.open(CHALLENGE_LABEL, bytes)?;
        let mut r = Cursor(&body[1..]);
        let nonce: [u8; NONCE_LEN] = r
            .take(NONCE_LEN)?
            .try_into()
            .map_err(|_| AppletError::Truncated)?;
        let flags = r.take(1)?[0];
        if flags & !FLAG_PIN_REQUIRED != 0 {
            return Err(AppletError::ReservedFlags(flags));
        }
        let ref_len = r.take(1)?[0] as usize;
        if ref_len > MAX_REF_LEN {
            return Err(AppletError::ReferenceTooLong(ref_len));
        }
        let reference = utf8(r.take(ref_len)?, "reference")?;
        let len = r.take(2)?;
        let text_len = u16::from_be_bytes([len[0], len[1]]) as usize;
        if text_len > MAX_DISPLAY_TEXT_LEN {
            return Err(AppletError::TextTooLong(text_len));
        }
        let text = utf8(r.take(text_len)?, "display text")?;
        if !r.0.is_empty() {
            return Err(AppletError::TrailingBytes);
        }
        Ok(Challenge {
            nonce,
            pin_required: flags & FLAG_PIN_REQUIRED != 0,
            reference,
            text,
        })
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], AppletError> {
        if self.0.len() < n {
            return Err(AppletError::Truncated);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
}

fn utf8(bytes: &[u8], what: &'static str) -> Result<String, AppletError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| AppletError::NotUtf8(what))
}

/// The user's decision as the applet reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerResult {
    /// 0x00: confirmed (PIN verified when required).
    Ok,
    /// 0x01: the user cancelled.
    UserCancel,
    /// 0x02: the PIN is blocked (too many wrong tries).
    PinBlocked,
    /// 0x03: the card/applet is blocked.
    CardBlocked,
}

impl AnswerResult {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        match self {
            AnswerResult::Ok => 0x00,
            AnswerResult::UserCancel => 0x01,
            AnswerResult::PinBlocked => 0x02,
            AnswerResult::CardBlocked => 0x03,
        }
    }

    /// Parses the wire byte.
    pub fn from_byte(b: u8) -> Result<AnswerResult, AppletError> {
        Ok(match b {
            0x00 => AnswerResult::Ok,
            0x01 => AnswerResult::UserCancel,
            0x02 => AnswerResult::PinBlocked,
            0x03 => AnswerResult::CardBlocked,
            other => return Err(AppletError::UnknownResult(other)),
        })
    }

    /// The TS 102 204 status the MSSP reports for it (clause 6.2.8):
    /// 500 SIGNATURE, 401 USER_CANCEL, 402 PIN_NR_BLOCKED, 403 CARD_BLOCKED.
    pub fn status_code(self) -> StatusCode {
        match self {
            AnswerResult::Ok => StatusCode::Signature,
            AnswerResult::UserCancel => StatusCode::UserCancel,
            AnswerResult::PinBlocked => StatusCode::PinNrBlocked,
            AnswerResult::CardBlocked => StatusCode::CardBlocked,
        }
    }
}

/// What the applet answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// The nonce of the challenge answered.
    pub nonce: [u8; NONCE_LEN],
    /// The user's decision.
    pub result: AnswerResult,
}

impl Answer {
    /// Encodes and MACs the answer (what the SIM applet does).
    pub fn encode(&self, key: &AppletKey) -> Vec<u8> {
        let mut out = Vec::with_capacity(ANSWER_LEN);
        out.push(VERSION);
        out.extend_from_slice(&self.nonce);
        out.push(self.result.byte());
        let tag = key.tag(ANSWER_LABEL, &out);
        out.extend_from_slice(&tag);
        out
    }

    /// Verifies the MAC, then decodes.
    pub fn decode(bytes: &[u8], key: &AppletKey) -> Result<Answer, AppletError> {
        match bytes.len() {
            n if n < ANSWER_LEN => return Err(AppletError::Truncated),
            n if n > ANSWER_LEN => return Err(AppletError::TrailingBytes),
            _ => {}
        }
        if bytes[0] != VERSION {
            return Err(AppletError::UnsupportedVersion(bytes[0]));
        }
        let body = key.open(ANSWER_LABEL, bytes)?;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&body[1..1 + NONCE_LEN]);
        Ok(Answer {
            nonce,
            result: AnswerResult::from_byte(body[1 + NONCE_LEN])?,
        })
    }

    /// True if this answers `challenge` (same nonce).
    pub fn answers(&self, challenge: &Challenge) -> bool {
        self.nonce == challenge.nonce
    }
}

#[cfg(test)]
#[path = "applet_tests.rs"]
mod tests;
