//! The SMS side of the card: what the handset hands to the SIM and what the
//! SIM asks the handset to send.
//!
//! - MT: an SMS-DELIVER (3GPP TS 23.040 section 9.2.2.1) with TP-PID 0x7F
//!   (SIM data download, 9.2.3.9) and a class 2 8-bit TP-DCS (TS 23.038
//!   section 4) goes to the card as an SMS-PP data download (3GPP TS 31.111
//!   section 7.1.1); TS 31.115 section 4 puts the Command Packet after the
//!   UDH element IEI 0x70, possibly over concatenated messages (IEI 0x00,
//!   TS 23.040 section 9.2.3.24.1), which [`Reassembler`] puts back together.
//! - MO: an SMS-SUBMIT (section 9.2.2.2) to the OTA short code carrying a
//!   secured packet, as the applet's SEND SHORT MESSAGE (ETSI TS 102 223
//!   section 6.4.10) would produce it.
//! - PoR: TS 31.115 section 4.4 sends the Response Packet either in the
//!   SMS-DELIVER-REPORT (section 9.2.2.1a, RP-ACK) or in an SMS-SUBMIT.

use std::collections::VecDeque;

use idgw_smpp::tpdu::{
    iei, reassemble, split_8bit, Address, InformationElement, SmsDeliver, SmsSubmit, TpduError,
    Udh, UserData, NPI_ISDN,
};
use thiserror::Error;

/// TP-PID "(U)SIM data download" (TS 23.040 section 9.2.3.9).
pub const PID_SIM_DATA_DOWNLOAD: u8 = 0x7F;
/// TP-DCS 0xF6: data coding / message class group, 8-bit data, class 2 ((U)SIM specific).
pub const DCS_CLASS2_8BIT: u8 = 0xF6;
/// Concatenated messages kept waiting for their other segments, at most.
pub const MAX_PARTIAL_MESSAGES: usize = 4;

/// Why an SMS-DELIVER is not something the card can process.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// The TPDU does not decode.
    #[error("SMS-DELIVER: {0}")]
    Tpdu(#[from] TpduError),
    /// TP-PID is not 0x7F: an ordinary SMS for the handset, not for the SIM.
    #[error("TP-PID {0:#04x} is not SIM data download")]
    NotSimDataDownload(u8),
    /// TP-DCS is not class 2 8-bit data.
    #[error("TP-DCS {0:#04x} is not class 2 8-bit data")]
    BadDcs(u8),
    /// No UDH, or no Command Packet Identifier (IEI 0x70) in it.
    #[error("no command packet identifier (UDH IEI 0x70)")]
    NoCommandPacket,
}

/// Whether a TP-DCS means 8-bit data of message class 2 (TS 23.038 section 4).
pub fn is_class2_8bit(dcs: u8) -> bool {
    match dcs >> 4 {
        // General data coding and automatic deletion groups: class meaningful (b4), 8-bit (b3b2 = 01), class 2.
        0x0..=0x7 => dcs & 0x20 == 0 && dcs & 0x10 != 0 && (dcs >> 2) & 0x03 == 1 && dcs & 3 == 2,
        0xF => dcs & 0x04 != 0 && dcs & 0x03 == 2,
        _ => false,
    }
}

/// Segments of concatenated SMS-PP downloads waiting for the rest.
#[derive(Debug, Default)]
pub struct Reassembler {
    partial: VecDeque<(u16, Vec<UserData>)>,
}

impl Reassembler {
    /// Takes one SMS-DELIVER; returns the Command Packet (CPL to the end)
    /// once all its segments are in, `Ok(None)` while some are missing.
    pub fn push(&mut self, tpdu: &[u8]) -> Result<Option<Vec<u8>>, SmsError> {
        let sms = SmsDeliver::decode(tpdu)?;
        if sms.tp_pid != PID_SIM_DATA_DOWNLOAD {
            return Err(SmsError::NotSimDataDownload(sms.tp_pid));
        }
        if !is_class2_8bit(sms.tp_dcs) {
            return Err(SmsError::BadDcs(sms.tp_dcs));
        }
        let ud = sms.user_data;
        let whole = match ud.header.as_ref().and_then(Udh::concat) {
            None => ud,
            Some((reference, total, _)) => {
                let pos = self.partial.iter().position(|(r, _)| *r == reference);
                let idx = match pos {
                    Some(i) => i,
                    None => {
                        if self.partial.len() == MAX_PARTIAL_MESSAGES {
                            self.partial.pop_front();
                        }
                        self.partial.push_back((reference, Vec::new()));
                        self.partial.len() - 1
                    }
                };
                let segments = &mut self.partial[idx].1;
                segments.push(ud);
                let mut seqs: Vec<u8> = segments
                    .iter()
                    .filter_map(|s| s.header.as_ref().and_then(Udh::concat).map(|c| c.2))
                    .collect();
                seqs.sort_unstable();
                seqs.dedup();
                if seqs.len() < usize::from(total) {
                    return Ok(None);
                }
                let (_, segments) = self.partial.remove(idx).unwrap_or_default();
                reassemble(&segments)?
            }
        };
        match whole.header {
            Some(h) if h.has(iei::COMMAND_PACKET) => Ok(Some(whole.data)),
            _ => Err(SmsError::NoCommandPacket),
        }
    }
}

