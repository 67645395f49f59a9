//! The links between components when each runs in its own process (`idgw mssp`, `idgw ota`,
//! `idgw smsc-sim`, `idgw sim`). Where a real product speaks a standard protocol the
//! components already do (TS 102 204, SMPP); these are the two hops that have none:
//!
//! - MSSP <-> OTA platform, like the HTTP APIs commercial OTA platforms offer:
//!   `POST {ota}/ota/v1/challenges` `{"msisdn", "reference", "data"}` (base64url data) to send;
//!   the OTA platform answers at `POST {mssp}/ota/v1/answers` `{"msisdn", "tar", "data"}` and
//!   `POST {mssp}/ota/v1/failures` `{"msisdn", "reason"}`.
//! - SMSC simulator <-> simulated handsets, the radio: TS 23.040 TPDUs, base64url, at
//!   `POST {sim}/radio/v1/mt` and `POST {smsc}/radio/v1/mo` `{"msisdn", "tpdu"}`.
//!
//! All of these listen on loopback only (checked by the configuration).

use crate::wiring::provision::learn_sim;
use async_trait::async_trait;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use idgw_mss::mssp::{Mssp, MsspError as MssError, OtaError as MssOtaError, OtaPlatform as MssOta};
use idgw_ota::platform::{MoSink, OtaPlatform};
use idgw_ota::Tar;
use idgw_sim::{Radio, SimFarm};
use idgw_smpp::smsc_sim::{self, HandsetLink, MoSms};
use idgw_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Kept-alive connections are dropped before the peer's `[http] idle_timeout` (default 5 s)
/// closes them, so that a request never races that close.
const POOL_IDLE: Duration = Duration::from_secs(2);

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .pool_idle_timeout(POOL_IDLE)
        .build()
        .expect("HTTP client")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>, StatusCode> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| StatusCode::BAD_REQUEST)
}

