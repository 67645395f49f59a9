//! Where MT segments go: [`SmsSubmitter`], implemented for the SMPP 3.4
//! ESME session of idgw-smpp ([`EsmeHandle`], submit_sm / submit_sm_resp,
//! sections 4.4.1 and 4.4.2) and easy to fake in tests.

use async_trait::async_trait;
use idgw_smpp::esme::EsmeHandle;
use idgw_smpp::pdu::SubmitSm;

use super::PlatformError;

/// Submits one short message to the SMSC and returns its message_id.
#[async_trait]
pub trait SmsSubmitter: Send + Sync {
    /// Submits `sm`; the SMSC's message_id on success (it names the
    /// message in later delivery receipts, SMPP 3.4 Appendix B).
    async fn submit(&self, sm: SubmitSm) -> Result<String, PlatformError>;
}

#[async_trait]
impl SmsSubmitter for EsmeHandle {
    async fn submit(&self, sm: SubmitSm) -> Result<String, PlatformError> {
        EsmeHandle::submit(self, sm)
            .await
            .map_err(|e| PlatformError::Submit(e.to_string()))
    }
}
