//! Fuzzes the applet challenge and answer decoders with a fixed key: never
//! a panic, and anything that decodes re-encodes to the same bytes.
#![no_main]

use idgw_mss::applet::{Answer, AppletKey, Challenge};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = AppletKey::new([0x5a; 32]);
    if let Ok(c) = Challenge::decode(data, &key) {
        assert_eq!(c.encode(&key).ok().as_deref(), Some(data));
    }
    if let Ok(a) = Answer::decode(data, &key) {
        assert_eq!(a.encode(&key), data);
    }
});
