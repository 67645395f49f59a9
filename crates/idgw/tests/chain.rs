//! The whole product through the real binary: CIBA at the OP, ETSI TS 102 204 to the MSSP,
//! TS 31.115 packets over SMPP through the SMSC simulator to the simulated SIM, the user's
//! answer on the handset API, and back to the client.

mod common;

use common::Server;
use serde_json::{json, Value};

const CLIENT: (&str, &str) = ("sp1", "s3cret");

const CONFIG: &str = r#"
[op]
interval = 1

[admin]
token = "admin-token-1"

[[clients]]
client_id = "sp1"
client_secret = "s3cret"
client_name = "Example Bank"
scope = "openid phone mc_authn"

[[subscribers]]
msisdn = "447700900001"
pin = "1234"
handset = "manual"

[[subscribers]]
msisdn = "447700900002"
pin = "1234"
handset = "manual"
ota_keys = { algorithm = "3des2", kvn = 2, kic = "00112233445566778899aabbccddeeff", kid = "ffeeddccbbaa99887766554433221100" }

[[subscribers]]
msisdn = "447700900003"
pin = "1234"
handset = "unreachable"
"#;

async fn start_auth(s: &Server, msisdn: &str, extra: &[(&str, &str)]) -> String {
    let hint = format!("MSISDN:{msisdn}");
    let mut form = vec![
        ("scope", "openid phone"),
        ("acr_values", "mod-mf"),
        ("login_hint", hint.as_str()),
        ("binding_message", "TX-42"),
    ];
    form.extend_from_slice(extra);
    let (status, ack) = s.form("/bc-authorize", CLIENT, &form).await;
    assert_eq!(status, 200, "{ack}");
    ack["auth_req_id"].as_str().unwrap().to_string()
}

