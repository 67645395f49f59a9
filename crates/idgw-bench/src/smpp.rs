//! SMPP throughput: idgw's ESME session (window 64, one bind) submitting to idgw's SMSC
//! simulator over loopback TCP, both in this process. The radio behind the simulator accepts
//! every SMS-DELIVER and drops it: what is measured is SMPP, not the handsets.

use crate::load;
use crate::report::Figures;
use crate::Settings;
use idgw_smpp::esme::{Esme, EsmeConfig};
use idgw_smpp::pdu::{data_coding, SubmitSm};
use idgw_smpp::smsc_sim::{self, Account, HandsetLink, SmscConfig, Unreachable};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const WINDOW: usize = 64;

/// Handsets that take every message.
struct Radio;

impl HandsetLink for Radio {
    fn deliver(&self, _msisdn: &str, _sms_deliver: Vec<u8>) -> Result<(), Unreachable> {
        Ok(())
    }
}

fn message(n: u64) -> SubmitSm {
    SubmitSm {
        source_addr: "882".into(),
        destination_addr: format!("4470{:08}", n % 1000),
        data_coding: data_coding::OCTET,
        short_message: vec![0x5a; 140],
        ..SubmitSm::default()
    }
}

pub async fn run(settings: &Settings) -> anyhow::Result<Figures> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let until = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let (_mo, mo) = mpsc::channel(1);
    let config = SmscConfig {
        accounts: vec![Account::new("bench", "secret")],
        ..SmscConfig::default()
    };
    tokio::spawn(smsc_sim::run(
        listener,
        config,
        Arc::new(Radio),
        mo,
        until(stopped.clone()),
    ));
    let mut esme = EsmeConfig::new(addr.to_string(), "bench", "secret");
    esme.window = WINDOW;
    let (handle, _deliveries) = Esme::start(esme, until(stopped));
    if tokio::time::timeout(Duration::from_secs(10), handle.wait_bound()).await != Ok(true) {
        anyhow::bail!("the ESME did not bind to the SMSC simulator");
    }
    let flow: load::Flow = Arc::new(move |n| {
        let handle = handle.clone();
        Box::pin(async move {
            handle
                .submit(message(n))
                .await
                .map(|_| None)
                .map_err(|e| e.to_string())
        })
    });
    let workers = WINDOW as u64;
    let warm = settings.smpp_messages / 10;
    let _ = load::closed_flows(workers, warm, settings.warmup, flow.clone()).await;
    let me = std::process::id();
    let before = crate::procs::cpu_seconds(me);
    let mut out = load::closed_flows(workers, settings.smpp_messages, settings.seconds, flow).await;
    let cpu = crate::procs::cpu_seconds(me) - before;
    let _ = stop.send(true);
    Ok(Figures::of(
        &mut out,
        &[("harness (ESME + SMSC simulator)".into(), cpu)],
        crate::procs::rss_mib(me),
    ))
}
