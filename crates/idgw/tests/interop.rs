//! SMPP interoperability with third-party implementations, both ways:
//!
//! - a python-smpplib ESME (`scripts/interop/smpplib_esme.py`) binds to `idgw serve`'s SMSC
//!   simulator, submits a text SMS with a delivery receipt requested, gets the receipt,
//!   enquires the link and unbinds; bad credentials are refused with the right status;
//! - `idgw serve`'s OTA platform binds as an ESME to the npm `smpp` package's server
//!   (`scripts/interop/smpp_server.js`) and submits the TS 31.115 command packet of a CIBA
//!   authentication there; the test checks every octet it can, and opens the packet with the
//!   subscriber's configured OTA keys.
//!
//! Runs only with `IDGW_INTEROP_TESTS=1`; `scripts/interop/setup.sh` installs what it needs:
//! python-smpplib in `target/interop-venv` (or `IDGW_PYTHON` naming an interpreter that has
//! it; else `python3`) and the npm `smpp` package in `scripts/interop/node_modules` for `node`
//! (or `IDGW_NODE`).

mod common;

use common::{gate, workspace_root, ChildGuard, Server};
use idgw_ota::{open_command, Cntr, CommandPacket, KeyId, KeySet, Tar};
use serde_json::Value;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CLIENT: (&str, &str) = ("sp1", "s3cret");
const GATE: &str = "IDGW_INTEROP_TESTS";
const NEEDS: &str = "python-smpplib and the npm smpp package: scripts/interop/setup.sh";

/// Subscriber 447700900002: AES-128, KVN 1.
const KIC: &str = "00112233445566778899aabbccddeeff";
const KID: &str = "ffeeddccbbaa99887766554433221100";
/// Subscriber 447700900001: 3DES with two keys, KVN 2.
const KIC_3DES: &str = "0123456789abcdeffedcba9876543210";
const KID_3DES: &str = "89abcdef0123456776543210fedcba98";

fn subscribers() -> String {
    format!(
        r#"
[op]
interval = 1

[[clients]]
client_id = "sp1"
client_secret = "s3cret"
client_name = "Example Bank"
scope = "openid phone mc_authn"

[[subscribers]]
msisdn = "447700900001"
pin = "1234"
handset = "manual"
ota_keys = {{ algorithm = "3des2", kvn = 2, kic = "{KIC_3DES}", kid = "{KID_3DES}" }}

[[subscribers]]
msisdn = "447700900002"
pin = "1234"
handset = "manual"
ota_keys = {{ algorithm = "aes128", kvn = 1, kic = "{KIC}", kid = "{KID}" }}
"#
    )
}

