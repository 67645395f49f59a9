//! Codec tests: round trips for every PDU, hand-assembled frames written out
//! from the SMPP v3.4 section 4 field tables, and malformed input.

use super::*;
use crate::tlv::Tlv;

fn ota_submit() -> SubmitSm {
    SubmitSm {
        source_addr_ton: 0x03,
        source_addr_npi: 0x00,
        source_addr: "882".into(),
        dest_addr_ton: 0x01,
        dest_addr_npi: 0x01,
        destination_addr: "447700900001".into(),
        esm_class: esm_class::UDHI,
        protocol_id: protocol_id::SIM_DATA_DOWNLOAD,
        registered_delivery: registered_delivery::ON_SUCCESS_OR_FAILURE,
        data_coding: data_coding::CLASS2_8BIT,
        short_message: vec![0x02, 0x70, 0x00, 0x00, 0x10, 0x0D],
        ..SubmitSm::default()
    }
}

fn all_pdus() -> Vec<Pdu> {
    let bind = Bind {
        system_type: "OTA".into(),
        addr_ton: 1,
        addr_npi: 1,
        address_range: "^882".into(),
        ..Bind::new("idgw-ota", "secret")
    };
    let resp = BindResp {
        system_id: "SMSC".into(),
        tlvs: vec![Tlv::Other {
            tag: crate::tlv::tag::SC_INTERFACE_VERSION,
            value: vec![0x34],
        }],
    };
    let mut deliver = ota_submit();
    deliver.esm_class = esm_class::SMSC_DELIVERY_RECEIPT;
    deliver.tlvs = vec![
        Tlv::ReceiptedMessageId("abc123".into()),
        Tlv::MessageState(2),
        Tlv::NetworkErrorCode {
            network_type: 3,
            error_code: 0x0102,
        },
        Tlv::Other {
            tag: 0x1400,
            value: vec![1, 2, 3],
        },
    ];
    let mut long = ota_submit();
    long.short_message.clear();
    long.tlvs = vec![
        Tlv::MessagePayload(vec![0xAB; 600]),
        Tlv::SarMsgRefNum(0x1234),
        Tlv::SarTotalSegments(3),
        Tlv::SarSegmentSeqnum(1),
        Tlv::UserMessageReference(7),
    ];
    vec![
        Pdu::BindReceiver(bind.clone()),
        Pdu::BindTransmitter(bind.clone()),
        Pdu::BindTransceiver(bind),
        Pdu::BindReceiverResp(resp.clone()),
        Pdu::BindTransmitterResp(resp.clone()),
        Pdu::BindTransceiverResp(BindResp::default()),
        Pdu::Outbind(Outbind {
            system_id: "SMSC".into(),
            password: "pw".into(),
        }),
        Pdu::SubmitSm(ota_submit()),
        Pdu::SubmitSm(long),
        Pdu::SubmitSmResp(SubmitSmResp {
            message_id: "1f".into(),
        }),
        Pdu::DeliverSm(deliver),
        Pdu::DeliverSmResp(DeliverSmResp::default()),
        Pdu::Unbind,
        Pdu::UnbindResp,
        Pdu::EnquireLink,
        Pdu::EnquireLinkResp,
        Pdu::GenericNack,
    ]
}

#[test]
fn round_trip_every_pdu() {
    for (i, pdu) in all_pdus().into_iter().enumerate() {
        let seq = 1000 + i as u32;
        let bytes = encode(&pdu, seq).unwrap();
        assert_eq!(frame_len(&bytes).unwrap(), Some(bytes.len()));
        let (h, back) = decode(&bytes).unwrap();
        assert_eq!(back, pdu);
        assert_eq!(h.sequence_number, seq);
        assert_eq!(h.command_id, pdu.command_id());
        assert_eq!(h.command_length as usize, bytes.len());
        assert!(h.command_status.is_ok());
    }
}

