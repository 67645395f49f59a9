//! Settings of the OTA platform service and its named limits.

use std::time::Duration;

pub use idgw_smpp::trace::Trace;

/// How long the segments of a concatenated MO message (3GPP TS 23.040
/// section 9.2.3.24.1) may take to arrive: 60 s.
pub const REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(60);
/// Concatenated MO messages waiting for segments, at most (all senders): 256.
pub const MAX_PARTIAL_MESSAGES: usize = 256;
/// Concatenated MO messages waiting per MSISDN, at most: 4.
pub const MAX_PARTIAL_PER_MSISDN: usize = 4;
/// MT packets remembered for matching receipts and PoRs, at most: 10 000.
pub const MAX_OUTSTANDING: usize = 10_000;
/// How long an MT packet is remembered after its submission: 1 day (longer
/// than any validity period idgw asks for).
pub const OUTSTANDING_TTL: Duration = Duration::from_secs(86_400);
/// How long one submit_sm may wait for its submit_sm_resp: 30 s.
pub const SUBMIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of an [`super::OtaPlatform`].
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// The short code MT messages come from and MO answers go to (DESIGN.md
    /// `[ota] source_addr`, default `882`).
    pub source_addr: String,
    /// source_addr_ton of submit_sm (SMPP 3.4 section 5.2.5); 0 unknown.
    pub source_addr_ton: u8,
    /// source_addr_npi of submit_sm (section 5.2.6); 1 ISDN (E.164).
    pub source_addr_npi: u8,
    /// validity_period of submit_sm (section 7.1.1, sent in relative
    /// format); `None` leaves it to the SMSC default.
    pub validity: Option<Duration>,
    /// See [`SUBMIT_TIMEOUT`].
    pub submit_timeout: Duration,
    /// See [`REASSEMBLY_TIMEOUT`].
    pub reassembly_timeout: Duration,
    /// See [`MAX_PARTIAL_MESSAGES`].
    pub max_partial: usize,
    /// See [`MAX_PARTIAL_PER_MSISDN`].
    pub max_partial_per_msisdn: usize,
    /// See [`MAX_OUTSTANDING`].
    pub max_outstanding: usize,
    /// See [`OUTSTANDING_TTL`].
    pub outstanding_ttl: Duration,
    /// Where the platform reports its steps (lane `OTA`) for `idgw trace`.
    pub trace: Trace,
}

impl PlatformConfig {
    /// Reports each step (packet sealed, submit_sm, receipts, MO verified or dropped) to
    /// `trace`, by MSISDN.
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = trace;
        self
    }
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            source_addr: "882".into(),
            source_addr_ton: 0,
            source_addr_npi: 1,
            validity: Some(Duration::from_secs(300)),
            submit_timeout: SUBMIT_TIMEOUT,
            reassembly_timeout: REASSEMBLY_TIMEOUT,
            max_partial: MAX_PARTIAL_MESSAGES,
            max_partial_per_msisdn: MAX_PARTIAL_PER_MSISDN,
            max_outstanding: MAX_OUTSTANDING,
            outstanding_ttl: OUTSTANDING_TTL,
            trace: Trace::default(),
        }
    }
}
