//! Registered clients: their metadata (named as in OIDC Dynamic Registration, CIBA Core
//! section 4 and Mobile Connect), their keys, and their pairwise sector.
//!
//! Secrets are high-entropy, so they are stored as HMAC-SHA256 under a server key, not with a
//! password hash: verifying a client costs one HMAC.

use crate::error::Dialect;
use crate::jose::KeySet;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    #[default]
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// CIBA Core section 4 `backchannel_token_delivery_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    #[default]
    Poll,
    Ping,
    Push,
}

/// A client secret as configured: never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ClientSecret(pub String);

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A client's registration document. Unknown fields are refused, so a typo in a config file
/// is an error, not a silently ignored setting.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientMetadata {
    pub client_id: String,
    /// Only read from configuration; stored as a keyed hash, never in the metadata.
    #[serde(skip_serializing)]
    pub client_secret: Option<ClientSecret>,
    pub client_name: Option<String>,
    pub token_endpoint_auth_method: AuthMethod,
    pub backchannel_token_delivery_mode: DeliveryMode,
    pub backchannel_client_notification_endpoint: Option<String>,
    pub backchannel_authentication_request_signing_alg: Option<String>,
    pub backchannel_user_code_parameter: bool,
    /// idgw extension: force a dialect for this client's backchannel requests; by default the
    /// body decides (form: CIBA Core, JSON: the 2017 draft).
    pub backchannel_dialect: Option<Dialect>,
    pub redirect_uris: Vec<String>,
    pub notification_uris: Vec<String>,
    pub jwks_uri: Option<String>,
    pub jwks: Option<serde_json::Value>,
    pub request_object_signing_alg: Option<String>,
    pub token_endpoint_auth_signing_alg: Option<String>,
    pub sector_identifier_uri: Option<String>,
    pub client_names: Vec<String>,
    pub scope: Option<String>,
    pub grant_types: Vec<String>,
    /// Mobile Connect SI Table 13: whether `login_hint` may carry a plain MSISDN (default yes).
    pub plain_msisdn_allowed: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("client_id is empty")]
    NoClientId,
    #[error("{0} requires a client_secret")]
    NoSecret(&'static str),
    #[error("private_key_jwt and signed requests need jwks or jwks_uri")]
    NoKeys,
    #[error("jwks and jwks_uri are mutually exclusive (OIDC Dynamic Registration 2)")]
    BothJwks,
    #[error("jwks_uri: {0}")]
    JwksUri(String),
    /// Mobile Connect SI Table 2 `notification_uris`, CIBA Core 4
    /// `backchannel_client_notification_endpoint`: a target the fetch policy refuses.
    #[error("notification URI: {0}")]
    NotificationUri(String),
    #[error("sector_identifier_uri: {0}")]
    SectorIdentifier(String),
    #[error("sector_identifier_uri {sector_identifier_uri} does not list {missing}")]
    NotInSector {
        missing: String,
        sector_identifier_uri: String,
    },
    #[error("bad jwks: {0}")]
    Jwks(String),
    #[error("ping and push clients need backchannel_client_notification_endpoint")]
    NoNotificationEndpoint,
    #[error("{0} is not an https URL (plain http only on loopback)")]
    InsecureUrl(String),
    #[error("unsupported signing alg {0}")]
    Alg(String),
    #[error("bad metadata: {0}")]
    Metadata(String),
}

/// A loaded client: metadata plus everything derived from it once.
#[derive(Debug)]
pub struct Client {
    pub metadata: ClientMetadata,
    pub secret_hash: Option<Vec<u8>>,
    pub keys: KeySet,
    /// The host PCRs are computed for (OIDC Core 8.1).
    pub sector: String,
}

impl Client {
    pub fn id(&self) -> &str {
        &self.metadata.client_id
    }

    /// Every notification URL registered by this client (CIBA endpoint and Mobile Connect
    /// `notification_uris`); a per-request endpoint must be one of these.
    pub fn registered_notification_urls(&self) -> impl Iterator<Item = &str> {
        self.metadata
            .backchannel_client_notification_endpoint
            .iter()
            .chain(self.metadata.notification_uris.iter())
            .map(String::as_str)
    }

    /// The client's display name for the text shown on the handset.
    pub fn display_name(&self) -> &str {
        self.metadata
            .client_names
            .first()
            .or(self.metadata.client_name.as_ref())
            .map(String::as_str)
            .unwrap_or(&self.metadata.client_id)
    }

    /// Whether the client registered keys to verify what it signs (`jwks` or `jwks_uri`).
    pub fn has_keys(&self) -> bool {
        !self.keys.is_empty() || self.metadata.jwks_uri.is_some()
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        match &self.metadata.scope {
            None => true,
            Some(allowed) => allowed.split(' ').any(|s| s == scope),
        }
    }
}

