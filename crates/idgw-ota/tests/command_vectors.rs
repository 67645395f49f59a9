//! Published Command Packet vectors reproduced byte for byte.
//!
//! Source: opentelecoms gsm0348 library, test data set
//! `gsm0348-impl/src/test/resources/Dataset0348.xml` (GitHub TapuGithub/gsm0348).
//! Each `RequestResult` there is the Command Packet from CPL to the end.
//! Only the test values are taken from that file.

use idgw_ota::{
    open_command, CcAlgorithm, CipherAlgorithm, Cntr, CommandPacket, CounterMode, Integrity, KeyId,
    KeySet, PorRequired, PorTransport, SecurityParams, Spi, Tar,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn spi(integrity: Integrity, ciphered: bool, counter: CounterMode) -> Spi {
    Spi {
        integrity,
        ciphered,
        counter,
        por: PorRequired::Always,
        por_integrity: Integrity::None,
        por_ciphered: false,
        por_transport: PorTransport::DeliverReport,
    }
}

struct Case {
    params: SecurityParams,
    kic: &'static str,
    kid: &'static str,
    tar: [u8; 3],
    cntr: u64,
    data: &'static str,
    expected: &'static str,
}

fn check(case: Case) {
    let keys = KeySet::new(case.params.kic.kvn(), &h(case.kic), &h(case.kid));
    let cntr = Cntr::new(case.cntr).unwrap();
    let sealed =
        CommandPacket::seal(&case.params, &keys, Tar(case.tar), cntr, &h(case.data)).unwrap();
    assert_eq!(hex::encode_upper(&sealed), case.expected.to_uppercase());
    // ...and the receiving side opens it back to the same data.
    let prev = Cntr::new(case.cntr - 1).unwrap();
    let opened = open_command(&sealed, |_| Some(&keys), |_| prev).unwrap();
    assert_eq!(opened.data, h(case.data));
    assert_eq!(opened.cntr, cntr);
    assert_eq!(opened.tar, Tar(case.tar));
}

#[test]
fn dataset0348_test024_3des2_cc_ciphered() {
    // Dataset0348.xml testcase "test024": KIc/KID 3DES 2 keys, key set 7, CC, ciphered,
    // counter must be higher, TAR 000000, CNTR 000000036F.
    check(Case {
        params: SecurityParams::new(
            spi(Integrity::Cc, true, CounterMode::MustBeHigher),
            KeyId::kic(CipherAlgorithm::TripleDes2Cbc, 7),
            KeyId::kid_cc(CcAlgorithm::TripleDes2CbcMac, 7),
        ),
        kic: "20422042204420442045204520462046",
        kid: "2123456789ABCDEF100276FEDCBA0123",
        tar: [0, 0, 0],
        cntr: 0x36F,
        data: "A0A40000027F20",
        expected: "002015160175750000002B2D234931B581FC76BE70F3C5DD49F2967E9B2244A228C1",
    });
}

#[test]
fn dataset0348_test_aes_128_aes_cmac_64() {
    // Dataset0348.xml testcase "test_aes_128_aes_cmac_64": AES-128 CBC, AES-CMAC 8 octets,
    // key set 1, TAR B00010, CNTR 0000000001.
    check(Case {
        params: SecurityParams::new(
            spi(Integrity::Cc, true, CounterMode::MustBeHigher),
            KeyId::kic(CipherAlgorithm::AesCbc, 1),
            KeyId::kid_cc(CcAlgorithm::AesCmac, 1),
        ),
        kic: "D382E547B32F46A981FB1789DE20C4ED",
        kid: "67062EAE4534B19DFCE61464597DF320",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "000E0AB0001000000018180000049000",
        expected:
            "00281516011212B0001069787DD434C3D1C892ED66A873E85842746A9A9BA085FA42312B9DE449720A15",
    });
}

#[test]
fn dataset0348_test_aes_192_and_256_aes_cmac() {
    // Dataset0348.xml testcases "test_aes_192_aes_cmac_64", "test_aes_256_aes_cmac_64"
    // and "test_aes_256_aes_cmac_32" (4-octet CMAC, CHL 0x11).
    let aes = |cmac_len| {
        let mut p = SecurityParams::new(
            spi(Integrity::Cc, true, CounterMode::MustBeHigher),
            KeyId::kic(CipherAlgorithm::AesCbc, 1),
            KeyId::kid_cc(CcAlgorithm::AesCmac, 1),
        );
        p.cmac_len = cmac_len;
        p
    };
    check(Case {
        params: aes(idgw_ota::CmacLength::Eight),
        kic: "D382E547B32F46A981FB1789DE20C4EDD382E547B32F46A9",
        kid: "67062EAE4534B19DFCE61464597DF32067062EAE4534B19D",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "000E0AB0001000000018180000049000",
        expected:
            "00281516011212B0001085B09A5F9A25A1EC3E7FF5A02FA73ABF59F38EB9E4052FDB4352C38E6550DB52",
    });
    check(Case {
        params: aes(idgw_ota::CmacLength::Eight),
        kic: "D382E547B32F46A981FB1789DE20C4EDD382E547B32F46A981FB1789DE20C4ED",
        kid: "67062EAE4534B19DFCE61464597DF320D382E547B32F46A981FB1789DE20C4ED",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "000E0AB0001000000018180000049000",
        expected:
            "00281516011212B00010C9F23D986CC63FA53638751A249266D1086952E9A0F7E5EF1910295919E68056",
    });
    check(Case {
        params: aes(idgw_ota::CmacLength::Four),
        kic: "D382E547B32F46A981FB1789DE20C4EDD382E547B32F46A981FB1789DE20C4ED",
        kid: "67062EAE4534B19DFCE61464597DF320D382E547B32F46A981FB1789DE20C4ED",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "000E0AB0001000000018180000049000",
        expected:
            "00281116011212B00010B2E0C40CCAFEF52E45EDF0C612D4ECA0C477A70CF860A76D0F4798A1793635A5",
    });
}

#[test]
fn dataset0348_test101_3des2_cc_not_ciphered() {
    // Dataset0348.xml testcase "test101": CC without ciphering (PCNTR 0, no padding sent).
    check(Case {
        params: SecurityParams::new(
            spi(Integrity::Cc, false, CounterMode::MustBeHigher),
            KeyId::kic(CipherAlgorithm::TripleDes2Cbc, 7),
            KeyId::kid_cc(CcAlgorithm::TripleDes2CbcMac, 7),
        ),
        kic: "20422042204420442045204520462046",
        kid: "2123456789ABCDEF100276FEDCBA0123",
        tar: [0, 0, 0],
        cntr: 0x36F,
        data: "A0A40000027F20",
        expected: "001D1512017575000000000000036F0087A47C630C8CA89EA0A40000027F20",
    });
}

#[test]
fn dataset0348_des_cbc_and_ecb_ciphering_only() {
    // Dataset0348.xml testcases "test002" (DES CBC) and "test004" (DES ECB), ciphering
    // only, counter available without replay check; KID 0x01 is sent but unused.
    let des = |alg| {
        let mut p = SecurityParams::new(
            spi(Integrity::None, true, CounterMode::NoReplayCheck),
            KeyId::kic(alg, 0),
            KeyId::kid_cc(CcAlgorithm::DesCbcMac, 0),
        );
        p.spi.por = PorRequired::Always;
        p
    };
    check(Case {
        params: des(CipherAlgorithm::DesCbc),
        kic: "1793F5B8FA365911",
        kid: "0000000000000000",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "A0A40000023F00A0A40000027F10A0A40000026F3CA0B2010405",
        expected:
            "00280D0C010101B000105905054126C910D7FF308D2D377B7F981C7370E4639F0EC82F9FED71B2527830",
    });
    check(Case {
        params: des(CipherAlgorithm::DesEcb),
        kic: "1793F5B8FA365911",
        kid: "0000000000000000",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "A0A40000023F00A0A40000027F10A0A40000026F3CA0B2010405",
        expected:
            "00280D0C010D01B000105905054126C910D7837B8C1644C06CAFCBF498D3389CC2E8AFF3E3FF451D3324",
    });
}

#[test]
fn dataset0348_test022_3des3_cc_ciphered() {
    // Dataset0348.xml testcase "test022": 3DES 3 keys for both KIc and KID.
    check(Case {
        params: SecurityParams::new(
            spi(Integrity::Cc, true, CounterMode::NoReplayCheck),
            KeyId::kic(CipherAlgorithm::TripleDes3Cbc, 0),
            KeyId::kid_cc(CcAlgorithm::TripleDes3CbcMac, 0),
        ),
        kic: "938ED71B96CC424B7255E700AF27D4AA128BAA5F27D25559",
        kid: "9571C0BE50A35A74034D055F5A0A3FB10005D8C93C6A3918",
        tar: [0xB0, 0x00, 0x10],
        cntr: 1,
        data: "A0A40000023F00A0A40000027F10A0A40000026F3CA0B2010405",
        expected: "0030150E010909B00010F62431EA2C69C44298E52B71EF4DFD05FA427F05E9202501046125FE1AFE325E56D130B660EEE52A",
    });
}
