//! Card round trips over the radio: the OTA platform's secured packets
//! (3GPP TS 31.115) carrying idgw-mss applet challenges, and the refusals
//! of ETSI TS 102 225 table 5.

mod common;

use common::*;
use idgw_mss::applet::{AnswerResult, Challenge};
use idgw_ota::{CounterMode, ResponseStatus};
use idgw_sim::{HandsetBehaviour, UserInput};

#[test]
fn full_round_trip_with_pin() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    // A long text: the command packet spans three concatenated SMS.
    let text = "Example Bank asks you to log in. ".repeat(9);
    let data = challenge(&text, true).encode(&applet_key()).unwrap();
    let packet = command(SPI, TAR, 1, &data);
    assert_eq!(sms_deliver(&packet).len(), 3);
    send(&farm, &packet);

    let mo = radio.take();
    assert_eq!(mo.len(), 1, "only the PoR so far");
    let por = open_por(&mo[0], SPI);
    assert_eq!(por.status, ResponseStatus::PorOk);
    assert!(por.secured);
    assert_eq!(por.tar, TAR);
    assert_eq!(por.cntr.value(), 1);

    let prompts = farm.prompts(MSISDN).unwrap();
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0].text, text);
    assert!(prompts[0].pin_required);

    let report = farm
        .answer(MSISDN, &prompts[0].id, UserInput::Pin(PIN.into()))
        .unwrap();
    assert_eq!(report.result, "ok");
    assert!(farm.prompts(MSISDN).unwrap().is_empty());

    let mo = radio.take();
    assert_eq!(mo.len(), 1);
    let (opened, answer) = open_answer(&mo[0], 0);
    assert_eq!(opened.tar, TAR);
    assert_eq!(opened.spi.counter, CounterMode::MustBeHigher);
    assert_eq!(answer.result, AnswerResult::Ok);
    assert!(answer.answers(&challenge(&text, true)));

    let view = farm.view(MSISDN).unwrap();
    assert_eq!(view.counters.get(&1), Some(&1));
    assert_eq!(view.mo_counters.get(&1), Some(&1));
    assert_eq!(view.pin_tries_left, 3);
}

#[test]
fn ok_only_prompt_and_cancel() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    let data = challenge("Confirm?", false).encode(&applet_key()).unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));
    let id = farm.prompts(MSISDN).unwrap()[0].id.clone();
    assert_eq!(
        farm.answer(MSISDN, &id, UserInput::Pin(PIN.into())),
        Err(idgw_sim::AnswerError::PinNotExpected)
    );
    assert_eq!(
        farm.answer(MSISDN, &id, UserInput::Ok).unwrap().result,
        "ok"
    );

    send(&farm, &command(SPI, TAR, 2, &data));
    let id = farm.prompts(MSISDN).unwrap()[0].id.clone();
    farm.answer(MSISDN, &id, UserInput::Cancel).unwrap();
    let mo = radio.take();
    // PoR, answer, PoR, answer; MO counters go 1 then 2.
    assert_eq!(mo.len(), 4);
    assert_eq!(open_answer(&mo[1], 0).1.result, AnswerResult::Ok);
    let (opened, answer) = open_answer(&mo[3], 1);
    assert_eq!(opened.cntr.value(), 2);
    assert_eq!(answer.result, AnswerResult::UserCancel);
}

#[test]
fn wrong_pin_three_times_blocks_and_persists() {
    let dir = temp_dir();
    let (farm, radio) = farm(Some(dir.clone()));
    farm.provision(subscriber("manual", 0)).unwrap();
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    send(&farm, &command(SPI, TAR, 1, &data));
    let id = farm.prompts(MSISDN).unwrap()[0].id.clone();
    for left in [2, 1] {
        let r = farm
            .answer(MSISDN, &id, UserInput::Pin("9999".into()))
            .unwrap();
        assert_eq!(
            (r.result, r.pin_tries_left, r.prompt_pending),
            ("wrong_pin", left, true)
        );
    }
    let r = farm
        .answer(MSISDN, &id, UserInput::Pin("9999".into()))
        .unwrap();
    assert_eq!((r.result, r.pin_tries_left), ("pin_blocked", 0));
    let mo = radio.take();
    assert_eq!(open_answer(&mo[1], 0).1.result, AnswerResult::PinBlocked);

    // A restarted simulator loads the blocked card.
    let (farm2, radio2) = common::farm(Some(dir.clone()));
    farm2.provision(subscriber("manual", 0)).unwrap();
    let view = farm2.view(MSISDN).unwrap();
    assert!(view.blocked);
    assert_eq!(view.pin_tries_left, 0);
    assert_eq!(view.counters.get(&1), Some(&1));
    // The replay counter survived too; a new challenge is answered at once.
    send(&farm2, &command(SPI, TAR, 2, &data));
    assert!(farm2.prompts(MSISDN).unwrap().is_empty());
    let mo = radio2.take();
    assert_eq!(open_por(&mo[0], SPI).status, ResponseStatus::PorOk);
    let (opened, answer) = open_answer(&mo[1], 1);
    assert_eq!(opened.cntr.value(), 2, "MO counter persisted");
    assert_eq!(answer.result, AnswerResult::PinBlocked);
    std::fs::remove_dir_all(dir).unwrap();
}

