//! `idgw serve` and `idgw op`: load configuration, open the store, provision configured
//! clients and subscribers, and run the listeners until Ctrl-C or SIGTERM.

use crate::config::Config;
use crate::ConfigArg;
use anyhow::Context;
use idgw_oidc::client::{ClientMetadata, ClientSecret, DeliveryMode};
use idgw_oidc::Op;
use idgw_store::{Store, SubscriberRow};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    OpOnly,
}

pub const DEMO_CLIENT: &str = "demo-sp";
pub const DEMO_SUBSCRIBERS: &[(&str, &str)] = &[
    ("447700900001", "manual"),
    ("447700900002", "approve"),
    ("447700900003", "deny"),
];

/// Opens the configured store (creating the data directory).
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    idgw_store::open(&config.storage_url())
        .await
        .context("cannot open the store")
}

/// Opens the configured store for a command that reads it: never creates a data directory or
/// a database. Without a SQLite database where the configuration points, says where it
/// looked and how to point elsewhere.
pub async fn open_existing_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.storage_url();
    if let Some(path) = sqlite_file(&url) {
        if !path.exists() {
            let shown = std::path::absolute(&path).unwrap_or(path);
            let why = match &config.storage.url {
                Some(_) => "as [storage] url says".to_string(),
                None => format!(
                    "in the data directory {}",
                    std::path::absolute(&config.data_dir)
                        .unwrap_or_else(|_| config.data_dir.clone())
                        .display()
                ),
            };
            anyhow::bail!(
                "no idgw database at {} ({why}); nothing was created.\n\
                 Point idgw at yours with --data-dir DIR, IDGW_DATA_DIR=DIR, or --config FILE \
                 (its data_dir or [storage] url; IDGW_STORAGE__URL)",
                shown.display()
            );
        }
    }
    idgw_store::open(&url)
        .await
        .context("cannot open the store")
}

/// The file of a SQLite URL as the store reads it (`sqlite://path` or `sqlite:path`, options
/// after `?`); `None` for an in-memory database or another backend.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

