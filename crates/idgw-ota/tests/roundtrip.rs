//! Round trips over every algorithm and SPI combination, and the failure
//! paths a receiving entity must answer with the right Response Status Code
//! (ETSI TS 102 225 section 5.2.2): tampering, wrong keys, counters, truncation.

use idgw_ota::{
    open_command, open_response, CcAlgorithm, CipherAlgorithm, CmacLength, Cntr, CommandPacket,
    CounterMode, Integrity, KeyId, KeySet, OtaError, PorRequired, PorTransport, RcAlgorithm,
    ResponsePacket, ResponseStatus, SecurityParams, Spi, Tar,
};

const TAR: Tar = Tar([0xB0, 0x00, 0x10]);

fn ciphers() -> Vec<(Option<CipherAlgorithm>, usize)> {
    vec![
        (None, 16),
        (Some(CipherAlgorithm::DesCbc), 8),
        (Some(CipherAlgorithm::TripleDes2Cbc), 16),
        (Some(CipherAlgorithm::TripleDes3Cbc), 24),
        (Some(CipherAlgorithm::DesEcb), 8),
        (Some(CipherAlgorithm::AesCbc), 16),
        (Some(CipherAlgorithm::AesCbc), 24),
        (Some(CipherAlgorithm::AesCbc), 32),
    ]
}

/// (integrity, KID, key length, CMAC length)
fn checks() -> Vec<(Integrity, KeyId, usize, CmacLength)> {
    let e = CmacLength::Eight;
    vec![
        (Integrity::None, KeyId::NONE, 16, e),
        (Integrity::Rc, KeyId::kid_rc(RcAlgorithm::Crc16, 1), 16, e),
        (Integrity::Rc, KeyId::kid_rc(RcAlgorithm::Crc32, 1), 16, e),
        (
            Integrity::Cc,
            KeyId::kid_cc(CcAlgorithm::DesCbcMac, 1),
            8,
            e,
        ),
        (
            Integrity::Cc,
            KeyId::kid_cc(CcAlgorithm::TripleDes2CbcMac, 1),
            16,
            e,
        ),
        (
            Integrity::Cc,
            KeyId::kid_cc(CcAlgorithm::TripleDes3CbcMac, 1),
            24,
            e,
        ),
        (Integrity::Cc, KeyId::kid_cc(CcAlgorithm::AesCmac, 1), 16, e),
        (
            Integrity::Cc,
            KeyId::kid_cc(CcAlgorithm::AesCmac, 1),
            32,
            CmacLength::Four,
        ),
    ]
}

fn key_bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len as u8).map(|i| i.wrapping_mul(31) ^ seed).collect()
}

/// Every combination: (params, keys).
fn combinations() -> Vec<(SecurityParams, KeySet)> {
    let mut out = Vec::new();
    for (cipher, kic_len) in ciphers() {
        for (integrity, kid, kid_len, cmac_len) in checks() {
            for counter in [
                CounterMode::NoCounter,
                CounterMode::NoReplayCheck,
                CounterMode::MustBeHigher,
                CounterMode::MustBeNext,
            ] {
                let spi = Spi {
                    integrity,
                    ciphered: cipher.is_some(),
                    counter,
                    por: PorRequired::Always,
                    por_integrity: integrity,
                    por_ciphered: cipher.is_some(),
                    por_transport: PorTransport::Submit,
                };
                let kic = cipher.map_or(KeyId::NONE, |c| KeyId::kic(c, 1));
                let mut params = SecurityParams::new(spi, kic, kid);
                params.cmac_len = cmac_len;
                let keys = KeySet::new(1, &key_bytes(kic_len, 0x5A), &key_bytes(kid_len, 0xC3));
                out.push((params, keys));
            }
        }
    }
    out
}

#[test]
fn command_and_response_round_trip_everywhere() {
    let last = Cntr::new(41).unwrap();
    let cntr = Cntr::new(42).unwrap();
    for (params, keys) in combinations() {
        for len in [0usize, 1, 7, 8, 15, 16, 17, 33] {
            let data: Vec<u8> = (0..len as u8).collect();
            let sealed = CommandPacket::seal(&params, &keys, TAR, cntr, &data).unwrap();
            let parsed = CommandPacket::parse(&sealed).unwrap();
            assert_eq!(parsed.to_bytes().unwrap(), sealed);
            let opened = open_command(&sealed, |kvn| (kvn == 1).then_some(&keys), |_| last)
                .unwrap_or_else(|f| panic!("{params:?} len {len}: {f:?}"));
            assert_eq!(opened.data, data);
            assert_eq!(opened.cntr, cntr);
            assert_eq!(opened.spi, params.spi);

            let por = ResponsePacket::seal(&params, &keys, TAR, cntr, ResponseStatus::PorOk, &data)
                .unwrap();
            assert_eq!(
                ResponsePacket::parse(&por).unwrap().to_bytes().unwrap(),
                por
            );
            let r = open_response(&por, &params, &keys).unwrap();
            assert!(r.secured);
            assert_eq!(
                (r.data, r.cntr, r.status),
                (data, cntr, ResponseStatus::PorOk)
            );
        }
    }
}

