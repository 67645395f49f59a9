//! ESME session tests against a scripted SMSC (our codec on a raw socket),
//! with `tokio::time::pause()` for the timers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::DuplexStream;
use tokio::sync::oneshot;
use tokio::time::{timeout, Instant};

use super::*;
use crate::conn::Connection;
use crate::pdu::{decode, BindResp, Header, Pdu, SubmitSmResp};

const WAIT: Duration = Duration::from_secs(600);

/// The scripted SMSC's side: connections the ESME opens arrive here as
/// in-memory pipes, so paused time never races real socket I/O.
struct FakeSmsc {
    incoming: mpsc::UnboundedReceiver<DuplexStream>,
    up: Arc<AtomicBool>,
}

fn fake_smsc() -> (Connect, FakeSmsc) {
    let (tx, incoming) = mpsc::unbounded_channel();
    let up = Arc::new(AtomicBool::new(true));
    let up2 = up.clone();
    let connect: Connect = Arc::new(move |_addr| {
        let tx = tx.clone();
        let up = up2.clone();
        Box::pin(async move {
            let refused = || std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
            if !up.load(Ordering::SeqCst) {
                return Err(refused());
            }
            let (ours, theirs) = tokio::io::duplex(64 * 1024);
            tx.send(theirs).map_err(|_| refused())?;
            Ok(Box::new(ours) as Box<dyn Transport>)
        })
    });
    (connect, FakeSmsc { incoming, up })
}

impl FakeSmsc {
    /// Accepts one connection and answers its bind_transceiver with ESME_ROK.
    async fn accept_bound(&mut self) -> Connection {
        let mut c = Connection::new(self.incoming.recv().await.unwrap());
        let (h, p) = next(&mut c).await;
        let Pdu::BindTransceiver(b) = p else {
            panic!("expected bind_transceiver, got {p:?}")
        };
        assert_eq!((b.system_id.as_str(), b.password.as_str()), ("ota", "pw"));
        let resp = Pdu::BindTransceiverResp(BindResp {
            system_id: "fake".into(),
            tlvs: vec![],
        });
        c.send(&resp, h.sequence_number).await.unwrap();
        c
    }
}

async fn next(c: &mut Connection) -> (Header, Pdu) {
    decode(&c.read_frame().await.unwrap()).unwrap()
}

/// Next PDU that is not an enquire_link (those are answered).
async fn next_skipping_enquire(c: &mut Connection) -> (Header, Pdu) {
    loop {
        let (h, p) = next(c).await;
        if p == Pdu::EnquireLink {
            c.send(&Pdu::EnquireLinkResp, h.sequence_number)
                .await
                .unwrap();
        } else {
            return (h, p);
        }
    }
}

fn start(connect: Connect) -> (EsmeHandle, mpsc::Receiver<DeliverSm>, oneshot::Sender<()>) {
    let (stop, rx) = oneshot::channel::<()>();
    let (h, d) = Esme::start_with(EsmeConfig::new("smsc", "ota", "pw"), connect, async {
        let _ = rx.await;
    });
    (h, d, stop)
}

fn sm(tag: u8) -> SubmitSm {
    SubmitSm {
        destination_addr: "447700900001".into(),
        short_message: vec![tag],
        ..SubmitSm::default()
    }
}

#[tokio::test(start_paused = true)]
async fn throttled_submission_is_resubmitted_after_backoff() {
    let (connect, mut smsc) = fake_smsc();
    let (esme, _d, _stop) = start(connect);
    let submit = tokio::spawn(async move { esme.submit(sm(1)).await });
    let mut c = smsc.accept_bound().await;
    let (h, p) = next(&mut c).await;
    assert_eq!(p, Pdu::SubmitSm(sm(1)));
    let throttled_at = Instant::now();
    c.send_status(
        &Pdu::SubmitSmResp(SubmitSmResp::default()),
        CommandStatus::EsmeRThrottled,
        h.sequence_number,
    )
    .await
    .unwrap();
    let (h2, p2) = next_skipping_enquire(&mut c).await;
    assert_eq!(p2, Pdu::SubmitSm(sm(1)));
    assert_ne!(h2.sequence_number, h.sequence_number);
    assert!(Instant::now() - throttled_at >= Duration::from_secs(1));
    let resp = Pdu::SubmitSmResp(SubmitSmResp {
        message_id: "m-2".into(),
    });
    c.send(&resp, h2.sequence_number).await.unwrap();
    assert_eq!(
        timeout(WAIT, submit).await.unwrap().unwrap(),
        Ok("m-2".into())
    );
}

