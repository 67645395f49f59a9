//! TPDU tests: hand-assembled SMS-DELIVER / SMS-SUBMIT from the TS 23.040
//! section 9.2.2 layouts, round trips, 7-bit with UDH, concatenation.

use super::*;

#[test]
fn decode_hand_assembled_ota_sms_deliver() {
    #[rustfmt::skip]
    let bytes = [
        0x44,                               // TP-MTI 00, TP-MMS 1, TP-UDHI 1
        0x03, 0x81, 0x88, 0xF2,             // TP-OA: 3 digits, TON unknown/NPI ISDN, "882"
        0x7F,                               // TP-PID: (U)SIM data download
        0xF6,                               // TP-DCS: class 2, 8-bit
        0x42, 0x20, 0x92, 0x21, 0x43, 0x65, 0x00, // TP-SCTS 24-02-29 12:34:56 +0
        0x06,                               // TP-UDL
        0x02, 0x70, 0x00,                   // UDHL 2, IEI 0x70, IEDL 0
        0x00, 0x10, 0x0D,                   // command packet (opaque here)
    ];
    let d = SmsDeliver::decode(&bytes).unwrap();
    assert_eq!(d.tp_oa.digits, "882");
    assert_eq!((d.tp_oa.ton, d.tp_oa.npi), (0, 1));
    assert_eq!((d.tp_pid, d.tp_dcs), (0x7F, 0xF6));
    assert_eq!(d.tp_scts, Scts::from_unix(1_709_210_096));
    let h = d.user_data.header.as_ref().unwrap();
    assert!(h.has(iei::COMMAND_PACKET));
    assert_eq!(d.user_data.data, [0x00, 0x10, 0x0D]);
    assert!(d.tp_mms);
    assert_eq!(d.encode().unwrap(), bytes);
}

#[test]
fn decode_hand_assembled_sms_submit_gsm7() {
    #[rustfmt::skip]
    let bytes = [
        0x01,                                     // TP-MTI 01, no VP
        0x00,                                     // TP-MR
        0x0B, 0x91, 0x44, 0x77, 0x00, 0x09, 0x00, 0xF1, // TP-DA +44770090001
        0x00, 0x00,                               // TP-PID, TP-DCS (GSM 7-bit)
        0x05, 0xE8, 0x32, 0x9B, 0xFD, 0x06,       // TP-UDL 5 septets, "hello"
    ];
    let s = SmsSubmit::decode(&bytes).unwrap();
    assert_eq!(s.tp_da, Address::international("44770090001"));
    assert_eq!(s.user_data.data, b"hello");
    assert_eq!(s.encode().unwrap(), bytes);
}

#[test]
fn round_trips() {
    let gsm7_udh = SmsDeliver {
        tp_oa: Address {
            ton: TON_ALPHANUMERIC,
            npi: 0,
            digits: "IDGW".into(),
        },
        tp_scts: Scts {
            tz_quarters: -8,
            ..Scts::from_unix(1_000_000_000)
        },
        user_data: UserData {
            header: Some(Udh {
                ies: vec![InformationElement::concat_8bit(7, 2, 1)],
            }),
            data: b"The quick brown fox".to_vec(),
        },
        ..SmsDeliver::default()
    };
    let b = gsm7_udh.encode().unwrap();
    assert_eq!(SmsDeliver::decode(&b).unwrap(), gsm7_udh);
    for vp in [
        ValidityPeriod::None,
        ValidityPeriod::Relative(0xA7),
        ValidityPeriod::Enhanced([1, 2, 3, 4, 5, 6, 7]),
        ValidityPeriod::Absolute(Scts::from_unix(1_709_210_096)),
    ] {
        let s = SmsSubmit {
            tp_vp: vp,
            tp_srr: true,
            tp_mr: 9,
            tp_da: Address {
                ton: 0,
                npi: 1,
                digits: "882".into(),
            },
            tp_pid: 0x7F,
            tp_dcs: 0xF6,
            user_data: UserData {
                header: Some(Udh {
                    ies: vec![InformationElement::response_packet()],
                }),
                data: vec![0xAA; 120],
            },
            ..SmsSubmit::default()
        };
        let b = s.encode().unwrap();
        assert_eq!(SmsSubmit::decode(&b).unwrap(), s);
    }
}