/// The address of the OTA short code: TON unknown, NPI ISDN (TS 23.040 9.1.2.5).
pub fn short_code(digits: &str) -> Address {
    Address {
        ton: 0,
        npi: NPI_ISDN,
        digits: digits.to_owned(),
    }
}

/// SMS-SUBMIT TPDUs carrying `packet` after the UDH element `ie` (IEI 0x70
/// or 0x71), concatenated with reference `reference` when it needs more than
/// one message (TS 31.115 section 4: the identifier in the first segment).
pub fn submit_tpdus(
    to: &str,
    ie: InformationElement,
    packet: &[u8],
    reference: u8,
    first_mr: u8,
) -> Result<Vec<Vec<u8>>, TpduError> {
    split_8bit(packet, &[ie], reference)?
        .into_iter()
        .enumerate()
        .map(|(i, user_data)| {
            SmsSubmit {
                tp_mr: first_mr.wrapping_add(i as u8),
                tp_da: short_code(to),
                tp_pid: PID_SIM_DATA_DOWNLOAD,
                tp_dcs: DCS_CLASS2_8BIT,
                user_data,
                ..SmsSubmit::default()
            }
            .encode()
        })
        .collect()
}

/// An SMS-DELIVER-REPORT for RP-ACK (TS 23.040 section 9.2.2.1a) whose
/// TP-UD is `user_data` (UDH included): TP-MTI 00, TP-UDHI, TP-PI with
/// TP-PID, TP-DCS and TP-UDL present.
pub fn deliver_report(user_data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x40, 0x07, PID_SIM_DATA_DOWNLOAD, DCS_CLASS2_8BIT];
    out.push(user_data.len().min(255) as u8);
    out.extend_from_slice(user_data);
    out
}

/// The single-message user data of a Response Packet, in an SMS-SUBMIT.
pub fn por_submit(to: &str, packet: &[u8], mr: u8) -> Result<Vec<u8>, TpduError> {
    SmsSubmit {
        tp_mr: mr,
        tp_da: short_code(to),
        tp_pid: PID_SIM_DATA_DOWNLOAD,
        tp_dcs: DCS_CLASS2_8BIT,
        user_data: UserData {
            header: Some(Udh {
                ies: vec![InformationElement::response_packet()],
            }),
            data: packet.to_vec(),
        },
        ..SmsSubmit::default()
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class2_8bit_dcs() {
        for dcs in [0xF6, 0x16, 0x56] {
            assert!(is_class2_8bit(dcs), "{dcs:#x}");
        }
        for dcs in [0xF5, 0xF2, 0x04, 0x00, 0x12, 0x36, 0xE6] {
            assert!(!is_class2_8bit(dcs), "{dcs:#x}");
        }
    }

    fn deliver(ud: UserData) -> Vec<u8> {
        SmsDeliver {
            tp_pid: PID_SIM_DATA_DOWNLOAD,
            tp_dcs: DCS_CLASS2_8BIT,
            user_data: ud,
            ..SmsDeliver::default()
        }
        .encode()
        .unwrap()
    }

    #[test]
    fn reassembles_out_of_order_with_duplicates() {
        let packet: Vec<u8> = (0..=255).cycle().take(300).collect();
        let parts = split_8bit(&packet, &[InformationElement::command_packet()], 9).unwrap();
        assert_eq!(parts.len(), 3);
        let mut r = Reassembler::default();
        assert_eq!(r.push(&deliver(parts[2].clone())).unwrap(), None);
        assert_eq!(r.push(&deliver(parts[2].clone())).unwrap(), None);
        assert_eq!(r.push(&deliver(parts[0].clone())).unwrap(), None);
        assert_eq!(r.push(&deliver(parts[1].clone())).unwrap(), Some(packet));
        assert!(r.partial.is_empty());
    }

    #[test]
    fn partial_messages_are_bounded() {
        let packet = vec![1u8; 200];
        let mut r = Reassembler::default();
        for reference in 0..10u8 {
            let parts =
                split_8bit(&packet, &[InformationElement::command_packet()], reference).unwrap();
            r.push(&deliver(parts[0].clone())).unwrap();
        }
        assert_eq!(r.partial.len(), MAX_PARTIAL_MESSAGES);
    }

    #[test]
    fn refuses_what_is_not_a_command_packet() {
        let plain = UserData {
            header: None,
            data: vec![1, 2, 3],
        };
        let mut r = Reassembler::default();
        assert_eq!(r.push(&deliver(plain)), Err(SmsError::NoCommandPacket));
        assert!(matches!(r.push(&[0x00]), Err(SmsError::Tpdu(_))));
    }

    #[test]
    fn deliver_report_layout() {
        assert_eq!(
            deliver_report(&[0x02, 0x71, 0x00, 0xAA]),
            [0x40, 0x07, 0x7F, 0xF6, 0x04, 0x02, 0x71, 0x00, 0xAA]
        );
    }
}
