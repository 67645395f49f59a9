//! Command Packet: 3GPP TS 31.115 section 4.2 (SMS-PP) over the generic
//! structure of ETSI TS 102 225 section 5.1.
//!
//! On the wire, after the UDH element IEIa 0x70 (CPI) with IEIDLa 0x00:
//!
//! ```text
//! CPL(2) CHL(1) SPI(2) KIc(1) KID(1) TAR(3) | CNTR(5) PCNTR(1) RC/CC/DS(0..8) secured data [padding]
//!                                           |<------------- ciphered when SPI b3 is set ------------->|
//! ```
//!
//! CPL counts the octets after itself; CHL counts SPI up to the end of
//! RC/CC/DS (13 + RC/CC/DS length). When ciphering, the secured data is padded
//! with zeros so that CNTR..end is a whole number of cipher blocks and PCNTR
//! counts the padding octets. The RC/CC/DS is computed over
//! CPL, CHL, SPI, KIc, KID, TAR, CNTR, PCNTR and the secured data with its
//! padding, in that order (the UDH octets are not included for the Command
//! Packet); DES CBC-MAC pads that input with zeros to 8 octets internally.
//! This byte order is confirmed by the opentelecoms gsm0348 vectors (see tests).

use crate::crypto::{decrypt, encrypt};
use crate::secure::{cipher_of, compute, integrity_len, padding, verify, Reader};
use crate::{Cntr, KeyId, KeySet, OtaError, ResponseStatus, SecurityParams, Spi, Tar};

/// Fixed part of CHL: SPI(2) KIc KID TAR(3) CNTR(5) PCNTR.
const CHL_FIXED: usize = 13;
/// Header octets after CHL that are never ciphered: SPI(2) KIc KID TAR(3).
const CLEAR_HEADER: usize = 7;

/// A Command Packet as parsed without keys: the clear header and the
/// (possibly ciphered) part from CNTR to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPacket {
    /// Security Parameter Indicator.
    pub spi: Spi,
    /// KIc octet.
    pub kic: KeyId,
    /// KID octet.
    pub kid: KeyId,
    /// Toolkit Application Reference.
    pub tar: Tar,
    /// RC/CC/DS length announced by CHL (CHL - 13).
    pub integrity_len: usize,
    /// CNTR to the end, ciphered when `spi.ciphered`.
    pub body: Vec<u8>,
}

/// What a receiving entity learnt of a packet before a check failed, so it can
/// address its PoR (TAR, counter, security parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketInfo {
    /// SPI of the Command Packet.
    pub spi: Spi,
    /// KIc octet.
    pub kic: KeyId,
    /// KID octet.
    pub kid: KeyId,
    /// TAR of the Command Packet.
    pub tar: Tar,
    /// CNTR, once readable (immediately when not ciphered, after deciphering otherwise).
    pub cntr: Option<Cntr>,
}

/// A Command Packet that passed deciphering, RC/CC and counter checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedCommand {
    /// SPI of the Command Packet.
    pub spi: Spi,
    /// KIc octet.
    pub kic: KeyId,
    /// KID octet.
    pub kid: KeyId,
    /// Toolkit Application Reference.
    pub tar: Tar,
    /// The counter of the packet (store it when `spi.counter.updates_counter()`).
    pub cntr: Cntr,
    /// The secured data without padding (the application's commands).
    pub data: Vec<u8>,
}

/// Why a Command Packet was refused: the Response Status Code to answer,
/// what could be read of the packet, and the underlying error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFailure {
    /// Status code for the PoR (ETSI TS 102 225 table 5).
    pub status: ResponseStatus,
    /// Header fields read before the failure; `None` when the packet could not be parsed.
    pub info: Option<PacketInfo>,
    /// The underlying error.
    pub error: OtaError,
}

impl CommandPacket {
    /// Parse the octets from CPL to the end (what follows IEIa 0x70, IEIDLa 0x00).
    pub fn parse(bytes: &[u8]) -> Result<Self, OtaError> {
        let mut r = Reader::new(bytes);
        let cpl = usize::from(u16::from_be_bytes(r.array("CPL")?));
        if cpl != bytes.len() - 2 {
            return Err(OtaError::BadLength {
                field: "CPL",
                value: cpl,
            });
        }
        let chl = usize::from(r.array::<1>("CHL")?[0]);
        if chl < CHL_FIXED || chl + 1 > cpl {
            return Err(OtaError::BadLength {
                field: "CHL",
                value: chl,
            });
        }
        let spi = Spi::from_bytes(r.array("SPI")?)?;
        let kic = KeyId(r.array::<1>("KIc")?[0]);
        let kid = KeyId(r.array::<1>("KID")?[0]);
        let tar = Tar(r.array("TAR")?);
        Ok(CommandPacket {
            spi,
            kic,
            kid,
            tar,
            integrity_len: chl - CHL_FIXED,
            body: r.rest().to_vec(),
        })
    }

