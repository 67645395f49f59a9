//! The platform's handling of deliver_sm, without sockets: card Command
//! Packets (TS 31.115 section 4.2), PoRs (section 4.4), delivery receipts
//! (SMPP 3.4 Appendix B), and MT building through a fake SMSC.

use std::sync::Arc;

use idgw_ota::platform::*;
use idgw_ota::{Cntr, CommandPacket, ResponsePacket, ResponseStatus, SecurityParams, Spi, Tar};
use idgw_smpp::pdu::DeliverSm;
use idgw_smpp::receipt::{DeliveryReceipt, MessageState};
use idgw_smpp::tlv::Tlv;
use idgw_smpp::tpdu::{split_8bit, InformationElement};
use tokio::time::Instant;

use crate::common::*;

fn platform() -> (OtaPlatform, Arc<FakeSmsc>, Arc<MemoryCounters>) {
    let smsc = Arc::new(FakeSmsc::default());
    let counters = Arc::new(MemoryCounters::new());
    let p = OtaPlatform::new(
        PlatformConfig::default(),
        cards(),
        counters.clone(),
        smsc.clone(),
    );
    (p, smsc, counters)
}

/// The card's MO Command Packet (SPI `spi`, as idgw-sim seals it).
fn card_packet(spi: [u8; 2], cntr: u64, data: &[u8]) -> Vec<u8> {
    let c = card();
    let params = SecurityParams::new(
        Spi::from_bytes(spi).unwrap(),
        c.algorithm.kic(1),
        c.algorithm.kid(1),
    );
    CommandPacket::seal(&params, &c.key_set(), TAR, Cntr::new(cntr).unwrap(), data).unwrap()
}

/// deliver_sm as the SMSC turns an MO SMS-SUBMIT into one.
fn deliver(from: &str, short_message: Vec<u8>) -> DeliverSm {
    DeliverSm {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: from.into(),
        destination_addr: "882".into(),
        esm_class: 0x40,
        protocol_id: 0x7F,
        data_coding: 0xF6,
        short_message,
        ..DeliverSm::default()
    }
}

fn single(iei: u8, packet: &[u8]) -> Vec<u8> {
    [&[0x02, iei, 0x00][..], packet].concat()
}

#[tokio::test]
async fn card_packets_are_delivered_once() {
    let (p, _, counters) = platform();
    let (sink, mut events) = recorder();
    let now = Instant::now();
    let packet = card_packet([0x16, 0x00], 1, b"answer-1");
    let out = p
        .handle_deliver(deliver(MSISDN, single(0x70, &packet)), sink.as_ref(), now)
        .await;
    assert_eq!(out, MoOutcome::Delivered { tar: TAR, cntr: 1 });
    match events.try_recv().unwrap() {
        Event::Mo(m, t, d) => assert_eq!(
            (m.as_str(), t, d.as_slice()),
            (MSISDN, TAR, &b"answer-1"[..])
        ),
        other => panic!("{other:?}"),
    }
    // The same packet again: replayed, dropped, nothing handed over.
    let out = p
        .handle_deliver(deliver(MSISDN, single(0x70, &packet)), sink.as_ref(), now)
        .await;
    assert_eq!(out, MoOutcome::Dropped(DropReason::Replayed(1)));
    assert!(events.try_recv().is_err());
    assert_eq!(counters.get(&iccid(), 1), (0, 1));
    // A later counter (gaps allowed) is fine.
    let packet = card_packet([0x16, 0x00], 5, b"answer-2");
    let out = p
        .handle_deliver(deliver(MSISDN, single(0x70, &packet)), sink.as_ref(), now)
        .await;
    assert_eq!(out, MoOutcome::Delivered { tar: TAR, cntr: 5 });
}

