//! Fuzz the Response Packet parser (3GPP TS 31.115 section 4.4): it never
//! panics, a successful parse re-encodes to exactly the input, and opening
//! under SPI/KIc/KID taken from the first octets never panics.
//! Run: `cargo fuzz run response_packet_parse`.
#![no_main]

use idgw_ota::{open_response, KeyId, KeySet, ResponsePacket, SecurityParams, Spi};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = ResponsePacket::parse(data) {
        assert_eq!(packet.to_bytes().as_deref(), Ok(data));
    }
    if let [a, b, kic, kid, rest @ ..] = data {
        if let Ok(spi) = Spi::from_bytes([*a, *b]) {
            let params = SecurityParams::new(spi, KeyId(*kic), KeyId(*kid));
            for len in [8usize, 16, 24, 32] {
                let keys = KeySet::new(1, &vec![0x11; len], &vec![0x22; len]);
                let _ = open_response(rest, &params, &keys);
            }
        }
    }
});
