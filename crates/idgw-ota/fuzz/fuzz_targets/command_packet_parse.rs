//! Fuzz the Command Packet parser (3GPP TS 31.115 section 4.2): it never
//! panics, a successful parse re-encodes to exactly the input, and opening
//! with some key set never panics. Run: `cargo fuzz run command_packet_parse`.
#![no_main]

use idgw_ota::{open_command, Cntr, CommandPacket, KeySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = CommandPacket::parse(data) {
        assert_eq!(packet.to_bytes().as_deref(), Ok(data));
        let _ = packet.info();
    }
    // Key lengths that fit DES, 3DES and AES in turn.
    for len in [8usize, 16, 24, 32] {
        let keys = KeySet::new(1, &vec![0x11; len], &vec![0x22; len]);
        let _ = open_command(data, |_| Some(&keys), |_| Cntr::default());
    }
});
