//! What the OTA platform reports back to the MSSP (any MSSP node sharing the
//! transactions may be told): the applet's answer, which ends the outstanding transaction
//! when its MAC and nonce hold (500 SIGNATURE, 401, 402, 403), and a challenge that could
//! not be delivered (209 OTA_ERROR).

use std::time::Instant;

use super::store::Outcome;
use super::{AnswerDisposition, Mssp, MsspError, LANE};
use crate::applet::{Answer, AnswerResult};
use crate::StatusCode;

impl Mssp {
    /// The OTA platform reports that the challenge for `msisdn` could not be delivered (an
    /// EXPIRED or UNDELIVERABLE receipt, an error PoR): the outstanding transaction ends at
    /// once with 209 OTA_ERROR instead of waiting for its `TimeOut`. Returns whether one was
    /// outstanding (and this call ended it). Any MSSP node sharing the transactions may be
    /// told.
    pub async fn on_ota_failure(
        &self,
        msisdn: &str,
        reason: &str,
        now: Instant,
    ) -> Result<bool, MsspError> {
        self.sweep(now).await?;
        let Some(txn) = self.txns.outstanding_for(msisdn).await? else {
            return Ok(false);
        };
        let mssp_trans_id = txn.mssp_trans_id;
        let failed = Outcome::Failed(StatusCode::OtaError);
        let has_callback = txn.callback.is_some();
        if !self
            .finish(&mssp_trans_id, &failed, now, has_callback)
            .await?
        {
            return Ok(false);
        }
        tracing::warn!(msisdn, mssp_trans_id = %mssp_trans_id, reason, "OTA delivery failed");
        self.trace.step(
            msisdn,
            LANE,
            "OTA delivery failed",
            "209 OTA_ERROR",
            Some(reason.to_string()),
        );
        self.trace_end(msisdn, &mssp_trans_id, StatusCode::OtaError);
        Ok(true)
    }

    /// The applet's answer for `msisdn`, as the OTA platform decrypted it.
    /// Verifies the MAC with the applet key and the nonce against the
    /// outstanding transaction, whichever MSSP node accepted it; ends it if both hold.
    /// Anything else is logged and ignored. The key is [`AppletKeys`]'s, shared by every
    /// node (idgw provisions it from the card record in its store).
    pub async fn on_answer(
        &self,
        msisdn: &str,
        answer: &[u8],
        now: Instant,
    ) -> Result<AnswerDisposition, MsspError> {
        let Some(key) = self.keys.key(msisdn).await? else {
            tracing::warn!(msisdn, "applet answer for an unknown MSISDN ignored");
            return Ok(AnswerDisposition::UnknownUser);
        };
        let decoded = match Answer::decode(answer, &key) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(msisdn, error = %e, "applet answer rejected");
                self.trace.step(
                    msisdn,
                    LANE,
                    "answer rejected",
                    "bad MAC",
                    Some(e.to_string()),
                );
                return Ok(AnswerDisposition::Rejected(e));
            }
        };
        self.sweep(now).await?;
        let Some(txn) = self.txns.outstanding_for(msisdn).await? else {
            tracing::warn!(
                msisdn,
                "applet answer without an outstanding transaction ignored"
            );
            self.trace.step(
                msisdn,
                LANE,
                "answer rejected",
                "no outstanding transaction",
                None,
            );
            return Ok(AnswerDisposition::NoOutstandingTransaction);
        };
        if txn.nonce != decoded.nonce {
            tracing::warn!(msisdn, mssp_trans_id = %txn.mssp_trans_id, "applet answer for another challenge ignored");
            self.trace
                .step(msisdn, LANE, "answer rejected", "nonce mismatch", None);
            return Ok(AnswerDisposition::NonceMismatch);
        }
        let mssp_trans_id = txn.mssp_trans_id;
        let has_callback = txn.callback.is_some();
        let outcome = match decoded.result {
            AnswerResult::Ok => Outcome::Signed(answer.to_vec()),
            other => Outcome::Failed(other.status_code()),
        };
        let status = decoded.result.status_code();
        if !self
            .finish(&mssp_trans_id, &outcome, now, has_callback)
            .await?
        {
            // Another node ended it meanwhile (expiry, an OTA failure).
            return Ok(AnswerDisposition::NoOutstandingTransaction);
        }
        tracing::info!(msisdn, mssp_trans_id = %mssp_trans_id, status = %status, "applet answered");
        self.trace.step(
            msisdn,
            LANE,
            "answer verified",
            &format!("{:?}", decoded.result),
            Some("MAC and nonce OK".into()),
        );
        self.trace_end(msisdn, &mssp_trans_id, status);
        Ok(AnswerDisposition::Accepted {
            mssp_trans_id,
            status,
        })
    }
}
