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
use idgw_oidc::authenticator::Authenticator;
use std::sync::Arc;
use tracer::Tracer;

/// The OP's authenticator: an AP client of the configured (or the embedded) MSSP, recording
/// the hops of each authentication through `tracer`.
pub fn authenticator(
    config: &Config,
    tracer: Arc<Tracer>,
) -> anyhow::Result<Arc<dyn Authenticator>> {
    let (ap_id, ap_pwd) = components::ap_credentials(config);
    let url = components::mssp_url(config);
    let client = idgw_mss::client::MssClient::new(&url, None, ap_id, ap_pwd)
        .with_context(|| format!("bad [mssp] url {url}"))?
        .with_fallbacks(&config.mssp.fallback_urls)
        .context("bad [mssp] fallback_urls")?;
    Ok(Arc::new(mssp_auth::MsspAuthenticator::new(client, tracer)))
}
