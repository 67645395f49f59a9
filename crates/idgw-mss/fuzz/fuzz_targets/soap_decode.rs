//! Fuzzes the SOAP decoder: any input must give a message, a fault or a
//! classified error, never a panic; decoded messages must re-encode.
#![no_main]

use idgw_mss::{soap, Envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match soap::decode(data) {
        Ok(Envelope::Message(m)) => {
            if let Ok(xml) = soap::encode(&m) {
                let _ = soap::decode(xml.as_bytes());
            }
        }
        Ok(Envelope::Fault(f)) => {
            let _ = soap::encode_fault(&f);
        }
        Err(e) => {
            let _ = e.to_fault();
        }
    }
});
