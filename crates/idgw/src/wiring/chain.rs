//! The SIM authentication chain of `idgw serve`: every component in one process, each on its
//! own listener and talking the real protocols (DESIGN.md section 1): the SMSC simulator (SMPP
//! 3.4 on `listen.smsc`), the simulated SIMs and handsets (web page and API on
//! `listen.handset`, SMS TPDUs over an in-process radio, the one hop DESIGN.md lets stay in
//! process), the OTA platform (an ESME bound to the SMSC; its API on `listen.ota`), and the
//! MSSP (ETSI TS 102 204, SOAP and JSON, on `listen.mssp`).

use crate::config::Config;
use crate::wiring::components::{provision, start_sims, start_smsc};
use crate::wiring::provision::learn_sim;
use crate::wiring::standalone;
use crate::wiring::tracer::Tracer;
use idgw_sim::SimFarm;
use idgw_smpp::smsc_sim::{self, HandsetLink, MoSms};
use idgw_store::Store;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// The SMSC simulator's radio towards the simulated handsets. An SMS for an MSISDN the farm
/// does not hold is refused, and the farm looks for its card in the store meanwhile: the
/// SMSC's next retry reaches the SIM of a subscriber provisioned after `serve` started.
struct FarmLink {
    farm: SimFarm,
    store: Arc<dyn Store>,
}

impl HandsetLink for FarmLink {
    fn deliver(&self, msisdn: &str, sms_deliver: Vec<u8>) -> Result<(), smsc_sim::Unreachable> {
        let result = self.farm.deliver(msisdn, sms_deliver);
        if result.is_err() && self.farm.view(msisdn).is_none() {
            let (farm, store, msisdn) = (self.farm.clone(), self.store.clone(), msisdn.to_string());
            tokio::spawn(async move {
                if let Err(e) = learn_sim(&*store, &farm, &msisdn).await {
                    tracing::error!(msisdn, error = %e, "SIM not learnt from the store");
                }
            });
        }
        result.map_err(|_| smsc_sim::Unreachable)
    }
}

/// Starts every component of the chain, each reporting its steps to `tracer`; they stop
/// when `shutdown` turns true.
pub async fn start(
    config: &Config,
    store: Arc<dyn Store>,
    tracer: Arc<Tracer>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let hops = tracer.hook();
    // Cards first: the OTA platform, the MSSP and the SIMs share their keys.
    let sims = provision(config, &*store).await?;
    let (mo_tx, mo_rx) = mpsc::channel::<MoSms>(1024);
    let radio = move |from: &str, tpdu: Vec<u8>| {
        if mo_tx
            .try_send(MoSms {
                msisdn: from.to_string(),
                sms_submit: tpdu,
            })
            .is_err()
        {
            tracing::warn!(msisdn = from, "radio congested: MO SMS dropped");
        }
    };
    let farm = start_sims(
        config,
        sims,
        Arc::new(radio),
        hops.clone(),
        |_| axum::Router::new(),
        shutdown.clone(),
    )
    .await?;
    start_smsc(
        config,
        Arc::new(FarmLink {
            farm,
            store: store.clone(),
        }),
        mo_rx,
        hops.clone(),
        shutdown.clone(),
    )
    .await?;

    // The MSSP and the OTA platform talk over their HTTP link, as in separate processes.
    standalone::ota_service(config, store.clone(), hops.clone(), shutdown.clone()).await?;
    standalone::mssp_service(config, store, hops, shutdown).await?;
    tracing::info!(smsc = %config.listen.smsc, handset = %config.listen.handset, mssp = %config.listen.mssp, "SIM authentication chain running");
    Ok(())
}
