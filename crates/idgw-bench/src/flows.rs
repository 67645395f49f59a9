//! The requests of the scenarios, the same for both servers (only the endpoint paths differ,
//! read from discovery), and the CIBA flows built from them.

use crate::assertion::{ClientKey, ASSERTION_TYPE};
use crate::http::{form, Answer, Pool, Req};
use crate::ping;
use crate::servers::{Server, BASIC, JWT, PING, SECRET};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";
/// How long a flow waits for its ping.
const PING_WAIT: Duration = Duration::from_secs(30);

/// One server's endpoints and the bench clients' credentials.
#[derive(Clone)]
pub struct Api {
    pub addr: SocketAddr,
    issuer: String,
    bc: String,
    token: String,
    key: Arc<ClientKey>,
}

impl Api {
    pub fn of(server: &Server, key: Arc<ClientKey>) -> Api {
        Api {
            addr: server.addr,
            issuer: server.issuer.clone(),
            bc: server.bc_path.clone(),
            token: server.token_path.clone(),
            key,
        }
    }

    /// A CIBA request (CIBA Core 7.1) for `msisdn` by the poll client with a client secret.
    pub fn bc_basic(&self, msisdn: &str, extra: &[(&str, &str)]) -> Req {
        let hint = format!("MSISDN:{msisdn}");
        let mut fields = vec![
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint", hint.as_str()),
        ];
        fields.extend_from_slice(extra);
        Req::form(&self.bc, form(&fields)).basic(BASIC, SECRET)
    }

    /// The same by the `private_key_jwt` client, with a fresh assertion.
    pub fn bc_jwt(&self, msisdn: &str) -> Req {
        let hint = format!("MSISDN:{msisdn}");
        let assertion = self
            .key
            .assertion(JWT, &self.issuer)
            .expect("an ES256 assertion signs");
        let fields = [
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint", hint.as_str()),
            ("client_id", JWT),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        Req::form(&self.bc, form(&fields))
    }

    /// The same by the ping client, with its `client_notification_token`.
    pub fn bc_ping(&self, msisdn: &str, token: &str) -> Req {
        let hint = format!("MSISDN:{msisdn}");
        let fields = [
            ("scope", "openid"),
            ("acr_values", "mod-mf"),
            ("login_hint", hint.as_str()),
            ("client_notification_token", token),
        ];
        Req::form(&self.bc, form(&fields)).basic(PING, SECRET)
    }

    /// The CIBA grant (CIBA Core 10.1) for `auth_req_id` by `client`.
    pub fn token(&self, client: &str, auth_req_id: &str) -> Req {
        let fields = [("grant_type", CIBA_GRANT), ("auth_req_id", auth_req_id)];
        Req::form(&self.token, form(&fields)).basic(client, SECRET)
    }
}

/// A successful authentication request: keeps its `auth_req_id`.
pub fn accepted(a: &Answer) -> Result<Option<String>, String> {
    match (a.status, a.json()["auth_req_id"].as_str()) {
        (200, Some(id)) => Ok(Some(id.to_string())),
        _ => Err(format!("bc-authorize: {}", a.text())),
    }
}

/// A poll of a pending request (CIBA Core 11).
pub fn pending(a: &Answer) -> Result<Option<String>, String> {
    if a.status == 400 && a.json()["error"] == "authorization_pending" {
        Ok(None)
    } else {
        Err(format!("token: {}", a.text()))
    }
}

pub fn discovered(a: &Answer) -> Result<Option<String>, String> {
    if a.status == 200 && a.json()["issuer"].is_string() {
        Ok(None)
    } else {
        Err(format!("discovery: {}", a.text()))
    }
}

fn tokens(a: &Answer) -> Result<Option<String>, String> {
    if a.status == 200 && a.json()["id_token"].is_string() {
        Ok(None)
    } else {
        Err(format!("token: {}", a.text()))
    }
}

/// Poll mode: `bc-authorize`, then the token endpoint every `every` until the tokens come
/// (or `limit` passes).
pub async fn poll_flow(
    api: &Api,
    pool: &Pool,
    msisdn: &str,
    every: Duration,
    limit: Duration,
) -> Result<Option<String>, String> {
    let id = accepted(&pool.send(&api.bc_basic(msisdn, &[])).await?)?.unwrap_or_default();
    let deadline = Instant::now() + limit;
    loop {
        let answer = pool.send(&api.token(BASIC, &id)).await?;
        if pending(&answer).is_err() {
            return tokens(&answer);
        }
        if Instant::now() > deadline {
            return Err(format!("still pending after {limit:?}"));
        }
        tokio::time::sleep(every).await;
    }
}

/// Ping mode: `bc-authorize` with a fresh `client_notification_token`, the ping, then the
/// token endpoint.
pub async fn ping_flow(
    api: &Api,
    pool: &Pool,
    receiver: &ping::Receiver,
    msisdn: &str,
) -> Result<Option<String>, String> {
    let token = format!("{:032x}", rand::random::<u128>());
    let pinged = receiver.expect(&token);
    let id = match pool
        .send(&api.bc_ping(msisdn, &token))
        .await
        .and_then(|a| accepted(&a))
    {
        Ok(id) => id.unwrap_or_default(),
        Err(e) => {
            receiver.forget(&token);
            return Err(e);
        }
    };
    match tokio::time::timeout(PING_WAIT, pinged).await {
        Ok(Ok(pinged)) if pinged == id => {}
        Ok(Ok(other)) => return Err(format!("ping for {other}, expected {id}")),
        _ => {
            receiver.forget(&token);
            return Err(format!("no ping within {PING_WAIT:?}"));
        }
    }
    tokens(&pool.send(&api.token(PING, &id)).await?)
}
