//! One component alone (DESIGN.md section 3): `idgw mssp`, `idgw ota`, `idgw smsc-sim` and
//! `idgw sim`, configured with the others' addresses and sharing the store (card keys and
//! OTA counters). The hops between them go over [`super::links`].

use crate::config::Config;
use crate::serve::{open_store, shutdown_signal};
use crate::wiring::components::{self, provision, run_ota, start_ota, start_sims, start_smsc};
use crate::wiring::links::{self, HttpHandsets, HttpMssp, HttpOta, HttpRadio};
use crate::wiring::provision::APPLET_TAR;
use crate::ConfigArg;
use anyhow::Context;
use idgw_ota::Tar;
use idgw_trace::Trace;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Mssp,
    Ota,
    SmscSim,
    Sim,
}

/// The MSSP on `listen.mssp`, reaching the OTA platform's API at `[ota] url` and taking its
/// answers on the callback routes; its transactions in `store`, so several MSSP nodes on one
/// database serve the same transactions.
pub async fn mssp_service(
    config: &Config,
    store: Arc<dyn idgw_store::Store>,
    hops: Trace,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let ota_url = config
        .ota
        .url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen.ota));
    let ota = Arc::new(HttpOta::new(&ota_url));
    let mssp = components::mssp(config, store, ota, hops);
    // asynchServerServer notifications (and their retries), expiry at TimeOut.
    let notifier = idgw_mss::mssp::notify::run(mssp.clone(), components::until(shutdown.clone()));
    tokio::spawn(notifier);
    let router = idgw_mss::mssp::http::router(mssp.clone())
        .merge(links::mssp_callbacks(mssp, Tar(APPLET_TAR)));
    components::serve_http(config, "MSSP", config.listen.mssp, router, shutdown).await?;
    tracing::info!(listen = %config.listen.mssp, ota = %ota_url, "MSSP running");
    Ok(())
}

/// The OTA platform with its API on `listen.ota`, handing MO answers to the MSSP at the
/// origin of `[mssp] url` (or, when it cannot be connected to, of the first
/// `fallback_urls` that can).
pub async fn ota_service(
    config: &Config,
    store: Arc<dyn idgw_store::Store>,
    hops: Trace,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut mssps = vec![origin(&components::mssp_url(config))?];
    for url in &config.mssp.fallback_urls {
        mssps.push(origin(url)?);
    }
    let (platform, deliveries) = start_ota(config, store, hops, shutdown.clone());
    run_ota(&platform, deliveries, Arc::new(HttpMssp::new(&mssps)));
    components::serve_http(
        config,
        "OTA",
        config.listen.ota,
        links::ota_api(platform),
        shutdown,
    )
    .await?;
    tracing::info!(listen = %config.listen.ota, mssp = ?mssps, "OTA platform running");
    Ok(())
}

fn origin(url: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(url).with_context(|| format!("bad URL {url}"))?;
    Ok(url.origin().ascii_serialization())
}

/// Runs `component` until Ctrl-C or SIGTERM. Steps are not traced here: the MSISDN of a
/// step is joined to its `auth_req_id` only inside `idgw serve`.
pub async fn run(args: &ConfigArg, component: Component) -> anyhow::Result<()> {
    let config = args.load()?;
    crate::edge::prepare_open_files(&config.http, 1);
    let store = open_store(&config).await?;
    let (stop, shutdown) = watch::channel(false);
    let hops = Trace::default();
    match component {
        Component::Mssp => {
            // Cards of the configured subscribers; the MSSP reads applet keys from the store.
            provision(&config, &*store).await?;
            mssp_service(&config, store, hops, shutdown.clone()).await?;
        }
        Component::Ota => ota_service(&config, store, hops, shutdown.clone()).await?,
        Component::SmscSim => {
            let handsets = config
                .smsc_sim
                .handsets_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen.handset));
            let (mo_tx, mo_rx) = mpsc::channel(1024);
            start_smsc(
                &config,
                Arc::new(HttpHandsets::new(&handsets)),
                mo_rx,
                hops,
                shutdown.clone(),
            )
            .await?;
            components::serve_http(
                &config,
                "radio",
                config.listen.radio,
                links::smsc_radio(mo_tx),
                shutdown.clone(),
            )
            .await?;
            tracing::info!(smpp = %config.listen.smsc, radio = %config.listen.radio, "SMSC simulator running");
        }
        Component::Sim => {
            let sims = provision(&config, &*store).await?;
            let smsc = config
                .sim
                .smsc_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen.radio));
            start_sims(
                &config,
                sims,
                Arc::new(HttpRadio::new(&smsc)),
                hops,
                |farm| links::sim_radio(farm, store),
                shutdown.clone(),
            )
            .await?;
            tracing::info!(listen = %config.listen.handset, smsc = %smsc, "SIM and handset simulator running");
        }
    }
    shutdown_signal().await;
    let _ = stop.send(true);
    Ok(())
}
