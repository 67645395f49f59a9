//! Several nodes on one PostgreSQL database (issue 6): two `idgw op` nodes, two MSSP nodes
//! (OP node 1 calls MSSP 1, OP node 2 MSSP 2), two OTA platform nodes bound to the SMSC
//! simulator with one account (which spreads MO over both binds) and handing every applet
//! answer to MSSP 2, and the SIM simulator. So what MSSP 1 accepts is completed through MSSP 2,
//! and MSSP 2 notifies the OP node that asked (asynchServerServer, its `AP_URL` kept in the
//! store). Poll, ping and push flows are spread across the OP nodes. MSSP 1 is killed
//! (SIGKILL) with transactions it accepted pending: MSSP 2 notifies OP node 1 of their
//! outcome, and OP node 1 sends a new request to MSSP 2 (`[mssp] fallback_urls`); then OP
//! node 1 is killed too: OP node 2 takes its transactions over, MSSP 2 joins them by their
//! `AP_TransID` and notifies OP node 2, and every transaction ends, every client is told.
//!
//! Runs when `IDGW_TEST_POSTGRES_URL` is set (`scripts/test.sh` sets it); each run gets its
//! own database.

mod common;

use common::cluster::{Cluster, Notifications};
use common::free_port;
use idgw_store::testing::ScratchDatabase;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PIN: &str = "1234";
/// Long enough for node 1's leases to lapse (`[op] lease`, 3 s) and node 2 to finish.
const FLOW_LIMIT: Duration = Duration::from_secs(45);

struct Net {
    http: reqwest::Client,
    op1: String,
    op2: String,
    handset: String,
}

