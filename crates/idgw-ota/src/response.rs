//! Response Packet (Proof of Receipt): 3GPP TS 31.115 section 4.4 over the
//! generic structure of ETSI TS 102 225 section 5.2.
//!
//! On the wire, after the UDH element IEIa 0x71 (RPI) with IEIDLa 0x00:
//!
//! ```text
//! RPL(2) RHL(1) TAR(3) | CNTR(5) PCNTR(1) Status(1) RC/CC/DS(0..8) additional response data [padding]
//!                      |<---------------- ciphered when SPI octet 2 b5 is set ---------------->|
//! ```
//!
//! RPL counts the octets after itself; RHL counts TAR up to the end of RC/CC/DS
//! (10 + RC/CC/DS length). Unlike the Command Packet, the RC/CC/DS of the
//! Response Packet covers the UDH octets too: UDHL, RPI, IEIDLa (0x02 0x71 0x00
//! for a single short message), RPL, RHL, TAR, CNTR, PCNTR, Status and the
//! data with padding. This is confirmed by the gsm0348 vector "Tomas Andersen
//! Bug #1" (see tests). Keys and algorithms are those of the Command Packet
//! (its KIc and KID); the PoR bits of its SPI choose ciphering and RC/CC/DS.

use crate::crypto::{decrypt, encrypt};
use crate::secure::{cipher_of, compute, integrity_len, padding, verify, Reader};
use crate::{Cntr, KeySet, OtaError, ResponseStatus, SecurityParams, Tar};

/// Fixed part of RHL: TAR(3) CNTR(5) PCNTR(1) Status(1).
const RHL_FIXED: usize = 10;
/// The single-SMS UDH octets included in the response RC/CC/DS: UDHL, RPI, IEIDLa.
pub const RESPONSE_UDH: [u8; 3] = [0x02, 0x71, 0x00];

/// A Response Packet as parsed without keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsePacket {
    /// TAR, copied from the Command Packet.
    pub tar: Tar,
    /// RC/CC/DS length announced by RHL (RHL - 10).
    pub integrity_len: usize,
    /// CNTR to the end, ciphered when the PoR is ciphered.
    pub body: Vec<u8>,
}

/// A Response Packet after deciphering and RC/CC verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedResponse {
    /// TAR.
    pub tar: Tar,
    /// CNTR.
    pub cntr: Cntr,
    /// Response Status Code.
    pub status: ResponseStatus,
    /// Additional response data without padding (e.g. TS 102 226 response data).
    pub data: Vec<u8>,
    /// Whether the PoR carried the ciphering and RC/CC the SPI asked for. An
    /// error PoR that a card could not secure (status 0x01-0x06, TS 102 225
    /// section 5.2.2) arrives unsecured; its data must not be trusted.
    pub secured: bool,
}

impl ResponsePacket {
    /// Parse the octets from RPL to the end (what follows IEIa 0x71, IEIDLa 0x00).
    pub fn parse(bytes: &[u8]) -> Result<Self, OtaError> {
        let mut r = Reader::new(bytes);
        let rpl = usize::from(u16::from_be_bytes(r.array("RPL")?));
        if rpl != bytes.len() - 2 {
            return Err(OtaError::BadLength {
                field: "RPL",
                value: rpl,
            });
        }
        let rhl = usize::from(r.array::<1>("RHL")?[0]);
        if rhl < RHL_FIXED || rhl + 1 > rpl {
            return Err(OtaError::BadLength {
                field: "RHL",
                value: rhl,
            });
        }
        let tar = Tar(r.array("TAR")?);
        Ok(ResponsePacket {
            tar,
            integrity_len: rhl - RHL_FIXED,
            body: r.rest().to_vec(),
        })
    }