/// `https://...`, or `http://` on a loopback host (DESIGN.md section 3).
pub fn is_acceptable_url(raw: &str) -> bool {
    let Ok(url) = url::Url::parse(raw) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Keyed hash of a client secret.
pub fn hash_secret(key: &[u8], secret: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time check of a presented secret against its stored hash.
pub fn secret_matches(key: &[u8], stored: &[u8], presented: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(presented.as_bytes());
    mac.verify_slice(stored).is_ok()
}

impl Client {
    /// Validates metadata and derives keys and sector. The secret hash is computed by the
    /// caller, who holds the server key.
    pub fn from_metadata(
        metadata: ClientMetadata,
        secret_hash: Option<Vec<u8>>,
    ) -> Result<Client, ClientError> {
        let m = &metadata;
        if m.client_id.is_empty() {
            return Err(ClientError::NoClientId);
        }
        let needs_secret = matches!(
            m.token_endpoint_auth_method,
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
        );
        if needs_secret && secret_hash.is_none() {
            return Err(ClientError::NoSecret(m.token_endpoint_auth_method.as_str()));
        }
        for alg in [
            &m.backchannel_authentication_request_signing_alg,
            &m.request_object_signing_alg,
        ]
        .into_iter()
        .flatten()
        {
            if !crate::jose::SUPPORTED_ALGS.contains(&alg.as_str()) {
                return Err(ClientError::Alg(alg.clone()));
            }
        }
        if m.jwks.is_some() && m.jwks_uri.is_some() {
            return Err(ClientError::BothJwks);
        }
        let keys = match &m.jwks {
            Some(jwks) => KeySet::from_jwks(jwks).map_err(ClientError::Jwks)?,
            None => KeySet::default(),
        };
        let needs_keys = m.token_endpoint_auth_method == AuthMethod::PrivateKeyJwt
            || m.backchannel_authentication_request_signing_alg.is_some();
        if needs_keys && keys.is_empty() && m.jwks_uri.is_none() {
            return Err(ClientError::NoKeys);
        }
        if m.backchannel_token_delivery_mode != DeliveryMode::Poll
            && m.backchannel_client_notification_endpoint.is_none()
        {
            return Err(ClientError::NoNotificationEndpoint);
        }
        let urls = m
            .backchannel_client_notification_endpoint
            .iter()
            .chain(&m.notification_uris)
            .chain(&m.redirect_uris)
            .chain(&m.jwks_uri)
            .chain(&m.sector_identifier_uri);
        for url in urls {
            if !is_acceptable_url(url) {
                return Err(ClientError::InsecureUrl(url.clone()));
            }
        }
        let sector = sector_of(m);
        Ok(Client {
            metadata,
            secret_hash,
            keys,
            sector,
        })
    }
}

/// OIDC Core 8.1: the host of `sector_identifier_uri`, else the host of the registered URIs,
/// else the client id (a client without URIs is its own sector).
fn sector_of(m: &ClientMetadata) -> String {
    let host = |u: &String| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    };
    m.sector_identifier_uri
        .iter()
        .chain(&m.redirect_uris)
        .chain(&m.backchannel_client_notification_endpoint)
        .chain(&m.notification_uris)
        .find_map(host)
        .unwrap_or_else(|| format!("client:{}", m.client_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: serde_json::Value) -> ClientMetadata {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn secrets_are_keyed_hashes() {
        let h = hash_secret(b"k", "s3cret");
        assert!(secret_matches(b"k", &h, "s3cret"));
        assert!(!secret_matches(b"k", &h, "s3cret "));
        assert!(!secret_matches(b"other", &h, "s3cret"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<ClientMetadata>(
            serde_json::json!({"client_id": "a", "colour": 1})
        )
        .is_err());
    }

    #[test]
    fn ping_needs_an_endpoint_and_urls_must_be_https_off_loopback() {
        let m =
            meta(serde_json::json!({"client_id": "a", "backchannel_token_delivery_mode": "ping"}));
        assert!(matches!(
            Client::from_metadata(m, Some(vec![1])),
            Err(ClientError::NoNotificationEndpoint)
        ));
        let m = meta(
            serde_json::json!({"client_id": "a", "backchannel_token_delivery_mode": "push",
            "backchannel_client_notification_endpoint": "http://sp.example/cb"}),
        );
        assert!(matches!(
            Client::from_metadata(m, Some(vec![1])),
            Err(ClientError::InsecureUrl(_))
        ));
        let m = meta(
            serde_json::json!({"client_id": "a", "backchannel_token_delivery_mode": "push",
            "backchannel_client_notification_endpoint": "http://127.0.0.1:9/cb"}),
        );
        assert_eq!(
            Client::from_metadata(m, Some(vec![1])).unwrap().sector,
            "127.0.0.1"
        );
    }

    #[test]
    fn sector_prefers_sector_identifier_uri() {
        let m = meta(
            serde_json::json!({"client_id": "a", "redirect_uris": ["https://app.bank.example/cb"],
            "sector_identifier_uri": "https://bank.example/sector.json"}),
        );
        assert_eq!(
            Client::from_metadata(m, Some(vec![1])).unwrap().sector,
            "bank.example"
        );
        let m = meta(serde_json::json!({"client_id": "a"}));
        assert_eq!(
            Client::from_metadata(m, Some(vec![1])).unwrap().sector,
            "client:a"
        );
    }
}