/// `IDGW_PYTHON`, else the virtual environment `scripts/interop/setup.sh` makes, else `python3`.
fn python() -> String {
    if let Ok(p) = std::env::var("IDGW_PYTHON") {
        return p;
    }
    let venv = workspace_root().join("target/interop-venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".into()
}

fn node() -> String {
    std::env::var("IDGW_NODE").unwrap_or_else(|_| "node".into())
}

// ---------------------------------------------------------------------------------------------
// a) A third-party ESME against our SMSC simulator.

#[tokio::test]
async fn smpplib_esme_binds_submits_and_gets_a_delivery_receipt() {
    if !gate(GATE, "SMPP interop test (python-smpplib ESME)", NEEDS) {
        return;
    }
    let config = format!(
        "{}\n[smsc_sim]\naccounts = [{{ system_id = \"idgw-ota\", password = \"secret\" }}, \
         {{ system_id = \"ext-esme\", password = \"ext-pass\" }}]\n",
        subscribers()
    );
    let s = Server::start("interop-smpplib", &config).await;
    let port = s.smsc.rsplit(':').next().unwrap().to_string();
    let script = workspace_root().join("scripts/interop/smpplib_esme.py");
    let child = ChildGuard::spawn(
        "smpplib_esme.py",
        Command::new(python())
            .arg(&script)
            .args([
                "--port",
                &port,
                "--system-id",
                "ext-esme",
                "--password",
                "ext-pass",
            ])
            .args(["--to", "447700900001", "--from-addr", "12345"])
            .args(["--timeout", "10", "--deadline", "40"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
        false,
        "run scripts/interop/setup.sh (or set IDGW_PYTHON)",
    );
    let (code, out, err) =
        tokio::task::spawn_blocking(move || child.wait_with_timeout(Duration::from_secs(60)))
            .await
            .unwrap();
    let r: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| {
        panic!("no JSON from the script ({e}); exit {code:?}\nstdout:\n{out}\nstderr:\n{err}")
    });
    assert_eq!(
        code,
        Some(0),
        "the script failed: {r}\nstderr:\n{err}\n(scripts/interop/setup.sh installs smpplib)"
    );
    assert!(
        r["error"].is_null(),
        "{r}\nstderr:\n{err}\nserver log:\n{}",
        s.log()
    );

    // Refused binds: SMPP 3.4 table 5-2.
    assert_eq!(r["wrong_password"]["refused"], true, "{r}");
    assert_eq!(
        r["wrong_password"]["command_status"], 0x0E,
        "ESME_RINVPASWD: {r}"
    );
    assert_eq!(r["unknown_system_id"]["refused"], true, "{r}");
    assert_eq!(
        r["unknown_system_id"]["command_status"], 0x0D,
        "ESME_RBINDFAIL: {r}"
    );

    assert_eq!(r["bind"]["command_status"], 0, "{r}");
    assert_eq!(r["bind"]["system_id"], "idgw-smsc", "{r}");

    let resp = &r["submit_sm_resp"];
    assert_eq!(resp["command_status"], 0, "{r}");
    assert_eq!(resp["sequence"], resp["submit_sequence"], "{r}");
    let message_id = resp["message_id"].as_str().unwrap_or_default();
    assert!(!message_id.is_empty(), "{r}");

    // SMPP 3.4 Appendix B receipt, with the 3.4 TLVs.
    let receipt = &r["receipt"];
    assert_eq!(receipt["esm_class"], 0x04, "SMSC delivery receipt: {r}");
    assert_eq!(receipt["source_addr"], "447700900001", "{r}");
    assert_eq!(receipt["destination_addr"], "12345", "{r}");
    let text = receipt["short_message"].as_str().unwrap_or_default();
    assert!(
        text.starts_with(&format!("id:{message_id} ")) && text.contains(" stat:DELIVRD "),
        "{text}"
    );
    assert!(
        text.contains("dlvrd:001") && text.contains("err:000"),
        "{text}"
    );
    assert_eq!(receipt["receipted_message_id"], message_id, "{r}");
    assert_eq!(receipt["message_state"], 2, "DELIVERED: {r}");
    assert_eq!(r["receipts"].as_array().map(Vec::len), Some(1), "{r}");

    assert_eq!(r["enquire_link_resp"]["command_status"], 0, "{r}");
    assert_eq!(r["unbind_resp"]["command_status"], 0, "{r}");
    assert_eq!(r["closed_after_unbind"], true, "{r}");
    assert_eq!(r["other_pdus"], serde_json::json!([]), "{r}");

    // The simulator is still healthy for its own ESME afterwards.
    assert!(s
        .http
        .get(format!("{}/readyz", s.admin))
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
}

// ---------------------------------------------------------------------------------------------
// b) Our ESME against a third-party SMSC.

/// The node server: its JSON lines arrive on a channel (read by a thread).
struct NodeSmsc {
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    port: u16,
    _child: ChildGuard,
}

impl NodeSmsc {
    fn start() -> NodeSmsc {
        let dir = workspace_root().join("scripts/interop");
        assert!(
            dir.join("node_modules/smpp/package.json").exists(),
            "{GATE}=1 but the npm smpp package is missing: scripts/interop/setup.sh"
        );
        let mut child = ChildGuard::spawn(
            "smpp_server.js",
            Command::new(node())
                .arg(dir.join("smpp_server.js"))
                .args([
                    "--port",
                    "0",
                    "--system-id",
                    "idgw-ota",
                    "--password",
                    "secret",
                ])
                .args(["--lifetime", "120"])
                .current_dir(&dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit()),
            false,
            "install Node.js (Debian package nodejs) or set IDGW_NODE",
        );
        let stdout = child.child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v = serde_json::from_str(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "event": "garbage", "line": line }));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut smsc = NodeSmsc {
            lines,
            seen: Vec::new(),
            port: 0,
            _child: child,
        };
        let listening = smsc.wait(Duration::from_secs(20), |v| v["event"] == "listening");
        smsc.port = listening["port"].as_u64().unwrap() as u16;
        smsc
    }

    /// The next line satisfying `pred` (earlier ones are kept in `seen`).
    fn wait(&mut self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                Err(_) => panic!(
                    "the node SMSC did not report what was expected within {limit:?}; it said: {:?}",
                    self.seen
                ),
            }
        }
    }
}

