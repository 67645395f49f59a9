//! Minting tokens: opaque access and refresh tokens (stored as SHA-256 hashes) and the signed
//! ID token of OIDC Core 2 with the CIBA Core 10.3.1 and Mobile Connect claims.

use crate::error::OAuthError;
use crate::jose::half_hash;
use crate::op::Op;
use crate::opaque::random_token;
use idgw_store::{Millis, TokenKind, TokenRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What an access or refresh token grants, stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub sub: String,
    pub msisdn: String,
    pub scope: String,
    pub acr: String,
    pub amr: Vec<String>,
    /// Milliseconds.
    pub auth_time: Millis,
}

/// Inputs of an ID token beyond the grant.
#[derive(Debug, Default, Clone)]
pub struct IdTokenExtras<'a> {
    pub nonce: Option<&'a str>,
    pub hashed_login_hint: Option<&'a str>,
    /// Set for push delivery (CIBA Core 10.3.1).
    pub auth_req_id: Option<&'a str>,
    /// Mobile Connect `displayed_data` (what the handset showed), for `mc_authz`.
    pub displayed_data: Option<&'a str>,
    /// Mobile Connect SI `recipient`: the notification URI (SI Table 10, notification mode).
    pub recipient: Option<&'a str>,
    /// Caps the ID token lifetime below the configured one (SI Table 10, `mc_authz`).
    pub max_ttl_s: Option<u64>,
}

/// The token response (RFC 6749 5.1, OIDC Core 3.1.3.3, CIBA Core 11 and 10.3.1; Mobile
/// Connect SI Table 9 and DI Table 5 add `correlation_id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer` (RFC 6750).
    pub token_type: &'static str,
    pub refresh_token: String,
    pub expires_in: u64,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl TokenResponse {
    /// Echoes the authorization request's `correlation_id` (Mobile Connect).
    pub fn with_correlation_id(mut self, correlation_id: Option<&str>) -> TokenResponse {
        self.correlation_id = correlation_id.map(str::to_string);
        self
    }
}

/// Minted tokens: the response, and the rows to store (by their hashes).
#[derive(Debug, Clone)]
pub struct Issued {
    pub response: TokenResponse,
    pub rows: Vec<TokenRow>,
}

/// Mints an access token, a refresh token and an ID token for `grant`.
pub async fn mint(
    op: &Op,
    client_id: &str,
    auth_req_id: Option<&str>,
    grant: &Grant,
    extras: &IdTokenExtras<'_>,
    now: Millis,
) -> Result<Issued, OAuthError> {
    let cfg = &op.config;
    let access_token = random_token();
    let refresh_token = random_token();
    let grant_json = serde_json::to_string(grant).expect("grant serializes");
    let row = |token: &str, kind, ttl_s: u64| TokenRow {
        token_hash: crate::opaque::token_hash(token),
        kind,
        client_id: client_id.to_string(),
        auth_req_id: auth_req_id.map(str::to_string),
        grant: grant_json.clone(),
        created_at: now,
        expires_at: now + ttl_s as i64 * 1000,
        revoked_at: None,
    };
    let rows = vec![
        row(&access_token, TokenKind::Access, cfg.access_token_ttl_s),
        row(&refresh_token, TokenKind::Refresh, cfg.refresh_token_ttl_s),
    ];
    let iat = now / 1000;
    let id_token_ttl_s = extras
        .max_ttl_s
        .map_or(cfg.id_token_ttl_s, |cap| cap.min(cfg.id_token_ttl_s));
    let mut claims = json!({
        "iss": cfg.issuer,
        "sub": grant.sub,
        "aud": client_id,
        "azp": client_id,
        "iat": iat,
        "exp": iat + id_token_ttl_s as i64,
        "auth_time": grant.auth_time / 1000,
        "acr": grant.acr,
        "amr": grant.amr,
        "at_hash": half_hash(&access_token),
    });
    let map = claims.as_object_mut().expect("object");
    if let Some(nonce) = extras.nonce {
        map.insert("nonce".into(), json!(nonce));
    }
    if let Some(h) = extras.hashed_login_hint {
        map.insert("hashed_login_hint".into(), json!(h));
    }
    if let Some(d) = extras.displayed_data {
        map.insert("displayed_data".into(), json!(d));
    }
    if let Some(r) = extras.recipient {
        map.insert("recipient".into(), json!(r));
    }
    if let Some(id) = extras.auth_req_id {
        map.insert("urn:openid:params:jwt:claim:auth_req_id".into(), json!(id));
        map.insert(
            "urn:openid:params:jwt:claim:rt_hash".into(),
            json!(half_hash(&refresh_token)),
        );
    }
    let id_token = op.sign(claims).await.map_err(|e| {
        tracing::error!(code = "E_SIGN", error = %e, "cannot sign ID token");
        OAuthError::server_error("internal error (E_SIGN)")
    })?;
    let response = TokenResponse {
        access_token,
        token_type: "Bearer",
        refresh_token,
        expires_in: cfg.access_token_ttl_s,
        id_token,
        correlation_id: None,
    };
    Ok(Issued { response, rows })
}