#[derive(Serialize, Deserialize)]
struct Challenge {
    msisdn: String,
    reference: String,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct MoAnswer {
    msisdn: String,
    tar: String,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct Failure {
    msisdn: String,
    reason: String,
}

#[derive(Serialize, Deserialize)]
struct Tpdu {
    msisdn: String,
    tpdu: String,
}

// --- MSSP -> OTA platform ---------------------------------------------------------------

/// The MSSP's view of an OTA platform in another process.
pub struct HttpOta {
    url: String,
    http: reqwest::Client,
}

impl HttpOta {
    pub fn new(base: &str) -> HttpOta {
        HttpOta {
            url: format!("{}/ota/v1/challenges", base.trim_end_matches('/')),
            http: http(),
        }
    }
}

#[async_trait]
impl MssOta for HttpOta {
    async fn send_challenge(
        &self,
        msisdn: &str,
        mssp_trans_id: &str,
        challenge: Vec<u8>,
    ) -> Result<(), MssOtaError> {
        let body = Challenge {
            msisdn: msisdn.into(),
            reference: mssp_trans_id.into(),
            data: b64(&challenge),
        };
        let response = self.http.post(&self.url).json(&body).send().await;
        match response.map(|r| r.status()) {
            Ok(s) if s.is_success() => Ok(()),
            Ok(StatusCode::NOT_FOUND) => {
                Err(MssOtaError::Unreachable(format!("no card for {msisdn}")))
            }
            Ok(s) => Err(MssOtaError::Platform(format!("OTA platform answered {s}"))),
            Err(e) => Err(MssOtaError::Platform(format!(
                "OTA platform unreachable: {e}"
            ))),
        }
    }
}

/// The OTA platform's API: challenges from a remote MSSP.
pub fn ota_api(platform: Arc<OtaPlatform>) -> Router {
    Router::new()
        .route("/ota/v1/challenges", post(send_challenge))
        .with_state(platform)
}

async fn send_challenge(
    State(platform): State<Arc<OtaPlatform>>,
    Json(c): Json<Challenge>,
) -> StatusCode {
    let Ok(data) = unb64(&c.data) else {
        return StatusCode::BAD_REQUEST;
    };
    match MssOta::send_challenge(&*platform, &c.msisdn, &c.reference, data).await {
        Ok(()) => StatusCode::ACCEPTED,
        Err(MssOtaError::Unreachable(_)) => StatusCode::NOT_FOUND,
        Err(MssOtaError::Platform(e)) => {
            tracing::warn!(error = %e, "OTA send failed");
            StatusCode::BAD_GATEWAY
        }
    }
}

// --- OTA platform -> MSSP ---------------------------------------------------------------

/// The OTA platform's MO sink when the MSSP runs in another process (or several MSSP nodes,
/// tried in order while they cannot be connected to).
pub struct HttpMssp {
    bases: Vec<String>,
    http: reqwest::Client,
}

impl HttpMssp {
    /// `bases`: the MSSP nodes' origins, e.g. `http://127.0.0.1:8082`, in order of preference.
    pub fn new(bases: &[String]) -> HttpMssp {
        HttpMssp {
            bases: bases
                .iter()
                .map(|b| b.trim_end_matches('/').to_string())
                .collect(),
            http: http(),
        }
    }

    async fn post(&self, path: &str, body: &impl Serialize) {
        for base in &self.bases {
            let url = format!("{base}{path}");
            match self.http.post(&url).json(body).send().await {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => tracing::warn!(status = %r.status(), mssp = %base, "MSSP refused {path}"),
                Err(e) if e.is_connect() => {
                    tracing::warn!(error = %e, mssp = %base, "MSSP unreachable for {path}");
                    continue;
                }
                Err(e) => tracing::warn!(error = %e, mssp = %base, "MSSP failed {path}"),
            }
            return;
        }
    }
}

#[async_trait]
impl MoSink for HttpMssp {
    async fn on_mo(&self, msisdn: &str, tar: Tar, data: Vec<u8>) {
        let body = MoAnswer {
            msisdn: msisdn.into(),
            tar: hex::encode(tar.0),
            data: b64(&data),
        };
        self.post("/ota/v1/answers", &body).await;
    }

    async fn on_delivery_failure(&self, msisdn: &str, reason: String) {
        self.post(
            "/ota/v1/failures",
            &Failure {
                msisdn: msisdn.into(),
                reason,
            },
        )
        .await;
    }
}

/// The MSSP's routes for a remote OTA platform's answers and failures.
pub fn mssp_callbacks(mssp: Arc<Mssp>, applet_tar: Tar) -> Router {
    Router::new()
        .route("/ota/v1/answers", post(answer))
        .route("/ota/v1/failures", post(failure))
        .with_state((mssp, applet_tar))
}

async fn answer(
    State((mssp, tar)): State<(Arc<Mssp>, Tar)>,
    Json(a): Json<MoAnswer>,
) -> StatusCode {
    if a.tar != hex::encode(tar.0) {
        return StatusCode::NOT_FOUND; // another application's TAR
    }
    let Ok(data) = unb64(&a.data) else {
        return StatusCode::BAD_REQUEST;
    };
    match mssp.on_answer(&a.msisdn, &data, Instant::now()).await {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(e) => unavailable(&e),
    }
}

async fn failure(State((mssp, _)): State<(Arc<Mssp>, Tar)>, Json(f): Json<Failure>) -> StatusCode {
    match mssp
        .on_ota_failure(&f.msisdn, &f.reason, Instant::now())
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(e) => unavailable(&e),
    }
}

/// The MSSP could not record what the OTA platform reported (its store failed).
fn unavailable(e: &MssError) -> StatusCode {
    tracing::error!(error = %e, "MSSP could not take an OTA report");
    StatusCode::SERVICE_UNAVAILABLE
}

// --- the radio: SMSC simulator <-> handsets ---------------------------------------------

/// The SMSC simulator's radio when the handsets run in another process.
pub struct HttpHandsets {
    url: String,
    http: reqwest::Client,
}

impl HttpHandsets {
    pub fn new(base: &str) -> HttpHandsets {
        HttpHandsets {
            url: format!("{}/radio/v1/mt", base.trim_end_matches('/')),
            http: http(),
        }
    }
}

impl HandsetLink for HttpHandsets {
    /// The link is synchronous (the SMSC learns at once whether the handset took the SMS), so
    /// the call blocks this worker thread for one loopback round trip.
    fn deliver(&self, msisdn: &str, sms_deliver: Vec<u8>) -> Result<(), smsc_sim::Unreachable> {
        let body = Tpdu {
            msisdn: msisdn.into(),
            tpdu: b64(&sms_deliver),
        };
        let request = self.http.post(&self.url).json(&body).send();
        let result =
            tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(request));
        match result {
            Ok(r) if r.status().is_success() => Ok(()),
            _ => Err(smsc_sim::Unreachable),
        }
    }
}