#[tokio::test]
async fn tampered_insecure_and_unknown_are_dropped() {
    let (p, _, counters) = platform();
    let (sink, mut events) = recorder();
    let now = Instant::now();
    let mut packet = card_packet([0x16, 0x00], 1, b"answer");
    *packet.last_mut().unwrap() ^= 1;
    let out = p
        .handle_deliver(deliver(MSISDN, single(0x70, &packet)), sink.as_ref(), now)
        .await;
    assert!(
        matches!(out, MoOutcome::Dropped(DropReason::Tampered(_))),
        "{out:?}"
    );
    // A tampered packet must not move the MO counter.
    assert_eq!(counters.get(&iccid(), 1), (0, 0));

    let clear = card_packet([0x02, 0x00], 1, b"answer");
    let out = p
        .handle_deliver(deliver(MSISDN, single(0x70, &clear)), sink.as_ref(), now)
        .await;
    assert_eq!(out, MoOutcome::Dropped(DropReason::InsufficientSecurity));

    let good = card_packet([0x16, 0x00], 1, b"answer");
    let out = p
        .handle_deliver(
            deliver("447700900099", single(0x70, &good)),
            sink.as_ref(),
            now,
        )
        .await;
    assert_eq!(out, MoOutcome::Dropped(DropReason::UnknownSubscriber));

    let mut text = deliver(MSISDN, b"hello".to_vec());
    text.esm_class = 0;
    text.protocol_id = 0;
    let out = p.handle_deliver(text, sink.as_ref(), now).await;
    assert_eq!(out, MoOutcome::Dropped(DropReason::NotOta));

    let out = p
        .handle_deliver(deliver(MSISDN, vec![0x09, 0x70]), sink.as_ref(), now)
        .await;
    assert!(
        matches!(out, MoOutcome::Dropped(DropReason::Malformed(_))),
        "{out:?}"
    );
    assert!(events.try_recv().is_err());
}

#[tokio::test]
async fn concatenated_card_packets_are_reassembled() {
    let (p, _, _) = platform();
    let (sink, mut events) = recorder();
    let now = Instant::now();
    let data = vec![0x5A; 300];
    let packet = card_packet([0x16, 0x00], 1, &data);
    let parts = split_8bit(&packet, &[InformationElement::command_packet()], 3).unwrap();
    assert_eq!(parts.len(), 3);
    let mut outcomes = Vec::new();
    for ud in [&parts[1], &parts[2], &parts[0]] {
        let mut sm = ud.header.as_ref().unwrap().encode().unwrap();
        sm.extend_from_slice(&ud.data);
        outcomes.push(
            p.handle_deliver(deliver(MSISDN, sm), sink.as_ref(), now)
                .await,
        );
    }
    assert_eq!(outcomes[..2], [MoOutcome::Partial, MoOutcome::Partial]);
    assert_eq!(outcomes[2], MoOutcome::Delivered { tar: TAR, cntr: 1 });
    assert!(matches!(events.try_recv().unwrap(), Event::Mo(_, _, d) if d == data));
}

#[tokio::test]
async fn send_builds_what_the_card_demands() {
    let (p, smsc, counters) = platform();
    let now = Instant::now();
    let sent = p.send(MSISDN, None, b"short", "T-1", now).await.unwrap();
    assert_eq!(
        sent,
        Sent {
            cntr: 1,
            message_ids: vec!["m1".into()]
        }
    );
    let long = p
        .send(MSISDN, None, &[0xA5; 361], "T-2", now)
        .await
        .unwrap();
    assert_eq!(long.cntr, 2);
    assert_eq!(long.message_ids.len(), 3);
    assert_eq!(counters.get(&iccid(), 1), (2, 0));
    let sms = smsc.0.lock().unwrap().clone();
    assert_eq!(sms.len(), 4);
    for sm in &sms {
        assert_eq!(sm.destination_addr, MSISDN);
        assert_eq!(
            (sm.esm_class, sm.protocol_id, sm.data_coding),
            (0x40, 0x7F, 0xF6)
        );
        assert!(sm.short_message.len() <= 140);
    }
    assert_eq!(&sms[0].short_message[..3], &[0x02, 0x70, 0x00]);
    // CPL CHL, then SPI 16 3A, KIc = KID = 0x12 (AES, KVN 1), the applet TAR.
    assert_eq!(
        &sms[0].short_message[6..13],
        &[0x16, 0x3A, 0x12, 0x12, 0x49, 0x44, 0x47]
    );
    // Concatenated: reference = the counter's low octet, IEI 0x70 first segment only.
    assert_eq!(
        &sms[1].short_message[..8],
        &[0x07, 0x00, 0x03, 0x02, 0x03, 0x01, 0x70, 0x00]
    );
    assert_eq!(
        &sms[3].short_message[..6],
        &[0x05, 0x00, 0x03, 0x02, 0x03, 0x03]
    );

    let tar = Tar([1, 2, 3]);
    p.send(MSISDN, Some(tar), b"x", "T-3", now).await.unwrap();
    assert_eq!(&smsc.0.lock().unwrap()[4].short_message[10..13], &[1, 2, 3]);

    let err = p
        .send("447700900099", None, b"x", "T-4", now)
        .await
        .unwrap_err();
    assert_eq!(err, PlatformError::UnknownSubscriber("447700900099".into()));
    assert_eq!(smsc.0.lock().unwrap().len(), 5);
}

