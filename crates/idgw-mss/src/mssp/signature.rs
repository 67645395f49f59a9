//! `MSS_SignatureReq` handling (TS 102 204 clause 7.2): validate, open a
//! transaction, send the applet challenge through the OTA platform, and
//! answer in the requested `MessagingMode` (clause 6.2.1 / 7.2.2). See the
//! step list in the parent module.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::store::{Callback, Insertion, MsspTransaction, Outcome};
use super::{Mssp, MsspError, LANE};
use crate::applet::{AppletError, Challenge, MAX_DISPLAY_TEXT_LEN};
use crate::model::*;
use crate::profile::SignatureProfile;
use crate::{Binding, StatusCode};

/// What [`Mssp::begin`] decided.
enum Begun {
    /// A new transaction; its challenge must be sent.
    New {
        mssp_trans_id: String,
        challenge: Vec<u8>,
        deadline: Instant,
        has_callback: bool,
    },
    /// A retry of a request already known: join its transaction.
    Retry {
        mssp_trans_id: String,
        deadline: Instant,
    },
}

/// The text the applet shows: `DataToBeDisplayed`, else `DataToBeSigned`;
/// it must be UTF-8 text that fits the challenge.
fn display_text(req: &MssSignatureReq) -> Result<String, MsspError> {
    let data = req
        .data_to_be_displayed
        .as_ref()
        .unwrap_or(&req.data_to_be_signed);
    let is_text = data
        .mime_type
        .as_deref()
        .is_none_or(|m| m.trim().to_ascii_lowercase().starts_with("text/"));
    let is_utf8 = data.encoding.as_deref().is_none_or(|e| {
        matches!(
            e.trim().to_ascii_lowercase().as_str(),
            "utf-8" | "utf8" | "us-ascii"
        )
    });
    if !is_text || !is_utf8 {
        return Err(MsspError::InappropriateData(
            "only UTF-8 text can be shown on the SIM".into(),
        ));
    }
    if data.data.len() > MAX_DISPLAY_TEXT_LEN {
        return Err(MsspError::TextTooLong(data.data.len()));
    }
    Ok(data.data.clone())
}

