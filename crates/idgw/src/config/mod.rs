//! Configuration (DESIGN.md section 5): built-in defaults, then an optional TOML file, then
//! `IDGW_` environment variables (`__` nests: `IDGW_STORAGE__URL`). Unknown keys are errors;
//! unknown `IDGW_*` variables are warned about. Secrets are wrapped so they never print, and
//! each may be read from a file instead ([`secrets`]).

mod secrets;

use crate::edge::HttpSettings;
use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::Dict;
use figment::Figment;
use idgw_oidc::client::ClientMetadata;
pub use secrets::{DatabaseUrl, Secret};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Listen {
    pub op: SocketAddr,
    pub handset: SocketAddr,
    pub mssp: SocketAddr,
    pub admin: SocketAddr,
    pub smsc: SocketAddr,
    /// The OTA platform's API for a remote MSSP (`idgw ota`).
    pub ota: SocketAddr,
    /// The SMSC simulator's radio endpoint for remote handsets (`idgw smsc-sim`).
    pub radio: SocketAddr,
    /// The OP's TS 102 204 notification port (asynchServerServer): where the MSSP delivers
    /// final statuses. Served by the OP process (`idgw op`, `idgw serve`).
    pub ap_notify: SocketAddr,
}

impl Default for Listen {
    fn default() -> Listen {
        Listen {
            op: "127.0.0.1:8080".parse().expect("literal"),
            handset: "127.0.0.1:8081".parse().expect("literal"),
            mssp: "127.0.0.1:8082".parse().expect("literal"),
            admin: "127.0.0.1:9090".parse().expect("literal"),
            smsc: "127.0.0.1:2775".parse().expect("literal"),
            ota: "127.0.0.1:8083".parse().expect("literal"),
            radio: "127.0.0.1:8084".parse().expect("literal"),
            ap_notify: "127.0.0.1:8085".parse().expect("literal"),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    /// Default: `sqlite://<data_dir>/idgw.db`.
    pub url: Option<DatabaseUrl>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// OP tuning; every field has a default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpSettings {
    pub signing_alg: String,
    pub default_expires_in: u64,
    pub max_expires_in: u64,
    pub interval: u64,
    pub access_token_ttl: u64,
    pub refresh_token_ttl: u64,
    pub id_token_ttl: u64,
    /// Let the OP fetch client documents (`jwks_uri`, `sector_identifier_uri`) from loopback
    /// addresses, also over plain http: for development and tests only.
    pub allow_loopback_fetch: bool,
    /// Published scopes out of service for now (`temporarily_unavailable`, 503).
    pub unavailable_scopes: Vec<String>,
    /// MSISDN prefixes of the operator's number ranges (empty: every number).
    pub home_msisdn_prefixes: Vec<String>,
    /// Seconds a node holds a pending transaction without renewing (several nodes: how soon
    /// a survivor takes over a dead node's transactions).
    pub lease: u64,
}

impl Default for OpSettings {
    fn default() -> OpSettings {
        let d = idgw_oidc::OpConfig::new("");
        OpSettings {
            signing_alg: d.signing_alg,
            default_expires_in: d.default_expires_in_s,
            max_expires_in: d.max_expires_in_s,
            interval: d.interval_s,
            access_token_ttl: d.access_token_ttl_s,
            refresh_token_ttl: d.refresh_token_ttl_s,
            id_token_ttl: d.id_token_ttl_s,
            allow_loopback_fetch: d.fetch.allow_loopback,
            unavailable_scopes: d.unavailable_scopes,
            home_msisdn_prefixes: d.home_msisdn_prefixes,
            lease: (d.lease_ms / 1000) as u64,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtaKeys {
    pub algorithm: String,
    pub kvn: u8,
    pub kic: Secret,
    pub kid: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    pub msisdn: String,
    #[serde(default)]
    pub pin: Option<Secret>,
    #[serde(default = "default_handset")]
    pub handset: String,
    #[serde(default)]
    pub handset_delay_ms: u64,
    #[serde(default)]
    pub ota_keys: Option<OtaKeys>,
    /// CIBA `user_code` this subscriber knows (CIBA Core 7.1).
    #[serde(default)]
    pub user_code: Option<Secret>,
    /// Whether Mobile Connect is enabled for this subscriber (default true). When false the
    /// SIM is provisioned but the OP does not know the MSISDN as a subscriber: requests for
    /// it get `access_denied` "User is not registered" (Mobile Connect SI Table 13).
    #[serde(default = "enabled")]
    pub mc_enabled: bool,
}

fn enabled() -> bool {
    true
}

impl Subscriber {
    /// A subscriber known only by its MSISDN: what `idgw subscriber add` provisions and what
    /// a running SIM simulator assumes for a card it finds in the store (PIN 1234, manual
    /// handset, generated keys).
    pub fn with_defaults(msisdn: impl Into<String>) -> Subscriber {
        Subscriber {
            msisdn: msisdn.into(),
            pin: None,
            handset: default_handset(),
            handset_delay_ms: 0,
            ota_keys: None,
            user_code: None,
            mc_enabled: enabled(),
        }
    }
}

fn default_handset() -> String {
    "manual".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mssp {
    pub url: Option<String>,
    /// Further MSSP nodes (same transactions, same binding), tried in order when the one
    /// before cannot be connected to: by the OP's client and by the OTA platform handing
    /// over answers.
    pub fallback_urls: Vec<String>,
    pub ap_id: Option<String>,
    pub ap_pwd: Option<Secret>,
    /// How the OP learns outcomes (TS 102 204 `MessagingMode`): `asynchServerServer` (the
    /// MSSP notifies `ap_url`; the default) or `asynchClientServer` (status queries every
    /// `status_poll_interval_ms`), for MSSPs that offer only that.
    pub messaging_mode: String,
    /// asynchClientServer: milliseconds between status queries of a transaction.
    pub status_poll_interval_ms: u64,
    /// asynchServerServer: the `AP_URL` sent to the MSSP, where it reaches `listen.ap_notify`
    /// (default `http://<listen.ap_notify>` and the notification path of the binding).
    pub ap_url: Option<String>,
}

impl Default for Mssp {
    fn default() -> Mssp {
        Mssp {
            url: None,
            fallback_urls: vec![],
            ap_id: None,
            ap_pwd: None,
            messaging_mode: "asynchServerServer".into(),
            status_poll_interval_ms: 1000,
            ap_url: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ota {
    /// Where a separate MSSP process reaches the OTA platform's API (default
    /// `http://<listen.ota>`).
    pub url: Option<String>,
    pub smsc: Option<String>,
    pub system_id: Option<String>,
    pub password: Option<Secret>,
    pub source_addr: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmscAccount {
    pub system_id: String,
    pub password: Secret,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmscSim {
    pub accounts: Vec<SmscAccount>,
    /// Where a separate SMSC simulator reaches the handsets' radio (default
    /// `http://<listen.handset>`).
    pub handsets_url: Option<String>,
}

/// The simulated SIMs when they run alone (`idgw sim`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sim {
    /// Where the handsets reach the SMSC simulator's radio (default `http://<listen.radio>`).
    pub smsc_url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Admin {
    /// Bearer token for the admin API; `/metrics`, `/healthz` and `/readyz` need none.
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub issuer: Option<String>,
    pub data_dir: PathBuf,
    pub listen: Listen,
    pub storage: Storage,
    pub tls: Option<Tls>,
    pub op: OpSettings,
    pub admin: Admin,
    pub http: HttpSettings,
    pub clients: Vec<ClientMetadata>,
    pub subscribers: Vec<Subscriber>,
    pub mssp: Mssp,
    pub ota: Ota,
    pub smsc_sim: SmscSim,
    pub sim: Sim,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            issuer: None,
            data_dir: PathBuf::from("idgw-data"),
            listen: Listen::default(),
            storage: Storage::default(),
            tls: None,
            op: OpSettings::default(),
            admin: Admin::default(),
            http: HttpSettings::default(),
            clients: vec![],
            subscribers: vec![],
            mssp: Mssp::default(),
            ota: Ota::default(),
            smsc_sim: SmscSim::default(),
            sim: Sim::default(),
        }
    }
}

const TOP_LEVEL: &[&str] = &[
    "issuer",
    "data_dir",
    "listen",
    "storage",
    "tls",
    "op",
    "admin",
    "http",
    "clients",
    "subscribers",
    "mssp",
    "ota",
    "smsc_sim",
    "sim",
];

impl Config {
    /// Defaults, then `file` (if any), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                bail!("configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        // Only variables naming a configuration section are configuration: others (IDGW_LOG,
        // test switches, typos) are warned about below, never fatal.
        let env = Env::prefixed("IDGW_").filter(|key| {
            let top = key
                .as_str()
                .split("__")
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            TOP_LEVEL.contains(&top.as_str())
        });
        figment = figment.merge(env.split("__"));
        for (name, _) in std::env::vars() {
            if let Some(rest) = name.strip_prefix("IDGW_") {
                let top = rest.split("__").next().unwrap_or("").to_ascii_lowercase();
                if !TOP_LEVEL.contains(&top.as_str())
                    && !["log", "browser_tests", "interop_tests"].contains(&top.as_str())
                {
                    tracing::warn!(variable = %name, "unknown IDGW_ environment variable ignored");
                }
            }
        }
        // `<key>_file` settings read, the figment is rebuilt from the result (whose errors
        // name keys but no longer the file or variable they came from: only when needed).
        let mut root: Dict = figment.extract().context("invalid configuration")?;
        if secrets::read_secret_files(&mut root)? {
            figment = Figment::from(Serialized::defaults(root));
        }
        let config: Config = figment.extract().context("invalid configuration")?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        self.http.check()?;
        if let Some(url) = &self.storage.url {
            let known = ["sqlite:", "postgres://", "postgresql://"];
            anyhow::ensure!(
                known.iter().any(|k| url.0.starts_with(k)),
                "[storage] url must begin with sqlite:, postgres:// or postgresql://"
            );
        }
        // DESIGN.md section 3: plain HTTP only on loopback. With [tls], the OP and admin
        // listeners speak HTTPS; the simulators' listeners stay on loopback.
        let mut plain = vec![
            ("handset", self.listen.handset),
            ("mssp", self.listen.mssp),
            ("ota", self.listen.ota),
            ("radio", self.listen.radio),
            ("ap_notify", self.listen.ap_notify),
        ];
        if self.tls.is_none() {
            plain.extend([("op", self.listen.op), ("admin", self.listen.admin)]);
        }
        let public: Vec<String> = plain
            .into_iter()
            .filter(|(_, a)| !a.ip().is_loopback())
            .map(|(name, a)| format!("{name} {a}"))
            .collect();
        match self.mssp.messaging_mode.as_str() {
            "asynchServerServer" | "asynchClientServer" => {}
            other => bail!(
                "[mssp] messaging_mode must be asynchServerServer or asynchClientServer, not {other}"
            ),
        }
        if self.mssp.status_poll_interval_ms == 0 {
            bail!("[mssp] status_poll_interval_ms must be at least 1");
        }
        if !public.is_empty() {
            bail!(
                "plain HTTP is allowed only on loopback, but {} listen elsewhere; set [tls] cert and key \
                 for the op and admin listeners, and keep the simulators on loopback",
                public.join(", ")
            );
        }
        Ok(())
    }

    pub fn issuer(&self) -> String {
        self.issuer.clone().unwrap_or_else(|| {
            let scheme = if self.tls.is_some() { "https" } else { "http" };
            format!("{scheme}://{}", self.listen.op)
        })
    }

    pub fn storage_url(&self) -> String {
        self.storage
            .url
            .as_ref()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| format!("sqlite://{}/idgw.db", self.data_dir.display()))
    }

    pub fn op_config(&self) -> idgw_oidc::OpConfig {
        let mut c = idgw_oidc::OpConfig::new(&self.issuer());
        c.signing_alg = self.op.signing_alg.clone();
        c.default_expires_in_s = self.op.default_expires_in;
        c.max_expires_in_s = self.op.max_expires_in;
        c.interval_s = self.op.interval;
        c.access_token_ttl_s = self.op.access_token_ttl;
        c.refresh_token_ttl_s = self.op.refresh_token_ttl;
        c.id_token_ttl_s = self.op.id_token_ttl;
        c.fetch.allow_loopback = self.op.allow_loopback_fetch;
        c.unavailable_scopes = self.op.unavailable_scopes.clone();
        c.home_msisdn_prefixes = self.op.home_msisdn_prefixes.clone();
        c.lease_ms = self.op.lease.clamp(1, 3600) as i64 * 1000;
        c
    }
}

#[cfg(test)]
mod tests;
