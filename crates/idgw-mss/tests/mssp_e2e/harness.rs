//! The test MSSP: subscribers with scripted SIM behaviour, a fake OTA
//! platform that answers challenges with applet answers built by the
//! applet codec, the HTTP service and its notifier on an ephemeral port;
//! and APs with their notification listeners.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idgw_mss::applet::{Answer, AnswerResult, AppletKey, Challenge};
use idgw_mss::client::{notification, Ap, ApConfig, Binding, MssClient};
use idgw_mss::mssp::{
    http, notify, ApRegistry, MemoryAppletKeys, MemoryTransactions, Mssp, MsspConfig, OtaError,
    OtaPlatform,
};
use idgw_mss::trace::{Hop, Trace};
use tokio::sync::{mpsc, watch};

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
    /// Answers OK when the test says so ([`Harness::release`]).
    Later,
}

/// The subscribers: MSISDN and behaviour.
pub const APPROVE: &str = "447700900001";
pub const CANCEL: &str = "447700900002";
pub const PIN_BLOCKED: &str = "447700900003";
pub const UNREACHABLE: &str = "447700900004";
pub const SILENT: &str = "447700900005";
pub const TAMPERED: &str = "447700900006";
pub const LATER: &str = "447700900007";
pub const UNKNOWN: &str = "447700900999";

fn subscribers() -> [(&'static str, Sim); 7] {
    [
        (APPROVE, Sim::Approve),
        (CANCEL, Sim::Cancel),
        (PIN_BLOCKED, Sim::PinBlocked),
        (UNREACHABLE, Sim::Unreachable),
        (SILENT, Sim::Silent),
        (TAMPERED, Sim::Tampered),
        (LATER, Sim::Later),
    ]
}

fn key_of(i: usize) -> AppletKey {
    AppletKey::new([i as u8 + 1; 32])
}

/// Applet answers (MSISDN, answer) held back until released.
type Held = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

struct FakeOta {
    sims: HashMap<String, (AppletKey, Sim)>,
    answers: mpsc::UnboundedSender<(String, Vec<u8>)>,
    /// Answers of [`Sim::Later`] SIMs, until released.
    held: Held,
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
            Sim::Approve | Sim::Tampered | Sim::Later => AnswerResult::Ok,
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
        if matches!(sim, Sim::Later) {
            self.held.lock().unwrap().push((msisdn.to_owned(), answer));
            return Ok(());
        }
        self.answers.send((msisdn.to_owned(), answer)).unwrap();
        Ok(())
    }
}

/// A running MSSP.
pub struct Harness {
    pub base: String,
    pub mssp: Arc<Mssp>,
    pub txns: Arc<MemoryTransactions>,
    /// TS 102 204 requests the MSSP received.
    pub requests: Arc<AtomicUsize>,
    /// Every body the MSSP and the APs' listeners received and answered, in order.
    pub bodies: Bodies,
    held: Held,
    answers: mpsc::UnboundedSender<(String, Vec<u8>)>,
    hops: Arc<Mutex<Vec<Hop>>>,
    _stop: watch::Sender<bool>,
}

async fn until(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(MsspConfig::default()).await
    }

    pub async fn start_with(config: MsspConfig) -> Harness {
        let mut keys = MemoryAppletKeys::new();
        let mut sims = HashMap::new();
        for (i, (msisdn, sim)) in subscribers().into_iter().enumerate() {
            keys.insert(msisdn, key_of(i));
            sims.insert(msisdn.to_owned(), (key_of(i), sim));
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let held = Arc::new(Mutex::new(Vec::new()));
        let ota = FakeOta {
            sims,
            answers: tx.clone(),
            held: held.clone(),
        };
        let aps = ApRegistry::new().with(AP_ID, AP_PWD);
        let txns = Arc::new(MemoryTransactions::new(1000));
        let hops = Arc::new(Mutex::new(Vec::new()));
        let sink = hops.clone();
        let trace = Trace::new(move |hop| sink.lock().unwrap().push(hop));
        let mssp = Arc::new(
            Mssp::new(config, aps, Arc::new(keys), Arc::new(ota))
                .with_transactions(txns.clone())
                .with_trace(trace),
        );
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(notify::run(mssp.clone(), until(stopped)));
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
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        let bodies = Bodies::default();
        let app = http::router(mssp.clone())
            .layer(axum::middleware::from_fn_with_state(
                bodies.clone(),
                capture,
            ))
            .layer(axum::middleware::from_fn(
                move |req: axum::extract::Request, next: axum::middleware::Next| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    next.run(req)
                },
            ));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Harness {
            base,
            mssp,
            txns,
            requests,
            bodies,
            held,
            answers: tx,
            hops,
            _stop: stop,
        }
    }

    /// The steps the MSSP reported so far.
    pub fn hops(&self) -> Vec<Hop> {
        self.hops.lock().unwrap().clone()
    }

    /// How many answers of [`Sim::Later`] SIMs are held.
    pub fn held(&self) -> usize {
        self.held.lock().unwrap().len()
    }

    /// The answers of [`Sim::Later`] SIMs held so far go to the MSSP.
    pub fn release(&self) -> usize {
        let held: Vec<_> = self.held.lock().unwrap().drain(..).collect();
        let n = held.len();
        for answer in held {
            self.answers.send(answer).unwrap();
        }
        n
    }

    /// An AP of this MSSP in `binding`, notified at a listener of its own (with
    /// `config`'s mode; its `AP_URL` is set here), its scheduler running.
    pub async fn ap(&self, binding: Binding, config: ApConfig) -> TestAp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let mut config = config;
        if config.ap_url.is_some() {
            config.ap_url = Some(notification::ap_url(&origin, binding));
        }
        let ap = Ap::new(self.client(binding), config).unwrap();
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(ap.clone().run(until(stopped.clone())));
        let app = notification::router(ap.clone()).layer(axum::middleware::from_fn_with_state(
            self.bodies.clone(),
            capture,
        ));
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(until(stopped))
                .await
                .unwrap()
        });
        TestAp { ap, origin, stop }
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

/// Bodies seen on the wire.
#[derive(Clone, Default)]
pub struct Bodies(Arc<Mutex<Vec<axum::body::Bytes>>>);

impl Bodies {
    pub fn take(&self) -> Vec<axum::body::Bytes> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Records a request's body and its answer's.
async fn capture(
    axum::extract::State(bodies): axum::extract::State<Bodies>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::body::{to_bytes, Body};
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap();
    bodies.0.lock().unwrap().push(bytes.clone());
    let answer = next
        .run(axum::extract::Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = answer.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap();
    bodies.0.lock().unwrap().push(bytes.clone());
    axum::response::Response::from_parts(parts, Body::from(bytes))
}

/// An AP with its notification listener; dropping it stops both.
pub struct TestAp {
    pub ap: Arc<Ap>,
    pub origin: String,
    stop: watch::Sender<bool>,
}

impl Drop for TestAp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Notified (asynchServerServer) and polled (asynchClientServer).
pub fn modes() -> [ApConfig; 2] {
    [
        ApConfig::notified("set by Harness::ap"),
        ApConfig::polled(Duration::from_millis(300)),
    ]
}

pub const BINDINGS: [Binding; 2] = [Binding::Soap, Binding::Json];

/// A unique AP_TransID per call site and binding.
pub fn trans_id(tag: &str, binding: Binding) -> String {
    format!("{tag}-{binding:?}")
}

pub fn deadline_in(secs: f64) -> Instant {
    Instant::now() + Duration::from_secs_f64(secs)
}
