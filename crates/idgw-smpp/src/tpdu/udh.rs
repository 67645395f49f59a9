//! TS 23.040 section 9.2.3.24 User Data Header: information elements,
//! the concatenation IE (IEI 0x00, 8-bit reference), the TS 31.115 command
//! and response packet identifiers (IEI 0x70 / 0x71, kept opaque), and
//! splitting / reassembling a long 8-bit payload (TS 31.115 section 4:
//! the command packet IEI stays in the first segment only).

use super::{TpduError, UserData};

/// IEI values used by idgw.
pub mod iei {
    /// 9.2.3.24.1 Concatenated short messages, 8-bit reference number.
    pub const CONCAT_8BIT: u8 = 0x00;
    /// 9.2.3.24.8 Concatenated short messages, 16-bit reference number.
    pub const CONCAT_16BIT: u8 = 0x08;
    /// TS 31.115 section 4: (U)SIM Toolkit Security Header, command packet.
    pub const COMMAND_PACKET: u8 = 0x70;
    /// TS 31.115 section 4: (U)SIM Toolkit Security Header, response packet.
    pub const RESPONSE_PACKET: u8 = 0x71;
}

/// Maximum TP-UD size in octets (9.2.3.16).
pub const MAX_UD_OCTETS: usize = 140;

/// One information element: IEI, and its data (IEDL is its length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformationElement {
    pub iei: u8,
    pub data: Vec<u8>,
}

impl InformationElement {
    /// Concatenation IE with an 8-bit reference (9.2.3.24.1).
    pub fn concat_8bit(reference: u8, total: u8, seq: u8) -> Self {
        InformationElement {
            iei: iei::CONCAT_8BIT,
            data: vec![reference, total, seq],
        }
    }

    /// TS 31.115 command packet identifier (IEI 0x70, no data).
    pub fn command_packet() -> Self {
        InformationElement {
            iei: iei::COMMAND_PACKET,
            data: Vec::new(),
        }
    }

    /// TS 31.115 response packet identifier (IEI 0x71, no data).
    pub fn response_packet() -> Self {
        InformationElement {
            iei: iei::RESPONSE_PACKET,
            data: Vec::new(),
        }
    }

    /// (reference, total, seq) if this is an 8-bit or 16-bit concatenation IE.
    pub fn as_concat(&self) -> Option<(u16, u8, u8)> {
        match (self.iei, self.data.as_slice()) {
            (iei::CONCAT_8BIT, [r, t, s]) => Some((u16::from(*r), *t, *s)),
            (iei::CONCAT_16BIT, [r1, r2, t, s]) => Some((u16::from_be_bytes([*r1, *r2]), *t, *s)),
            _ => None,
        }
    }
}

/// A User Data Header: the IEs in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Udh {
    pub ies: Vec<InformationElement>,
}

impl Udh {
    /// UDHL + IEs, as they appear at the start of TP-UD.
    pub fn encode(&self) -> Result<Vec<u8>, TpduError> {
        let mut out = vec![0u8];
        for ie in &self.ies {
            let len = u8::try_from(ie.data.len()).map_err(|_| TpduError::UserDataTooLong)?;
            out.extend_from_slice(&[ie.iei, len]);
            out.extend_from_slice(&ie.data);
        }
        out[0] = u8::try_from(out.len() - 1).map_err(|_| TpduError::UserDataTooLong)?;
        Ok(out)
    }

    /// Parses the IEs (the octets after UDHL).
    pub fn decode_ies(mut b: &[u8]) -> Result<Udh, TpduError> {
        let mut ies = Vec::new();
        while let [iei, len, rest @ ..] = b {
            let data = rest.get(..*len as usize).ok_or(TpduError::InvalidUdh)?;
            ies.push(InformationElement {
                iei: *iei,
                data: data.to_vec(),
            });
            b = &rest[*len as usize..];
        }
        if !b.is_empty() {
            return Err(TpduError::InvalidUdh);
        }
        Ok(Udh { ies })
    }

