//! End-to-end tests: our ESME against the simulator over TCP on 127.0.0.1:0,
//! with in-process handsets.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

use super::*;
use crate::esme::{Esme, EsmeConfig, EsmeHandle, SubmitError};
use crate::pdu::{data_coding, esm_class, protocol_id, registered_delivery, DeliverSm, SubmitSm};
use crate::receipt::{DeliveryReceipt, MessageState};
use crate::status::CommandStatus;
use crate::tlv::Tlv;
use crate::tpdu::{iei, Address, InformationElement, SmsDeliver, SmsSubmit, Udh, UserData};

const MSISDN: &str = "447700900001";
const WAIT: Duration = Duration::from_secs(10);

struct Sim {
    addr: String,
    handsets: Arc<ChannelHandsets>,
    mo: mpsc::Sender<MoSms>,
    _stop: oneshot::Sender<()>,
}

async fn start_sim(config: SmscConfig) -> Sim {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handsets = Arc::new(ChannelHandsets::default());
    let (mo, mo_rx) = mpsc::channel(16);
    let (stop, stop_rx) = oneshot::channel::<()>();
    tokio::spawn(run(listener, config, handsets.clone(), mo_rx, async {
        let _ = stop_rx.await;
    }));
    Sim {
        addr,
        handsets,
        mo,
        _stop: stop,
    }
}

fn ota_config() -> SmscConfig {
    SmscConfig {
        accounts: vec![Account {
            short_codes: vec!["882".into()],
            ..Account::new("idgw-ota", "secret")
        }],
        ..SmscConfig::default()
    }
}

fn esme(
    addr: &str,
    password: &str,
) -> (EsmeHandle, mpsc::Receiver<DeliverSm>, oneshot::Sender<()>) {
    let (stop, stop_rx) = oneshot::channel::<()>();
    let cfg = EsmeConfig {
        reconnect_backoff_min: Duration::from_millis(20),
        reconnect_backoff_max: Duration::from_millis(200),
        ..EsmeConfig::new(addr, "idgw-ota", password)
    };
    let (h, rx) = Esme::start(cfg, async {
        let _ = stop_rx.await;
    });
    (h, rx, stop)
}

fn ota_mt(command_packet: &[u8]) -> SubmitSm {
    let mut short_message = vec![0x02, iei::COMMAND_PACKET, 0x00];
    short_message.extend_from_slice(command_packet);
    SubmitSm {
        source_addr_ton: 0,
        source_addr_npi: 1,
        source_addr: "882".into(),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: MSISDN.into(),
        esm_class: esm_class::UDHI,
        protocol_id: protocol_id::SIM_DATA_DOWNLOAD,
        data_coding: data_coding::CLASS2_8BIT,
        registered_delivery: registered_delivery::ON_SUCCESS_OR_FAILURE,
        short_message,
        ..SubmitSm::default()
    }
}

#[tokio::test]
async fn ota_mt_reaches_handset_and_mo_comes_back() {
    let hops = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = hops.clone();
    let trace = crate::trace::Trace::new(move |h| sink.lock().unwrap().push(h));
    let sim = start_sim(ota_config().with_trace(trace)).await;
    let mut phone = sim.handsets.attach(MSISDN);
    let (esme, mut delivers, _stop) = esme(&sim.addr, "secret");

    let command_packet = [0x00, 0x10, 0x0D, 0x16, 0x21, 0x11, 0x22];
    let message_id = timeout(WAIT, esme.submit(ota_mt(&command_packet)))
        .await
        .unwrap()
        .unwrap();
    assert!(!message_id.is_empty());

    // The handset receives a correct SMS-DELIVER.
    let tpdu = timeout(WAIT, phone.recv()).await.unwrap().unwrap();
    let d = SmsDeliver::decode(&tpdu).unwrap();
    assert_eq!(
        d.tp_oa,
        Address {
            ton: 0,
            npi: 1,
            digits: "882".into()
        }
    );
    assert_eq!(d.tp_pid, 0x7F);
    assert_eq!(d.tp_dcs, 0xF6);
    assert_eq!(
        d.user_data.header,
        Some(Udh {
            ies: vec![InformationElement::command_packet()]
        })
    );
    assert_eq!(d.user_data.data, command_packet);
    assert_eq!(tpdu[0] & 0x40, 0x40, "TP-UDHI set");

    // registered_delivery asked for a receipt.
    let receipt = timeout(WAIT, delivers.recv()).await.unwrap().unwrap();
    assert_eq!(receipt.esm_class, esm_class::SMSC_DELIVERY_RECEIPT);
    let r = DeliveryReceipt::parse(std::str::from_utf8(&receipt.short_message).unwrap()).unwrap();
    assert_eq!(r.stat, MessageState::Delivered);
    assert_eq!(r.id, message_id);
    assert!(receipt
        .tlvs
        .contains(&Tlv::ReceiptedMessageId(message_id.clone())));

    // The SIM answers with an MO response packet to the short code.
    let mo = SmsSubmit {
        tp_mr: 1,
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
            data: vec![0x00, 0x0E, 0x0A, 0xB0],
        },
        ..SmsSubmit::default()
    };
    sim.mo
        .send(MoSms {
            msisdn: MSISDN.into(),
            sms_submit: mo.encode().unwrap(),
        })
        .await
        .unwrap();
    let d = timeout(WAIT, delivers.recv()).await.unwrap().unwrap();
    assert_eq!(d.source_addr, MSISDN);
    assert_eq!(d.destination_addr, "882");
    assert_eq!(d.esm_class, esm_class::UDHI);
    assert_eq!((d.protocol_id, d.data_coding), (0x7F, 0xF6));
    assert_eq!(d.short_message, [0x02, 0x71, 0x00, 0x00, 0x0E, 0x0A, 0xB0]);

    // Each step was reported for idgw trace, by MSISDN, in order.
    let hops = hops.lock().unwrap();
    let steps: Vec<(&str, Option<&str>, &str)> = hops
        .iter()
        .map(|h| (h.from, h.to, h.step.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("SMSC", None, "submit_sm accepted"),
            ("SMSC", Some("SIM"), "SMS-DELIVER to handset"),
            ("SMSC", Some("OTA"), "deliver_sm receipt"),
            ("SMSC", Some("OTA"), "deliver_sm MO to ESME"),
        ]
    );
    assert!(hops.iter().all(|h| h.msisdn == MSISDN));
    assert_eq!(hops[2].outcome, "DELIVRD");
}