/// The SMSC simulator's radio endpoint: MO SMS from remote handsets.
pub fn smsc_radio(mo: mpsc::Sender<MoSms>) -> Router {
    Router::new()
        .route("/radio/v1/mo", post(mo_sms))
        .with_state(mo)
}

async fn mo_sms(State(mo): State<mpsc::Sender<MoSms>>, Json(t): Json<Tpdu>) -> StatusCode {
    let Ok(tpdu) = unb64(&t.tpdu) else {
        return StatusCode::BAD_REQUEST;
    };
    match mo.try_send(MoSms {
        msisdn: t.msisdn,
        sms_submit: tpdu,
    }) {
        Ok(()) => StatusCode::ACCEPTED,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The handsets' radio towards a remote SMSC simulator.
pub struct HttpRadio {
    url: String,
    http: reqwest::Client,
}

impl HttpRadio {
    pub fn new(base: &str) -> HttpRadio {
        HttpRadio {
            url: format!("{}/radio/v1/mo", base.trim_end_matches('/')),
            http: http(),
        }
    }
}

impl Radio for HttpRadio {
    fn send_mo(&self, from_msisdn: &str, sms_submit_tpdu: Vec<u8>) {
        // Must not block: the POST runs in its own task.
        let body = Tpdu {
            msisdn: from_msisdn.into(),
            tpdu: b64(&sms_submit_tpdu),
        };
        let request = self.http.post(&self.url).json(&body);
        tokio::spawn(async move {
            match request.send().await {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => tracing::warn!(status = %r.status(), "SMSC refused MO SMS"),
                Err(e) => tracing::warn!(error = %e, "SMSC unreachable: MO SMS lost"),
            }
        });
    }
}

/// The handsets' radio endpoint: MT SMS from a remote SMSC simulator. An SMS for an MSISDN
/// the farm does not hold yet finds its SIM through the card in `store` (a subscriber
/// provisioned after the simulator started).
pub fn sim_radio(farm: SimFarm, store: Arc<dyn Store>) -> Router {
    Router::new()
        .route("/radio/v1/mt", post(mt_sms))
        .with_state((farm, store))
}

async fn mt_sms(
    State((farm, store)): State<(SimFarm, Arc<dyn Store>)>,
    Json(t): Json<Tpdu>,
) -> StatusCode {
    let Ok(tpdu) = unb64(&t.tpdu) else {
        return StatusCode::BAD_REQUEST;
    };
    match learn_sim(&*store, &farm, &t.msisdn).await {
        Ok(true) => {}
        Ok(false) => return StatusCode::SERVICE_UNAVAILABLE,
        Err(e) => {
            tracing::error!(msisdn = %t.msisdn, error = %e, "SIM not learnt from the store");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    match farm.deliver(&t.msisdn, tpdu) {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
