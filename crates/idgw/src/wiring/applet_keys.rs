//! The MSSP's applet keys read from the card records in the store (the key the MSSP MACs
//! challenges with and checks answers against, shared with the SIM applet), so a subscriber
//! provisioned while the MSSP runs, by this process or another node, is known at once.
//! Found keys are cached; misses always go to the store. Keys are never logged.

use async_trait::async_trait;
use idgw_mss::applet::AppletKey;
use idgw_mss::mssp::{AppletKeys, AppletKeysError};
use idgw_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most applet keys cached at once; past it the cache starts over.
pub const APPLET_KEY_CACHE: usize = 10_000;

/// [`AppletKeys`] on the store's card records, with a small cache of found keys. A card keeps
/// its applet key when its OTA keys are replaced ([`super::provision::card_for`]), so a cached
/// key stays valid.
pub struct StoreAppletKeys {
    store: Arc<dyn Store>,
    cache: Mutex<HashMap<String, AppletKey>>,
}

impl StoreAppletKeys {
    pub fn new(store: Arc<dyn Store>) -> StoreAppletKeys {
        StoreAppletKeys {
            store,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, AppletKey>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl AppletKeys for StoreAppletKeys {
    async fn key(&self, msisdn: &str) -> Result<Option<AppletKey>, AppletKeysError> {
        if let Some(key) = self.cache().get(msisdn) {
            return Ok(Some(key.clone()));
        }
        let Some(card) = self
            .store
            .card(msisdn)
            .await
            .map_err(|e| AppletKeysError::Unavailable(e.to_string()))?
        else {
            return Ok(None);
        };
        let key = AppletKey::from_slice(&card.applet_key)
            .map_err(|_| AppletKeysError::Corrupt(msisdn.to_string()))?;
        let mut cache = self.cache();
        if cache.len() >= APPLET_KEY_CACHE {
            cache.clear();
        }
        cache.insert(msisdn.to_string(), key.clone());
        Ok(Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idgw_store::CardRow;

    fn card(msisdn: &str, applet_key: Vec<u8>) -> CardRow {
        CardRow {
            msisdn: msisdn.into(),
            iccid: format!("8900{msisdn}"),
            algorithm: "aes128".into(),
            kvn: 1,
            kic: vec![1; 16],
            kid: vec![2; 16],
            tar: vec![0x49, 0x44, 0x47],
            applet_key,
        }
    }

    #[tokio::test]
    async fn a_card_inserted_after_a_miss_is_found() {
        let store = idgw_store::open("sqlite::memory:").await.unwrap();
        let keys = StoreAppletKeys::new(store.clone());
        assert!(keys.key("31600000001").await.unwrap().is_none());

        store
            .insert_card(&card("31600000001", vec![7; 32]), 0)
            .await
            .unwrap();
        let found = keys.key("31600000001").await.unwrap().expect("key");
        assert_eq!(found.expose(), &[7; 32]);
        assert!(keys.key("31600000002").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_stored_key_of_the_wrong_length_is_corrupt() {
        let store = idgw_store::open("sqlite::memory:").await.unwrap();
        store
            .insert_card(&card("31600000001", vec![7; 5]), 0)
            .await
            .unwrap();
        let keys = StoreAppletKeys::new(store);
        assert_eq!(
            keys.key("31600000001").await.err(),
            Some(AppletKeysError::Corrupt("31600000001".into()))
        );
    }
}
