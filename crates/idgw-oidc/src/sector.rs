//! The `sector_identifier_uri` check at registration (OIDC Core 8.1, OIDC Dynamic
//! Registration 5, Mobile Connect SI Table 2): the document is a JSON array of URIs that must
//! list every notification URI, the `jwks_uri` and every redirect URI the client registers,
//! "or registration MUST fail". The PCR sector is the host of the `sector_identifier_uri`
//! ([`crate::client::Client::sector`]).

use crate::client::{ClientError, ClientMetadata};
use crate::fetch::Fetcher;

/// The URIs a sector identifier document must list for `m`.
pub fn required_uris(m: &ClientMetadata) -> impl Iterator<Item = &String> {
    m.notification_uris
        .iter()
        .chain(&m.backchannel_client_notification_endpoint)
        .chain(&m.jwks_uri)
        .chain(&m.redirect_uris)
}

/// Fetches `m.sector_identifier_uri` (if registered) and checks it lists [`required_uris`].
pub async fn check(fetcher: &Fetcher, m: &ClientMetadata) -> Result<(), ClientError> {
    let Some(uri) = &m.sector_identifier_uri else {
        return Ok(());
    };
    let listed: Vec<String> = fetcher
        .get_json(uri)
        .await
        .map_err(|e| ClientError::SectorIdentifier(e.to_string()))?;
    // RFC 3986 6.2.1 simple string comparison, as for the request's notification_uri.
    match required_uris(m).find(|u| !listed.contains(u)) {
        Some(missing) => Err(ClientError::NotInSector {
            missing: missing.clone(),
            sector_identifier_uri: uri.clone(),
        }),
        None => Ok(()),
    }
}
