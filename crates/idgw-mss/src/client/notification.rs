//! The AP's notification port (asynchServerServer, TS 102 204 clause 7.3 and the WSDL's
//! `MSS_NotificationPort`): the MSSP POSTs a transaction's final `MSS_StatusResp` to the
//! `AP_URL` the AP gave; the AP answers with its `MSS_ReceiptReq` (HTTP 200) or a fault.
//! The caller owns the listener and shutdown:
//! `axum::serve(listener, router(ap)).with_graceful_shutdown(..)`.
//!
//! | path | binding |
//! | --- | --- |
//! | `POST /soap/services/MSS_NotificationPort` | SOAP 1.1 (`MSS_Notification` / `MSS_NotificationResponse`) |
//! | `POST /rest/notification` | JSON (`{"MSS_StatusResp": ...}` / `{"MSS_ReceiptReq": ...}`) |
//!
//! A notification is believed for what it names: this AP's `AP_ID` and the `AP_TransID`
//! of a transaction waiting here. Those AP_TransIDs are not known to the AP's own clients
//! (see [`super::MssClient::ap_trans_id_for`]), and the listener belongs on a network only
//! the MSSP reaches.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;

use super::Ap;
use crate::endpoint::{fault, message, read_request};
use crate::model::MssMessage;
use crate::{Binding, MssFault, StatusCode};

/// The SOAP binding's notification path.
pub const SOAP_PATH: &str = "/soap/services/MSS_NotificationPort";
/// The JSON binding's notification path.
pub const JSON_PATH: &str = "/rest/notification";

/// The `AP_URL` of a notification listener at `origin` (`http://127.0.0.1:8085`) for
/// `binding`.
pub fn ap_url(origin: &str, binding: Binding) -> String {
    let path = match binding {
        Binding::Soap => SOAP_PATH,
        Binding::Json => JSON_PATH,
    };
    format!("{}{path}", origin.trim_end_matches('/'))
}

/// The notification routes of `ap`, for the caller to serve.
pub fn router(ap: Arc<Ap>) -> Router {
    Router::new()
        .route(SOAP_PATH, post(soap_endpoint))
        .route(JSON_PATH, post(json_endpoint))
        .with_state(ap)
}

async fn soap_endpoint(State(ap): State<Arc<Ap>>, body: Body) -> Response {
    serve(&ap, Binding::Soap, body).await
}

async fn json_endpoint(State(ap): State<Arc<Ap>>, body: Body) -> Response {
    serve(&ap, Binding::Json, body).await
}

async fn serve(ap: &Ap, binding: Binding, body: Body) -> Response {
    let resp = match read_request(binding, body).await {
        Ok(MssMessage::StatusResp(resp)) => resp,
        Ok(other) => {
            let why = format!("{} is not a notification", other.element_name());
            return fault(binding, &MssFault::new(StatusCode::WrongParam, Some(why)));
        }
        Err(refused) => return refused,
    };
    match ap.notify(&resp).await {
        Ok(ack) => match binding.encode_notification_ack(&ack) {
            Ok(body) => message(binding, body),
            Err(e) => {
                tracing::error!(error = %e, "receipt encoding failed");
                fault(binding, &MssFault::new(StatusCode::InternalError, None))
            }
        },
        Err(refusal) => {
            tracing::info!(ap_trans_id = %resp.header.ap_info.ap_trans_id, status = %refusal.status, detail = ?refusal.detail, "notification refused");
            fault(binding, &refusal)
        }
    }
}
