//! `idgw`: the command line of the identity gateway (DESIGN.md section 3).

mod admin;
mod client_options;
mod commands;
mod config;
mod demo;
mod demo_callback;
mod edge;
mod serve;
mod tls;
mod trace;
mod wiring;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use wiring::standalone::{self, Component};

#[derive(Parser)]
#[command(
    name = "idgw",
    version,
    about = "Mobile Connect identity gateway: OpenID Provider with SIM applet authentication"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
pub struct ConfigArg {
    /// TOML configuration file; without one, embedded defaults and a demo client are used.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Data directory (keys, SQLite database, simulator state); overrides `data_dir` of the
    /// configuration and `IDGW_DATA_DIR`.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

impl ConfigArg {
    /// The configuration: defaults, the file, the environment, then these options.
    pub fn load(&self) -> anyhow::Result<config::Config> {
        let mut config = config::Config::load(self.config.as_deref())?;
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        Ok(config)
    }

    /// Whether a configuration file was given.
    pub fn has_file(&self) -> bool {
        self.config.is_some()
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run every component in one process.
    Serve(ConfigArg),
    /// Run the OpenID Provider alone.
    Op(ConfigArg),
    /// Run the MSSP (ETSI TS 102 204) alone.
    Mssp(ConfigArg),
    /// Run the OTA platform (TS 31.115 over SMPP) alone.
    Ota(ConfigArg),
    /// Run the SMSC simulator (SMPP 3.4) alone.
    SmscSim(ConfigArg),
    /// Run the SIM and handset simulator alone.
    Sim(ConfigArg),
    /// Provision clients.
    #[command(subcommand)]
    Client(commands::ClientCommand),
    /// Provision subscribers.
    #[command(subcommand)]
    Subscriber(commands::SubscriberCommand),
    /// OP signing and encryption keys.
    #[command(subcommand)]
    Keys(commands::KeysCommand),
    /// Print the recorded steps of one transaction as a sequence diagram.
    Trace {
        /// An `auth_req_id` is base64url and may begin with `-`.
        #[arg(allow_hyphen_values = true)]
        auth_req_id: String,
        /// `text`: a diagram for the terminal; `svg`: the same as an SVG image; `json`: the
        /// recorded events.
        #[arg(long, value_enum, default_value_t = trace::Format::Text)]
        format: trace::Format,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Run one full CIBA authentication against a running `idgw serve`, narrating each step.
    Demo {
        /// The demo subscriber to authenticate (its simulated user approves).
        #[arg(long, default_value = "447700900002")]
        msisdn: String,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDGW_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(c) => serve::serve(&c, serve::Mode::All).await,
        Command::Op(c) => serve::serve(&c, serve::Mode::OpOnly).await,
        Command::Mssp(c) => standalone::run(&c, Component::Mssp).await,
        Command::Ota(c) => standalone::run(&c, Component::Ota).await,
        Command::SmscSim(c) => standalone::run(&c, Component::SmscSim).await,
        Command::Sim(c) => standalone::run(&c, Component::Sim).await,
        Command::Client(c) => commands::client(c).await,
        Command::Subscriber(c) => commands::subscriber(c).await,
        Command::Keys(c) => commands::keys(c).await,
        Command::Trace {
            auth_req_id,
            format,
            config,
        } => trace::trace(&config, &auth_req_id, format).await,
        Command::Demo { msisdn, config } => demo::demo(&config, &msisdn).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_takes_an_auth_req_id_that_begins_with_a_hyphen() {
        let cli = Cli::try_parse_from(["idgw", "trace", "-Zq3v_x", "--config", "idgw.toml"])
            .expect("parses");
        match cli.command {
            Command::Trace { auth_req_id, .. } => assert_eq!(auth_req_id, "-Zq3v_x"),
            _ => panic!("not the trace command"),
        }
    }
}
