//! The platform as the MSSP's OTA path (idgw-mss, ETSI TS 102 204 clause
//! 7.2 step "challenge to the SIM"): [`OtaPlatform`] implements
//! [`idgw_mss::mssp::OtaPlatform`], and [`MsspSink`] passes the applet's
//! answers (secured data of the card's Command Packet, 3GPP TS 31.115
//! section 4.2) to [`Mssp::on_answer`].

use std::sync::Arc;

use async_trait::async_trait;
use idgw_mss::mssp::{Mssp, OtaError as MssOtaError, OtaPlatform as MssOtaPlatform};
use tokio::time::Instant;

use super::{MoSink, OtaPlatform, PlatformError};
use crate::Tar;

#[async_trait]
impl MssOtaPlatform for OtaPlatform {
    /// Sends the challenge to the card's applet TAR with `mssp_trans_id` as
    /// reference. An unknown or unusable card is `Unreachable`.
    async fn send_challenge(
        &self,
        msisdn: &str,
        mssp_trans_id: &str,
        challenge: Vec<u8>,
    ) -> Result<(), MssOtaError> {
        self.send(msisdn, None, &challenge, mssp_trans_id, Instant::now())
            .await
            .map(|_| ())
            .map_err(|e| match e {
                PlatformError::UnknownSubscriber(_) | PlatformError::InvalidCard(_) => {
                    MssOtaError::Unreachable(e.to_string())
                }
                other => MssOtaError::Platform(other.to_string()),
            })
    }
}

/// Hands the applet's answers to an [`Mssp`].
pub struct MsspSink {
    mssp: Arc<Mssp>,
    tar: Option<Tar>,
}

impl MsspSink {
    /// Answers from any TAR go to `mssp`.
    pub fn new(mssp: Arc<Mssp>) -> Self {
        MsspSink { mssp, tar: None }
    }

    /// Only answers from the applet `tar` go to the MSSP; others are logged.
    pub fn only_tar(mut self, tar: Tar) -> Self {
        self.tar = Some(tar);
        self
    }
}

#[async_trait]
impl MoSink for MsspSink {
    async fn on_mo(&self, msisdn: &str, tar: Tar, data: Vec<u8>) {
        if self.tar.is_some_and(|t| t != tar) {
            tracing::warn!(%msisdn, ?tar, "MO from another applet ignored");
            return;
        }
        match self
            .mssp
            .on_answer(msisdn, &data, std::time::Instant::now())
            .await
        {
            Ok(disposition) => {
                tracing::info!(%msisdn, ?disposition, "applet answer given to the MSSP")
            }
            Err(e) => tracing::error!(%msisdn, error = %e, "the MSSP could not take the answer"),
        }
    }

    /// The MSSP ends the MSISDN's outstanding transaction with 209
    /// OTA_ERROR; with none outstanding the failure is logged here.
    async fn on_delivery_failure(&self, msisdn: &str, reason: String) {
        match self
            .mssp
            .on_ota_failure(msisdn, &reason, std::time::Instant::now())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(%msisdn, %reason, "OTA delivery failed, no MSSP transaction outstanding")
            }
            Err(e) => {
                tracing::error!(%msisdn, error = %e, "the MSSP could not record the OTA failure")
            }
        }
    }
}