#[tokio::test(start_paused = true)]
async fn inflight_submission_survives_a_dropped_connection() {
    let (connect, mut smsc) = fake_smsc();
    let (esme, _d, _stop) = start(connect);
    let e2 = esme.clone();
    let submit = tokio::spawn(async move { e2.submit(sm(7)).await });
    let mut c = smsc.accept_bound().await;
    let (_, p) = next(&mut c).await;
    assert_eq!(p, Pdu::SubmitSm(sm(7)));
    drop(c); // the link dies before submit_sm_resp
    let mut c = smsc.accept_bound().await; // the ESME reconnects after its backoff
    let (h, p) = next_skipping_enquire(&mut c).await;
    assert_eq!(p, Pdu::SubmitSm(sm(7)));
    let resp = Pdu::SubmitSmResp(SubmitSmResp {
        message_id: "again".into(),
    });
    c.send(&resp, h.sequence_number).await.unwrap();
    assert_eq!(
        timeout(WAIT, submit).await.unwrap().unwrap(),
        Ok("again".into())
    );
    assert!(*esme.bound().borrow());
}

#[tokio::test(start_paused = true)]
async fn enquire_link_both_ways_dead_link_and_clean_unbind() {
    let (connect, mut smsc) = fake_smsc();
    let (esme, mut delivers, stop) = start(connect);
    let mut c = smsc.accept_bound().await;
    assert!(timeout(WAIT, esme.wait_bound()).await.unwrap());
    // The SMSC's enquire_link is answered.
    c.send(&Pdu::EnquireLink, 77).await.unwrap();
    let (h, p) = next(&mut c).await;
    assert_eq!((p, h.sequence_number), (Pdu::EnquireLinkResp, 77));
    // deliver_sm is handed over and acknowledged.
    c.send(&Pdu::DeliverSm(sm(5)), 78).await.unwrap();
    let (h, p) = next(&mut c).await;
    assert_eq!(h.sequence_number, 78);
    assert!(matches!(p, Pdu::DeliverSmResp(_)) && h.command_status.is_ok());
    assert_eq!(delivers.recv().await.unwrap(), sm(5));
    // Our enquire_link comes every 30 s.
    let t0 = Instant::now();
    let (h, p) = next(&mut c).await;
    assert_eq!(p, Pdu::EnquireLink);
    assert!(Instant::now() - t0 >= Duration::from_secs(29));
    c.send(&Pdu::EnquireLinkResp, h.sequence_number)
        .await
        .unwrap();
    // Unanswered enquire_link: the ESME drops the link and binds again.
    let (_, p) = next(&mut c).await;
    assert_eq!(p, Pdu::EnquireLink);
    let mut c2 = smsc.accept_bound().await;
    drop(c);
    assert!(timeout(WAIT, esme.wait_bound()).await.unwrap());
    // Shutdown: unbind, answered with unbind_resp.
    stop.send(()).unwrap();
    let (h, p) = next_skipping_enquire(&mut c2).await;
    assert_eq!(p, Pdu::Unbind);
    c2.send(&Pdu::UnbindResp, h.sequence_number).await.unwrap();
    assert_eq!(esme.submit(sm(1)).await, Err(SubmitError::Stopped));
}

#[tokio::test(start_paused = true)]
async fn window_limits_outstanding_requests() {
    let (connect, mut smsc) = fake_smsc();
    let (stop, rx) = oneshot::channel::<()>();
    let cfg = EsmeConfig {
        window: 2,
        ..EsmeConfig::new("smsc", "ota", "pw")
    };
    let (esme, _d) = Esme::start_with(cfg, connect, async {
        let _ = rx.await;
    });
    let tasks: Vec<_> = (0..3u8)
        .map(|i| {
            let e = esme.clone();
            tokio::spawn(async move { e.submit(sm(i)).await })
        })
        .collect();
    let t00 = Instant::now();
    eprintln!("start {:?}", t00);
    let mut c = smsc.accept_bound().await;
    let (h1, _) = next(&mut c).await;
    let (h2, _) = next(&mut c).await;
    // A third submit_sm must not arrive while two are outstanding.
    eprintln!("before third {:?}", Instant::now());
    let third = timeout(Duration::from_secs(5), next(&mut c)).await;
    assert!(third.is_err(), "window exceeded: {third:?}");
    for h in [h1, h2] {
        let r = Pdu::SubmitSmResp(SubmitSmResp {
            message_id: format!("id{}", h.sequence_number),
        });
        c.send(&r, h.sequence_number).await.unwrap();
    }
    let (h3, p3) = next_skipping_enquire(&mut c).await;
    assert!(matches!(p3, Pdu::SubmitSm(_)));
    c.send(
        &Pdu::SubmitSmResp(SubmitSmResp::default()),
        h3.sequence_number,
    )
    .await
    .unwrap();
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    drop(stop);
}

#[tokio::test(start_paused = true)]
async fn reconnect_backoff_is_capped_exponential() {
    // The SMSC is down: the ESME retries after 1, 2, 4 ... 64, 64 s.
    let (connect, mut smsc) = fake_smsc();
    smsc.up.store(false, Ordering::SeqCst);
    let (esme, _d, _stop) = start(connect);
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert!(!*esme.bound().borrow());
    smsc.up.store(true, Ordering::SeqCst);
    let t0 = Instant::now();
    let _c = smsc.accept_bound().await;
    assert!(timeout(WAIT, esme.wait_bound()).await.unwrap());
    let waited = Instant::now() - t0;
    assert!(waited <= Duration::from_secs(64), "waited {waited:?}");
}
