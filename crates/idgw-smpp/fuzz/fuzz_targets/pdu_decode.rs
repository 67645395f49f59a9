//! Fuzz target: SMPP v3.4 PDU decoding never panics, and every PDU that
//! decodes re-encodes to bytes that decode to the same header and value.
//! Run with `cargo +nightly fuzz run pdu_decode` from crates/idgw-smpp.
#![no_main]

use idgw_smpp::pdu::{decode, encode_with_status, frame_len};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = frame_len(data);
    if let Ok((header, pdu)) = decode(data) {
        let bytes = encode_with_status(&pdu, header.command_status, header.sequence_number)
            .expect("a decoded PDU must re-encode");
        let (h2, pdu2) = decode(&bytes).expect("re-encoded PDU must decode");
        assert_eq!(pdu2, pdu);
        assert_eq!(h2.command_id, header.command_id);
        assert_eq!(h2.command_status, header.command_status);
        assert_eq!(h2.sequence_number, header.sequence_number);
    }
});
