//! 3GPP TS 23.040 transfer-layer PDUs carried over the simulated radio hop:
//! SMS-DELIVER (section 9.2.2.1, network to handset) and SMS-SUBMIT
//! (section 9.2.2.2, handset to network), with TP-UD and its User Data Header.

mod address;
pub(crate) mod septets;
mod udh;

pub use address::{Address, Scts, NPI_ISDN, TON_ALPHANUMERIC, TON_INTERNATIONAL};
pub use udh::{iei, reassemble, split_8bit, InformationElement, Udh, MAX_UD_OCTETS};

/// Why a TPDU could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TpduError {
    #[error("TPDU truncated")]
    Truncated,
    #[error("unexpected octets after TP-UD")]
    TrailingBytes,
    #[error("TP-MTI is not the expected message type")]
    WrongMessageType,
    #[error("invalid address field")]
    InvalidAddress,
    #[error("invalid time stamp")]
    InvalidTimestamp,
    #[error("invalid user data header")]
    InvalidUdh,
    #[error("user data longer than 140 octets")]
    UserDataTooLong,
    #[error("reassembly: {0}")]
    Reassembly(&'static str),
}

/// Character set selected by TP-DCS (TS 23.038 section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// GSM 7-bit default alphabet: TP-UDL counts septets.
    Gsm7,
    /// 8-bit data: TP-UDL counts octets.
    Octet,
    /// UCS2: TP-UDL counts octets.
    Ucs2,
}

impl Alphabet {
    /// Alphabet of a TP-DCS value (TS 23.038 section 4).
    pub fn from_dcs(dcs: u8) -> Alphabet {
        match dcs >> 4 {
            // General data coding (00xx) and automatic deletion (01xx) groups.
            0x0..=0x7 if dcs & 0x20 != 0 => Alphabet::Octet, // compressed
            0x0..=0x7 => match (dcs >> 2) & 0x03 {
                0 => Alphabet::Gsm7,
                2 => Alphabet::Ucs2,
                _ => Alphabet::Octet,
            },
            0xE => Alphabet::Ucs2,
            0xF if dcs & 0x04 != 0 => Alphabet::Octet,
            // Message waiting groups, class 0xF0 7-bit and reserved groups.
            _ => Alphabet::Gsm7,
        }
    }
}

/// TP-UD: optional header and the data (octets, or septets for GSM 7-bit).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserData {
    pub header: Option<Udh>,
    pub data: Vec<u8>,
}

impl UserData {
    /// Appends TP-UDL and TP-UD (9.2.3.16, 9.2.3.24).
    fn encode(&self, dcs: u8, out: &mut Vec<u8>) -> Result<(), TpduError> {
        let hdr = match &self.header {
            Some(h) => h.encode()?,
            None => Vec::new(),
        };
        let (udl, ud) = if Alphabet::from_dcs(dcs) == Alphabet::Gsm7 {
            let hdr_septets = (hdr.len() * 8).div_ceil(7);
            let mut ud = septets::pack(&self.data, hdr_septets * 7);
            ud[..hdr.len()].copy_from_slice(&hdr);
            (hdr_septets + self.data.len(), ud)
        } else {
            let ud = [hdr, self.data.clone()].concat();
            (ud.len(), ud)
        };
        if ud.len() > MAX_UD_OCTETS || udl > 255 {
            return Err(TpduError::UserDataTooLong);
        }
        out.push(udl as u8);
        out.extend_from_slice(&ud);
        Ok(())
    }

    /// Decodes TP-UDL and TP-UD, which must fill the rest of the TPDU.
    fn decode(b: &[u8], udhi: bool, dcs: u8) -> Result<UserData, TpduError> {
        let (&udl, ud) = b.split_first().ok_or(TpduError::Truncated)?;
        let udl = udl as usize;
        let gsm7 = Alphabet::from_dcs(dcs) == Alphabet::Gsm7;
        let octets = if gsm7 { (udl * 7).div_ceil(8) } else { udl };
        if octets > MAX_UD_OCTETS {
            return Err(TpduError::UserDataTooLong);
        }
        match ud.len().cmp(&octets) {
            std::cmp::Ordering::Less => return Err(TpduError::Truncated),
            std::cmp::Ordering::Greater => return Err(TpduError::TrailingBytes),
            std::cmp::Ordering::Equal => {}
        }
        let (header, hdr_len) = if udhi {
            let &udhl = ud.first().ok_or(TpduError::InvalidUdh)?;
            let ies = ud.get(1..1 + udhl as usize).ok_or(TpduError::InvalidUdh)?;
            (Some(Udh::decode_ies(ies)?), 1 + udhl as usize)
        } else {
            (None, 0)
        };
        let data = if gsm7 {
            let hdr_septets = (hdr_len * 8).div_ceil(7);
            let n = udl.checked_sub(hdr_septets).ok_or(TpduError::InvalidUdh)?;
            septets::unpack(ud, hdr_septets * 7, n)
        } else {
            ud.get(hdr_len..).ok_or(TpduError::InvalidUdh)?.to_vec()
        };
        Ok(UserData { header, data })
    }
}

/// SMS-DELIVER (TS 23.040 section 9.2.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmsDeliver {
    /// TP-MMS: true means no more messages are waiting (bit value 1).
    pub tp_mms: bool,
    /// TP-LP loop prevention.
    pub tp_lp: bool,
    /// TP-SRI status report indication.
    pub tp_sri: bool,
    /// TP-RP reply path.
    pub tp_rp: bool,
    pub tp_oa: Address,
    pub tp_pid: u8,
    pub tp_dcs: u8,
    pub tp_scts: Scts,
    /// TP-UD; TP-UDHI is set when it has a header.
    pub user_data: UserData,
}