#[test]
fn malformed_tpdus_are_errors() {
    let d = SmsDeliver {
        tp_oa: Address::international("447700900001"),
        tp_dcs: 0xF6,
        user_data: UserData {
            header: Some(Udh {
                ies: vec![InformationElement::command_packet()],
            }),
            data: vec![1, 2, 3],
        },
        ..SmsDeliver::default()
    };
    let b = d.encode().unwrap();
    for cut in 0..b.len() {
        assert!(SmsDeliver::decode(&b[..cut]).is_err());
    }
    assert_eq!(SmsSubmit::decode(&b), Err(TpduError::WrongMessageType));
    let mut long = b.clone();
    long.push(0);
    assert_eq!(SmsDeliver::decode(&long), Err(TpduError::TrailingBytes));
    let too_long = SmsDeliver {
        user_data: UserData {
            header: None,
            data: vec![0; 141],
        },
        tp_dcs: 0xF6,
        ..SmsDeliver::default()
    };
    assert_eq!(too_long.encode(), Err(TpduError::UserDataTooLong));
    // Corrupting any octet never panics.
    for i in 0..b.len() {
        for v in [0x00, 0x7F, 0xFF] {
            let mut c = b.clone();
            c[i] = v;
            let _ = SmsDeliver::decode(&c);
            let _ = SmsSubmit::decode(&c);
        }
    }
}

#[test]
fn split_and_reassemble_command_packet() {
    let payload: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
    let segs = split_8bit(&payload, &[InformationElement::command_packet()], 0x42).unwrap();
    assert_eq!(segs.len(), 3);
    let first = segs[0].header.as_ref().unwrap();
    assert_eq!(first.ies[0], InformationElement::concat_8bit(0x42, 3, 1));
    assert_eq!(first.ies[1], InformationElement::command_packet());
    for (i, s) in segs.iter().enumerate() {
        let h = s.header.as_ref().unwrap();
        assert_eq!(h.concat(), Some((0x42, 3, i as u8 + 1)));
        assert_eq!(h.has(iei::COMMAND_PACKET), i == 0);
        assert!(h.encode().unwrap().len() + s.data.len() <= MAX_UD_OCTETS);
        // Each fits an SMS-DELIVER.
        let d = SmsDeliver {
            tp_dcs: 0xF6,
            user_data: s.clone(),
            ..SmsDeliver::default()
        };
        d.encode().unwrap();
    }
    let mut shuffled = segs.clone();
    shuffled.reverse();
    let whole = reassemble(&shuffled).unwrap();
    assert_eq!(whole.data, payload);
    assert_eq!(
        whole.header.unwrap().ies,
        vec![InformationElement::command_packet()]
    );
    assert_eq!(
        reassemble(&segs[..2]),
        Err(TpduError::Reassembly("missing segment"))
    );
    // Short payloads stay in one message without a concatenation IE.
    let one = split_8bit(&[1, 2, 3], &[InformationElement::command_packet()], 1).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].header.as_ref().unwrap().concat(), None);
    assert_eq!(reassemble(&one).unwrap(), one[0]);
}

#[test]
fn alphabets() {
    assert_eq!(Alphabet::from_dcs(0x00), Alphabet::Gsm7);
    assert_eq!(Alphabet::from_dcs(0x04), Alphabet::Octet);
    assert_eq!(Alphabet::from_dcs(0x08), Alphabet::Ucs2);
    assert_eq!(Alphabet::from_dcs(0xF6), Alphabet::Octet);
    assert_eq!(Alphabet::from_dcs(0xF0), Alphabet::Gsm7);
}
