//! AES-CMAC through the packet checksum function, against RFC 4493 section 4
//! (AES-128 examples 1-4) and NIST SP 800-38B appendix D.2/D.3 (AES-192/256
//! example 1, empty message). TS 102 225 keeps the leftmost 8 or 4 octets.

use idgw_ota::crypto::checksum;
use idgw_ota::{CcAlgorithm, Key};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn cmac8(key: &str, msg: &str) -> Vec<u8> {
    checksum(CcAlgorithm::AesCmac, &Key::new(&h(key)), &h(msg), 8).unwrap()
}

const K128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const M64: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 \
                   30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";

#[test]
fn rfc4493_examples() {
    let m = h(M64);
    let msg = |n: usize| hex::encode(&m[..n]);
    assert_eq!(cmac8(K128, ""), h("bb1d6929e9593728"));
    assert_eq!(cmac8(K128, &msg(16)), h("070a16b46b4d4144"));
    assert_eq!(cmac8(K128, &msg(40)), h("dfa66747de9ae630"));
    assert_eq!(cmac8(K128, &msg(64)), h("51f0bebf7e3b9d92"));
    let four = checksum(CcAlgorithm::AesCmac, &Key::new(&h(K128)), &m[..16], 4).unwrap();
    assert_eq!(four, h("070a16b4"));
}

#[test]
fn sp800_38b_aes192_aes256_empty_message() {
    assert_eq!(
        cmac8("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", ""),
        h("d17ddf46adaacde5")
    );
    assert_eq!(
        cmac8(
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            ""
        ),
        h("028962f61b7bf89e")
    );
}

#[test]
fn cc_lengths_other_than_spec_are_refused() {
    let key = Key::new(&h(K128));
    assert!(checksum(CcAlgorithm::AesCmac, &key, b"", 5).is_err());
    assert!(checksum(CcAlgorithm::DesCbcMac, &Key::new(&[0; 8]), b"", 4).is_err());
}