fn refused(packet: &[u8], spi: [u8; 2]) -> ResponseStatus {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    send(&farm, packet);
    assert!(farm.prompts(MSISDN).unwrap().is_empty(), "nothing shown");
    let mo = radio.take();
    assert_eq!(mo.len(), 1, "only a PoR");
    open_por(&mo[0], spi).status
}

#[test]
fn tampered_packet_is_rc_cc_ds_failed() {
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    let mut packet = command(SPI, TAR, 1, &data);
    let last = packet.len() - 1;
    packet[last] ^= 0x01;
    assert_eq!(refused(&packet, SPI), ResponseStatus::RcCcDsFailed);
}

#[test]
fn wrongly_keyed_packet_is_refused() {
    use idgw_ota::{Cntr, CommandPacket, KeySet};
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    let other = KeySet::new(1, &[0x44; 16], &[0x55; 16]);
    let packet =
        CommandPacket::seal(&params(SPI), &other, TAR, Cntr::new(1).unwrap(), &data).unwrap();
    let status = refused(&packet, SPI);
    assert!(
        matches!(
            status,
            ResponseStatus::RcCcDsFailed | ResponseStatus::CipheringError
        ),
        "{status:?}"
    );
}

#[test]
fn replayed_counter_is_cntr_low() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    let packet = command(SPI, TAR, 5, &data);
    send(&farm, &packet);
    send(&farm, &packet);
    assert_eq!(farm.prompts(MSISDN).unwrap().len(), 1, "shown once");
    let mo = radio.take();
    assert_eq!(open_por(&mo[0], SPI).status, ResponseStatus::PorOk);
    assert_eq!(open_por(&mo[1], SPI).status, ResponseStatus::CntrLow);
    // An older counter is refused as well.
    send(&farm, &command(SPI, TAR, 4, &data));
    assert_eq!(
        open_por(&radio.take()[0], SPI).status,
        ResponseStatus::CntrLow
    );
}

#[test]
fn unknown_tar_is_tar_unknown() {
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    let packet = command(SPI, idgw_ota::Tar([0xB0, 0x00, 0x10]), 1, &data);
    assert_eq!(refused(&packet, SPI), ResponseStatus::TarUnknown);
}

#[test]
fn unciphered_command_is_insufficient_security_level() {
    let spi = [0x12, 0x39]; // CC, not ciphered, counter must be higher
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    assert_eq!(
        refused(&command(spi, TAR, 1, &data), spi),
        ResponseStatus::InsufficientSecurityLevel
    );
}

#[test]
fn truncated_packet_is_unidentified_security_error() {
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    let packet = command(SPI, TAR, 1, &data);
    assert_eq!(
        refused(&packet[..packet.len() - 3], SPI),
        ResponseStatus::UnidentifiedSecurityError
    );
}

#[test]
fn wrong_applet_mac_shows_nothing() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    let other = idgw_mss::applet::AppletKey::new([0x99; 32]);
    let data = challenge("Log in?", true).encode(&other).unwrap();
    assert!(Challenge::decode(&data, &applet_key()).is_err());
    send(&farm, &command(SPI, TAR, 1, &data));
    assert!(farm.prompts(MSISDN).unwrap().is_empty());
    let mo = radio.take();
    assert_eq!(mo.len(), 1, "PoR only, no answer");
    assert_eq!(open_por(&mo[0], SPI).status, ResponseStatus::PorOk);
}

#[test]
fn unreachable_handset_refuses_delivery() {
    let (farm, radio) = farm(None);
    farm.provision(subscriber("unreachable", 0)).unwrap();
    let data = challenge("Log in?", true).encode(&applet_key()).unwrap();
    let tpdus = sms_deliver(&command(SPI, TAR, 1, &data));
    assert_eq!(
        farm.deliver(MSISDN, tpdus[0].clone()),
        Err(idgw_sim::Unreachable)
    );
    assert_eq!(
        farm.deliver("440000000000", tpdus[0].clone()),
        Err(idgw_sim::Unreachable)
    );
    assert!(radio.take().is_empty());
    // Switched on again, the stored message goes through.
    assert!(farm.set_behaviour(MSISDN, HandsetBehaviour::Manual));
    farm.deliver(MSISDN, tpdus[0].clone()).unwrap();
    assert_eq!(farm.prompts(MSISDN).unwrap().len(), 1);
}