    /// Encode again; the exact inverse of [`ResponsePacket::parse`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, OtaError> {
        let rhl = RHL_FIXED + self.integrity_len;
        let rpl = 1 + 3 + self.body.len();
        if rhl > usize::from(u8::MAX) || rhl + 1 > rpl {
            return Err(OtaError::BadLength {
                field: "RHL",
                value: rhl,
            });
        }
        let rpl16 = u16::try_from(rpl).map_err(|_| OtaError::TooLong(rpl))?;
        let mut out = Vec::with_capacity(rpl + 2);
        out.extend_from_slice(&rpl16.to_be_bytes());
        out.push(rhl as u8);
        out.extend_from_slice(&self.tar.0);
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// Build a Response Packet (octets from RPL to the end) for a Command
    /// Packet sent with `params`, secured as its SPI's PoR bits say.
    pub fn seal(
        params: &SecurityParams,
        keys: &KeySet,
        tar: Tar,
        cntr: Cntr,
        status: ResponseStatus,
        data: &[u8],
    ) -> Result<Vec<u8>, OtaError> {
        let spi = params.spi;
        let ilen = integrity_len(spi.por_integrity, params.kid, params.cmac_len)?;
        let cipher = cipher_of(spi.por_ciphered, params.kic)?;
        let pad = padding(cipher, 7 + ilen + data.len());
        let mut secured = data.to_vec();
        secured.resize(data.len() + pad, 0);
        let packet = ResponsePacket {
            tar,
            integrity_len: ilen,
            body: vec![0; 7 + ilen + secured.len()],
        };
        let mut out = packet.to_bytes()?;
        let header_len = 6;
        let mut covered = RESPONSE_UDH.to_vec();
        covered.extend_from_slice(&out[..header_len]);
        covered.extend_from_slice(&cntr.to_bytes());
        covered.push(pad as u8);
        covered.push(status.to_byte());
        covered.extend_from_slice(&secured);
        let check = compute(spi.por_integrity, params.kid, Some(keys), &covered, ilen)?;
        let body = &mut out[header_len..];
        body[..5].copy_from_slice(&cntr.to_bytes());
        body[5] = pad as u8;
        body[6] = status.to_byte();
        body[7..7 + ilen].copy_from_slice(&check);
        body[7 + ilen..].copy_from_slice(&secured);
        if let Some(c) = cipher {
            encrypt(c, &keys.kic, body)?;
        }
        Ok(out)
    }

    /// Decipher and verify as the sending entity of the Command Packet.
    pub fn open(&self, params: &SecurityParams, keys: &KeySet) -> Result<OpenedResponse, OtaError> {
        match self.open_secured(params, keys) {
            Ok(r) => Ok(r),
            Err(e) => self.open_unsecured_error().ok_or(e),
        }
    }

    fn open_secured(
        &self,
        params: &SecurityParams,
        keys: &KeySet,
    ) -> Result<OpenedResponse, OtaError> {
        let spi = params.spi;
        let mut body = self.body.clone();
        if let Some(c) = cipher_of(spi.por_ciphered, params.kic)? {
            decrypt(c, &keys.kic, &mut body)?;
        }
        let ilen = self.integrity_len;
        if body.len() < 7 + ilen {
            return Err(OtaError::CipherBlock(body.len()));
        }
        let received = &body[7..7 + ilen];
        let secured = &body[7 + ilen..];
        let mut covered = RESPONSE_UDH.to_vec();
        covered.extend_from_slice(&self.to_bytes()?[..6]);
        covered.extend_from_slice(&body[..7]);
        covered.extend_from_slice(secured);
        verify(
            spi.por_integrity,
            params.kid,
            Some(keys),
            &covered,
            received,
        )?;
        let pcntr = body[5];
        if usize::from(pcntr) > secured.len() {
            return Err(OtaError::BadPadding {
                pcntr,
                len: secured.len(),
            });
        }
        Ok(OpenedResponse {
            tar: self.tar,
            cntr: cntr_of(&body),
            status: ResponseStatus::from_byte(body[6]),
            data: secured[..secured.len() - usize::from(pcntr)].to_vec(),
            secured: true,
        })
    }

    /// An error PoR sent in clear without RC/CC/DS (TS 102 225 section 5.2.2).
    fn open_unsecured_error(&self) -> Option<OpenedResponse> {
        let b = &self.body;
        if self.integrity_len != 0 || b.len() < 7 || b[5] != 0 {
            return None;
        }
        let status = ResponseStatus::from_byte(b[6]);
        if status == ResponseStatus::PorOk {
            return None;
        }
        Some(OpenedResponse {
            tar: self.tar,
            cntr: cntr_of(b),
            status,
            data: b[7..].to_vec(),
            secured: false,
        })
    }
}

fn cntr_of(body: &[u8]) -> Cntr {
    let mut c = [0u8; 5];
    c.copy_from_slice(&body[..5]);
    Cntr::from_bytes(c)
}

/// Parse and open a Response Packet in one step (see [`ResponsePacket::open`]).
pub fn open_response(
    bytes: &[u8],
    params: &SecurityParams,
    keys: &KeySet,
) -> Result<OpenedResponse, OtaError> {
    ResponsePacket::parse(bytes)?.open(params, keys)
}

/// Whether a PoR for this command should carry no security: TS 102 225
/// section 5.2.2 sends status 0x06 unciphered and without RC/CC/DS.
pub fn por_params_for(params: &SecurityParams, status: ResponseStatus) -> SecurityParams {
    if status == ResponseStatus::UnidentifiedSecurityError {
        params.with_unsecured_por()
    } else {
        *params
    }
}