/// The user of `msisdn` enters PIN 1234 at `prompt`; the client then gets its tokens.
async fn approve(s: &Server, msisdn: &str, prompt: &Value, auth_req_id: &str) -> Value {
    let (status, _) = s
        .answer(
            msisdn,
            prompt["id"].as_str().unwrap(),
            json!({ "pin": "1234" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, tokens) = s.poll_until_done(CLIENT, auth_req_id).await;
    assert_eq!(status, 200, "{tokens}\n{}", s.log());
    assert!(tokens["id_token"].is_string());
    tokens
}

#[tokio::test]
async fn manual_user_approves_with_the_pin_and_the_client_gets_tokens() {
    let s = Server::start("approve", CONFIG).await;
    let id = start_auth(&s, "447700900001", &[]).await;
    let prompt = s.prompt("447700900001").await;
    assert_eq!(prompt["pin_required"], true);
    let text = prompt["text"].as_str().unwrap();
    assert!(
        text.contains("Example Bank") && text.contains("TX-42"),
        "the SIM shows who asks and the binding message: {text}"
    );
    let tokens = approve(&s, "447700900001", &prompt, &id).await;
    let info = s
        .http
        .get(format!("{}/userinfo", s.op))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(info["phone_number"], "+447700900001");
    // The OTA counters moved on the card: real secured packets went through.
    let sim = s
        .get(&format!("{}/api/handsets/447700900001", s.handset))
        .await;
    assert!(sim["counters"]["1"].as_u64().unwrap() >= 1, "{sim}");
    // The admin API shows the transaction to the holder of the admin token only.
    let url = format!("{}/admin/v1/transactions/{id}", s.admin);
    assert_eq!(s.http.get(&url).send().await.unwrap().status(), 401);
    let admin: Value = s
        .http
        .get(&url)
        .bearer_auth("admin-token-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin["state"], "redeemed");
    assert!(admin["events"].as_array().unwrap().len() > 5, "{admin}");
    // idgw trace draws the path.
    let diagram = s.command(&["trace", &id]);
    assert!(
        diagram.contains("POST /bc-authorize") && diagram.contains("Authentication OK"),
        "{diagram}"
    );
    println!("{diagram}");
    // Every hop recorded a step, in causal order: OP, MSSP, OTA, SMSC, SIM, User and back.
    let number = |step: &str| -> usize {
        diagram
            .lines()
            .find_map(|l| {
                let (head, _) = l.split_once(&format!(". {step}"))?;
                head.rsplit(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no step {step:?} in the trace:\n{diagram}"))
    };
    let path = [
        "POST /bc-authorize",             // RP -> OP
        "Authenticate(MSISDN)",           // OP
        "MSS_SignatureReq received",      // MSSP
        "challenge signed",               // MSSP
        "secured packet sealed",          // OTA
        "submit_sm accepted",             // SMSC
        "SMS-DELIVER to handset",         // SMSC -> SIM
        "command packet opened",          // SIM
        "applet: challenge verified",     // SIM
        "DISPLAY TEXT / GET INPUT (PIN)", // SIM -> User
        "PIN entered",                    // User -> SIM
        "Send(Signed(Response OK))",      // SIM -> SMSC
        "deliver_sm MO to ESME",          // SMSC -> OTA
        "response verified",              // OTA
        "answer verified",                // MSSP
        "MSS_StatusResp",                 // MSSP -> OP
        "Authentication OK",              // OP
    ];
    let numbers: Vec<usize> = path.iter().map(|s| number(s)).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "steps out of order {numbers:?}:\n{diagram}"
    );
    for lane in ["│OP│", "│MSSP│", "│OTA│", "│SMSC│", "│SIM│", "│User│"] {
        assert!(diagram.contains(lane), "{diagram}");
    }
    assert!(!diagram.contains("1234"), "the PIN never reaches the trace");
    // The same steps as JSON events and as an SVG sequence diagram.
    let trace_as = |format: &str| s.command(&["trace", &id, "--format", format]);
    let json: Value = serde_json::from_str(&trace_as("json")).unwrap();
    assert_eq!(json["auth_req_id"], id.as_str());
    let events = json["events"].as_array().unwrap();
    let steps = diagram.lines().filter(|l| l.contains(". ")).count();
    assert_eq!(events.len(), steps, "one JSON event per step drawn");
    for (i, step) in path.iter().enumerate() {
        let at = events
            .iter()
            .position(|e| e["step"].as_str().unwrap().contains(step))
            .unwrap_or_else(|| panic!("no {step} in {json}"));
        assert_eq!(at + 1, numbers[i], "{step} numbered alike");
    }
    let svg = trace_as("svg");
    assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    for lane in ["RP", "OP", "MSSP", "OTA", "SMSC", "SIM", "User"] {
        assert!(
            svg.contains(&format!(">{lane}</text>")),
            "{lane} lane missing"
        );
    }
    for step in path {
        assert!(svg.contains(step), "{step} missing from the SVG");
    }
    for e in events {
        for field in ["step", "outcome", "detail"] {
            let text = e[field].as_str().unwrap_or("");
            assert!(!text.contains("1234"), "the PIN in the trace: {e}");
        }
    }
}

#[tokio::test]
async fn three_wrong_pins_block_the_sim_and_the_client_is_denied() {
    let s = Server::start("block", CONFIG).await;
    let id = start_auth(&s, "447700900002", &[]).await;
    let prompt = s.prompt("447700900002").await;
    let pid = prompt["id"].as_str().unwrap();
    for tries_left in [2, 1] {
        let (status, report) = s
            .answer("447700900002", pid, json!({ "pin": "0000" }))
            .await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["pin_tries_left"], tries_left);
    }
    let (_, report) = s
        .answer("447700900002", pid, json!({ "pin": "9999" }))
        .await;
    assert_eq!(report["result"], "pin_blocked");
    let (status, body) = s.poll_until_done(CLIENT, &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("access_denied")),
        "{}",
        s.log()
    );
    let sim = s
        .get(&format!("{}/api/handsets/447700900002", s.handset))
        .await;
    assert_eq!(sim["blocked"], true);
}

#[tokio::test]
async fn cancel_and_unreachable_end_the_transaction() {
    let s = Server::start("cancel", CONFIG).await;
    let id = start_auth(&s, "447700900001", &[]).await;
    let prompt = s.prompt("447700900001").await;
    s.answer(
        "447700900001",
        prompt["id"].as_str().unwrap(),
        json!({ "cancel": true }),
    )
    .await;
    let (_, body) = s.poll_until_done(CLIENT, &id).await;
    assert_eq!(body["error"], "access_denied");
    // The handset never receives the SMS: the transaction ends at its expiry, never hangs.
    let id = start_auth(&s, "447700900003", &[("requested_expiry", "4")]).await;
    let (status, body) = s.poll_until_done(CLIENT, &id).await;
    assert_eq!(status, 400);
    assert!(
        matches!(
            body["error"].as_str(),
            Some("expired_token") | Some("transaction_failed")
        ),
        "{body}"
    );
}

#[tokio::test]
async fn a_subscriber_added_while_serve_runs_authenticates_at_once() {
    let s = Server::start("added", CONFIG).await;
    // Provisioned with the CLI on the same store, after the chain started: the OP learns the
    // subscriber, the OTA platform and the MSSP its card's keys, the SIM simulator its SIM.
    s.command(&["subscriber", "add", "+447700900009"]);

    let id = start_auth(&s, "447700900009", &[]).await;
    let prompt = s.prompt("447700900009").await;
    approve(&s, "447700900009", &prompt, &id).await;
}

/// An MSSP that offers only asynchClientServer: the OP asks for the status instead of being
/// notified (`[mssp] messaging_mode`, `status_poll_interval_ms`), and its notification port
/// stays closed.
#[tokio::test]
async fn polling_mode_serves_mssps_without_notifications() {
    let polled = format!(
        "{CONFIG}\n[mssp]\nmessaging_mode = \"asynchClientServer\"\nstatus_poll_interval_ms = 300\n"
    );
    let s = Server::start("polled", &polled).await;
    let id = start_auth(&s, "447700900001", &[]).await;
    let prompt = s.prompt("447700900001").await;
    approve(&s, "447700900001", &prompt, &id).await;
    assert!(!s.log().contains("OP notification port listening"));
    let config = std::fs::read_to_string(&s.config).unwrap();
    let ap_notify = config
        .lines()
        .find_map(|l| l.strip_prefix("ap_notify = "))
        .unwrap()
        .trim_matches('"');
    assert!(std::net::TcpStream::connect(ap_notify).is_err());
}