/// UDH information elements of `sm` (UDHI set): (IEI, data) and the octets after the UDH.
fn split_udh(sm: &[u8]) -> (Vec<(u8, Vec<u8>)>, &[u8]) {
    let udhl = usize::from(sm[0]);
    assert!(udhl >= 2 && udhl < sm.len(), "UDHL {udhl} in {sm:02x?}");
    let mut ies = Vec::new();
    let mut i = 1;
    while i < 1 + udhl {
        let (iei, len) = (sm[i], usize::from(sm[i + 1]));
        assert!(i + 2 + len <= 1 + udhl, "IE overruns the UDH: {sm:02x?}");
        ies.push((iei, sm[i + 2..i + 2 + len].to_vec()));
        i += 2 + len;
    }
    assert_eq!(i, 1 + udhl, "UDH length");
    (ies, &sm[1 + udhl..])
}

/// Reassembles the command packet from the short_messages of its SMS, checking the UDH of
/// each (TS 31.115 section 4: IEI 0x70 with no data, in the first segment only; TS 23.040
/// 9.2.3.24.1 8-bit concatenation when more than one SMS is needed).
fn command_packet(segments: &[Vec<u8>]) -> Vec<u8> {
    if let [single] = segments {
        assert_eq!(&single[..3], &[0x02, 0x70, 0x00], "single-SMS UDH");
        assert!(single.len() <= 140);
        return single[3..].to_vec();
    }
    let total = segments.len();
    let mut parts: Vec<Option<Vec<u8>>> = vec![None; total];
    let mut reference = None;
    for sm in segments {
        assert!(sm.len() <= 140, "one SMS carries at most 140 octets");
        let (ies, data) = split_udh(sm);
        let concat = ies
            .iter()
            .find(|(iei, _)| *iei == 0x00)
            .unwrap_or_else(|| panic!("no concatenation IE in {sm:02x?}"));
        let [r, n, seq] = concat.1[..] else {
            panic!("8-bit concatenation IE has 3 octets: {sm:02x?}")
        };
        assert_eq!(usize::from(n), total, "segment count");
        assert!(*reference.get_or_insert(r) == r, "one reference");
        assert!((1..=n).contains(&seq), "sequence {seq} of {n}");
        let has_cp = ies.iter().any(|(iei, d)| *iei == 0x70 && d.is_empty());
        assert_eq!(
            has_cp,
            seq == 1,
            "IEI 0x70 in the first segment only: {sm:02x?}"
        );
        assert_eq!(ies.len(), if seq == 1 { 2 } else { 1 }, "{sm:02x?}");
        let slot = &mut parts[usize::from(seq) - 1];
        assert!(slot.is_none(), "segment {seq} twice");
        *slot = Some(data.to_vec());
    }
    parts
        .into_iter()
        .map(Option::unwrap)
        .collect::<Vec<_>>()
        .concat()
}

/// What one card must receive.
struct Expect {
    msisdn: &'static str,
    binding: String,
    kvn: u8,
    kic: &'static str,
    kid: &'static str,
    /// The KIc / KID octet (TS 102 225 5.1.2 / 5.1.3.1), written out independently.
    key_id: u8,
    /// The cipher's block: ciphering covers CNTR to the end in whole blocks.
    block: usize,
}