impl Net {
    async fn bc(&self, op: &str, client: &str, msisdn: &str, extra: &[(&str, &str)]) -> String {
        let hint = format!("MSISDN:{msisdn}");
        let mut form = vec![
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint", hint.as_str()),
            ("binding_message", "NODES"),
        ];
        form.extend_from_slice(extra);
        let r = self
            .http
            .post(format!("{op}/bc-authorize"))
            .basic_auth(client, Some("s3cret"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let ack: Value = r.json().await.unwrap();
        ack["auth_req_id"]
            .as_str()
            .unwrap_or_else(|| panic!("bc-authorize refused: {ack}"))
            .to_string()
    }

    async fn token(&self, op: &str, client: &str, auth_req_id: &str) -> Value {
        self.http
            .post(format!("{op}/token"))
            .basic_auth(client, Some("s3cret"))
            .form(&[
                ("grant_type", "urn:openid:params:grant-type:ciba"),
                ("auth_req_id", auth_req_id),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Polls at the interval (1 s) until the answer is no longer pending.
    async fn poll(&self, op: &str, client: &str, auth_req_id: &str, logs: &Cluster) -> Value {
        let deadline = Instant::now() + FLOW_LIMIT;
        loop {
            let body = self.token(op, client, auth_req_id).await;
            if body["error"] != "authorization_pending" {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{auth_req_id} still pending; logs:\n{}",
                logs.logs()
            );
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }

    /// Waits for the SIM prompt on `msisdn`'s handset; returns its id.
    async fn prompt(&self, msisdn: &str, logs: &Cluster) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let prompts: Value = self
                .http
                .get(format!("{}/api/handsets/{msisdn}/prompts", self.handset))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = prompts[0]["id"].as_str() {
                return id.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no prompt on {msisdn}; logs:\n{}",
                logs.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn enter_pin(&self, msisdn: &str, prompt: &str) {
        let r = self
            .http
            .post(format!(
                "{}/api/handsets/{msisdn}/prompts/{prompt}",
                self.handset
            ))
            .json(&json!({ "pin": PIN }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}

fn subscribers(msisdns: &[&str]) -> String {
    msisdns
        .iter()
        .map(|m| {
            format!("[[subscribers]]\nmsisdn = \"{m}\"\npin = \"{PIN}\"\nhandset = \"manual\"\n")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_op_and_mssp_nodes_survive_the_death_of_one() {
    let Some(db) = ScratchDatabase::create("multi-node test").await else {
        return;
    };
    let notify = Notifications::start().await;
    let [op1, admin1, op2, admin2, handset, mssp1, mssp2, smsc, ota1, ota2, radio, notify1, notify2] =
        [0; 13].map(|_| format!("127.0.0.1:{}", free_port()));
    let msisdns = [
        "447700900011",
        "447700900012",
        "447700900013",
        "447700900014",
        "447700900015",
        "447700900016",
        "447700900017",
    ];
    let toml = format!(
        r#"issuer = "http://{op1}"
[storage]
url = "{url}"
[listen]
op = "{op1}"
admin = "{admin1}"
handset = "{handset}"
mssp = "{mssp1}"
smsc = "{smsc}"
ota = "{ota1}"
radio = "{radio}"
ap_notify = "{notify1}"
# The OTA nodes (and OP node 2) use MSSP 2; OP node 1 is told to use MSSP 1, then MSSP 2.
[mssp]
url = "http://{mssp2}/soap/services/MSS_SignaturePort"
fallback_urls = ["http://{mssp2}/soap/services/MSS_SignaturePort"]
[op]
interval = 1
lease = 3
# The clients' notification endpoints are the test's receiver, on loopback.
allow_loopback_fetch = true
[[clients]]
client_id = "poll"
client_secret = "s3cret"
backchannel_token_delivery_mode = "poll"
[[clients]]
client_id = "ping"
client_secret = "s3cret"
backchannel_token_delivery_mode = "ping"
backchannel_client_notification_endpoint = "{notify}/ping"
[[clients]]
client_id = "push"
client_secret = "s3cret"
backchannel_token_delivery_mode = "push"
backchannel_client_notification_endpoint = "{notify}/push"
{subscribers}"#,
        url = db.url(),
        notify = notify.base,
        subscribers = subscribers(&msisdns),
    );
    let mut c = Cluster::new("multinode", &toml);
    c.spawn("smsc-sim", "smsc-sim", &[]);
    c.wait_http(&format!("http://{radio}/")).await;
    c.spawn("sim", "sim", &[]);
    c.spawn("ota1", "ota", &[]);
    c.spawn("ota2", "ota", &[("IDGW_LISTEN__OTA", ota2.clone())]);
    c.spawn("mssp1", "mssp", &[]);
    let mssp2_node = [
        ("IDGW_LISTEN__MSSP", mssp2.clone()),
        ("IDGW_OTA__URL", format!("http://{ota2}")),
    ];
    c.spawn("mssp2", "mssp", &mssp2_node);
    let mssp1_url = format!("http://{mssp1}/soap/services/MSS_SignaturePort");
    c.spawn("op1", "op", &[("IDGW_MSSP__URL", mssp1_url)]);
    let node2 = [
        ("IDGW_LISTEN__OP", op2.clone()),
        ("IDGW_LISTEN__ADMIN", admin2.clone()),
        ("IDGW_LISTEN__AP_NOTIFY", notify2.clone()),
    ];
    c.spawn("op2", "op", &node2);
    for url in [
        format!("http://{admin1}/readyz"),
        format!("http://{admin2}/readyz"),
        format!("http://{handset}/api/handsets"),
        format!("http://{mssp1}/"),
        format!("http://{mssp2}/"),
        format!("http://{ota1}/"),
        format!("http://{ota2}/"),
    ] {
        c.wait_http(&url).await;
    }
    let net = Net {
        http: reqwest::Client::new(),
        op1: format!("http://{op1}"),
        op2: format!("http://{op2}"),
        handset: format!("http://{handset}"),
    };

    // Across nodes while all live: accepted by OP node 1 and MSSP 1, the answer taken by
    // MSSP 2, the outcome read from the store by MSSP 1, polled on OP node 2.
    let id = net.bc(&net.op1, "poll", msisdns[0], &[]).await;
    let prompt = net.prompt(msisdns[0], &c).await;
    net.enter_pin(msisdns[0], &prompt).await;
    let tokens = net.poll(&net.op2, "poll", &id, &c).await;
    assert!(tokens["id_token"].is_string(), "{tokens}");

    // Node 1 accepts four (poll, ping, push, and a push that will expire), node 2 two.
    let on1_poll = net.bc(&net.op1, "poll", msisdns[1], &[]).await;
    let on1_ping = net
        .bc(
            &net.op1,
            "ping",
            msisdns[2],
            &[("client_notification_token", "ping-1")],
        )
        .await;
    let on1_push = net
        .bc(
            &net.op1,
            "push",
            msisdns[3],
            &[("client_notification_token", "push-1")],
        )
        .await;
    let on1_expiring = net
        .bc(
            &net.op1,
            "push",
            msisdns[4],
            &[
                ("client_notification_token", "push-2"),
                ("requested_expiry", "6"),
            ],
        )
        .await;
    let on2_poll = net.bc(&net.op2, "poll", msisdns[5], &[]).await;
    let on2_ping = net
        .bc(
            &net.op2,
            "ping",
            msisdns[6],
            &[("client_notification_token", "ping-2")],
        )
        .await;
    // Every challenge reached its SIM: node 1 handed its transactions to the MSSP.
    let mut prompts = Vec::new();
    for m in &msisdns[1..] {
        prompts.push((*m, net.prompt(m, &c).await));
    }
    // MSSP 1 dies; MSSP 2 takes the answer to what MSSP 1 accepted and notifies OP node 1.
    c.kill("mssp1");
    net.enter_pin(prompts[0].0, &prompts[0].1).await;
    let tokens = net.poll(&net.op2, "poll", &on1_poll, &c).await;
    assert!(tokens["id_token"].is_string(), "{on1_poll}: {tokens}");
    // A new request on OP node 1 falls over to MSSP 2.
    let after = net.bc(&net.op1, "poll", msisdns[0], &[]).await;
    let prompt = net.prompt(msisdns[0], &c).await;
    net.enter_pin(msisdns[0], &prompt).await;
    let tokens = net.poll(&net.op2, "poll", &after, &c).await;
    assert!(tokens["id_token"].is_string(), "{after}: {tokens}");
    c.kill("op1");
    // The users answer (all but the one left to expire) while node 1 and MSSP 1 are dead.
    for (m, prompt) in &prompts[1..] {
        if *m != msisdns[4] {
            net.enter_pin(m, prompt).await;
        }
    }

    // Poll: accepted by the survivor.
    let tokens = net.poll(&net.op2, "poll", &on2_poll, &c).await;
    assert!(tokens["id_token"].is_string(), "{on2_poll}: {tokens}");
    // Ping: the survivor notifies; the client fetches its tokens there.
    for id in [&on1_ping, &on2_ping] {
        let ping = notify.wait(id, FLOW_LIMIT).await;
        assert_eq!(
            ping,
            Some(json!({ "auth_req_id": id })),
            "logs:\n{}",
            c.logs()
        );
        let tokens = net.token(&net.op2, "ping", id).await;
        assert!(tokens["id_token"].is_string(), "{id}: {tokens}");
    }
    // Push: tokens, and the expired one's error, come from the survivor.
    let push = notify
        .wait(&on1_push, FLOW_LIMIT)
        .await
        .unwrap_or_else(|| panic!("no push for {on1_push}; logs:\n{}", c.logs()));
    assert!(push["id_token"].is_string(), "{push}");
    let expired = notify
        .wait(&on1_expiring, FLOW_LIMIT)
        .await
        .unwrap_or_else(|| panic!("no push for {on1_expiring}; logs:\n{}", c.logs()));
    assert_eq!(expired["error"], "expired_token", "{expired}");
    // Each client was told once.
    for id in [&on1_ping, &on2_ping, &on1_push, &on1_expiring] {
        assert_eq!(notify.for_id(id).len(), 1, "{id} notified more than once");
    }

    // Node 2 took node 1's pending transactions over after their leases lapsed.
    let log2 = c.log("op2");
    let log1 = c.log("op1");
    assert!(
        !log2
            .lines()
            .any(|l| l.contains(&format!("auth_req_id={on1_poll}")) && l.contains("taking over")),
        "{on1_poll} was finished by node 1 itself"
    );
    assert!(log1.contains("MSSP unreachable"), "log:\n{log1}");
    for id in [&on1_ping, &on1_push] {
        assert!(
            log2.lines()
                .any(|l| l.contains("taking over") && l.contains(&format!("auth_req_id={id}"))),
            "{id} not taken over; log:\n{log2}"
        );
    }
    // MSSP 1 accepted node 1's transactions; MSSP 2 joined them when node 2 asked again with
    // the same AP_TransID, took every applet answer and delivered every outcome.
    let (log_m1, log_m2) = (c.log("mssp1"), c.log("mssp2"));
    // The OPs' AP_TransIDs, keyed with the default AP password.
    let ap =
        idgw_mss::client::MssClient::new("http://mssp/", None, "http://idgw.local/ap", "secret")
            .unwrap();
    let with = |log: &str, what: &str, id: &str| {
        let ap_trans_id = format!("ap_trans_id={}", ap.ap_trans_id_for(id));
        log.lines()
            .any(|l| l.contains(what) && l.contains(&ap_trans_id))
    };
    for id in [
        &id, &on1_poll, &after, &on1_ping, &on1_push, &on2_poll, &on2_ping,
    ] {
        assert!(
            with(&log_m2, "notification delivered", id),
            "{id} not notified by MSSP 2; logs:\n{}",
            c.logs()
        );
    }
    assert!(!log_m1.contains("notification delivered"));
    for id in [&id, &on1_poll, &on1_ping, &on1_push] {
        assert!(
            with(&log_m1, "signature transaction opened", id),
            "{id} not opened by MSSP 1; logs:\n{}",
            c.logs()
        );
    }
    for id in [&on1_ping, &on1_push] {
        assert!(
            with(&log_m2, "retried request joins its transaction", id),
            "{id} not joined on MSSP 2; logs:\n{}",
            c.logs()
        );
    }
    assert_eq!(log_m1.matches("applet answered").count(), 0);
    assert_eq!(log_m2.matches("applet answered").count(), 7);
    // The SMSC spread the SIMs' answers over both OTA binds: some reached OTA node 2,
    // whose node never sent a challenge (the MSSP talks to OTA node 1).
    let answers = |name: &str| c.log(name).matches("command packet from the card").count();
    assert!(
        answers("ota2") >= 1,
        "no MO on OTA node 2; logs:\n{}",
        c.logs()
    );
    assert_eq!(answers("ota1") + answers("ota2"), 7, "logs:\n{}", c.logs());
    drop(c);
    db.drop_database().await;
}
