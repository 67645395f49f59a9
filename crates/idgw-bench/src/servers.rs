//! Starting the two servers with the same clients and the same users: node oidc-provider (the
//! peer, `scripts/bench/peer/server.js`) and idgw (the release binary, `idgw serve`, or every
//! component in its own process), each on fresh state, on loopback ports.

use crate::http::{Conn, Req};
use crate::procs::Proc;
use crate::Settings;
use anyhow::{bail, Context};
use serde_json::json;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const BASIC: &str = "bench-basic";
pub const JWT: &str = "bench-jwt";
pub const PING: &str = "bench-ping";
pub const SECRET: &str = "bench-secret";

/// The `n`th user who never answers.
pub fn never(n: u64) -> String {
    format!("4470{n:08}")
}

/// The `n`th user who approves at once; the peer knows them by this prefix.
pub fn instant(n: u64) -> String {
    format!("4471{n:08}")
}
const INSTANT_PREFIX: &str = "4471";

/// What a scenario needs of a running server.
pub struct Server {
    pub addr: SocketAddr,
    pub issuer: String,
    pub bc_path: String,
    pub token_path: String,
    pub procs: Vec<Proc>,
    /// A directory to remove once the server stopped.
    scratch: Option<PathBuf>,
}

impl Server {
    pub fn pids(&self) -> Vec<u32> {
        self.procs.iter().map(|p| p.pid).collect()
    }

    pub fn rss_mib(&self) -> f64 {
        self.procs.iter().map(Proc::rss_mib).sum()
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.procs.iter_mut().try_for_each(Proc::check_alive)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Stop in reverse order of start (the OP before the chain behind it).
        while let Some(mut p) = self.procs.pop() {
            p.stop(Duration::from_secs(5));
        }
        if let Some(dir) = &self.scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A loopback port free now, below Linux's ephemeral range (32768 and up), so that no
/// outgoing connection takes it before the server binds it; never the same twice in a run.
fn free_addr() -> anyhow::Result<SocketAddr> {
    static TAKEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut taken = TAKEN.lock().expect("ports");
    for _ in 0..1000 {
        let port = 20_000 + rand::random::<u16>() % 12_000;
        if taken.contains(&port) {
            continue;
        }
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            taken.push(port);
            return Ok(listener.local_addr()?);
        }
    }
    bail!("no free loopback port in 20000..32000")
}

/// Runs `binary` without the harness's own `IDGW_BENCH_*` variables (idgw warns of unknown
/// `IDGW_` variables).
fn idgw_command(binary: &Path) -> Command {
    let mut command = Command::new(binary);
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("IDGW_BENCH_")) {
        command.env_remove(name);
    }
    command.env("IDGW_LOG", "warn");
    command
}