#[test]
fn any_tampered_octet_fails_the_checksum() {
    let cntr = Cntr::new(7).unwrap();
    for (params, keys) in combinations() {
        if params.spi.integrity != Integrity::Cc {
            continue;
        }
        let sealed = CommandPacket::seal(&params, &keys, TAR, cntr, b"select 3F00").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            let res = open_command(&bad, |_| Some(&keys), |_| Cntr::default());
            let f = res.expect_err("tampered packet accepted");
            // Octets before SPI break the structure; later ones the CC (or the header coding).
            assert!(
                matches!(
                    f.status,
                    ResponseStatus::RcCcDsFailed
                        | ResponseStatus::UnidentifiedSecurityError
                        | ResponseStatus::CipheringError
                ),
                "{i}: {f:?}"
            );
            if i >= 10 {
                assert_eq!(f.status, ResponseStatus::RcCcDsFailed, "{i}: {f:?}");
            }
        }
    }
}

#[test]
fn wrong_key_and_unknown_key() {
    let cntr = Cntr::new(7).unwrap();
    for (params, keys) in combinations() {
        if params.spi.integrity != Integrity::Cc {
            continue;
        }
        let sealed = CommandPacket::seal(&params, &keys, TAR, cntr, b"data").unwrap();
        let other = KeySet::new(
            1,
            &key_bytes(keys.kic.len(), 1),
            &key_bytes(keys.kid.len(), 2),
        );
        let f = open_command(&sealed, |_| Some(&other), |_| Cntr::default()).unwrap_err();
        assert_eq!(f.status, ResponseStatus::RcCcDsFailed, "{params:?}");
        assert_eq!(f.info.unwrap().tar, TAR);
        let f = open_command(&sealed, |_| None, |_| Cntr::default()).unwrap_err();
        assert_eq!(f.status, ResponseStatus::UnidentifiedSecurityError);
        assert_eq!(f.error, OtaError::UnknownKey(1));
        // The PoR side: a wrong key fails too.
        let por =
            ResponsePacket::seal(&params, &keys, TAR, cntr, ResponseStatus::PorOk, b"ok").unwrap();
        assert!(open_response(&por, &params, &other).is_err());
    }
}

#[test]
fn counter_statuses() {
    let (params, keys) = combinations()
        .into_iter()
        .find(|(p, _)| p.spi.counter == CounterMode::MustBeNext && p.spi.integrity == Integrity::Cc)
        .unwrap();
    let c = |v| Cntr::new(v).unwrap();
    let sealed = CommandPacket::seal(&params, &keys, TAR, c(10), b"x").unwrap();
    let status = |last| {
        open_command(&sealed, |_| Some(&keys), |_| last)
            .map(|o| o.cntr)
            .map_err(|f| (f.status, f.info.and_then(|i| i.cntr)))
    };
    assert_eq!(status(c(9)), Ok(c(10)));
    assert_eq!(status(c(10)), Err((ResponseStatus::CntrLow, Some(c(10)))));
    assert_eq!(status(c(8)), Err((ResponseStatus::CntrHigh, Some(c(10)))));
    assert_eq!(
        status(Cntr::MAX),
        Err((ResponseStatus::CntrBlocked, Some(c(10))))
    );
}

#[test]
fn truncated_and_garbage_never_panic() {
    let cntr = Cntr::new(3).unwrap();
    for (params, keys) in combinations().into_iter().step_by(7) {
        let sealed = CommandPacket::seal(&params, &keys, TAR, cntr, b"0123456789").unwrap();
        for n in 0..sealed.len() {
            assert!(CommandPacket::parse(&sealed[..n]).is_err());
            assert!(open_command(&sealed[..n], |_| Some(&keys), |_| cntr).is_err());
        }
        let por =
            ResponsePacket::seal(&params, &keys, TAR, cntr, ResponseStatus::PorOk, b"ab").unwrap();
        for n in 0..por.len() {
            assert!(open_response(&por[..n], &params, &keys).is_err());
        }
    }
    // Consistent lengths, bodies too short for the announced CC.
    let short = [
        0x00, 0x0F, 0x15, 0x16, 0x01, 0x75, 0x75, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7,
    ];
    let ks = KeySet::new(7, &[0; 16], &[0; 16]);
    assert!(open_command(&short, |_| Some(&ks), |_| cntr).is_err());
}

#[test]
fn unsecured_error_por_is_reported_as_unsecured() {
    let (params, keys) = combinations()
        .into_iter()
        .find(|(p, _)| p.spi.ciphered && p.spi.integrity == Integrity::Cc)
        .unwrap();
    let status = ResponseStatus::UnidentifiedSecurityError;
    let plain = idgw_ota::por_params_for(&params, status);
    let por = ResponsePacket::seal(&plain, &keys, TAR, Cntr::default(), status, &[]).unwrap();
    let r = open_response(&por, &params, &keys).unwrap();
    assert!(!r.secured);
    assert_eq!(r.status, status);
    // An unsecured "PoR OK" is never accepted when security was asked for.
    let ok = ResponsePacket::seal(
        &plain,
        &keys,
        TAR,
        Cntr::default(),
        ResponseStatus::PorOk,
        &[],
    )
    .unwrap();
    assert!(open_response(&ok, &params, &keys).is_err());
}