impl SmsDeliver {
    pub fn encode(&self) -> Result<Vec<u8>, TpduError> {
        let mut first = 0x00; // TP-MTI 00
        first |= u8::from(self.tp_mms) << 2 | u8::from(self.tp_lp) << 3;
        first |= u8::from(self.tp_sri) << 5 | u8::from(self.user_data.header.is_some()) << 6;
        first |= u8::from(self.tp_rp) << 7;
        let mut out = vec![first];
        self.tp_oa.encode(&mut out)?;
        out.extend_from_slice(&[self.tp_pid, self.tp_dcs]);
        self.tp_scts.encode(&mut out);
        self.user_data.encode(self.tp_dcs, &mut out)?;
        Ok(out)
    }

    pub fn decode(b: &[u8]) -> Result<SmsDeliver, TpduError> {
        let &first = b.first().ok_or(TpduError::Truncated)?;
        if first & 0x03 != 0x00 {
            return Err(TpduError::WrongMessageType);
        }
        let (tp_oa, n) = Address::decode(&b[1..])?;
        let rest = &b[1 + n..];
        let [tp_pid, tp_dcs, ..] = *rest else {
            return Err(TpduError::Truncated);
        };
        let tp_scts = Scts::decode(&rest[2..])?;
        let user_data = UserData::decode(&rest[9..], first & 0x40 != 0, tp_dcs)?;
        Ok(SmsDeliver {
            tp_mms: first & 0x04 != 0,
            tp_lp: first & 0x08 != 0,
            tp_sri: first & 0x20 != 0,
            tp_rp: first & 0x80 != 0,
            tp_oa,
            tp_pid,
            tp_dcs,
            tp_scts,
            user_data,
        })
    }
}

/// TP-VP in its three formats (9.2.3.12), selected by TP-VPF.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ValidityPeriod {
    #[default]
    None,
    /// TP-VPF 10: one octet, relative.
    Relative(u8),
    /// TP-VPF 01: seven octets, enhanced format, kept raw.
    Enhanced([u8; 7]),
    /// TP-VPF 11: absolute time stamp.
    Absolute(Scts),
}

/// SMS-SUBMIT (TS 23.040 section 9.2.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmsSubmit {
    /// TP-RD reject duplicates.
    pub tp_rd: bool,
    pub tp_vp: ValidityPeriod,
    /// TP-SRR status report request.
    pub tp_srr: bool,
    /// TP-RP reply path.
    pub tp_rp: bool,
    /// TP-MR message reference.
    pub tp_mr: u8,
    pub tp_da: Address,
    pub tp_pid: u8,
    pub tp_dcs: u8,
    /// TP-UD; TP-UDHI is set when it has a header.
    pub user_data: UserData,
}

impl SmsSubmit {
    pub fn encode(&self) -> Result<Vec<u8>, TpduError> {
        let vpf: u8 = match self.tp_vp {
            ValidityPeriod::None => 0b00,
            ValidityPeriod::Enhanced(_) => 0b01,
            ValidityPeriod::Relative(_) => 0b10,
            ValidityPeriod::Absolute(_) => 0b11,
        };
        let mut first = 0x01; // TP-MTI 01
        first |= u8::from(self.tp_rd) << 2 | vpf << 3 | u8::from(self.tp_srr) << 5;
        first |= u8::from(self.user_data.header.is_some()) << 6 | u8::from(self.tp_rp) << 7;
        let mut out = vec![first, self.tp_mr];
        self.tp_da.encode(&mut out)?;
        out.extend_from_slice(&[self.tp_pid, self.tp_dcs]);
        match &self.tp_vp {
            ValidityPeriod::None => {}
            ValidityPeriod::Relative(v) => out.push(*v),
            ValidityPeriod::Enhanced(v) => out.extend_from_slice(v),
            ValidityPeriod::Absolute(t) => t.encode(&mut out),
        }
        self.user_data.encode(self.tp_dcs, &mut out)?;
        Ok(out)
    }

    pub fn decode(b: &[u8]) -> Result<SmsSubmit, TpduError> {
        let [first, tp_mr, ..] = *b else {
            return Err(TpduError::Truncated);
        };
        if first & 0x03 != 0x01 {
            return Err(TpduError::WrongMessageType);
        }
        let (tp_da, n) = Address::decode(&b[2..])?;
        let rest = &b[2 + n..];
        let [tp_pid, tp_dcs, ..] = *rest else {
            return Err(TpduError::Truncated);
        };
        let rest = &rest[2..];
        let (tp_vp, used) = match (first >> 3) & 0x03 {
            0b00 => (ValidityPeriod::None, 0),
            0b10 => (
                ValidityPeriod::Relative(*rest.first().ok_or(TpduError::Truncated)?),
                1,
            ),
            0b01 => {
                let v = rest.get(..7).ok_or(TpduError::Truncated)?;
                let mut a = [0u8; 7];
                a.copy_from_slice(v);
                (ValidityPeriod::Enhanced(a), 7)
            }
            _ => (ValidityPeriod::Absolute(Scts::decode(rest)?), 7),
        };
        let user_data = UserData::decode(&rest[used..], first & 0x40 != 0, tp_dcs)?;
        Ok(SmsSubmit {
            tp_rd: first & 0x04 != 0,
            tp_vp,
            tp_srr: first & 0x20 != 0,
            tp_rp: first & 0x80 != 0,
            tp_mr,
            tp_da,
            tp_pid,
            tp_dcs,
            user_data,
        })
    }
}

#[cfg(test)]
mod tests;
