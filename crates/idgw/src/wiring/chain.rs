//! The SIM authentication chain of `idgw serve`, each component on its own listener and
//! talking the real protocols (DESIGN.md section 1): the SMSC simulator (SMPP 3.4 on
//! `listen.smsc`), the simulated SIMs and handsets (web page and API on `listen.handset`,
//! SMS TPDUs over an in-process radio), the OTA platform (an ESME bound to the SMSC), and the
//! MSSP (ETSI TS 102 204, SOAP and JSON, on `listen.mssp`).

use crate::config::Config;
use crate::wiring::provision::{card_for, sim_config, APPLET_TAR};
use crate::wiring::store_adapters::{StoreCards, StoreCounters};
use crate::wiring::tracer::Tracer;
use anyhow::Context;
use idgw_mss::applet::AppletKey;
use idgw_mss::mssp::{ApRegistry, MemoryAppletKeys, Mssp, MsspConfig};
use idgw_ota::platform::{MsspSink, OtaPlatform, PlatformConfig};
use idgw_ota::Tar;
use idgw_sim::{FarmConfig, SimFarm};
use idgw_smpp::esme::EsmeConfig;
use idgw_smpp::smsc_sim::{self, Account, HandsetLink, MoSms, SmscConfig};
use idgw_store::Store;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

pub const DEFAULT_AP_ID: &str = "http://idgw.local/ap";
pub const DEFAULT_AP_PWD: &str = "secret";
pub const DEFAULT_OTA_SYSTEM_ID: &str = "idgw-ota";
pub const DEFAULT_OTA_PASSWORD: &str = "secret";
pub const DEFAULT_SHORT_CODE: &str = "882";

/// The SMSC simulator's radio towards the simulated handsets.
struct FarmLink(SimFarm);

impl HandsetLink for FarmLink {
    fn deliver(&self, msisdn: &str, sms_deliver: Vec<u8>) -> Result<(), smsc_sim::Unreachable> {
        self.0
            .deliver(msisdn, sms_deliver)
            .map_err(|_| smsc_sim::Unreachable)
    }
}

async fn until(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
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
    let short_code = config
        .ota
        .source_addr
        .clone()
        .unwrap_or_else(|| DEFAULT_SHORT_CODE.into());
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
    let farm = SimFarm::new(
        FarmConfig {
            state_dir: Some(config.data_dir.join("sim")),
            ota_address: short_code.clone(),
        },
        Arc::new(radio),
    )
    .with_trace(hops.clone());
    let mut applet_keys = MemoryAppletKeys::new();
    for subscriber in &config.subscribers {
        let msisdn = idgw_oidc::hint::normalize_msisdn(&subscriber.msisdn).with_context(|| {
            format!(
                "subscriber msisdn {} is not an E.164 number",
                subscriber.msisdn
            )
        })?;
        let card = card_for(&*store, subscriber, &msisdn).await?;
        applet_keys.insert(
            msisdn.clone(),
            AppletKey::from_slice(&card.applet_key).context("applet key")?,
        );
        farm.provision(sim_config(&card, subscriber)?)
            .with_context(|| format!("cannot provision SIM {msisdn}"))?;
    }

    // SMSC simulator.
    let accounts = if config.smsc_sim.accounts.is_empty() {
        vec![Account::new(DEFAULT_OTA_SYSTEM_ID, DEFAULT_OTA_PASSWORD)]
    } else {
        config
            .smsc_sim
            .accounts
            .iter()
            .map(|a| Account::new(a.system_id.clone(), a.password.0.clone()))
            .collect()
    };
    let smsc_listener = TcpListener::bind(config.listen.smsc)
        .await
        .with_context(|| format!("cannot bind SMSC listener {}", config.listen.smsc))?;
    let smsc_config = SmscConfig {
        accounts,
        ..SmscConfig::default()
    }
    .with_trace(hops.clone());
    tokio::spawn(smsc_sim::run(
        smsc_listener,
        smsc_config,
        Arc::new(FarmLink(farm.clone())),
        mo_rx,
        until(shutdown.clone()),
    ));

    // Handsets.
    let handset_listener = TcpListener::bind(config.listen.handset)
        .await
        .with_context(|| format!("cannot bind handset listener {}", config.listen.handset))?;
    let stop = until(shutdown.clone());
    let handsets = farm.clone();
    tokio::spawn(async move {
        if let Err(e) = idgw_sim::http::serve(handset_listener, handsets, stop).await {
            tracing::error!(error = %e, "handset listener failed");
        }
    });

    // OTA platform, bound to the SMSC as an ESME.
    let esme = EsmeConfig::new(
        config
            .ota
            .smsc
            .clone()
            .unwrap_or_else(|| config.listen.smsc.to_string()),
        config
            .ota
            .system_id
            .clone()
            .unwrap_or_else(|| DEFAULT_OTA_SYSTEM_ID.into()),
        config
            .ota
            .password
            .as_ref()
            .map(|p| p.0.clone())
            .unwrap_or_else(|| DEFAULT_OTA_PASSWORD.into()),
    );
    let platform_config = PlatformConfig {
        source_addr: short_code,
        ..PlatformConfig::default()
    }
    .with_trace(hops);
    let (platform, _esme, deliveries) = OtaPlatform::connect(
        platform_config,
        esme,
        Arc::new(StoreCards(store.clone())),
        Arc::new(StoreCounters(store.clone())),
        until(shutdown.clone()),
    );

    // MSSP, sending challenges through the OTA platform.
    let (ap_id, ap_pwd) = ap_credentials(config);
    let mssp = Arc::new(
        Mssp::new(
            MsspConfig::default(),
            ApRegistry::new().with(ap_id, &ap_pwd),
            Arc::new(applet_keys),
            platform.clone(),
        )
        .with_trace(tracer.hook()),
    );
    tokio::spawn(platform.run(
        deliveries,
        Arc::new(MsspSink::new(mssp.clone()).only_tar(Tar(APPLET_TAR))),
    ));
    let mssp_listener = TcpListener::bind(config.listen.mssp)
        .await
        .with_context(|| format!("cannot bind MSSP listener {}", config.listen.mssp))?;
    let router = idgw_mss::mssp::http::router(mssp);
    let stop = until(shutdown);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(mssp_listener, router)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(error = %e, "MSSP listener failed");
        }
    });
    tracing::info!(smsc = %config.listen.smsc, handset = %config.listen.handset, mssp = %config.listen.mssp, "SIM authentication chain running");
    Ok(())
}

/// The AP credentials the OP uses at the MSSP (and the MSSP accepts in `serve`).
pub fn ap_credentials(config: &Config) -> (String, String) {
    (
        config
            .mssp
            .ap_id
            .clone()
            .unwrap_or_else(|| DEFAULT_AP_ID.into()),
        config
            .mssp
            .ap_pwd
            .as_ref()
            .map(|p| p.0.clone())
            .unwrap_or_else(|| DEFAULT_AP_PWD.into()),
    )
}

/// The MSSP URL the OP's authenticator calls.
pub fn mssp_url(config: &Config) -> String {
    config.mssp.url.clone().unwrap_or_else(|| {
        format!(
            "http://{}/soap/services/MSS_SignaturePort",
            config.listen.mssp
        )
    })
}