/// Identifies "the same request" for retries of an `AP_TransID`.
fn fingerprint(req: &MssSignatureReq, profile: SignatureProfile) -> [u8; 32] {
    let mut h = Sha256::new();
    let dtbd = req.data_to_be_displayed.as_ref();
    for part in [
        req.mobile_user.msisdn.as_str(),
        req.data_to_be_signed.data.as_str(),
        dtbd.map_or("", |d| d.data.as_str()),
        profile.uri(),
        req.messaging_mode.as_str(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.update([u8::from(dtbd.is_some())]);
    h.finalize().into()
}

/// asynchServerServer: where the final status goes (clause 6.2.1 `AP_URL`, mandatory in
/// this mode); an http(s) URL, since the MSSP will call it.
fn callback(req: &MssSignatureReq, binding: Binding) -> Result<Option<Callback>, MsspError> {
    if req.messaging_mode != MessagingMode::AsynchServerServer {
        return Ok(None);
    }
    let ap = &req.header.ap_info;
    let url = ap.ap_url.as_deref().ok_or(MsspError::MissingApUrl)?;
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => {
            return Err(MsspError::WrongParam {
                field: "AP_URL",
                reason: "not an http(s) URL".into(),
            })
        }
    }
    Ok(Some(Callback {
        url: url.to_owned(),
        binding,
        instant: ap.instant.clone(),
    }))
}

/// A fresh `MSSP_TransID`: an NCName of 17 characters (fits the applet's
/// 20-octet reference).
fn new_mssp_trans_id() -> String {
    format!("M{}", hex::encode(rand::random::<[u8; 8]>()))
}

impl Mssp {
    pub(super) fn time_out(&self, requested: Option<u32>) -> Result<Duration, MsspError> {
        match requested {
            None => Ok(self.config.default_time_out),
            Some(0) => Err(MsspError::WrongParam {
                field: "TimeOut",
                reason: "must be at least 1 second".into(),
            }),
            Some(secs) => Ok(Duration::from_secs(secs.into()).min(self.config.max_time_out)),
        }
    }

    /// Checks the request and opens (or finds, on any node) its transaction.
    async fn begin(
        &self,
        req: &MssSignatureReq,
        binding: Binding,
        now: Instant,
    ) -> Result<Begun, MsspError> {
        let profile = match &req.signature_profile {
            None => SignatureProfile::SimPin,
            Some(uri) => SignatureProfile::from_uri(uri).ok_or(MsspError::UnsupportedProfile)?,
        };
        let callback = callback(req, binding)?;
        let time_out = self.time_out(req.time_out)?;
        let text = display_text(req)?;
        let msisdn = req.mobile_user.msisdn.as_str();
        let key = self.keys.key(msisdn).await?.ok_or(MsspError::UnknownUser)?;
        let fingerprint = fingerprint(req, profile);
        let ap = &req.header.ap_info;

        self.sweep(now).await?;
        let mssp_trans_id = new_mssp_trans_id();
        let nonce = rand::random();
        let challenge = Challenge {
            nonce,
            pin_required: profile.pin_required(),
            reference: mssp_trans_id.clone(),
            text,
        }
        .encode(&key)
        .map_err(|e| match e {
            AppletError::TextTooLong(n) => MsspError::TextTooLong(n),
            _ => MsspError::Internal("challenge encoding"),
        })?;
        let deadline = now + time_out;
        let txn = MsspTransaction {
            mssp_trans_id: mssp_trans_id.clone(),
            ap_id: ap.ap_id.clone(),
            ap_trans_id: ap.ap_trans_id.clone(),
            msisdn: msisdn.to_owned(),
            fingerprint,
            profile,
            nonce,
            deadline: self.clock.millis(deadline),
            ended_at: None,
            outcome: None,
            receipt_received: false,
            callback: callback.clone(),
        };
        match self.txns.insert(&txn).await? {
            Insertion::Inserted => {}
            Insertion::Known(known) if known.fingerprint != fingerprint => {
                return Err(MsspError::DuplicateApTransId)
            }
            Insertion::Known(known) => {
                tracing::info!(ap_trans_id = %ap.ap_trans_id, mssp_trans_id = %known.mssp_trans_id, "retried request joins its transaction");
                if let Some(callback) = &callback {
                    // The AP may call back elsewhere now (another node, a restart), and may
                    // have missed the outcome: it is delivered again.
                    let at = self.clock.millis(now);
                    self.txns.rearm(&known.mssp_trans_id, callback, at).await?;
                    self.deliveries.notify_one();
                }
                return Ok(Begun::Retry {
                    deadline: self.clock.instant(known.deadline, now),
                    mssp_trans_id: known.mssp_trans_id,
                });
            }
            Insertion::MsisdnBusy => return Err(MsspError::UserBusy),
        }
        tracing::info!(ap_id = %ap.ap_id, ap_trans_id = %ap.ap_trans_id, %mssp_trans_id, msisdn, "signature transaction opened");
        self.trace.step(
            msisdn,
            LANE,
            "challenge signed",
            "ok",
            Some(format!(
                "nonce {}..., MSSP_TransID {mssp_trans_id}, {}",
                hex::encode(&nonce[..4]),
                if profile.pin_required() {
                    "PIN"
                } else {
                    "OK/Cancel"
                }
            )),
        );
        Ok(Begun::New {
            mssp_trans_id,
            challenge,
            deadline,
            has_callback: callback.is_some(),
        })
    }

    /// Hands the challenge to the OTA platform, bounded by the deadline:
    /// a refusal ends the transaction with 209 OTA_ERROR, running out of
    /// time with 208 EXPIRED_TRANSACTION.
    async fn deliver(
        &self,
        msisdn: &str,
        mssp_trans_id: &str,
        challenge: Vec<u8>,
        (deadline, has_callback): (Instant, bool),
        now: Instant,
    ) {
        self.trace.message(
            msisdn,
            LANE,
            "OTA",
            "Send(signed(challenge), MSISDN)",
            "sent",
            Some(format!("{} octets", challenge.len())),
        );
        let send = self.ota.send_challenge(msisdn, mssp_trans_id, challenge);
        let (code, ended_at) = match tokio::time::timeout_at(deadline.into(), send).await {
            Ok(Ok(())) => return,
            Ok(Err(e)) => {
                tracing::warn!(msisdn, mssp_trans_id, error = %e, "OTA platform refused the challenge");
                (StatusCode::OtaError, now)
            }
            Err(_) => (StatusCode::ExpiredTransaction, deadline),
        };
        match self
            .finish(
                mssp_trans_id,
                &Outcome::Failed(code),
                ended_at,
                has_callback,
            )
            .await
        {
            Ok(true) => self.trace_end(msisdn, mssp_trans_id, code),
            Ok(false) => {}
            Err(e) => {
                tracing::error!(msisdn, mssp_trans_id, error = %e, "cannot end the transaction")
            }
        }
    }

    /// Waits for the transaction's outcome until its deadline: woken at once when this node
    /// ends it, and looking in the store every [`super::MsspConfig::outcome_poll`] for an
    /// outcome another node recorded. At the deadline it ends it with 208 (unless another
    /// outcome won the race) and answers what the store holds.
    async fn wait(&self, mssp_trans_id: &str, deadline: Instant) -> Result<Outcome, MsspError> {
        let deadline = tokio::time::Instant::from_std(deadline);
        loop {
            let ended_here = self.ended.notified();
            tokio::pin!(ended_here);
            ended_here.as_mut().enable();
            let txn = self
                .txns
                .get(mssp_trans_id)
                .await?
                .ok_or(MsspError::Internal("transaction vanished"))?;
            if let Some(outcome) = txn.outcome {
                return Ok(outcome);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                let expired = Outcome::Failed(StatusCode::ExpiredTransaction);
                // `synch`: no callback.
                if self
                    .finish(mssp_trans_id, &expired, deadline.into_std(), false)
                    .await?
                {
                    tracing::info!(mssp_trans_id, "transaction expired");
                    self.trace_end(&txn.msisdn, mssp_trans_id, StatusCode::ExpiredTransaction);
                }
                continue;
            }
            let next = (now + self.config.outcome_poll).min(deadline);
            tokio::select! {
                () = &mut ended_here => {}
                () = tokio::time::sleep_until(next) => {}
            }
        }
    }

    /// `MSS_SignatureReq` (clause 7.2), received in `binding`. `synch`: waits and answers
    /// 500 SIGNATURE or the failure. `asynchClientServer` and `asynchServerServer`: answers
    /// 100 REQUEST_OK once the challenge is with the OTA platform (or the failure, if it
    /// already ended without a signature).
    pub async fn signature(
        &self,
        req: &MssSignatureReq,
        binding: Binding,
        now: Instant,
    ) -> Result<MssSignatureResp, MsspError> {
        let msisdn = req.mobile_user.msisdn.as_str();
        self.trace.step(
            msisdn,
            LANE,
            "MSS_SignatureReq received",
            req.messaging_mode.as_str(),
            Some(format!("AP_TransID {}", req.header.ap_info.ap_trans_id)),
        );
        let result = self.signature_resp(req, binding, now).await;
        let (outcome, detail) = match &result {
            Ok(resp) => (
                resp.status.code.to_string(),
                Some(format!("MSSP_TransID {}", resp.mssp_trans_id)),
            ),
            Err(e) => (e.status().to_string(), Some(e.to_string())),
        };
        self.trace
            .message(msisdn, LANE, "OP", "MSS_SignatureResp", &outcome, detail);
        result
    }

    async fn signature_resp(
        &self,
        req: &MssSignatureReq,
        binding: Binding,
        now: Instant,
    ) -> Result<MssSignatureResp, MsspError> {
        self.check_ap(&req.header)?;
        let (mssp_trans_id, deadline) = match self.begin(req, binding, now).await? {
            Begun::Retry {
                mssp_trans_id,
                deadline,
            } => (mssp_trans_id, deadline),
            Begun::New {
                mssp_trans_id,
                challenge,
                deadline,
                has_callback,
            } => {
                let msisdn = &req.mobile_user.msisdn;
                let timing = (deadline, has_callback);
                self.deliver(msisdn, &mssp_trans_id, challenge, timing, now)
                    .await;
                (mssp_trans_id, deadline)
            }
        };
        let (code, mss_signature) = if req.messaging_mode == MessagingMode::Synch {
            match self.wait(&mssp_trans_id, deadline).await? {
                Outcome::Signed(answer) => {
                    (StatusCode::Signature, Some(MssSignature::Base64(answer)))
                }
                Outcome::Failed(code) => return Err(MsspError::Ended(code)),
            }
        } else {
            let ended = self.txns.get(&mssp_trans_id).await?.and_then(|t| t.outcome);
            if let Some(Outcome::Failed(code)) = ended {
                return Err(MsspError::Ended(code));
            }
            (StatusCode::RequestOk, None)
        };
        let profile = self
            .txns
            .get(&mssp_trans_id)
            .await?
            .map(|t| t.profile.uri().to_owned());
        Ok(MssSignatureResp {
            header: self.answer_header(&req.header),
            mobile_user: req.mobile_user.clone(),
            mss_signature,
            signature_profile: profile,
            status: Status::new(code),
            mssp_trans_id,
        })
    }
}
