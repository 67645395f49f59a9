//! Security Parameter Indicator (SPI): ETSI TS 102 225 section 5.1.1,
//! as used by 3GPP TS 31.115 section 4.2.
//!
//! First octet: b1-b2 RC/CC/DS, b3 ciphering, b4-b5 counter mode, b6-b8 reserved.
//! Second octet: b1-b2 PoR required, b3-b4 PoR RC/CC/DS, b5 PoR ciphered,
//! b6 PoR transport (SMS-DELIVER-REPORT / SMS-SUBMIT), b7-b8 reserved.

use crate::OtaError;

/// Redundancy Check / Cryptographic Checksum / Digital Signature choice (two bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Integrity {
    /// 00: no RC, CC or DS.
    None,
    /// 01: Redundancy Check.
    Rc,
    /// 10: Cryptographic Checksum.
    Cc,
    /// 11: Digital Signature.
    Ds,
}

impl Integrity {
    fn from_bits(b: u8) -> Self {
        match b & 0b11 {
            0 => Self::None,
            1 => Self::Rc,
            2 => Self::Cc,
            _ => Self::Ds,
        }
    }

    fn bits(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Rc => 1,
            Self::Cc => 2,
            Self::Ds => 3,
        }
    }
}

/// Counter mode, SPI first octet b4-b5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterMode {
    /// 00: no counter.
    NoCounter,
    /// 01: counter available, no replay or sequence checking.
    NoReplayCheck,
    /// 10: process only if the counter is higher than the receiving entity's.
    MustBeHigher,
    /// 11: process only if the counter is exactly one higher than the receiving entity's.
    MustBeNext,
}

/// Whether a Proof of Receipt is wanted, SPI second octet b1-b2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PorRequired {
    /// 00: no PoR reply to the sending entity.
    Never,
    /// 01: PoR required.
    Always,
    /// 10: PoR required only when an error has occurred.
    OnError,
}

/// How the PoR travels back, SPI second octet b6 (TS 31.115 section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PorTransport {
    /// 0: PoR in the SMS-DELIVER-REPORT.
    DeliverReport,
    /// 1: PoR in an SMS-SUBMIT.
    Submit,
}

/// The two SPI octets, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spi {
    /// RC/CC/DS applied to the Command Packet.
    pub integrity: Integrity,
    /// Whether the Command Packet is ciphered.
    pub ciphered: bool,
    /// Counter handling.
    pub counter: CounterMode,
    /// Whether a PoR is wanted.
    pub por: PorRequired,
    /// RC/CC/DS applied to the PoR.
    pub por_integrity: Integrity,
    /// Whether the PoR is ciphered.
    pub por_ciphered: bool,
    /// How the PoR is sent.
    pub por_transport: PorTransport,
}

impl Spi {
    /// Encode to the two octets on the wire.
    pub fn to_bytes(&self) -> [u8; 2] {
        let counter = match self.counter {
            CounterMode::NoCounter => 0,
            CounterMode::NoReplayCheck => 1,
            CounterMode::MustBeHigher => 2,
            CounterMode::MustBeNext => 3,
        };
        let first = self.integrity.bits() | (u8::from(self.ciphered) << 2) | (counter << 3);
        let por = match self.por {
            PorRequired::Never => 0,
            PorRequired::Always => 1,
            PorRequired::OnError => 2,
        };
        let transport = match self.por_transport {
            PorTransport::DeliverReport => 0,
            PorTransport::Submit => 1,
        };
        let second = por
            | (self.por_integrity.bits() << 2)
            | (u8::from(self.por_ciphered) << 4)
            | (transport << 5);
        [first, second]
    }

    /// Decode the two octets; reserved bits and the reserved PoR value 11 are rejected.
    pub fn from_bytes(b: [u8; 2]) -> Result<Self, OtaError> {
        if b[0] & 0xE0 != 0 || b[1] & 0xC0 != 0 || b[1] & 0b11 == 0b11 {
            return Err(OtaError::ReservedSpi(b));
        }
        let counter = match (b[0] >> 3) & 0b11 {
            0 => CounterMode::NoCounter,
            1 => CounterMode::NoReplayCheck,
            2 => CounterMode::MustBeHigher,
            _ => CounterMode::MustBeNext,
        };
        let por = match b[1] & 0b11 {
            0 => PorRequired::Never,
            1 => PorRequired::Always,
            _ => PorRequired::OnError,
        };
        Ok(Self {
            integrity: Integrity::from_bits(b[0]),
            ciphered: b[0] & 0b100 != 0,
            counter,
            por,
            por_integrity: Integrity::from_bits(b[1] >> 2),
            por_ciphered: b[1] & 0x10 != 0,
            por_transport: if b[1] & 0x20 != 0 {
                PorTransport::Submit
            } else {
                PorTransport::DeliverReport
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_valid_spi_round_trips() {
        for a in 0..=0x1Fu8 {
            for b in 0..=0x3Fu8 {
                match Spi::from_bytes([a, b]) {
                    Ok(spi) => assert_eq!(spi.to_bytes(), [a, b]),
                    Err(e) => {
                        assert_eq!(b & 3, 3);
                        assert_eq!(e, OtaError::ReservedSpi([a, b]));
                    }
                }
            }
        }
        assert!(Spi::from_bytes([0x20, 0]).is_err());
        assert!(Spi::from_bytes([0, 0x40]).is_err());
    }

    #[test]
    fn decodes_dataset_spi_1601() {
        // SPI of Dataset0348.xml test024: CC, ciphered, counter must be higher, PoR always.
        let spi = Spi::from_bytes([0x16, 0x01]).unwrap();
        assert_eq!(spi.integrity, Integrity::Cc);
        assert!(spi.ciphered);
        assert_eq!(spi.counter, CounterMode::MustBeHigher);
        assert_eq!(spi.por, PorRequired::Always);
        assert_eq!(spi.por_integrity, Integrity::None);
        assert!(!spi.por_ciphered);
        assert_eq!(spi.por_transport, PorTransport::DeliverReport);
    }
}