pub async fn serve(args: &ConfigArg, mode: Mode) -> anyhow::Result<()> {
    let mut config = args.load()?;
    crate::edge::prepare_open_files(&config.http, 2);
    let store = open_store(&config).await?;
    let demo = !args.has_file() && config.clients.is_empty();
    if demo {
        add_demo(&mut config, &*store).await?;
    }
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let tracer = crate::wiring::tracer::Tracer::start(store.clone());
    if mode == Mode::All {
        crate::wiring::chain::start(&config, store.clone(), tracer.clone(), shutdown_rx.clone())
            .await?;
    }
    let authenticator = crate::wiring::authenticator(&config, tracer, shutdown_rx.clone()).await?;
    let op = Op::new(config.op_config(), store.clone(), authenticator).await?;
    let now = op.now();
    for client in &config.clients {
        op.clients
            .register(client.clone(), now)
            .await
            .context("invalid client in configuration")?;
    }
    for s in &config.subscribers {
        let msisdn = idgw_oidc::hint::normalize_msisdn(&s.msisdn)
            .with_context(|| format!("subscriber msisdn {} is not an E.164 number", s.msisdn))?;
        if !s.mc_enabled {
            store.delete_subscriber(&msisdn).await?;
            continue;
        }
        let row = SubscriberRow {
            msisdn,
            user_code: s.user_code.as_ref().map(|c| c.0.clone()),
        };
        store.upsert_subscriber(&row, now).await?;
    }

    let op_listener = TcpListener::bind(config.listen.op)
        .await
        .with_context(|| format!("cannot bind OP listener {}", config.listen.op))?;
    let admin_listener = TcpListener::bind(config.listen.admin)
        .await
        .with_context(|| format!("cannot bind admin listener {}", config.listen.admin))?;
    tracing::info!(issuer = %op.config.issuer, op = %config.listen.op, admin = %config.listen.admin, ?mode, "idgw listening");
    if demo {
        print_demo(&config, &op).await?;
    }

    let background = tokio::spawn(op.clone().run_background(shutdown_rx.clone()));
    let tls = match &config.tls {
        Some(t) => Some(crate::tls::acceptor(&t.cert, &t.key)?),
        None => None,
    };
    let mut op_router = idgw_oidc::http::router(op.clone());
    if demo {
        op_router = op_router.merge(crate::demo_callback::router(op.config.issuer.clone()));
    }
    let op_server = tokio::spawn(crate::edge::serve(
        "OP",
        op_listener,
        tls.clone(),
        op_router,
        config.http.op_limits(),
        shutdown_rx.clone(),
    ));
    let admin_server = tokio::spawn(crate::edge::serve(
        "admin",
        admin_listener,
        tls,
        crate::admin::router(op.clone(), config.admin.token.as_ref().map(|t| t.0.clone())),
        config.http.limits(),
        shutdown_rx.clone(),
    ));

    shutdown_signal().await;
    tracing::info!("shutting down");
    let _ = shutdown_tx.send(true);
    let _ = tokio::join!(op_server, admin_server, background);
    Ok(())
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The demo client (poll mode, and Device-Initiated with the demo callback page as its
/// loopback `redirect_uri`) with a secret generated once and kept in the store, and the demo
/// subscribers.
async fn add_demo(config: &mut Config, store: &dyn Store) -> anyhow::Result<()> {
    let secret = store
        .setting_get_or_insert("demo_client_secret", &idgw_oidc::opaque::random_token())
        .await?;
    let callback = crate::demo_callback::redirect_uri(&config.issuer());
    config.clients.push(ClientMetadata {
        client_id: DEMO_CLIENT.into(),
        client_secret: Some(ClientSecret(secret)),
        client_name: Some("Demo Service Provider".into()),
        backchannel_token_delivery_mode: DeliveryMode::Poll,
        scope: Some("openid phone mc_authn mc_authz".into()),
        // Only where registration accepts it (https, or http on loopback).
        redirect_uris: idgw_oidc::client::is_acceptable_url(&callback)
            .then_some(callback)
            .into_iter()
            .collect(),
        ..ClientMetadata::default()
    });
    for (msisdn, handset) in DEMO_SUBSCRIBERS {
        config.subscribers.push(crate::config::Subscriber {
            msisdn: msisdn.to_string(),
            pin: Some(crate::config::Secret("1234".into())),
            handset: handset.to_string(),
            handset_delay_ms: 500,
            ota_keys: None,
            user_code: None,
            mc_enabled: true,
        });
    }
    Ok(())
}

async fn print_demo(config: &Config, op: &Op) -> anyhow::Result<()> {
    let secret = op
        .store
        .setting_get_or_insert("demo_client_secret", "")
        .await?;
    let issuer = &op.config.issuer;
    let subscribers: Vec<String> = DEMO_SUBSCRIBERS
        .iter()
        .map(|(m, h)| format!("{m} ({h}, PIN 1234)"))
        .collect();
    println!(
        "\nidgw is running with embedded defaults (data in {data}).\n\
         Demo client: client_id={DEMO_CLIENT} client_secret={secret} (poll mode)\n\
         Demo subscribers: {subs}\n\
         Handsets (answer SIM prompts here): http://{handset}/\n\
         Discovery: {issuer}/.well-known/openid-configuration   Metrics: http://{admin}/metrics\n\n\
         Start a CIBA authentication:\n\
         curl -s -u '{DEMO_CLIENT}:{secret}' -d scope=openid -d acr_values=mod-mf -d login_hint=MSISDN:447700900002 -d binding_message=DEMO-1 {issuer}/bc-authorize\n\
         Then poll for the tokens with the auth_req_id it returns:\n\
         curl -s -u '{DEMO_CLIENT}:{secret}' -d grant_type=urn:openid:params:grant-type:ciba -d auth_req_id=AUTH_REQ_ID {issuer}/token\n",
        data = config.data_dir.display(),
        subs = subscribers.join(", "),
        admin = config.listen.admin,
        handset = config.listen.handset,
    );
    if let Some(callback) = op
        .clients
        .get(DEMO_CLIENT, op.now())
        .await?
        .and_then(|c| c.metadata.redirect_uris.first().cloned())
    {
        println!(
            "Or sign in with Mobile Connect Device-Initiated: open in a browser\n\
             {authorize}\n\
             type a demo number (447700900001: answer on its handset page), and the browser lands on\n\
             {callback}, a page of this demo (no service provider) that shows the code.\n\
             Redeem it within {ttl} s:\n\
             export IDGW_DEMO_SECRET='{secret}'\n\
             {curl}\n",
            authorize = demo_authorize_url(issuer, &callback),
            ttl = idgw_oidc::mc_di::code::CODE_TTL_S,
            curl = crate::demo_callback::token_curl(issuer, "$IDGW_DEMO_SECRET", "CODE", None),
        );
    }
    Ok(())
}

/// A DI Authorization Request (Table 2) for the demo client, without a hint so that the
/// phone-number page asks for the number.
fn demo_authorize_url(issuer: &str, redirect_uri: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", DEMO_CLIENT)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid mc_authn")
        .append_pair("version", "mc_v2.3")
        .append_pair("state", "demo-state")
        .append_pair("nonce", &idgw_oidc::opaque::random_token())
        .append_pair("acr_values", "2")
        .append_pair("binding_message", "DEMO-2")
        .finish();
    format!("{issuer}{}?{query}", idgw_oidc::mc_di::AUTHORIZE_PATH)
}