#[tokio::test]
async fn unreachable_handset_gets_message_when_back() {
    let config = SmscConfig {
        retry_interval: Duration::from_millis(50),
        ..ota_config()
    };
    let sim = start_sim(config).await;
    let (esme, mut delivers, _stop) = esme(&sim.addr, "secret");
    let id = timeout(WAIT, esme.submit(ota_mt(&[1, 2, 3])))
        .await
        .unwrap()
        .unwrap();
    // Handset switched off: stored, no receipt yet. Switch it on.
    let mut phone = sim.handsets.attach(MSISDN);
    let tpdu = timeout(WAIT, phone.recv()).await.unwrap().unwrap();
    assert_eq!(SmsDeliver::decode(&tpdu).unwrap().user_data.data, [1, 2, 3]);
    let receipt = timeout(WAIT, delivers.recv()).await.unwrap().unwrap();
    assert!(receipt.tlvs.contains(&Tlv::ReceiptedMessageId(id)));
    assert!(receipt
        .tlvs
        .contains(&Tlv::MessageState(MessageState::Delivered as u8)));
}

#[tokio::test]
async fn expired_message_gives_expired_receipt() {
    let config = SmscConfig {
        retry_interval: Duration::from_millis(20),
        ..ota_config()
    };
    let sim = start_sim(config).await;
    let (esme, mut delivers, _stop) = esme(&sim.addr, "secret");
    let mut sm = ota_mt(&[9]);
    sm.validity_period = "000000000000000R".into(); // expires at once
    timeout(WAIT, esme.submit(sm)).await.unwrap().unwrap();
    let receipt = timeout(WAIT, delivers.recv()).await.unwrap().unwrap();
    let r = DeliveryReceipt::parse(std::str::from_utf8(&receipt.short_message).unwrap()).unwrap();
    assert_eq!(r.stat, MessageState::Expired);
    assert_eq!(r.dlvrd, 0);
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let sim = start_sim(ota_config()).await;
    let (esme, _d, _stop) = esme(&sim.addr, "wrong");
    let err = timeout(WAIT, esme.submit(ota_mt(&[1])))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err, SubmitError::BindRejected(CommandStatus::EsmeRInvPaswd));

    let (stop, stop_rx) = oneshot::channel::<()>();
    let (other, _d2) = Esme::start(
        EsmeConfig {
            reconnect_backoff_min: Duration::from_millis(20),
            ..EsmeConfig::new(sim.addr.clone(), "nobody", "secret")
        },
        async {
            let _ = stop_rx.await;
        },
    );
    let err = timeout(WAIT, other.submit(ota_mt(&[1])))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err, SubmitError::BindRejected(CommandStatus::EsmeRBindFail));
    drop(stop);
}