#[test]
fn error_responses_omit_body() {
    let pdu = Pdu::SubmitSmResp(SubmitSmResp::default());
    let bytes = encode_with_status(&pdu, CommandStatus::EsmeRThrottled, 9).unwrap();
    assert_eq!(bytes.len(), HEADER_LEN);
    let (h, back) = decode(&bytes).unwrap();
    assert_eq!(h.command_status, CommandStatus::EsmeRThrottled);
    assert_eq!(back, pdu);
    let nack = encode_with_status(&Pdu::GenericNack, CommandStatus::EsmeRInvCmdId, 5).unwrap();
    assert_eq!(
        nack,
        [0, 0, 0, 16, 0x80, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 5].to_vec()
    );
}

/// bind_transceiver (4.1.5) assembled by hand from the field table.
#[test]
fn decode_hand_assembled_bind_transceiver() {
    #[rustfmt::skip]
    let bytes: Vec<u8> = [
        &[0x00, 0x00, 0x00, 0x25][..],       // command_length 37
        &[0x00, 0x00, 0x00, 0x09],           // command_id bind_transceiver
        &[0x00, 0x00, 0x00, 0x00],           // command_status
        &[0x00, 0x00, 0x00, 0x01],           // sequence_number
        b"idgw-ota\0",                       // system_id
        b"secret\0",                         // password
        b"\0",                               // system_type
        &[0x34],                             // interface_version
        &[0x00, 0x00],                       // addr_ton, addr_npi
        b"\0",                               // address_range
    ].concat();
    assert_eq!(bytes.len(), 37);
    let (h, pdu) = decode(&bytes).unwrap();
    assert_eq!(h.sequence_number, 1);
    assert_eq!(pdu, Pdu::BindTransceiver(Bind::new("idgw-ota", "secret")));
    assert_eq!(encode(&pdu, 1).unwrap(), bytes);
}

/// submit_sm (4.4.1) carrying an OTA UDH (IEI 0x70), assembled by hand.
#[test]
fn decode_hand_assembled_submit_sm_with_udh() {
    #[rustfmt::skip]
    let bytes: Vec<u8> = [
        &[0x00, 0x00, 0x00, 0x36][..],       // command_length 54
        &[0x00, 0x00, 0x00, 0x04],           // submit_sm
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x2A],           // sequence_number 42
        b"\0",                               // service_type
        &[0x03, 0x00], b"882\0",             // source_addr_ton, npi, source_addr
        &[0x01, 0x01], b"447700900001\0",    // dest_addr_ton, npi, destination_addr
        &[0x40],                             // esm_class: UDHI
        &[0x7F],                             // protocol_id: SIM data download
        &[0x00],                             // priority_flag
        b"\0", b"\0",                        // schedule_delivery_time, validity_period
        &[0x01],                             // registered_delivery
        &[0x00],                             // replace_if_present_flag
        &[0xF6],                             // data_coding: class 2, 8-bit
        &[0x00],                             // sm_default_msg_id
        &[0x06],                             // sm_length
        &[0x02, 0x70, 0x00, 0x00, 0x10, 0x0D], // UDHL=2, IEI 0x70 len 0; CPL...
    ].concat();
    assert_eq!(bytes.len(), 54);
    let (h, pdu) = decode(&bytes).unwrap();
    assert_eq!(h.sequence_number, 42);
    let Pdu::SubmitSm(sm) = &pdu else {
        panic!("not submit_sm: {pdu:?}")
    };
    assert_eq!(sm, &ota_submit());
    assert!(sm.has_udh());
    assert_eq!(encode(&pdu, 42).unwrap(), bytes);
}