    /// Encode again; the exact inverse of [`CommandPacket::parse`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, OtaError> {
        let chl = CHL_FIXED + self.integrity_len;
        let cpl = 1 + CLEAR_HEADER + self.body.len();
        if chl > usize::from(u8::MAX) || chl + 1 > cpl {
            return Err(OtaError::BadLength {
                field: "CHL",
                value: chl,
            });
        }
        let cpl16 = u16::try_from(cpl).map_err(|_| OtaError::TooLong(cpl))?;
        let mut out = Vec::with_capacity(cpl + 2);
        out.extend_from_slice(&cpl16.to_be_bytes());
        out.push(chl as u8);
        out.extend_from_slice(&self.spi.to_bytes());
        out.push(self.kic.0);
        out.push(self.kid.0);
        out.extend_from_slice(&self.tar.0);
        out.extend_from_slice(&self.body);
        Ok(out)
    }

    /// The header fields, with CNTR when it is readable without keys.
    pub fn info(&self) -> PacketInfo {
        let cntr = match (self.spi.ciphered, self.body.get(..5)) {
            (false, Some(c)) => {
                let mut b = [0u8; 5];
                b.copy_from_slice(c);
                Some(Cntr::from_bytes(b))
            }
            _ => None,
        };
        PacketInfo {
            spi: self.spi,
            kic: self.kic,
            kid: self.kid,
            tar: self.tar,
            cntr,
        }
    }

    /// Build a secured Command Packet (octets from CPL to the end). The
    /// key set's KIc ciphers and its KID computes the RC/CC.
    pub fn seal(
        params: &SecurityParams,
        keys: &KeySet,
        tar: Tar,
        cntr: Cntr,
        data: &[u8],
    ) -> Result<Vec<u8>, OtaError> {
        let spi = params.spi;
        let ilen = integrity_len(spi.integrity, params.kid, params.cmac_len)?;
        let cipher = cipher_of(spi.ciphered, params.kic)?;
        let pad = padding(cipher, 6 + ilen + data.len());
        let mut secured = data.to_vec();
        secured.resize(data.len() + pad, 0);
        let packet = CommandPacket {
            spi,
            kic: params.kic,
            kid: params.kid,
            tar,
            integrity_len: ilen,
            body: vec![0; 6 + ilen + secured.len()],
        };
        let mut out = packet.to_bytes()?;
        let header_len = 3 + CLEAR_HEADER;
        // Checksum input: CPL..TAR, CNTR, PCNTR, secured data with padding.
        let mut covered = out[..header_len].to_vec();
        covered.extend_from_slice(&cntr.to_bytes());
        covered.push(pad as u8);
        covered.extend_from_slice(&secured);
        let check = compute(spi.integrity, params.kid, Some(keys), &covered, ilen)?;
        let body = &mut out[header_len..];
        body[..5].copy_from_slice(&cntr.to_bytes());
        body[5] = pad as u8;
        body[6..6 + ilen].copy_from_slice(&check);
        body[6 + ilen..].copy_from_slice(&secured);
        if let Some(c) = cipher {
            encrypt(c, &keys.kic, body)?;
        }
        Ok(out)
    }

    /// Decipher and verify as a receiving entity: `keys` finds the key set of a
    /// key version number, `last_cntr` gives the entity's counter for this packet.
    pub fn open<'k>(
        &self,
        keys: impl Fn(u8) -> Option<&'k KeySet>,
        last_cntr: impl FnOnce(&PacketInfo) -> Cntr,
    ) -> Result<OpenedCommand, OpenFailure> {
        let mut info = self.info();
        let fail = |info: &PacketInfo, error: OtaError| OpenFailure {
            status: ResponseStatus::for_error(&error),
            info: Some(info.clone()),
            error,
        };
        let mut body = self.body.clone();
        if let Some(c) = cipher_of(self.spi.ciphered, self.kic).map_err(|e| fail(&info, e))? {
            let ks = keys(self.kic.kvn())
                .ok_or_else(|| fail(&info, OtaError::UnknownKey(self.kic.kvn())))?;
            decrypt(c, &ks.kic, &mut body).map_err(|e| fail(&info, e))?;
        }
        let ilen = self.integrity_len;
        if body.len() < 6 + ilen {
            return Err(fail(&info, OtaError::CipherBlock(body.len())));
        }
        let mut cb = [0u8; 5];
        cb.copy_from_slice(&body[..5]);
        let cntr = Cntr::from_bytes(cb);
        info.cntr = Some(cntr);
        let pcntr = body[5];
        let received = &body[6..6 + ilen];
        let secured = &body[6 + ilen..];
        let mut covered = self
            .to_bytes()
            .map_err(|e| fail(&info, e))?
            .get(..3 + CLEAR_HEADER)
            .unwrap_or_default()
            .to_vec();
        covered.extend_from_slice(&body[..6]);
        covered.extend_from_slice(secured);
        let kid_keys = keys(self.kid.kvn());
        verify(self.spi.integrity, self.kid, kid_keys, &covered, received)
            .map_err(|e| fail(&info, e))?;
        if usize::from(pcntr) > secured.len() {
            return Err(fail(
                &info,
                OtaError::BadPadding {
                    pcntr,
                    len: secured.len(),
                },
            ));
        }
        let last = last_cntr(&info);
        self.spi
            .counter
            .check(last, cntr)
            .map_err(|e| fail(&info, e))?;
        Ok(OpenedCommand {
            spi: self.spi,
            kic: self.kic,
            kid: self.kid,
            tar: self.tar,
            cntr,
            data: secured[..secured.len() - usize::from(pcntr)].to_vec(),
        })
    }
}

/// Parse and open a Command Packet in one step (see [`CommandPacket::open`]).
/// A packet that cannot even be parsed fails with status 0x06 and no info.
pub fn open_command<'k>(
    bytes: &[u8],
    keys: impl Fn(u8) -> Option<&'k KeySet>,
    last_cntr: impl FnOnce(&PacketInfo) -> Cntr,
) -> Result<OpenedCommand, OpenFailure> {
    let packet = CommandPacket::parse(bytes).map_err(|error| OpenFailure {
        status: ResponseStatus::UnidentifiedSecurityError,
        info: None,
        error,
    })?;
    packet.open(keys, last_cntr)
}