/// Checks the SMS of one command packet octet by octet, opens it with the card's keys and
/// reads the applet challenge inside. Returns a one-line summary.
fn check_packet(e: &Expect, submits: &[Value]) -> String {
    let mut segments = Vec::new();
    for v in submits {
        assert_eq!(v["destination_addr"], e.msisdn, "{v}");
        assert_eq!(v["source_addr"], "882", "{v}");
        assert_eq!(
            (v["dest_addr_ton"].as_u64(), v["dest_addr_npi"].as_u64()),
            (Some(1), Some(1)),
            "international, E.164: {v}"
        );
        assert_eq!(v["esm_class"], 0x40, "UDHI: {v}");
        assert_eq!(v["protocol_id"], 0x7F, "SIM data download: {v}");
        assert_eq!(v["data_coding"], 0xF6, "class 2, 8-bit: {v}");
        assert_eq!(v["registered_delivery"], 1, "{v}");
        segments.push(hex::decode(v["short_message"].as_str().unwrap()).unwrap());
    }
    let packet = command_packet(&segments);

    // TS 31.115 section 4.2 / TS 102 225 section 5.1, octet by octet.
    let cpl = usize::from(u16::from_be_bytes([packet[0], packet[1]]));
    assert_eq!(cpl, packet.len() - 2, "CPL");
    assert_eq!(packet[2], 13 + 8, "CHL: fixed header + 8-octet checksum");
    assert_eq!(&packet[3..5], &[0x16, 0x3A], "SPI");
    assert_eq!(packet[5], e.key_id, "KIc");
    assert_eq!(packet[6], e.key_id, "KID");
    assert_eq!(&packet[7..10], &[0x49, 0x44, 0x47], "TAR");
    assert_eq!(
        (packet.len() - 10) % e.block,
        0,
        "ciphered from CNTR on, in whole blocks"
    );
    let parsed = CommandPacket::parse(&packet).expect("idgw_ota parses it");
    assert_eq!(parsed.tar, Tar(*b"IDG"));
    assert_eq!((parsed.kic, parsed.kid), (KeyId(e.key_id), KeyId(e.key_id)));
    assert_eq!((parsed.kic.kvn(), parsed.integrity_len), (e.kvn, 8));
    assert_eq!(parsed.to_bytes().unwrap(), packet, "exact round trip");

    // Opened with the configured keys: the checksum verifies, the counter is the card's first.
    let keys = KeySet::new(
        e.kvn,
        &hex::decode(e.kic).unwrap(),
        &hex::decode(e.kid).unwrap(),
    );
    let none = || Cntr::new(0).unwrap();
    let opened = open_command(&packet, |kvn| (kvn == e.kvn).then_some(&keys), |_| none())
        .unwrap_or_else(|f| {
            panic!(
                "{}: does not open with the configured keys: {f:?}",
                e.msisdn
            )
        });
    assert_eq!(opened.cntr.value(), 1, "first MT counter of a new card");
    assert_eq!(opened.tar, Tar(*b"IDG"));
    let wrong_kic = KeySet::new(e.kvn, &[0x55; 16], &hex::decode(e.kid).unwrap());
    assert!(
        open_command(&packet, |_| Some(&wrong_kic), |_| none()).is_err(),
        "another KIc must not open it"
    );
    let replayed = |_: &idgw_ota::PacketInfo| Cntr::new(1).unwrap();
    assert!(
        open_command(&packet, |_| Some(&keys), replayed).is_err(),
        "a card that saw CNTR 1 refuses it again (counter must be higher)"
    );

    // The secured data is an idgw applet challenge (idgw-mss applet.rs):
    // version | nonce(16) | flags | ref_len | ref | text_len(2) | text | mac(16).
    let c = &opened.data;
    assert_eq!(c[0], idgw_mss::applet::VERSION, "challenge version");
    assert!(c[1..17].iter().any(|b| *b != 0), "a random nonce");
    assert_eq!(c[17], 0x01, "flags: PIN asked for acr mod-mf");
    let ref_len = usize::from(c[18]);
    assert!(ref_len <= idgw_mss::applet::MAX_REF_LEN);
    let reference = std::str::from_utf8(&c[19..19 + ref_len]).expect("reference is UTF-8");
    let at = 19 + ref_len;
    let text_len = usize::from(u16::from_be_bytes([c[at], c[at + 1]]));
    let text = std::str::from_utf8(&c[at + 2..at + 2 + text_len]).expect("text is UTF-8");
    assert_eq!(
        c.len(),
        at + 2 + text_len + idgw_mss::applet::MAC_LEN,
        "nothing after the MAC"
    );
    assert!(
        text.contains("Example Bank") && text.contains(&e.binding),
        "the SIM will show who asks and the binding message: {text:?}"
    );
    format!(
        "{}: {} SMS, command packet of {} octets, CNTR {}, reference {reference:?}, text {text:?}",
        e.msisdn,
        segments.len(),
        packet.len(),
        opened.cntr.value()
    )
}

