//! TS 23.040 section 9.1.2.5 address fields (TP-OA, TP-DA) in semi-octets
//! with a Type-of-Address octet, and section 9.2.3.11 TP-SCTS.

use super::{septets, TpduError};
use crate::time::DateTime;

/// Type of number: international (TS 23.040 9.1.2.5).
pub const TON_INTERNATIONAL: u8 = 0x01;
/// Type of number: alphanumeric (GSM 7-bit packed).
pub const TON_ALPHANUMERIC: u8 = 0x05;
/// Numbering plan: ISDN/telephone (E.164).
pub const NPI_ISDN: u8 = 0x01;

/// An address: TON (3 bits), NPI (4 bits) and its digits
/// (`0-9 * # a b c`), or for TON alphanumeric its GSM 7-bit characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub ton: u8,
    pub npi: u8,
    pub digits: String,
}

impl Address {
    /// An international E.164 number, e.g. an MSISDN.
    pub fn international(digits: impl Into<String>) -> Self {
        Address {
            ton: TON_INTERNATIONAL,
            npi: NPI_ISDN,
            digits: digits.into(),
        }
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) -> Result<(), TpduError> {
        let toa = 0x80 | (self.ton & 0x07) << 4 | (self.npi & 0x0F);
        if self.ton == TON_ALPHANUMERIC {
            let chars: Vec<u8> = self.digits.bytes().collect();
            if chars.iter().any(|c| *c > 0x7F) || chars.len() > 11 {
                return Err(TpduError::InvalidAddress);
            }
            let packed = septets::pack(&chars, 0);
            out.extend_from_slice(&[(packed.len() * 2) as u8, toa]);
            out.extend_from_slice(&packed);
            return Ok(());
        }
        let nibbles = self
            .digits
            .chars()
            .map(|c| match c {
                '0'..='9' => Ok(c as u8 - b'0'),
                '*' => Ok(0xA),
                '#' => Ok(0xB),
                'a' => Ok(0xC),
                'b' => Ok(0xD),
                'c' => Ok(0xE),
                _ => Err(TpduError::InvalidAddress),
            })
            .collect::<Result<Vec<u8>, _>>()?;
        if nibbles.len() > 20 {
            return Err(TpduError::InvalidAddress);
        }
        out.extend_from_slice(&[nibbles.len() as u8, toa]);
        for pair in nibbles.chunks(2) {
            out.push(pair[0] | pair.get(1).copied().unwrap_or(0xF) << 4);
        }
        Ok(())
    }

    /// Decodes an address at the start of `buf`; returns it and its size.
    pub(super) fn decode(buf: &[u8]) -> Result<(Address, usize), TpduError> {
        let [len, toa, ..] = *buf else {
            return Err(TpduError::Truncated);
        };
        let len = len as usize;
        if len > 20 {
            return Err(TpduError::InvalidAddress);
        }
        let octets = len.div_ceil(2);
        let body = buf.get(2..2 + octets).ok_or(TpduError::Truncated)?;
        let ton = (toa >> 4) & 0x07;
        let npi = toa & 0x0F;
        let digits = if ton == TON_ALPHANUMERIC {
            let n = len * 4 / 7;
            septets::unpack(body, 0, n)
                .into_iter()
                .map(char::from)
                .collect()
        } else {
            let mut s = String::with_capacity(len);
            for i in 0..len {
                let nib = (body[i / 2] >> (4 * (i % 2))) & 0x0F;
                s.push(match nib {
                    0..=9 => (b'0' + nib) as char,
                    0xA => '*',
                    0xB => '#',
                    0xC => 'a',
                    0xD => 'b',
                    0xE => 'c',
                    _ => return Err(TpduError::InvalidAddress),
                });
            }
            s
        };
        Ok((Address { ton, npi, digits }, 2 + octets))
    }
}

/// TP-SCTS / absolute TP-VP (9.2.3.11): local time and its offset from UTC
/// in quarter hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scts {
    pub year: u8,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in quarters of an hour (-79..=79).
    pub tz_quarters: i8,
}

fn swapped(v: u8) -> u8 {
    ((v % 10) << 4) | ((v / 10) % 10)
}

fn unswapped(b: u8) -> Result<u8, TpduError> {
    let (lo, hi) = (b & 0x0F, b >> 4);
    if lo > 9 || hi > 9 {
        return Err(TpduError::InvalidTimestamp);
    }
    Ok(lo * 10 + hi)
}

impl Scts {
    /// The UTC time `unix_secs` as a time stamp with zero offset.
    pub fn from_unix(unix_secs: i64) -> Scts {
        let d = DateTime::from_unix(unix_secs);
        Scts {
            year: d.year.rem_euclid(100) as u8,
            month: d.month,
            day: d.day,
            hour: d.hour,
            minute: d.minute,
            second: d.second,
            tz_quarters: 0,
        }
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        let tz = self.tz_quarters.unsigned_abs().min(79);
        let mut tz_octet = swapped(tz);
        if self.tz_quarters < 0 {
            tz_octet |= 0x08;
        }
        out.extend_from_slice(&[
            swapped(self.year),
            swapped(self.month),
            swapped(self.day),
            swapped(self.hour),
            swapped(self.minute),
            swapped(self.second),
            tz_octet,
        ]);
    }

    pub(super) fn decode(b: &[u8]) -> Result<Scts, TpduError> {
        let b = b.get(..7).ok_or(TpduError::Truncated)?;
        let tz = unswapped(b[6] & !0x08)? as i8;
        Ok(Scts {
            year: unswapped(b[0])?,
            month: unswapped(b[1])?,
            day: unswapped(b[2])?,
            hour: unswapped(b[3])?,
            minute: unswapped(b[4])?,
            second: unswapped(b[5])?,
            tz_quarters: if b[6] & 0x08 != 0 { -tz } else { tz },
        })
    }
}