/// Waits until `addr` answers `GET path` (with 200 when `ok_only`), while the processes live.
async fn wait_http(
    addr: SocketAddr,
    path: &str,
    ok_only: bool,
    procs: &mut [Proc],
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(a) = Conn::new(addr).send(&Req::get(path)).await {
            if !ok_only || a.status == 200 {
                return Ok(());
            }
        }
        procs.iter_mut().try_for_each(Proc::check_alive)?;
        if Instant::now() > deadline {
            bail!("http://{addr}{path} not ready after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Reads the endpoints from discovery and makes the server.
async fn discover(
    label: &'static str,
    addr: SocketAddr,
    procs: Vec<Proc>,
    scratch: Option<PathBuf>,
) -> anyhow::Result<Server> {
    let answer = Conn::new(addr)
        .send(&Req::get("/.well-known/openid-configuration"))
        .await
        .map_err(anyhow::Error::msg)?;
    let d = answer.json();
    let issuer = d["issuer"].as_str().context("issuer")?.to_string();
    let path = |key: &str| -> anyhow::Result<String> {
        let url = d[key]
            .as_str()
            .with_context(|| format!("{label}: no {key}"))?;
        Ok(url.strip_prefix(&issuer).unwrap_or(url).to_string())
    };
    Ok(Server {
        addr,
        bc_path: path("backchannel_authentication_endpoint")?,
        token_path: path("token_endpoint")?,
        issuer,
        procs,
        scratch,
    })
}

/// Starts the peer with the bench clients.
pub async fn peer(
    settings: &Settings,
    jwk: &serde_json::Value,
    ping: &str,
) -> anyhow::Result<Server> {
    let addr = free_addr()?;
    let ciba = ["urn:openid:params:grant-type:ciba"];
    let client = |id: &str, auth: &str, mode: &str| {
        let mut c = json!({
            "client_id": id, "token_endpoint_auth_method": auth,
            "grant_types": ciba, "response_types": [], "redirect_uris": [],
            "backchannel_token_delivery_mode": mode, "scope": "openid phone",
        });
        if auth == "private_key_jwt" {
            c["jwks"] = json!({ "keys": [jwk] });
            c["token_endpoint_auth_signing_alg"] = json!("ES256");
        } else {
            c["client_secret"] = json!(SECRET);
        }
        if mode == "ping" {
            // Registration wants https; server.js pings loopback over http (see there).
            c["backchannel_client_notification_endpoint"] =
                json!(ping.replacen("http:", "https:", 1));
        }
        c
    };
    let config = json!({
        "port": addr.port(),
        "issuer": format!("http://{addr}"),
        "instant_prefix": INSTANT_PREFIX,
        "clients": [
            client(BASIC, "client_secret_basic", "poll"),
            client(JWT, "private_key_jwt", "poll"),
            client(PING, "client_secret_basic", "ping"),
        ],
    });
    let file = settings.out.join("peer.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&config)?)?;
    let mut command = Command::new("node");
    command
        .arg(&settings.peer)
        .arg(&file)
        .env("NODE_ENV", "production");
    let mut procs = vec![Proc::spawn(
        "peer",
        command,
        &settings.logs(),
        &settings.pids,
    )?];
    wait_http(
        addr,
        "/.well-known/openid-configuration",
        true,
        &mut procs,
        Duration::from_secs(60),
    )
    .await?;
    discover("peer", addr, procs, None).await
}

/// The listeners of one idgw instance.
struct Ports {
    op: SocketAddr,
    admin: SocketAddr,
    handset: SocketAddr,
    mssp: SocketAddr,
    smsc: SocketAddr,
    ota: SocketAddr,
    radio: SocketAddr,
}

impl Ports {
    fn new() -> anyhow::Result<Ports> {
        Ok(Ports {
            op: free_addr()?,
            admin: free_addr()?,
            handset: free_addr()?,
            mssp: free_addr()?,
            smsc: free_addr()?,
            ota: free_addr()?,
            radio: free_addr()?,
        })
    }
}

/// idgw's configuration: the bench clients and every bench user as a subscriber.
fn idgw_config(
    settings: &Settings,
    data: &Path,
    p: &Ports,
    jwk: &serde_json::Value,
    ping: &str,
) -> String {
    let mut toml = format!(
        r#"issuer = "http://{op}"
data_dir = "{data}"
[listen]
op = "{op}"
admin = "{admin}"
handset = "{handset}"
mssp = "{mssp}"
smsc = "{smsc}"
ota = "{ota}"
radio = "{radio}"
[op]
# No poll is early (the peer does not pace polls): polls measure authorization_pending.
interval = 0
# The ping endpoint is the harness's receiver on loopback, over http.
allow_loopback_fetch = true
[[clients]]
client_id = "{BASIC}"
client_secret = "{SECRET}"
scope = "openid phone"
[[clients]]
client_id = "{JWT}"
token_endpoint_auth_method = "private_key_jwt"
token_endpoint_auth_signing_alg = "ES256"
jwks = {{ keys = [{jwk}] }}
scope = "openid phone"
[[clients]]
client_id = "{PING}"
client_secret = "{SECRET}"
backchannel_token_delivery_mode = "ping"
backchannel_client_notification_endpoint = "{ping}"
scope = "openid phone"
"#,
        data = data.display(),
        op = p.op,
        admin = p.admin,
        handset = p.handset,
        mssp = p.mssp,
        smsc = p.smsc,
        ota = p.ota,
        radio = p.radio,
        jwk = toml_inline(jwk),
    );
    for n in 0..settings.subscribers {
        let _ = write!(
            toml,
            "[[subscribers]]\nmsisdn = \"{}\"\nhandset = \"manual\"\n",
            never(n)
        );
    }
    for n in 0..settings.instant {
        let _ = write!(
            toml,
            "[[subscribers]]\nmsisdn = \"{}\"\nhandset = \"approve\"\nhandset_delay_ms = 0\n",
            instant(n)
        );
    }
    toml
}

/// A flat JSON object of strings as a TOML inline table.
fn toml_inline(value: &serde_json::Value) -> String {
    let fields: Vec<String> = value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// How idgw runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `idgw serve`: every component in one process.
    Serve,
    /// `idgw smsc-sim`, `sim`, `mssp`, `ota` and `op`, one process each.
    Components,
}

/// The provisioned state every idgw instance starts from (keys, clients, subscribers, cards
/// and SIM state): made by a first `idgw serve`, then copied; kept for later runs with the
/// same binary and the same users.
async fn template(
    settings: &Settings,
    jwk: &serde_json::Value,
    ping: &str,
) -> anyhow::Result<PathBuf> {
    let dir = settings.data.join("idgw-template");
    let done = dir.join(".provisioned");
    let binary = std::fs::metadata(&settings.idgw)?;
    let key = format!(
        "{} bytes, modified {:?}; {} + {} subscribers\n",
        binary.len(),
        binary.modified()?,
        settings.subscribers,
        settings.instant
    );
    if std::fs::read_to_string(&done).is_ok_and(|k| k == key) {
        return Ok(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let began = Instant::now();
    let ports = Ports::new()?;
    let config = settings.out.join("idgw-template.toml");
    std::fs::write(&config, idgw_config(settings, &dir, &ports, jwk, ping))?;
    let mut command = idgw_command(&settings.idgw);
    command.arg("serve").arg("--config").arg(&config);
    let mut procs = vec![Proc::spawn(
        "idgw-provision",
        command,
        &settings.logs(),
        &settings.pids,
    )?];
    wait_http(
        ports.admin,
        "/readyz",
        true,
        &mut procs,
        settings.startup_limit,
    )
    .await?;
    procs[0].stop(Duration::from_secs(30));
    std::fs::write(&done, key)?;
    println!(
        "idgw: {} subscribers provisioned in {:.0} s (once; each instance starts from a copy)",
        settings.subscribers + settings.instant,
        began.elapsed().as_secs_f64()
    );
    Ok(dir)
}

/// Starts idgw on a fresh copy of the provisioned state.
pub async fn idgw(
    settings: &Settings,
    layout: Layout,
    jwk: &serde_json::Value,
    ping: &str,
) -> anyhow::Result<Server> {
    let template = template(settings, jwk, ping).await?;
    let data = settings.data.join("idgw-instance");
    let _ = std::fs::remove_dir_all(&data);
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&template)
        .arg(&data)
        .status()?;
    if !copied.success() {
        bail!("cannot copy {} to {}", template.display(), data.display());
    }
    let began = Instant::now();
    let ports = Ports::new()?;
    let config = settings.out.join("idgw.toml");
    std::fs::write(&config, idgw_config(settings, &data, &ports, jwk, ping))?;
    let spawn = |name: &str, command: &str| -> anyhow::Result<Proc> {
        let mut c = idgw_command(&settings.idgw);
        c.arg(command).arg("--config").arg(&config);
        Proc::spawn(name, c, &settings.logs(), &settings.pids)
    };
    let limit = settings.startup_limit;
    let mut procs = Vec::new();
    match layout {
        Layout::Serve => procs.push(spawn("idgw", "serve")?),
        Layout::Components => {
            procs.push(spawn("smsc-sim", "smsc-sim")?);
            wait_http(ports.radio, "/", false, &mut procs, limit).await?;
            procs.push(spawn("sim", "sim")?);
            wait_http(ports.handset, "/", false, &mut procs, limit).await?;
            procs.push(spawn("mssp", "mssp")?);
            wait_http(ports.mssp, "/", false, &mut procs, limit).await?;
            procs.push(spawn("ota", "ota")?);
            wait_http(ports.ota, "/", false, &mut procs, limit).await?;
            procs.push(spawn("op", "op")?);
        }
    }
    wait_http(ports.admin, "/readyz", true, &mut procs, limit).await?;
    println!("idgw: ready in {:.1} s", began.elapsed().as_secs_f64());
    discover("idgw", ports.op, procs, Some(data)).await
}
