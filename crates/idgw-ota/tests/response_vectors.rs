//! Published Response Packet vectors.
//!
//! Source: opentelecoms gsm0348 library, `gsm0348-impl/src/test/resources/Dataset0348.xml`
//! (GitHub TapuGithub/gsm0348), testcases "Tomas Andersen Bug #1" and "Response-501";
//! and the plain PoR example in the comments of osmocom pySim `pySim/ota.py`.
//! Only the test values are taken from those files.

use idgw_ota::{
    open_response, sms, CcAlgorithm, CipherAlgorithm, Cntr, CounterMode, Integrity, KeyId, KeySet,
    PorRequired, PorTransport, ResponsePacket, ResponseStatus, SecurityParams, Spi, Tar,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn dataset0348_tomas_andersen_bug_1_ciphered_cc_por() {
    // Command SPI: CC, ciphered, counter must be higher; PoR always, CC, ciphered, SMS-SUBMIT.
    // KIc/KID 3DES 2 keys, key set 2.
    let params = SecurityParams::new(
        Spi {
            integrity: Integrity::Cc,
            ciphered: true,
            counter: CounterMode::MustBeHigher,
            por: PorRequired::Always,
            por_integrity: Integrity::Cc,
            por_ciphered: true,
            por_transport: PorTransport::Submit,
        },
        KeyId::kic(CipherAlgorithm::TripleDes2Cbc, 2),
        KeyId::kid_cc(CcAlgorithm::TripleDes2CbcMac, 2),
    );
    let keys = KeySet::new(
        2,
        &h("AAADB5D0727D2BC91075D204FE41DA99"),
        &h("26A54F5FC8E1538BF9C9655C18F10A5B"),
    );
    let wire = h("001C12C00203F5909CB8B8F141FEC926024DCF0EB376D4CCFB92BB35177A");
    let opened = open_response(&wire, &params, &keys).unwrap();
    assert!(opened.secured);
    assert_eq!(opened.tar, Tar([0xC0, 0x02, 0x03]));
    assert_eq!(opened.cntr, Cntr::new(0x42).unwrap());
    assert_eq!(opened.status, ResponseStatus::PorOk);
    assert_eq!(opened.data, h("1100"));
    // Sealing the same content reproduces the published octets.
    let sealed = ResponsePacket::seal(
        &params,
        &keys,
        opened.tar,
        opened.cntr,
        opened.status,
        &opened.data,
    )
    .unwrap();
    assert_eq!(sealed, wire);
    // A flipped bit in the CC is detected.
    let mut bad = wire.clone();
    bad[10] ^= 1;
    assert!(open_response(&bad, &params, &keys).is_err());
}

#[test]
fn plain_por_vectors() {
    let plain = SecurityParams::new(
        Spi::from_bytes([0x00, 0x01]).unwrap(),
        KeyId::NONE,
        KeyId::NONE,
    );
    let keys = KeySet::new(0, &[], &[]);
    // Dataset0348.xml "Response-501": 000E 0A B00010 0000000001 00 00 016E00.
    let wire = h("000E0AB0001000000000010000016E00");
    let r = open_response(&wire, &plain, &keys).unwrap();
    assert_eq!(r.status, ResponseStatus::PorOk);
    assert_eq!(r.data, h("016E00"));
    let sealed = ResponsePacket::seal(&plain, &keys, r.tar, r.cntr, r.status, &r.data).unwrap();
    assert_eq!(sealed, wire);
    // pySim ota.py comment: plain-text PoR in single-SMS user data.
    let ud = h("027100000e0ab000110000000000000001612f");
    let packet = sms::packet_in_user_data(sms::IEI_RESPONSE_PACKET, &ud).unwrap();
    let r = open_response(packet, &plain, &keys).unwrap();
    assert_eq!(r.tar, Tar([0xB0, 0x00, 0x11]));
    assert_eq!(r.data, h("01612f"));
    assert_eq!(sms::response_user_data(&sealed).unwrap()[..3], [2, 0x71, 0]);
}
