//! The test MSSP: subscribers with scripted SIM behaviour, a fake OTA
//! platform that answers challenges with applet answers built by the
//! applet codec, and the HTTP service on an ephemeral port.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use idgw_mss::applet::{Answer, AnswerResult, AppletKey, Challenge};
use idgw_mss::client::{Binding, MssClient};
use idgw_mss::mssp::{http, ApRegistry, MemoryAppletKeys, Mssp, MsspConfig, OtaError, OtaPlatform};
use tokio::sync::mpsc;

pub const AP_ID: &str = "http://ap.example/op";
pub const AP_PWD: &str = "s3cret";

/// What the simulated SIM (and its user) does with a challenge.
#[derive(Debug, Clone, Copy)]
pub enum Sim {
    Approve,
    Cancel,
    PinBlocked,
    /// The OTA platform cannot reach the SIM.
    Unreachable,
    /// Delivered, never answered.
    Silent,
    /// Answers OK with a corrupted MAC.
    Tampered,
}

/// The subscribers: MSISDN and behaviour.
pub const APPROVE: &str = "447700900001";
pub const CANCEL: &str = "447700900002";
pub const PIN_BLOCKED: &str = "447700900003";
pub const UNREACHABLE: &str = "447700900004";
pub const SILENT: &str = "447700900005";
pub const TAMPERED: &str = "447700900006";
pub const UNKNOWN: &str = "447700900999";

fn subscribers() -> [(&'static str, Sim); 6] {
    [
        (APPROVE, Sim::Approve),
        (CANCEL, Sim::Cancel),
        (PIN_BLOCKED, Sim::PinBlocked),
        (UNREACHABLE, Sim::Unreachable),
        (SILENT, Sim::Silent),
        (TAMPERED, Sim::Tampered),
    ]
}

fn key_of(i: usize) -> AppletKey {
    AppletKey::new([i as u8 + 1; 32])
}

struct FakeOta {
    sims: HashMap<String, (AppletKey, Sim)>,
    answers: mpsc::UnboundedSender<(String, Vec<u8>)>,
}

#[async_trait::async_trait]
impl OtaPlatform for FakeOta {
    async fn send_challenge(
        &self,
        msisdn: &str,
        mssp_trans_id: &str,
        challenge: Vec<u8>,
    ) -> Result<(), OtaError> {
        let (key, sim) = self
            .sims
            .get(msisdn)
            .ok_or_else(|| OtaError::Unreachable(msisdn.into()))?;
        let challenge = Challenge::decode(&challenge, key)
            .map_err(|e| OtaError::Platform(format!("SIM refused the challenge: {e}")))?;
        assert_eq!(challenge.reference, mssp_trans_id);
        let result = match sim {
            Sim::Unreachable => return Err(OtaError::Unreachable("no network".into())),
            Sim::Silent => return Ok(()),
            Sim::Approve | Sim::Tampered => AnswerResult::Ok,
            Sim::Cancel => AnswerResult::UserCancel,
            Sim::PinBlocked => AnswerResult::PinBlocked,
        };
        let mut answer = Answer {
            nonce: challenge.nonce,
            result,
        }
        .encode(key);
        if matches!(sim, Sim::Tampered) {
            *answer.last_mut().unwrap() ^= 0x01;
        }
        self.answers.send((msisdn.to_owned(), answer)).unwrap();
        Ok(())
    }
}

/// A running MSSP.
pub struct Harness {
    pub base: String,
    pub mssp: Arc<Mssp>,
}

impl Harness {
    pub async fn start() -> Harness {
        let mut keys = MemoryAppletKeys::new();
        let mut sims = HashMap::new();
        for (i, (msisdn, sim)) in subscribers().into_iter().enumerate() {
            keys.insert(msisdn, key_of(i));
            sims.insert(msisdn.to_owned(), (key_of(i), sim));
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let ota = FakeOta { sims, answers: tx };
        let aps = ApRegistry::new().with(AP_ID, AP_PWD);
        let mssp = Arc::new(Mssp::new(
            MsspConfig::default(),
            aps,
            Arc::new(keys),
            Arc::new(ota),
        ));
        // The SIM answers a little later, as over SMS.
        let pump = mssp.clone();
        tokio::spawn(async move {
            while let Some((msisdn, answer)) = rx.recv().await {
                tokio::time::sleep(Duration::from_millis(200)).await;
                pump.on_answer(&msisdn, &answer, Instant::now())
                    .await
                    .unwrap();
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = http::router(mssp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Harness { base, mssp }
    }

    pub fn url(&self, binding: Binding) -> String {
        match binding {
            Binding::Soap => format!("{}/soap/services/MSS_SignaturePort", self.base),
            Binding::Json => format!("{}/rest/service", self.base),
        }
    }

    pub fn client(&self, binding: Binding) -> MssClient {
        self.client_as(binding, AP_ID, AP_PWD)
    }

    pub fn client_as(&self, binding: Binding, ap_id: &str, ap_pwd: &str) -> MssClient {
        let client = MssClient::new(&self.url(binding), None, ap_id, ap_pwd).unwrap();
        assert_eq!(client.binding(), binding);
        client
    }
}

pub const BINDINGS: [Binding; 2] = [Binding::Soap, Binding::Json];

/// A unique AP_TransID per call site and binding.
pub fn trans_id(tag: &str, binding: Binding) -> String {
    format!("{tag}-{binding:?}")
}

pub fn deadline_in(secs: f64) -> Instant {
    Instant::now() + Duration::from_secs_f64(secs)
}