    /// True if an IE with this IEI is present.
    pub fn has(&self, iei: u8) -> bool {
        self.ies.iter().any(|ie| ie.iei == iei)
    }

    /// The concatenation IE, if any: (reference, total, seq).
    pub fn concat(&self) -> Option<(u16, u8, u8)> {
        self.ies.iter().find_map(InformationElement::as_concat)
    }
}

/// Splits an 8-bit payload into TP-UD segments of at most 140 octets.
///
/// `first_ies` (e.g. the command packet IEI 0x70) go into the first segment
/// only, after the concatenation IE (TS 31.115 section 4); when everything fits
/// in one message no concatenation IE is added.
pub fn split_8bit(
    payload: &[u8],
    first_ies: &[InformationElement],
    reference: u8,
) -> Result<Vec<UserData>, TpduError> {
    let first_len: usize = first_ies.iter().map(|ie| 2 + ie.data.len()).sum();
    let single_header = if first_ies.is_empty() {
        0
    } else {
        1 + first_len
    };
    if single_header + payload.len() <= MAX_UD_OCTETS {
        return Ok(vec![UserData {
            header: (!first_ies.is_empty()).then(|| Udh {
                ies: first_ies.to_vec(),
            }),
            data: payload.to_vec(),
        }]);
    }
    let first_room = MAX_UD_OCTETS
        .checked_sub(1 + 5 + first_len)
        .filter(|r| *r > 0)
        .ok_or(TpduError::UserDataTooLong)?;
    let other_room = MAX_UD_OCTETS - 6;
    let rest = payload.len().saturating_sub(first_room);
    let total = 1 + rest.div_ceil(other_room);
    let total = u8::try_from(total).map_err(|_| TpduError::UserDataTooLong)?;
    let mut out = Vec::with_capacity(total as usize);
    let mut pos = 0;
    for seq in 1..=total {
        let room = if seq == 1 { first_room } else { other_room };
        let end = (pos + room).min(payload.len());
        let mut ies = vec![InformationElement::concat_8bit(reference, total, seq)];
        if seq == 1 {
            ies.extend_from_slice(first_ies);
        }
        out.push(UserData {
            header: Some(Udh { ies }),
            data: payload[pos..end].to_vec(),
        });
        pos = end;
    }
    Ok(out)
}

/// Reassembles segments (any order) produced by [`split_8bit`] or a handset:
/// the result carries the first segment's IEs minus the concatenation IE.
pub fn reassemble(segments: &[UserData]) -> Result<UserData, TpduError> {
    let concat = |ud: &UserData| ud.header.as_ref().and_then(Udh::concat);
    match segments {
        [] => Err(TpduError::Reassembly("no segments")),
        [one] if concat(one).is_none() => Ok(one.clone()),
        _ => {
            let mut parts: Vec<(u8, &UserData)> = Vec::with_capacity(segments.len());
            let (reference, total, _) =
                concat(&segments[0]).ok_or(TpduError::Reassembly("no concatenation IE"))?;
            for s in segments {
                let (r, t, seq) = concat(s).ok_or(TpduError::Reassembly("no concatenation IE"))?;
                if r != reference || t != total || seq == 0 || seq > total {
                    return Err(TpduError::Reassembly("inconsistent concatenation IE"));
                }
                parts.push((seq, s));
            }
            parts.sort_by_key(|p| p.0);
            parts.dedup_by_key(|p| p.0);
            if parts.len() != total as usize {
                return Err(TpduError::Reassembly("missing segment"));
            }
            let ies: Vec<InformationElement> = parts[0]
                .1
                .header
                .iter()
                .flat_map(|h| h.ies.iter())
                .filter(|ie| ie.as_concat().is_none())
                .cloned()
                .collect();
            Ok(UserData {
                header: (!ies.is_empty()).then_some(Udh { ies }),
                data: parts
                    .iter()
                    .flat_map(|p| p.1.data.iter().copied())
                    .collect(),
            })
        }
    }
}
