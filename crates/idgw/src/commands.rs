//! Provisioning commands: `idgw client`, `idgw subscriber`, `idgw keys`. They work on the
//! store named by the configuration, also while a server runs on it. `list` and `remove`
//! never create a data directory or a database: without one they say where they looked.

use crate::client_options::ClientOptions;
use crate::config::{Config, Subscriber};
use crate::serve::{open_existing_store, open_store};
use crate::wiring::provision::card_for;
use crate::ConfigArg;
use anyhow::Context;
use clap::Subcommand;
use idgw_oidc::client::ClientMetadata;
use idgw_oidc::keys::KeyRing;
use idgw_oidc::registry::ClientRegistry;
use idgw_store::SubscriberRow;

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register or replace a client from a JSON registration document (OIDC Dynamic
    /// Registration / CIBA / Mobile Connect metadata names, with `client_id` and, for secret
    /// methods, `client_secret`) and/or the options below. A `sector_identifier_uri` is
    /// fetched and must list the client's URIs.
    Add {
        /// The JSON document, or `-` for standard input; optional with `--client-id`.
        file: Option<String>,
        #[command(flatten)]
        options: Box<ClientOptions>,
        #[command(flatten)]
        config: ConfigArg,
    },
    List(ConfigArg),
    Remove {
        client_id: String,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
pub enum SubscriberCommand {
    Add {
        msisdn: String,
        #[arg(long)]
        user_code: Option<String>,
        #[command(flatten)]
        config: ConfigArg,
    },
    List(ConfigArg),
    Remove {
        msisdn: String,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    List(ConfigArg),
    /// Start signing with a new key; the old one stays published for verification.
    Rotate(ConfigArg),
}

fn read_document(file: &str) -> anyhow::Result<String> {
    if file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))
    }
}

async fn client_registry(
    config: &Config,
) -> anyhow::Result<(ClientRegistry, std::sync::Arc<dyn idgw_store::Store>)> {
    let store = open_store(config).await?;
    let key = store
        .setting_get_or_insert(
            "client_secret_hmac_key",
            &hex::encode(rand::random::<[u8; 32]>()),
        )
        .await?;
    Ok((
        ClientRegistry::new(
            store.clone(),
            hex::decode(key).context("stored client key is corrupt")?,
            idgw_oidc::fetch::Fetcher::new(config.op_config().fetch),
        ),
        store,
    ))
}

pub async fn client(cmd: ClientCommand) -> anyhow::Result<()> {
    match cmd {
        ClientCommand::Add {
            file,
            options,
            config,
        } => {
            let config = config.load()?;
            let mut metadata: ClientMetadata = match &file {
                Some(file) => serde_json::from_str(&read_document(file)?)
                    .context("invalid client registration document")?,
                None if options.client_id.is_some() => ClientMetadata::default(),
                None => anyhow::bail!("give a registration document or --client-id"),
            };
            options.apply(&mut metadata)?;
            let (registry, _) = client_registry(&config).await?;
            let client = registry.register(metadata, idgw_oidc::now_ms()).await?;
            println!(
                "registered client {} (sector {})",
                client.id(),
                client.sector
            );
        }
        ClientCommand::List(config) => {
            let store = open_existing_store(&config.load()?).await?;
            for c in store.clients().await? {
                println!("{}\t{}", c.client_id, c.metadata);
            }
        }
        ClientCommand::Remove { client_id, config } => {
            let store = open_existing_store(&config.load()?).await?;
            anyhow::ensure!(
                store.delete_client(&client_id).await?,
                "no client {client_id}"
            );
            println!("removed client {client_id}");
        }
    }
    Ok(())
}

pub async fn subscriber(cmd: SubscriberCommand) -> anyhow::Result<()> {
    match cmd {
        SubscriberCommand::Add {
            msisdn,
            user_code,
            config,
        } => {
            let store = open_store(&config.load()?).await?;
            let msisdn = idgw_oidc::hint::normalize_msisdn(&msisdn)
                .context("msisdn must be an E.164 number")?;
            store
                .upsert_subscriber(
                    &SubscriberRow {
                        msisdn: msisdn.clone(),
                        user_code,
                    },
                    idgw_oidc::now_ms(),
                )
                .await?;
            // Its SIM card: OTA keys and applet key generated once and kept in the store,
            // where the running OTA platform, MSSP and SIM simulator find them.
            card_for(&*store, &Subscriber::with_defaults(&msisdn), &msisdn).await?;
            println!("provisioned subscriber {msisdn}");
        }
        SubscriberCommand::List(config) => {
            let store = open_existing_store(&config.load()?).await?;
            for s in store.subscribers().await? {
                println!("{}", s.msisdn);
            }
        }
        SubscriberCommand::Remove { msisdn, config } => {
            let store = open_existing_store(&config.load()?).await?;
            anyhow::ensure!(
                store.delete_subscriber(&msisdn).await?,
                "no subscriber {msisdn}"
            );
            println!("removed subscriber {msisdn}");
        }
    }
    Ok(())
}

pub async fn keys(cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::List(config) => {
            let store = open_existing_store(&config.load()?).await?;
            for k in store.keys().await? {
                let state = if k.retired_at.is_some() {
                    "retired"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}\t{}", k.kid, k.key_use, k.alg, state);
            }
        }
        KeysCommand::Rotate(config) => {
            let config = config.load()?;
            let store = open_store(&config).await?;
            let kid = KeyRing::rotate(&*store, &config.op.signing_alg, idgw_oidc::now_ms()).await?;
            println!("new signing key {kid}; restart running nodes to sign with it");
        }
    }
    Ok(())
}
