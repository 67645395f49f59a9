//! Plain rows exchanged with the store. Structured payloads travel as JSON strings so the
//! store stays ignorant of OIDC details.

use crate::Millis;

/// An OP key (signing or encryption), kept as a private JWK.
#[derive(Clone)]
pub struct StoredKey {
    pub kid: String,
    /// `sig` or `enc`.
    pub key_use: String,
    pub alg: String,
    pub private_jwk: String,
    pub created_at: Millis,
    pub retired_at: Option<Millis>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("key_use", &self.key_use)
            .field("alg", &self.alg)
            .field("private_jwk", &"<redacted>")
            .finish()
    }
}

/// A registered client: its metadata document and the keyed hash of its secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow {
    pub client_id: String,
    pub secret_hash: Option<Vec<u8>>,
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubscriberRow {
    pub msisdn: String,
    pub user_code: Option<String>,
}

/// Where an authentication transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    Pending,
    /// The user authenticated; tokens not yet handed out (poll and ping).
    Approved,
    Denied,
    Failed,
    Expired,
    /// Tokens were issued to the client.
    Redeemed,
}

impl TxState {
    pub fn as_str(self) -> &'static str {
        match self {
            TxState::Pending => "pending",
            TxState::Approved => "approved",
            TxState::Denied => "denied",
            TxState::Failed => "failed",
            TxState::Expired => "expired",
            TxState::Redeemed => "redeemed",
        }
    }

    pub fn parse(s: &str) -> Option<TxState> {
        Some(match s {
            "pending" => TxState::Pending,
            "approved" => TxState::Approved,
            "denied" => TxState::Denied,
            "failed" => TxState::Failed,
            "expired" => TxState::Expired,
            "redeemed" => TxState::Redeemed,
            _ => return None,
        })
    }
}

/// One authentication transaction (CIBA `auth_req_id`).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRow {
    pub auth_req_id: String,
    pub client_id: String,
    pub msisdn: String,
    pub state: TxState,
    /// The accepted request, JSON.
    pub request: String,
    /// The authenticator's outcome, JSON.
    pub outcome: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub completed_at: Option<Millis>,
    /// The node working on it while it is pending.
    pub owner: Option<String>,
    /// Until when `owner` holds it; after that any node may take it over.
    pub lease_until: Millis,
}

/// The end (or the redemption) of a transaction, written atomically.
#[derive(Debug, Clone)]
pub struct Finish {
    pub auth_req_id: String,
    pub state: TxState,
    pub outcome: Option<String>,
    pub tokens: Vec<TokenRow>,
    pub notification: Option<NewNotification>,
    pub now: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

/// An issued token, stored by its SHA-256 hash only.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    pub token_hash: Vec<u8>,
    pub kind: TokenKind,
    pub client_id: String,
    pub auth_req_id: Option<String>,
    /// What the token grants, JSON.
    pub grant: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// A notification to POST to a client (CIBA ping or push, Mobile Connect notification).
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub auth_req_id: String,
    pub url: String,
    pub bearer: String,
    pub body: String,
    /// No attempt is made after this time.
    pub deadline: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    Pending,
    Delivered,
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Delivered => "delivered",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "pending" => OutboxState::Pending,
            "delivered" => OutboxState::Delivered,
            "failed" => OutboxState::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub auth_req_id: String,
    pub url: String,
    pub bearer: String,
    pub body: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub deadline: Millis,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// What one delivery attempt achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryResult {
    Delivered {
        status: u16,
    },
    Retry {
        status: Option<u16>,
        error: String,
        next_attempt_at: Millis,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// One recorded step of a transaction, for `idgw trace`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub auth_req_id: String,
    pub correlation_id: Option<String>,
    pub component: String,
    pub step: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub at: Millis,
}

/// A SIM in the OTA platform's card database, with its keys (never printed).
#[derive(Clone, PartialEq)]
pub struct CardRow {
    pub msisdn: String,
    pub iccid: String,
    pub algorithm: String,
    pub kvn: u8,
    pub kic: Vec<u8>,
    pub kid: Vec<u8>,
    pub tar: Vec<u8>,
    pub applet_key: Vec<u8>,
}

impl std::fmt::Debug for CardRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardRow")
            .field("msisdn", &self.msisdn)
            .field("iccid", &self.iccid)
            .field("algorithm", &self.algorithm)
            .field("kvn", &self.kvn)
            .field("keys", &"<redacted>")
            .finish()
    }
}

/// A Mobile Connect DI authorization code (RFC 6749 4.1.2), stored by its SHA-256 hash only.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRow {
    pub code_hash: Vec<u8>,
    pub client_id: String,
    /// The `redirect_uri` of the authorization request; the token request must repeat it.
    pub redirect_uri: String,
    /// The `auth_req_id` of the tokens minted from this code, so a replayed code can revoke
    /// them (RFC 6749 4.1.2).
    pub grant_id: String,
    /// What the token endpoint mints from, JSON.
    pub grant: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub used_at: Option<Millis>,
}

/// The OP's own session with a browser (first-party cookie), by SHA-256 hash of the cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub session_hash: Vec<u8>,
    pub msisdn: String,
    /// How the subscriber authenticated (acr, amr), JSON.
    pub data: String,
    pub auth_time: Millis,
    pub expires_at: Millis,
}

/// A signature transaction of the MSSP (ETSI TS 102 204 clause 7.2 to 7.4), shared by MSSP
/// nodes. The store keeps its status as a number and knows nothing of its codes.
#[derive(Debug, Clone, PartialEq)]
pub struct MsspTransactionRow {
    pub mssp_trans_id: String,
    pub ap_id: String,
    pub ap_trans_id: String,
    pub msisdn: String,
    /// Digest of the request, to recognise a retried `AP_TransID`.
    pub fingerprint: Vec<u8>,
    /// The `SignatureProfile` URI.
    pub profile: String,
    pub nonce: Vec<u8>,
    pub deadline: Millis,
    /// The final status; `None` while outstanding.
    pub status: Option<i64>,
    /// The signature evidence of a signed transaction.
    pub signature: Option<Vec<u8>>,
    pub ended_at: Option<Millis>,
    /// When the AP's `MSS_ReceiptReq` arrived (or its receipt of the notification).
    pub receipt_at: Option<Millis>,
    pub created_at: Millis,
    /// asynchServerServer: the AP's `AP_URL`, where the final status is delivered.
    pub ap_url: Option<String>,
    /// The binding of the AP's request (`soap`, `json`).
    pub ap_binding: Option<String>,
    /// The `AP_Info/Instant` of the AP's request.
    pub ap_instant: Option<String>,
    /// When the notification is due (or leased until); `None`: nothing to deliver.
    pub notify_due: Option<Millis>,
    /// Failed notification attempts so far.
    pub notify_attempts: i64,
}

/// What [`crate::MsspStore::insert_mssp_transaction`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum MsspInsert {
    /// Stored, outstanding.
    Inserted,
    /// The AP's `AP_TransID` is taken: the transaction holding it.
    Known(Box<MsspTransactionRow>),
    /// The MSISDN has an outstanding transaction.
    MsisdnBusy,
}
