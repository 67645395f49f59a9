//! What every TS 102 204 endpoint of idgw does alike, the MSSP's and the AP's
//! notification port: read a request body within the binding's limit, decode
//! it, and answer a message (HTTP 200) or a fault (clause 9: SOAP with HTTP
//! 500, as SOAP 1.1 section 6.2 requires; JSON with HTTP 400 for faults the
//! request caused, `Sender`, and 500 for the others).

use axum::body::{to_bytes, Body};
use axum::http::{header, StatusCode as HttpStatus};
use axum::response::{IntoResponse, Response};

use crate::model::{Envelope, MssMessage};
use crate::{Binding, FaultCode, MssFault, StatusCode};

/// The decoded request, or the fault response already made: 103 for a body
/// over the limit, the decoder's fault for an undecodable one, 101 for a fault
/// sent as a request.
pub(crate) async fn read_request(binding: Binding, body: Body) -> Result<MssMessage, Response> {
    let limit = binding.limit();
    let Ok(bytes) = to_bytes(body, limit).await else {
        let too_large = MssFault::new(
            StatusCode::WrongDataLength,
            Some(format!("request body over {limit} bytes or unreadable")),
        );
        return Err(fault(binding, &too_large));
    };
    match binding.decode(&bytes) {
        Ok(Envelope::Message(message)) => Ok(message),
        Ok(Envelope::Fault(_)) => {
            let not_request = MssFault::new(
                StatusCode::WrongParam,
                Some("a fault is not a request".to_owned()),
            );
            Err(fault(binding, &not_request))
        }
        Err(e) => {
            tracing::info!(error = %e, "undecodable request");
            Err(fault(binding, &e.to_fault()))
        }
    }
}

/// HTTP 200 with an encoded message.
pub(crate) fn message(binding: Binding, body: String) -> Response {
    (
        HttpStatus::OK,
        [(header::CONTENT_TYPE, binding.content_type())],
        body,
    )
        .into_response()
}

/// The fault, with its binding's HTTP status.
pub(crate) fn fault(binding: Binding, fault: &MssFault) -> Response {
    let status = match (binding, fault.code) {
        (Binding::Soap, _) | (Binding::Json, FaultCode::Receiver) => {
            HttpStatus::INTERNAL_SERVER_ERROR
        }
        (Binding::Json, FaultCode::Sender) => HttpStatus::BAD_REQUEST,
    };
    (
        status,
        [(header::CONTENT_TYPE, binding.content_type())],
        binding.encode_fault(fault),
    )
        .into_response()
}
