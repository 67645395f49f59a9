//! Secured packets in SMS-PP user data: 3GPP TS 31.115 section 4.2 and 4.4
//! (UDH element IEIa 0x70 CPI for a Command Packet, 0x71 RPI for a Response
//! Packet, IEIDLa 0x00) and the 140-octet user data limit of 3GPP TS 23.040
//! section 9.2.3.24. Splitting into concatenated messages is done elsewhere.

/// Octets of user data in one short message (8-bit data).
pub const MAX_USER_DATA: usize = 140;
/// IEI of the Command Packet Identifier.
pub const IEI_COMMAND_PACKET: u8 = 0x70;
/// IEI of the Response Packet Identifier.
pub const IEI_RESPONSE_PACKET: u8 = 0x71;

/// The UDH of a secured packet alone in one short message: UDHL 0x02, IEIa, IEIDLa 0x00.
fn single_udh(iei: u8) -> [u8; 3] {
    [0x02, iei, 0x00]
}

/// Whether a packet (from CPL or RPL to the end) fits one short message together with its UDH.
pub fn fits_single_sms(packet: &[u8]) -> bool {
    packet.len() + 3 <= MAX_USER_DATA
}

/// User data (UDH then packet) of a Command Packet sent in one short message,
/// or `None` when it needs concatenation.
pub fn command_user_data(packet: &[u8]) -> Option<Vec<u8>> {
    user_data(IEI_COMMAND_PACKET, packet)
}

/// User data (UDH then packet) of a Response Packet sent in one short message,
/// or `None` when it does not fit.
pub fn response_user_data(packet: &[u8]) -> Option<Vec<u8>> {
    user_data(IEI_RESPONSE_PACKET, packet)
}

fn user_data(iei: u8, packet: &[u8]) -> Option<Vec<u8>> {
    if !fits_single_sms(packet) {
        return None;
    }
    let mut out = single_udh(iei).to_vec();
    out.extend_from_slice(packet);
    Some(out)
}

/// The packet inside single-SMS user data whose UDH is exactly
/// UDHL 0x02, `iei`, 0x00; `None` for any other UDH.
pub fn packet_in_user_data(iei: u8, user_data: &[u8]) -> Option<&[u8]> {
    match user_data {
        [0x02, i, 0x00, rest @ ..] if *i == iei => Some(rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_sms_limits() {
        let fits = vec![0u8; 137];
        let ud = command_user_data(&fits).unwrap();
        assert_eq!(ud.len(), 140);
        assert_eq!(&ud[..3], &[0x02, 0x70, 0x00]);
        assert_eq!(packet_in_user_data(0x70, &ud), Some(&fits[..]));
        assert_eq!(packet_in_user_data(0x71, &ud), None);
        assert!(command_user_data(&[0u8; 138]).is_none());
        assert_eq!(&response_user_data(&[1]).unwrap(), &[0x02, 0x71, 0x00, 1]);
    }
}
