//! Fuzzes the JSON decoder: never a panic; decoded messages round-trip.
#![no_main]

use idgw_mss::{json, Envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match json::decode(data) {
        Ok(Envelope::Message(m)) => {
            let text = json::encode(&m);
            assert_eq!(
                json::decode(text.as_bytes()).ok(),
                Some(Envelope::Message(m))
            );
        }
        Ok(Envelope::Fault(f)) => {
            let _ = json::encode_fault(&f);
        }
        Err(e) => {
            let _ = e.to_fault();
        }
    }
});
