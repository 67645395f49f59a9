//! Wiring the components: which [`Authenticator`] the OP uses, and, in `serve`, the SIM
//! authentication chain behind it. The shipped binary wires only the real chain: the OP
//! reaches the MSSP over ETSI TS 102 204.

pub mod applet_keys;
pub mod chain;
pub mod components;
pub mod links;
pub mod mssp_auth;
pub mod mssp_store;
pub mod provision;
pub mod standalone;
pub mod store_adapters;
pub mod tracer;

use crate::config::Config;
use anyhow::Context;
use idgw_mss::client::{notification, Ap, ApConfig, MssClient};
use idgw_mss::MessagingMode;
use idgw_oidc::authenticator::Authenticator;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracer::Tracer;

/// The OP's authenticator: an AP of the configured (or the embedded) MSSP, recording the hops
/// of each authentication through `tracer`. Its scheduler runs, and in asynchServerServer
/// mode its notification port listens on `listen.ap_notify`, until `shutdown`.
pub async fn authenticator(
    config: &Config,
    tracer: Arc<Tracer>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Arc<dyn Authenticator>> {
    let (ap_id, ap_pwd) = components::ap_credentials(config);
    let url = components::mssp_url(config);
    let client = MssClient::new(&url, None, ap_id, ap_pwd)
        .with_context(|| format!("bad [mssp] url {url}"))?
        .with_fallbacks(&config.mssp.fallback_urls)
        .context("bad [mssp] fallback_urls")?;
    let notified = MessagingMode::parse(&config.mssp.messaging_mode)
        == Some(MessagingMode::AsynchServerServer);
    let ap_config = if notified {
        let ap_url = config.mssp.ap_url.clone().unwrap_or_else(|| {
            let origin = format!("http://{}", config.listen.ap_notify);
            notification::ap_url(&origin, client.binding())
        });
        ApConfig::notified(ap_url)
    } else {
        ApConfig::polled(Duration::from_millis(config.mssp.status_poll_interval_ms))
    };
    let ap = Ap::new(client, ap_config).context("bad [mssp] settings")?;
    if notified {
        let routes = notification::router(ap.clone());
        let listen = config.listen.ap_notify;
        components::serve_http(config, "ap_notify", listen, routes, shutdown.clone()).await?;
        tracing::info!(%listen, mode = %config.mssp.messaging_mode, "OP notification port listening");
    }
    tokio::spawn(ap.clone().run(components::until(shutdown)));
    Ok(Arc::new(mssp_auth::MsspAuthenticator::new(ap, tracer)))
}