fn receipt(message_id: &str, state: MessageState) -> DeliverSm {
    let r = DeliveryReceipt {
        id: message_id.into(),
        sub: 1,
        dlvrd: 0,
        submit_date: "2401010000".into(),
        done_date: "2401010005".into(),
        stat: state,
        err: "000".into(),
        text: String::new(),
    };
    DeliverSm {
        source_addr: MSISDN.into(),
        destination_addr: "882".into(),
        esm_class: 0x04,
        short_message: r.to_text().into_bytes(),
        tlvs: vec![
            Tlv::ReceiptedMessageId(message_id.into()),
            Tlv::MessageState(state as u8),
        ],
        ..DeliverSm::default()
    }
}

#[tokio::test]
async fn failed_receipts_are_reported_once_per_packet() {
    let (p, _, _) = platform();
    let (sink, mut events) = recorder();
    let now = Instant::now();
    p.send(MSISDN, None, &[0; 300], "T-9", now).await.unwrap();
    let out = p
        .handle_deliver(receipt("m1", MessageState::Delivered), sink.as_ref(), now)
        .await;
    assert_eq!(
        out,
        MoOutcome::Receipt {
            state: Some(MessageState::Delivered),
            failure_reported: false
        }
    );
    let out = p
        .handle_deliver(receipt("m2", MessageState::Expired), sink.as_ref(), now)
        .await;
    assert_eq!(
        out,
        MoOutcome::Receipt {
            state: Some(MessageState::Expired),
            failure_reported: true
        }
    );
    match events.try_recv().unwrap() {
        Event::Failure(m, reason) => {
            assert_eq!(m, MSISDN);
            assert!(
                reason.contains("EXPIRED") && reason.contains("T-9"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The third segment's receipt names the same packet: not reported again.
    let out = p
        .handle_deliver(receipt("m3", MessageState::Expired), sink.as_ref(), now)
        .await;
    assert_eq!(
        out,
        MoOutcome::Receipt {
            state: Some(MessageState::Expired),
            failure_reported: false
        }
    );
    assert!(events.try_recv().is_err());
}

#[tokio::test]
async fn error_pors_are_matched_to_sent_packets() {
    let (p, _, _) = platform();
    let (sink, mut events) = recorder();
    let now = Instant::now();
    let sent = p
        .send(MSISDN, None, b"challenge", "T-5", now)
        .await
        .unwrap();
    let params = mt::security_params(&card());
    let keys = card().key_set();
    let por = |cntr: u64, status| {
        ResponsePacket::seal(&params, &keys, TAR, Cntr::new(cntr).unwrap(), status, &[]).unwrap()
    };
    // A PoR for a counter we never sent: stale or forged.
    let out = p
        .handle_deliver(
            deliver(MSISDN, single(0x71, &por(77, ResponseStatus::CntrLow))),
            sink.as_ref(),
            now,
        )
        .await;
    assert_eq!(out, MoOutcome::Dropped(DropReason::UnmatchedPor));
    let out = p
        .handle_deliver(
            deliver(
                MSISDN,
                single(0x71, &por(sent.cntr, ResponseStatus::CntrLow)),
            ),
            sink.as_ref(),
            now,
        )
        .await;
    assert_eq!(
        out,
        MoOutcome::Por {
            status: ResponseStatus::CntrLow,
            failure_reported: true
        }
    );
    assert!(
        matches!(events.try_recv().unwrap(), Event::Failure(_, r) if r.contains("0x02") && r.contains("T-5"))
    );
    let mut forged = por(sent.cntr, ResponseStatus::PorOk);
    *forged.last_mut().unwrap() ^= 0x80;
    let out = p
        .handle_deliver(deliver(MSISDN, single(0x71, &forged)), sink.as_ref(), now)
        .await;
    assert!(
        matches!(out, MoOutcome::Dropped(DropReason::Tampered(_))),
        "{out:?}"
    );
}

/// Two platform nodes on one card database and counter store: a PoR reaching the node that
/// did not send the packet is matched by its counter, if it names the newest packet.
#[tokio::test]
async fn error_pors_for_another_nodes_packets() {
    let (sender, _, counters) = platform();
    let other = OtaPlatform::new(
        PlatformConfig::default(),
        cards(),
        counters.clone(),
        Arc::new(FakeSmsc::default()),
    );
    let (sink, mut events) = recorder();
    let now = Instant::now();
    let first = sender.send(MSISDN, None, b"one", "T-1", now).await.unwrap();
    let newest = sender.send(MSISDN, None, b"two", "T-2", now).await.unwrap();
    let params = mt::security_params(&card());
    let keys = card().key_set();
    let por = |cntr: u64| {
        let packet = ResponsePacket::seal(
            &params,
            &keys,
            TAR,
            Cntr::new(cntr).unwrap(),
            ResponseStatus::CntrLow,
            &[],
        )
        .unwrap();
        deliver(MSISDN, single(0x71, &packet))
    };
    // An older packet's PoR: stale or replayed.
    let out = other
        .handle_deliver(por(first.cntr), sink.as_ref(), now)
        .await;
    assert_eq!(out, MoOutcome::Dropped(DropReason::UnmatchedPor));
    let out = other
        .handle_deliver(por(newest.cntr), sink.as_ref(), now)
        .await;
    assert_eq!(
        out,
        MoOutcome::Por {
            status: ResponseStatus::CntrLow,
            failure_reported: true
        }
    );
    assert!(
        matches!(events.try_recv().unwrap(), Event::Failure(m, r) if m == MSISDN && r.contains("another node"))
    );
}

#[tokio::test]
async fn each_step_is_traced_by_msisdn() {
    let hops = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = hops.clone();
    let config =
        PlatformConfig::default().with_trace(Trace::new(move |h| seen.lock().unwrap().push(h)));
    let p = OtaPlatform::new(
        config,
        cards(),
        Arc::new(MemoryCounters::new()),
        Arc::new(FakeSmsc::default()),
    );
    let (sink, _events) = recorder();
    let now = Instant::now();
    p.send(MSISDN, None, b"challenge", "M1", now).await.unwrap();
    let packet = card_packet([0x16, 0x00], 1, b"answer");
    let mo = deliver(MSISDN, single(0x70, &packet));
    p.handle_deliver(mo.clone(), sink.as_ref(), now).await;
    p.handle_deliver(mo, sink.as_ref(), now).await;
    let hops = hops.lock().unwrap();
    let steps: Vec<(&str, Option<&str>, &str)> = hops
        .iter()
        .map(|h| (h.from, h.to, h.step.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("OTA", None, "secured packet sealed"),
            ("OTA", Some("SMSC"), "submit_sm"),
            ("SMSC", Some("OTA"), "submit_sm_resp"),
            ("OTA", None, "response verified"),
            ("OTA", Some("MSSP"), "Signed(Response)"),
            ("OTA", None, "deliver_sm MO dropped"),
        ]
    );
    let sealed = hops[0].detail.as_deref().unwrap();
    assert!(
        sealed.contains("SPI 163A") && sealed.contains("TAR 494447") && sealed.contains("CNTR 1"),
        "{sealed}"
    );
    assert_eq!(hops[5].outcome, "Replayed(1)");
    assert!(hops.iter().all(|h| h.msisdn == MSISDN));
}
