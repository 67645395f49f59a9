//! OpenID Provider metadata (OpenID Connect Discovery 1.0 section 3, RFC 8414, CIBA Core 4),
//! with the Mobile Connect SI endpoint (`si_authorization_endpoint`), response types and grant,
//! and the Mobile Connect DI `authorization_endpoint` with its grant, locales and display values.

use crate::grant::{
    GRANT_AUTHORIZATION_CODE, GRANT_CIBA, GRANT_MODRNA_2017, GRANT_REFRESH, GRANT_SERVER_INITIATED,
};
use crate::jose::SUPPORTED_ALGS;
use crate::mc_di;
use crate::mc_si::{self, RESPONSE_TYPE_ASYNC_CODE, RESPONSE_TYPE_POLLING};
use crate::mobile_connect::SUPPORTED_SCOPES;
use crate::op::OpConfig;
use crate::validate::SUPPORTED_ACRS;
use serde_json::{json, Value};

pub fn metadata(cfg: &OpConfig, signing_alg: &str) -> Value {
    let acrs: Vec<&str> = SUPPORTED_ACRS.iter().map(|(acr, _)| *acr).collect();
    json!({
        "issuer": cfg.issuer,
        "jwks_uri": cfg.url("/jwks.json"),
        "token_endpoint": cfg.token_url(),
        "userinfo_endpoint": cfg.url("/userinfo"),
        "premiuminfo_endpoint": cfg.url("/premiuminfo"),
        "backchannel_authentication_endpoint": cfg.bc_authorize_url(),
        "si_authorization_endpoint": cfg.si_authorize_url(),
        "backchannel_token_delivery_modes_supported": ["poll", "ping", "push"],
        "backchannel_authentication_request_signing_alg_values_supported": SUPPORTED_ALGS,
        "backchannel_user_code_parameter_supported": true,
        "authorization_endpoint": cfg.url(mc_di::AUTHORIZE_PATH),
        "grant_types_supported": [GRANT_CIBA, GRANT_MODRNA_2017, GRANT_SERVER_INITIATED, GRANT_REFRESH,
            GRANT_AUTHORIZATION_CODE],
        "response_modes_supported": ["query"],
        "ui_locales_supported": mc_di::pages::Lang::SUPPORTED,
        "display_values_supported": mc_di::DISPLAY_VALUES,
        "mc_di_versions_supported": mc_di::SUPPORTED_VERSIONS,
        "response_types_supported": ["code", RESPONSE_TYPE_ASYNC_CODE, RESPONSE_TYPE_POLLING],
        "mc_si_versions_supported": mc_si::SUPPORTED_VERSIONS,
        "scopes_supported": SUPPORTED_SCOPES,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
            "at_hash", "hashed_login_hint", "displayed_data", "recipient", "phone_number", "phone_number_verified",
            "urn:openid:params:jwt:claim:auth_req_id", "urn:openid:params:jwt:claim:rt_hash"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [signing_alg],
        "request_object_signing_alg_values_supported": SUPPORTED_ALGS,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": SUPPORTED_ALGS,
        "acr_values_supported": acrs,
        "login_hint_token_encryption_alg_values_supported": ["RSA-OAEP-256"],
        "login_hint_token_encryption_enc_values_supported": ["A256GCM"],
        "claims_parameter_supported": false,
        "request_parameter_supported": true,
        "request_uri_parameter_supported": false,
    })
}
