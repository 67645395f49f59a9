//! The Backchannel Authentication Endpoint, `/bc-authorize` (CIBA Core 7): a CIBA request
//! ([`crate::ciba::request`]), or a Mobile Connect SI request, told apart by its
//! `response_type` (SI Table 3; [`crate::mc_si::request`]).

use crate::ciba;
use crate::error::OAuthError;
use crate::mc_si::{self, is_si_response_type};
use crate::op::Op;
use crate::params::{Incoming, Params};
use crate::transaction::open::Acknowledgement;
use idgw_store::Millis;
use std::sync::Arc;

/// Reads the request and hands it to its flow.
pub async fn bc_authorize(
    op: &Arc<Op>,
    incoming: Incoming<'_>,
    now: Millis,
) -> Result<Acknowledgement, OAuthError> {
    let (params, format) = Params::from_body(incoming.content_type, incoming.body)?;
    if params.get("response_type").is_some_and(is_si_response_type) {
        return mc_si::request::si_authorize_params(op, params, format, now).await;
    }
    ciba::request::bc_authorize(op, incoming.authorization, params, format, now).await
}