/// The submit_sm of each MSISDN in `wanted`, until each has every SMS of its packet
/// (1, or the count in the concatenation IE).
fn collect_submits(smsc: &mut NodeSmsc, wanted: &[&str]) -> Vec<Vec<Value>> {
    let mut got: Vec<Vec<Value>> = vec![Vec::new(); wanted.len()];
    let mut expected = vec![usize::MAX; wanted.len()];
    let deadline = Instant::now() + Duration::from_secs(40);
    while got.iter().zip(&expected).any(|(g, n)| g.len() < *n) {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = smsc.wait(left, |v| v["event"] == "submit_sm");
        let sm = hex::decode(v["short_message"].as_str().unwrap_or_default())
            .unwrap_or_else(|_| panic!("short_message octets: {v}"));
        let i = wanted
            .iter()
            .position(|m| v["destination_addr"] == *m)
            .unwrap_or_else(|| panic!("submit_sm to an unexpected number: {v}"));
        let (ies, _) = split_udh(&sm);
        expected[i] = match ies.iter().find(|(iei, _)| *iei == 0x00) {
            Some((_, d)) => usize::from(d[1]),
            None => 1,
        };
        got[i].push(v);
    }
    got
}

#[tokio::test]
async fn ota_platform_submits_well_formed_secured_packets_to_a_third_party_smsc() {
    if !gate(
        GATE,
        "SMPP interop test (npm smpp server as the SMSC)",
        NEEDS,
    ) {
        return;
    }
    let mut smsc = tokio::task::spawn_blocking(NodeSmsc::start).await.unwrap();
    let config = format!(
        "{}\n[ota]\nsmsc = \"127.0.0.1:{}\"\nsystem_id = \"idgw-ota\"\npassword = \"secret\"\nsource_addr = \"882\"\n",
        subscribers(),
        smsc.port
    );
    let s = Server::start("interop-node", &config).await;
    let (bind, smsc2) = tokio::task::spawn_blocking(move || {
        let v = smsc.wait(Duration::from_secs(30), |v| v["event"] == "bind");
        (v, smsc)
    })
    .await
    .unwrap();
    let mut smsc = smsc2;
    assert_eq!(bind["command"], "bind_transceiver", "{bind}");
    assert_eq!(bind["system_id"], "idgw-ota", "{bind}");
    assert_eq!(bind["accepted"], true, "{bind}");

    // A short binding message fits one SMS; a 100-character one needs concatenation.
    let long = format!("TX-LONG-{}", "0123456789".repeat(10))[..100].to_string();
    let expect = [
        Expect {
            msisdn: "447700900002",
            binding: "TX-INTEROP".into(),
            kvn: 1,
            kic: KIC,
            kid: KID,
            key_id: 0x12, // KVN 1; AES, CBC / AES-CMAC
            block: 16,
        },
        Expect {
            msisdn: "447700900001",
            binding: long,
            kvn: 2,
            kic: KIC_3DES,
            kid: KID_3DES,
            key_id: 0x25, // KVN 2; DES family, 3DES outer-CBC with 2 keys / CBC-MAC
            block: 8,
        },
    ];
    let mut ids = Vec::new();
    for e in &expect {
        let (status, ack) = s
            .form(
                "/bc-authorize",
                CLIENT,
                &[
                    ("scope", "openid phone"),
                    ("acr_values", "mod-mf"),
                    ("login_hint", &format!("MSISDN:{}", e.msisdn)),
                    ("binding_message", &e.binding),
                ],
            )
            .await;
        assert_eq!(status, 200, "{ack}");
        ids.push(ack["auth_req_id"].as_str().unwrap().to_string());
    }

    let wanted: Vec<&'static str> = expect.iter().map(|e| e.msisdn).collect();
    let (submits, smsc) = tokio::task::spawn_blocking(move || {
        let got = collect_submits(&mut smsc, &wanted);
        (got, smsc)
    })
    .await
    .unwrap();
    for (e, submits) in expect.iter().zip(&submits) {
        println!("{}", check_packet(e, submits));
    }
    assert_eq!(submits[0].len(), 1, "the short challenge fits one SMS");
    assert!(submits[1].len() > 1, "the long challenge is concatenated");

    // The third-party SMSC acknowledged; nothing comes back from the (absent) handsets, so
    // the client is still waiting and nothing failed.
    for id in &ids {
        let (status, body) = s
            .form(
                "/token",
                CLIENT,
                &[
                    ("grant_type", "urn:openid:params:grant-type:ciba"),
                    ("auth_req_id", id),
                ],
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("authorization_pending")),
            "{body}\n{}",
            s.log()
        );
    }
    assert!(
        !smsc
            .seen
            .iter()
            .any(|v| v["event"] == "error" || v["event"] == "garbage"),
        "{:?}",
        smsc.seen
    );
}