#[test]
fn malformed_inputs_are_errors() {
    let good = encode(&Pdu::SubmitSm(ota_submit()), 7).unwrap();
    // Truncated frame: length no longer matches.
    assert!(matches!(
        decode(&good[..good.len() - 1]),
        Err(DecodeError::InvalidCommandLength { .. })
    ));
    // Header shorter than 16 octets.
    assert!(decode(&good[..10]).is_err());
    // command_length below the header size / above the maximum.
    assert!(frame_len(&[0, 0, 0, 8]).is_err());
    assert!(frame_len(&[0, 0x10, 0, 1]).is_err());
    assert_eq!(frame_len(&[0, 0]).unwrap(), None);
    // Unknown command_id answers ESME_RINVCMDID.
    let mut unknown = encode(&Pdu::EnquireLink, 1).unwrap();
    unknown[7] = 0x99;
    let err = decode(&unknown).unwrap_err();
    assert_eq!(err, DecodeError::UnknownCommandId { command_id: 0x99 });
    assert_eq!(err.command_status(), CommandStatus::EsmeRInvCmdId);
    // Body cut in the middle (length adjusted): truncated field.
    let mut cut = good[..24].to_vec();
    cut[3] = 24;
    let err = decode(&cut).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Truncated {
            field: "dest_addr_npi"
        }
    );
    assert_eq!(err.command_status(), CommandStatus::EsmeRInvCmdLen);
    // Missing NUL: a bind whose address_range never terminates.
    let mut bind = encode(&Pdu::BindTransceiver(Bind::new("a", "b")), 1).unwrap();
    let last = bind.len() - 1;
    bind[last] = b'x';
    assert_eq!(
        decode(&bind).unwrap_err(),
        DecodeError::CStringMissingNul {
            field: "address_range"
        }
    );
    // C-Octet String too long: 17-octet system_id.
    let mut long = vec![0u8; 16];
    long.extend_from_slice(&[b'x'; 17]);
    long.push(0);
    let n = long.len() as u32;
    long[..4].copy_from_slice(&n.to_be_bytes());
    long[7] = 0x09;
    let err = decode(&long).unwrap_err();
    assert_eq!(
        err,
        DecodeError::CStringTooLong {
            field: "system_id",
            max: 16
        }
    );
    assert_eq!(err.command_status(), CommandStatus::EsmeRInvSysId);
    // Trailing octets after a body-less PDU.
    let mut el = encode(&Pdu::EnquireLink, 1).unwrap();
    el.push(0);
    el[3] = 17;
    assert_eq!(decode(&el).unwrap_err(), DecodeError::TrailingBytes(1));
    // Truncated TLV stream.
    let mut t = good.clone();
    t.extend_from_slice(&[0x04, 0x24, 0x00]);
    let n = t.len() as u32;
    t[..4].copy_from_slice(&n.to_be_bytes());
    assert_eq!(decode(&t).unwrap_err(), DecodeError::TlvStreamTruncated);
    // Known TLV with a wrong length.
    let mut t = good.clone();
    t.extend_from_slice(&[0x02, 0x0C, 0x00, 0x01, 0x05]);
    let n = t.len() as u32;
    t[..4].copy_from_slice(&n.to_be_bytes());
    assert_eq!(
        decode(&t).unwrap_err().command_status(),
        CommandStatus::EsmeRInvParLen
    );
}

#[test]
fn oversized_values_refuse_to_encode() {
    let mut sm = ota_submit();
    sm.short_message = vec![0; 255];
    assert_eq!(
        encode(&Pdu::SubmitSm(sm), 1).unwrap_err(),
        EncodeError::ShortMessageTooLong(255)
    );
    let mut sm = ota_submit();
    sm.source_addr = "1".repeat(21);
    assert!(matches!(
        encode(&Pdu::SubmitSm(sm), 1),
        Err(EncodeError::FieldTooLong { .. })
    ));
    // sm_length 255 on the wire.
    let mut bytes = encode(&Pdu::SubmitSm(ota_submit()), 1).unwrap();
    let sm_len_pos = bytes.len() - 7;
    bytes[sm_len_pos] = 0xFF;
    assert_eq!(
        decode(&bytes).unwrap_err(),
        DecodeError::InvalidSmLength(255)
    );
}

/// Every prefix and every single-octet corruption of every PDU decodes
/// without panicking, and whatever decodes re-encodes to the same value.
#[test]
fn corruption_never_panics() {
    for pdu in all_pdus() {
        let bytes = encode(&pdu, 3).unwrap();
        for cut in 0..bytes.len() {
            let _ = decode(&bytes[..cut]);
        }
        for i in 0..bytes.len().min(120) {
            for v in [0x00, 0x01, 0x7F, 0xFF] {
                let mut b = bytes.clone();
                b[i] = v;
                if let Ok((h, p)) = decode(&b) {
                    let again = encode_with_status(&p, h.command_status, h.sequence_number)
                        .expect("decoded PDU re-encodes");
                    assert_eq!(decode(&again).unwrap().1, p);
                }
            }
        }
    }
}
