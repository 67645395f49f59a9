//! `idgw demo`: one full CIBA authentication against a running `idgw serve`, narrated:
//! bc-authorize for the demo subscriber whose simulated user approves, polling at the given
//! interval, the ID token's claims, userinfo, and the recorded trace.

use crate::serve::{open_existing_store, DEMO_CLIENT};
use crate::ConfigArg;
use anyhow::{bail, Context};
use base64::Engine;
use serde_json::Value;
use std::time::Duration;

pub async fn demo(args: &ConfigArg, msisdn: &str) -> anyhow::Result<()> {
    let config = args.load()?;
    let store = open_existing_store(&config).await?;
    let secret = store
        .setting_get_or_insert("demo_client_secret", "")
        .await?;
    if secret.is_empty() {
        bail!("no demo client in this data directory: start `idgw serve` without a configuration first");
    }
    let issuer = config.issuer();
    let http = reqwest::Client::new();
    println!("1. POST {issuer}/bc-authorize  (client {DEMO_CLIENT}, login_hint MSISDN:{msisdn}, acr mod-mf)");
    let hint = format!("MSISDN:{msisdn}");
    let ack: Value = http
        .post(format!("{issuer}/bc-authorize"))
        .basic_auth(DEMO_CLIENT, Some(&secret))
        .form(&[
            ("scope", "openid phone"),
            ("acr_values", "mod-mf"),
            ("login_hint", &hint),
            ("binding_message", "DEMO"),
        ])
        .send()
        .await
        .context("is `idgw serve` running?")?
        .json()
        .await?;
    let Some(auth_req_id) = ack["auth_req_id"].as_str() else {
        bail!("bc-authorize refused: {ack}")
    };
    println!("   <- {ack}");
    let interval = ack["interval"].as_u64().unwrap_or(2);
    println!("2. The OP asks the MSSP to authenticate the subscriber; the SIM applet shows the challenge.");
    let tokens = loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        let response = http
            .post(format!("{issuer}/token"))
            .basic_auth(DEMO_CLIENT, Some(&secret))
            .form(&[
                ("grant_type", "urn:openid:params:grant-type:ciba"),
                ("auth_req_id", auth_req_id),
            ])
            .send()
            .await?;
        let body: Value = response.json().await?;
        match body["error"].as_str() {
            Some("authorization_pending") => {
                println!("3. POST /token -> authorization_pending (the user has not answered yet)")
            }
            Some("slow_down") => println!("3. POST /token -> slow_down"),
            Some(other) => bail!(
                "the authentication ended with {other}: {}",
                body["error_description"]
            ),
            None => break body,
        }
    };
    let id_token = tokens["id_token"].as_str().unwrap_or_default();
    let claims = id_token.split('.').nth(1).and_then(|p| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .ok()
    });
    let claims: Value = claims
        .and_then(|c| serde_json::from_slice(&c).ok())
        .unwrap_or(Value::Null);
    println!(
        "4. Tokens issued. ID token claims:\n{}",
        serde_json::to_string_pretty(&claims)?
    );
    let info: Value = http
        .get(format!("{issuer}/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap_or_default())
        .send()
        .await?
        .json()
        .await?;
    println!("5. GET /userinfo -> {info}");
    println!("6. The recorded path (idgw trace {auth_req_id}):");
    print!(
        "{}",
        crate::trace::text::draw(&store.events(auth_req_id).await?)
    );
    Ok(())
}
