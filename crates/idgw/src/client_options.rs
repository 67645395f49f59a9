//! `idgw client add` options: client registration metadata given on the command line
//! instead of (or on top of) a JSON document, for the Mobile Connect Server-Initiated fields of
//! SI Table 2 in particular. Secrets are only read from documents, never from arguments.

use anyhow::Context;
use clap::Args;
use idgw_oidc::client::{AuthMethod, ClientMetadata};
use std::path::PathBuf;

#[derive(Args, Debug, Default)]
pub struct ClientOptions {
    /// `client_id` (required without a document).
    #[arg(long)]
    pub client_id: Option<String>,
    /// `token_endpoint_auth_method`: client_secret_basic, client_secret_post or
    /// private_key_jwt (SI polling).
    #[arg(long)]
    pub token_endpoint_auth_method: Option<String>,
    /// `jwks_uri`: where the client publishes its JWK Set (fetched over https).
    #[arg(long, conflicts_with = "jwks_file")]
    pub jwks_uri: Option<String>,
    /// A file holding the client's public JWK Set, registered inline as `jwks`.
    #[arg(long)]
    pub jwks_file: Option<PathBuf>,
    /// `request_object_signing_alg` (RS256, PS256, ES256).
    #[arg(long)]
    pub request_object_signing_alg: Option<String>,
    /// A notification URI (`notification_uris`); repeat for several.
    #[arg(long = "notification-uri")]
    pub notification_uris: Vec<String>,
    /// A redirect URI (`redirect_uris`); repeat for several.
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// `sector_identifier_uri`: a JSON array that must list every URI above.
    #[arg(long)]
    pub sector_identifier_uri: Option<String>,
    /// A name the client may show on the handset (`client_names`); repeat for several.
    #[arg(long = "client-name")]
    pub client_names: Vec<String>,
    /// Allowed scopes, space separated (`scope`).
    #[arg(long)]
    pub scope: Option<String>,
    /// Whether `login_hint` may carry a plain MSISDN (`plain_msisdn_allowed`).
    #[arg(long)]
    pub plain_msisdn_allowed: Option<bool>,
}

impl ClientOptions {
    /// Applies the options to `metadata`: single values replace, lists extend.
    pub fn apply(self, metadata: &mut ClientMetadata) -> anyhow::Result<()> {
        if let Some(id) = self.client_id {
            metadata.client_id = id;
        }
        if let Some(method) = self.token_endpoint_auth_method {
            metadata.token_endpoint_auth_method =
                serde_json::from_value::<AuthMethod>(serde_json::Value::String(method.clone()))
                    .with_context(|| format!("unknown token_endpoint_auth_method {method}"))?;
        }
        if let Some(path) = self.jwks_file {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let jwks = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON JWK Set", path.display()))?;
            metadata.jwks = Some(jwks);
            metadata.jwks_uri = None;
        }
        if let Some(uri) = self.jwks_uri {
            metadata.jwks_uri = Some(uri);
            metadata.jwks = None;
        }
        let replace = |field: &mut Option<String>, value: Option<String>| {
            if value.is_some() {
                *field = value;
            }
        };
        replace(
            &mut metadata.request_object_signing_alg,
            self.request_object_signing_alg,
        );
        replace(
            &mut metadata.sector_identifier_uri,
            self.sector_identifier_uri,
        );
        replace(&mut metadata.scope, self.scope);
        metadata.notification_uris.extend(self.notification_uris);
        metadata.redirect_uris.extend(self.redirect_uris);
        metadata.client_names.extend(self.client_names);
        if self.plain_msisdn_allowed.is_some() {
            metadata.plain_msisdn_allowed = self.plain_msisdn_allowed;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_replace_values_and_extend_lists() {
        let mut m: ClientMetadata = serde_json::from_value(serde_json::json!({
            "client_id": "doc", "jwks": {"keys": []}, "notification_uris": ["https://a/n"],
            "scope": "openid"
        }))
        .unwrap();
        ClientOptions {
            client_id: Some("cli".into()),
            token_endpoint_auth_method: Some("private_key_jwt".into()),
            jwks_uri: Some("https://a/jwks".into()),
            notification_uris: vec!["https://a/n2".into()],
            client_names: vec!["Bank".into()],
            scope: Some("openid mc_authn".into()),
            plain_msisdn_allowed: Some(false),
            ..ClientOptions::default()
        }
        .apply(&mut m)
        .unwrap();
        assert_eq!(m.client_id, "cli");
        assert_eq!(m.token_endpoint_auth_method, AuthMethod::PrivateKeyJwt);
        assert_eq!(m.jwks_uri.as_deref(), Some("https://a/jwks"));
        assert!(m.jwks.is_none(), "jwks_uri replaces inline jwks");
        assert_eq!(m.notification_uris, ["https://a/n", "https://a/n2"]);
        assert_eq!(m.client_names, ["Bank"]);
        assert_eq!(m.scope.as_deref(), Some("openid mc_authn"));
        assert_eq!(m.plain_msisdn_allowed, Some(false));
        let bad = ClientOptions {
            token_endpoint_auth_method: Some("tls_client_auth".into()),
            ..ClientOptions::default()
        };
        assert!(bad.apply(&mut m).is_err());
    }
}
