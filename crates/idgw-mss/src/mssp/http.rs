//! The MSSP on HTTP: the SOAP 1.1 binding (TS 102 204 clause 8 and the
//! WSDL of annex A/B) and the JSON binding of Kiuru-based MSSPs and
//! Swisscom Mobile ID. The listener and shutdown belong to the caller:
//! `axum::serve(listener, router(mssp)).with_graceful_shutdown(..)`.
//!
//! | path | binding |
//! | --- | --- |
//! | `POST /soap/services/MSS_SignaturePort` | SOAP 1.1 |
//! | `POST /soap/services/MSS_StatusQueryPort` | SOAP 1.1 |
//! | `POST /soap/services/MSS_ReceiptPort` | SOAP 1.1 |
//! | `POST /rest/service` | JSON, dispatched by the top-level member (`MSS_SignatureReq`, `MSS_StatusReq`, `MSS_ReceiptReq`) |
//!
//! The three SOAP paths are the WSDL's ports; each accepts any of the three
//! operations (dispatch is by the decoded body), so an AP configured with a
//! single URL works too.
//!
//! Answers: HTTP 200 with the response message. Faults (clause 9): in SOAP
//! a SOAP 1.1 `soapenv:Fault` with HTTP 500, as SOAP 1.1 (section 6.2)
//! requires for every fault; in JSON `{"Fault": ...}` with HTTP 400 for
//! faults caused by the request (`Sender`, the 1xx codes) and HTTP 500 for
//! the others (`Receiver`), idgw's reading of Kiuru's REST binding.
//! Undecodable bodies get the fault the decoder classifies (101
//! WRONG_PARAM, 102 MISSING_PARAM, 103 WRONG_DATA_LENGTH, 108
//! INCOMPATIBLE_INTERFACE); a body larger than the codec's limit is 103.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;

use super::{Mssp, MsspError};
use crate::endpoint::{fault, message, read_request};
use crate::model::{MessageAbstract, MssMessage};
use crate::time::xs_date_time;
use crate::Binding;

/// The SOAP port paths.
pub const SOAP_PATHS: [&str; 3] = [
    "/soap/services/MSS_SignaturePort",
    "/soap/services/MSS_StatusQueryPort",
    "/soap/services/MSS_ReceiptPort",
];
/// The JSON binding's path.
pub const JSON_PATH: &str = "/rest/service";

/// The MSSP's routes, for the caller to serve.
pub fn router(mssp: Arc<Mssp>) -> Router {
    let mut router = Router::new();
    for path in SOAP_PATHS {
        router = router.route(path, post(soap_endpoint));
    }
    router
        .route(JSON_PATH, post(json_endpoint))
        .with_state(mssp)
}

async fn soap_endpoint(State(mssp): State<Arc<Mssp>>, body: Body) -> Response {
    serve(&mssp, Binding::Soap, body).await
}

async fn json_endpoint(State(mssp): State<Arc<Mssp>>, body: Body) -> Response {
    serve(&mssp, Binding::Json, body).await
}

async fn serve(mssp: &Mssp, binding: Binding, body: Body) -> Response {
    let request = match read_request(binding, body).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let now = tokio::time::Instant::now().into_std();
    match mssp.handle(request, binding, now).await {
        Ok(mut answer) => {
            stamp(&mut answer, xs_date_time(SystemTime::now()));
            match binding.encode(&answer) {
                Ok(body) => message(binding, body),
                Err(e) => {
                    tracing::error!(error = %e, "response encoding failed");
                    fault(
                        binding,
                        &MsspError::Internal("response encoding").to_fault(),
                    )
                }
            }
        }
        Err(e) => fault(binding, &e.to_fault()),
    }
}

/// Sets `MSSP_Info/Instant` of an answer.
pub(crate) fn stamp(message: &mut MssMessage, instant: String) {
    let header: &mut MessageAbstract = match message {
        MssMessage::SignatureReq(m) => &mut m.header,
        MssMessage::SignatureResp(m) => &mut m.header,
        MssMessage::StatusReq(m) => &mut m.header,
        MssMessage::StatusResp(m) => &mut m.header,
        MssMessage::ReceiptReq(m) => &mut m.header,
        MssMessage::ReceiptResp(m) => &mut m.header,
    };
    header.mssp_info.instant = Some(instant);
}
