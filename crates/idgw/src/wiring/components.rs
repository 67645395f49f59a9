//! Starting each component of the chain on its listener, for `idgw serve` (all in one
//! process, [`super::chain`]) and for the single-component commands ([`super::standalone`]).
//! How the components reach each other is the caller's choice.

use crate::config::Config;
use crate::wiring::applet_keys::StoreAppletKeys;
use crate::wiring::mssp_store::StoreMsspTransactions;
use crate::wiring::provision::{card_for, sim_config};
use crate::wiring::store_adapters::{StoreCards, StoreCounters};
use anyhow::Context;
use axum::Router;
use idgw_mss::mssp::{ApRegistry, Mssp, MsspConfig, OtaPlatform as MssOta};
use idgw_ota::platform::{MoSink, OtaPlatform, PlatformConfig};
use idgw_sim::{FarmConfig, Radio, SimFarm};
use idgw_smpp::esme::EsmeConfig;
use idgw_smpp::pdu::DeliverSm;
use idgw_smpp::smsc_sim::{self, Account, HandsetLink, MoSms, SmscConfig};
use idgw_store::Store;
use idgw_trace::Trace;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

pub const DEFAULT_AP_ID: &str = "http://idgw.local/ap";
pub const DEFAULT_AP_PWD: &str = "secret";
pub const DEFAULT_OTA_SYSTEM_ID: &str = "idgw-ota";
pub const DEFAULT_OTA_PASSWORD: &str = "secret";
pub const DEFAULT_SHORT_CODE: &str = "882";

pub async fn until(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Serves `router` on `addr` (loopback; checked by the configuration) until shutdown, within
/// the `[http]` limits ([`crate::edge`]).
pub async fn serve_http(
    config: &Config,
    name: &'static str,
    addr: SocketAddr,
    router: Router,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot bind {name} listener {addr}"))?;
    tokio::spawn(crate::edge::serve(
        name,
        listener,
        None,
        router,
        config.http.limits(),
        shutdown,
    ));
    Ok(())
}

/// Provisions the configured subscribers' cards in the store (where the OTA platform and the
/// MSSP find their keys) and returns their simulated SIMs, with the same keys.
pub async fn provision(
    config: &Config,
    store: &dyn Store,
) -> anyhow::Result<Vec<idgw_sim::SubscriberConfig>> {
    let mut sims = Vec::new();
    for subscriber in &config.subscribers {
        let msisdn = idgw_oidc::hint::normalize_msisdn(&subscriber.msisdn).with_context(|| {
            format!(
                "subscriber msisdn {} is not an E.164 number",
                subscriber.msisdn
            )
        })?;
        let card = card_for(store, subscriber, &msisdn).await?;
        sims.push(sim_config(&card, subscriber)?);
    }
    Ok(sims)
}

pub fn short_code(config: &Config) -> String {
    config
        .ota
        .source_addr
        .clone()
        .unwrap_or_else(|| DEFAULT_SHORT_CODE.into())
}

/// The simulated SIMs and their users, reaching the network through `radio`; the handset
/// page and API (and `extra` routes) on `listen.handset`.
pub async fn start_sims(
    config: &Config,
    sims: Vec<idgw_sim::SubscriberConfig>,
    radio: Arc<dyn Radio>,
    hops: Trace,
    extra: impl FnOnce(SimFarm) -> Router,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<SimFarm> {
    let state_dir = Some(config.data_dir.join("sim"));
    let farm = SimFarm::new(
        FarmConfig {
            state_dir,
            ota_address: short_code(config),
        },
        radio,
    )
    .with_trace(hops);
    for sim in sims {
        let msisdn = sim.msisdn.clone();
        farm.provision(sim)
            .with_context(|| format!("cannot provision SIM {msisdn}"))?;
    }
    let router = idgw_sim::http::router(farm.clone()).merge(extra(farm.clone()));
    serve_http(config, "handset", config.listen.handset, router, shutdown).await?;
    Ok(farm)
}

/// The SMSC simulator on `listen.smsc`, delivering MT through `link`, taking MO from `mo`.
pub async fn start_smsc(
    config: &Config,
    link: Arc<dyn HandsetLink>,
    mo: mpsc::Receiver<MoSms>,
    hops: Trace,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
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
    let listener = TcpListener::bind(config.listen.smsc)
        .await
        .with_context(|| format!("cannot bind SMSC listener {}", config.listen.smsc))?;
    let smsc_config = SmscConfig {
        accounts,
        ..SmscConfig::default()
    }
    .with_trace(hops);
    tokio::spawn(smsc_sim::run(
        listener,
        smsc_config,
        link,
        mo,
        until(shutdown),
    ));
    Ok(())
}

/// The OTA platform: an ESME bound to `[ota] smsc` (default: our SMSC simulator), cards and
/// counters in the store. Run it with [`run_ota`] once its MO sink exists.
pub fn start_ota(
    config: &Config,
    store: Arc<dyn Store>,
    hops: Trace,
    shutdown: watch::Receiver<bool>,
) -> (Arc<OtaPlatform>, mpsc::Receiver<DeliverSm>) {
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
        source_addr: short_code(config),
        ..PlatformConfig::default()
    }
    .with_trace(hops);
    let (platform, _esme, deliveries) = OtaPlatform::connect(
        platform_config,
        esme,
        Arc::new(StoreCards(store.clone())),
        Arc::new(StoreCounters(store)),
        until(shutdown),
    );
    (platform, deliveries)
}

/// Hands the platform's MO traffic to `sink` (the MSSP, in process or over HTTP).
pub fn run_ota(
    platform: &Arc<OtaPlatform>,
    deliveries: mpsc::Receiver<DeliverSm>,
    sink: Arc<dyn MoSink>,
) {
    tokio::spawn(platform.clone().run(deliveries, sink));
}

/// The MSSP (ETSI TS 102 204) accepting the configured AP, sending challenges through `ota`,
/// its transactions and the applet keys of the cards in `store` (shared by every MSSP node on
/// it, and read on a miss, so subscribers provisioned while it runs are known at once).
pub fn mssp(
    config: &Config,
    store: Arc<dyn Store>,
    ota: Arc<dyn MssOta>,
    hops: Trace,
) -> Arc<Mssp> {
    let (ap_id, ap_pwd) = ap_credentials(config);
    Arc::new(
        Mssp::new(
            MsspConfig::default(),
            ApRegistry::new().with(ap_id, &ap_pwd),
            Arc::new(StoreAppletKeys::new(store.clone())),
            ota,
        )
        .with_transactions(Arc::new(StoreMsspTransactions(store)))
        .with_trace(hops),
    )
}

/// The AP credentials the OP uses at the MSSP (and our MSSP accepts).
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