#[test]
fn every_algorithm_round_trips() {
    use idgw_ota::{
        open_command, open_response, CcAlgorithm, CipherAlgorithm, Cntr, CommandPacket, KeyId,
        KeySet, SecurityParams, Spi,
    };
    use idgw_smpp::tpdu::SmsSubmit;
    let cases = [
        ("aes192", 24, CipherAlgorithm::AesCbc, CcAlgorithm::AesCmac),
        ("aes256", 32, CipherAlgorithm::AesCbc, CcAlgorithm::AesCmac),
        (
            "3des2",
            16,
            CipherAlgorithm::TripleDes2Cbc,
            CcAlgorithm::TripleDes2CbcMac,
        ),
        (
            "3des3",
            24,
            CipherAlgorithm::TripleDes3Cbc,
            CcAlgorithm::TripleDes3CbcMac,
        ),
    ];
    for (name, len, cipher, cc) in cases {
        let (kic, kid) = (vec![0x5A; len], vec![0xA5; len]);
        let sub: idgw_sim::SubscriberConfig = serde_json::from_value(serde_json::json!({
            "msisdn": MSISDN, "pin": PIN, "applet_key": hex::encode(APPLET_KEY),
            "ota_keys": {"algorithm": name, "kvn": 3, "kic": hex::encode(&kic), "kid": hex::encode(&kid)},
        }))
        .unwrap();
        let (farm, radio) = farm(None);
        farm.provision(sub).unwrap();
        let keys = KeySet::new(3, &kic, &kid);
        let params = SecurityParams::new(
            Spi::from_bytes(SPI).unwrap(),
            KeyId::kic(cipher, 3),
            KeyId::kid_cc(cc, 3),
        );
        let data = challenge("Log in?", false).encode(&applet_key()).unwrap();
        let packet =
            CommandPacket::seal(&params, &keys, TAR, Cntr::new(1).unwrap(), &data).unwrap();
        send(&farm, &packet);
        let id = farm.prompts(MSISDN).unwrap()[0].id.clone();
        farm.answer(MSISDN, &id, UserInput::Ok).unwrap();
        let mo: Vec<SmsSubmit> = radio.take();
        let por = open_response(&mo[0].user_data.data, &params, &keys).unwrap();
        assert_eq!(por.status, ResponseStatus::PorOk, "{name}");
        assert!(por.secured);
        let opened = open_command(
            &mo[1].user_data.data,
            |kvn| (kvn == 3).then_some(&keys),
            |_| Cntr::default(),
        )
        .unwrap();
        assert_eq!(opened.kic, KeyId::kic(cipher, 3), "{name}");
        assert_eq!(opened.kid, KeyId::kid_cc(cc, 3), "{name}");
        let answer = idgw_mss::applet::Answer::decode(&opened.data, &applet_key()).unwrap();
        assert_eq!(answer.result, AnswerResult::Ok, "{name}");
    }
}

#[test]
fn ordinary_sms_is_not_for_the_card() {
    use idgw_smpp::tpdu::{Address, SmsDeliver, UserData};
    let (farm, radio) = farm(None);
    farm.provision(subscriber("manual", 0)).unwrap();
    let text = SmsDeliver {
        tp_oa: Address::international("447700900999"),
        tp_pid: 0x00,
        tp_dcs: 0x04,
        user_data: UserData {
            header: None,
            data: b"hello".to_vec(),
        },
        ..SmsDeliver::default()
    };
    farm.deliver(MSISDN, text.encode().unwrap()).unwrap();
    assert!(farm.prompts(MSISDN).unwrap().is_empty());
    assert!(radio.take().is_empty());
}

#[test]
fn bad_subscriber_entries_are_refused() {
    use idgw_sim::ConfigError;
    let (farm, _) = farm(None);
    let mut sub = subscriber("manual", 0);
    sub.msisdn = "44-77".into();
    assert!(matches!(
        farm.provision(sub),
        Err(ConfigError::BadMsisdn(_))
    ));
    let mut sub = subscriber("manual", 0);
    sub.ota_keys.kic = idgw_sim::config::HexSecret::new(&[1; 8]);
    assert!(matches!(
        farm.provision(sub),
        Err(ConfigError::BadKeyLength { .. })
    ));
    let mut sub = subscriber("manual", 0);
    sub.tar = Some("4944".into());
    assert!(matches!(farm.provision(sub), Err(ConfigError::BadTar(_))));
    farm.provision(subscriber("manual", 0)).unwrap();
    assert!(matches!(
        farm.provision(subscriber("manual", 0)),
        Err(ConfigError::Duplicate(_))
    ));
    let bad_pin = serde_json::from_value::<idgw_sim::SubscriberConfig>(serde_json::json!({
        "msisdn": MSISDN, "pin": "12a4", "applet_key": hex::encode(APPLET_KEY),
        "ota_keys": {"algorithm": "aes128", "kvn": 1, "kic": hex::encode(KIC), "kid": hex::encode(KID)},
    }));
    assert!(bad_pin.is_err());
    // Secrets never print.
    let shown = format!("{:?}", subscriber("manual", 0));
    assert!(
        !shown.contains("1234") && !shown.contains("3333"),
        "{shown}"
    );
}