#[tokio::test]
async fn malformed_pdus_get_generic_nack_and_session_survives() {
    use crate::conn::Connection;
    use crate::pdu::{decode, encode, Bind, Pdu};
    let sim = start_sim(ota_config()).await;
    let stream = tokio::net::TcpStream::connect(&sim.addr).await.unwrap();
    let mut c = Connection::new(stream);
    c.send(&Pdu::BindTransceiver(Bind::new("idgw-ota", "secret")), 1)
        .await
        .unwrap();
    let (h, _) = decode(&c.read_frame().await.unwrap()).unwrap();
    assert!(h.command_status.is_ok());
    // Unknown command_id.
    let mut bad = encode(&Pdu::EnquireLink, 2).unwrap();
    bad[7] = 0x77;
    c.write_frame(&bad).await.unwrap();
    let (h, p) = decode(&c.read_frame().await.unwrap()).unwrap();
    assert_eq!(
        (p, h.command_status, h.sequence_number),
        (Pdu::GenericNack, CommandStatus::EsmeRInvCmdId, 2)
    );
    // submit_sm whose body is cut short.
    let mut cut = encode(&Pdu::SubmitSm(ota_mt(&[1])), 3).unwrap();
    cut.truncate(24);
    cut[3] = 24;
    c.write_frame(&cut).await.unwrap();
    let (h, p) = decode(&c.read_frame().await.unwrap()).unwrap();
    assert_eq!(
        (p, h.command_status, h.sequence_number),
        (Pdu::GenericNack, CommandStatus::EsmeRInvCmdLen, 3)
    );
    // Still alive.
    c.send(&Pdu::EnquireLink, 4).await.unwrap();
    let (h, p) = decode(&c.read_frame().await.unwrap()).unwrap();
    assert_eq!((p, h.sequence_number), (Pdu::EnquireLinkResp, 4));
    // Invalid destination is refused with its status.
    let mut sm = ota_mt(&[1]);
    sm.destination_addr = "not-a-number".into();
    c.send(&Pdu::SubmitSm(sm), 5).await.unwrap();
    let (h, _) = decode(&c.read_frame().await.unwrap()).unwrap();
    assert_eq!(h.command_status, CommandStatus::EsmeRInvDstAdr);
}

/// Two ESMEs bound with one account (two OTA platform nodes): MO messages to the account's
/// short code are spread over both binds in turn.
#[tokio::test]
async fn mo_is_spread_over_the_binds_of_an_account() {
    let sim = start_sim(ota_config()).await;
    let (a, mut first, _stop_a) = esme(&sim.addr, "secret");
    let (b, mut second, _stop_b) = esme(&sim.addr, "secret");
    // Both sessions bound: an MO sent before that would go to the first bind alone.
    assert!(timeout(WAIT, a.wait_bound()).await.unwrap());
    assert!(timeout(WAIT, b.wait_bound()).await.unwrap());
    // The simulator registers a session just after its bind_resp.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for n in 0..4u8 {
        let mo = SmsSubmit {
            tp_mr: n,
            tp_da: Address {
                ton: 0,
                npi: 1,
                digits: "882".into(),
            },
            user_data: UserData {
                header: None,
                data: vec![n],
            },
            ..SmsSubmit::default()
        };
        sim.mo
            .send(MoSms {
                msisdn: MSISDN.into(),
                sms_submit: mo.encode().unwrap(),
            })
            .await
            .unwrap();
    }
    let mut got = [vec![], vec![]];
    for (i, rx) in [&mut first, &mut second].into_iter().enumerate() {
        for _ in 0..2 {
            let d = timeout(WAIT, rx.recv()).await.unwrap().unwrap();
            got[i].push(d.short_message[0]);
        }
    }
    let mut all: Vec<u8> = got.concat();
    all.sort_unstable();
    assert_eq!(all, [0, 1, 2, 3], "every MO delivered once");
    assert!(
        got.iter().all(|g| g.len() == 2 && g[1] == g[0] + 2),
        "alternating: {got:?}"
    );
}

/// An ESME whose deliver queue is full answers ESME_RX_T_APPN; the simulator delivers those
/// messages again later instead of losing them.
#[tokio::test]
async fn refused_mo_is_delivered_again() {
    let sim = start_sim(SmscConfig {
        retry_interval: Duration::from_millis(50),
        ..ota_config()
    })
    .await;
    let (_stop, stop_rx) = oneshot::channel::<()>();
    let cfg = EsmeConfig {
        deliver_queue: 1,
        ..EsmeConfig::new(&sim.addr, "idgw-ota", "secret")
    };
    let (handle, mut delivers) = Esme::start(cfg, async {
        let _ = stop_rx.await;
    });
    assert!(timeout(WAIT, handle.wait_bound()).await.unwrap());
    tokio::time::sleep(Duration::from_millis(100)).await;
    for n in 0..4u8 {
        let mo = SmsSubmit {
            tp_mr: n,
            tp_da: Address {
                ton: 0,
                npi: 1,
                digits: "882".into(),
            },
            user_data: UserData {
                header: None,
                data: vec![n],
            },
            ..SmsSubmit::default()
        };
        sim.mo
            .send(MoSms {
                msisdn: MSISDN.into(),
                sms_submit: mo.encode().unwrap(),
            })
            .await
            .unwrap();
    }
    // Nobody reads for a while: the queue of one is full, the rest are refused.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut got = Vec::new();
    while got.len() < 4 {
        let d = timeout(WAIT, delivers.recv())
            .await
            .unwrap_or_else(|_| panic!("only {got:?} delivered"))
            .unwrap();
        got.push(d.short_message[0]);
    }
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3]);
}
