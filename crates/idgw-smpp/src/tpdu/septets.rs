//! GSM 7-bit default alphabet packing (TS 23.038 section 6.1.2.1): septets
//! packed LSB first into octets, starting at a bit offset (the fill bits
//! after a User Data Header, TS 23.040 section 9.2.3.24).

/// Packs septets into octets, starting `bit_offset` bits into the output.
pub(crate) fn pack(septets: &[u8], bit_offset: usize) -> Vec<u8> {
    let total_bits = bit_offset + septets.len() * 7;
    let mut out = vec![0u8; total_bits.div_ceil(8)];
    for (i, s) in septets.iter().enumerate() {
        let bit = bit_offset + i * 7;
        let v = u16::from(s & 0x7F) << (bit % 8);
        out[bit / 8] |= v as u8;
        if let Some(next) = out.get_mut(bit / 8 + 1) {
            *next |= (v >> 8) as u8;
        }
    }
    out
}

/// Unpacks `count` septets starting `bit_offset` bits into `octets`
/// (missing bits read as zero).
pub(crate) fn unpack(octets: &[u8], bit_offset: usize, count: usize) -> Vec<u8> {
    (0..count)
        .map(|i| {
            let bit = bit_offset + i * 7;
            let lo = u16::from(octets.get(bit / 8).copied().unwrap_or(0));
            let hi = u16::from(octets.get(bit / 8 + 1).copied().unwrap_or(0));
            (((hi << 8 | lo) >> (bit % 8)) & 0x7F) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_packs_as_in_ts_23_038() {
        // "hello" -> E8 32 9B FD 06
        assert_eq!(pack(b"hello", 0), vec![0xE8, 0x32, 0x9B, 0xFD, 0x06]);
        assert_eq!(unpack(&[0xE8, 0x32, 0x9B, 0xFD, 0x06], 0, 5), b"hello");
        let p = pack(b"abcdefgh", 5);
        assert_eq!(unpack(&p, 5, 8), b"abcdefgh");
    }
}
