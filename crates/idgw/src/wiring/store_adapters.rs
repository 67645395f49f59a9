//! The OTA platform's card database and counters, kept in the idgw store, so counters are
//! never reissued across restarts and nodes (TS 102 225 5.1.1).

use async_trait::async_trait;
use idgw_ota::platform::{CardAlgorithm, CardDirectory, CardRecord, CounterStore, PlatformError};
use idgw_ota::{Key, Tar};
use idgw_store::{CardRow, Store};
use std::sync::Arc;

pub struct StoreCards(pub Arc<dyn Store>);
pub struct StoreCounters(pub Arc<dyn Store>);

fn store_error(e: idgw_store::StoreError) -> PlatformError {
    PlatformError::Store(e.to_string())
}

fn record(row: CardRow) -> Result<CardRecord, PlatformError> {
    let tar: [u8; 3] =
        row.tar.as_slice().try_into().map_err(|_| {
            PlatformError::InvalidCard(format!("TAR of {} is not 3 bytes", row.msisdn))
        })?;
    let card = CardRecord {
        algorithm: row.algorithm.parse::<CardAlgorithm>()?,
        msisdn: row.msisdn,
        iccid: row.iccid,
        kvn: row.kvn,
        kic: Key::new(&row.kic),
        kid: Key::new(&row.kid),
        tar: Tar(tar),
    };
    card.validate()?;
    Ok(card)
}

#[async_trait]
impl CardDirectory for StoreCards {
    async fn card(&self, msisdn: &str) -> Result<Option<CardRecord>, PlatformError> {
        self.0
            .card(msisdn)
            .await
            .map_err(store_error)?
            .map(record)
            .transpose()
    }

    async fn card_by_iccid(&self, iccid: &str) -> Result<Option<CardRecord>, PlatformError> {
        self.0
            .card_by_iccid(iccid)
            .await
            .map_err(store_error)?
            .map(record)
            .transpose()
    }
}

#[async_trait]
impl CounterStore for StoreCounters {
    async fn next_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64, PlatformError> {
        // A value past the 5-byte CNTR range is refused by the platform (`Cntr::new`).
        self.0
            .next_mt_counter(iccid, kvn)
            .await
            .map_err(store_error)
    }

    async fn last_mt_counter(&self, iccid: &str, kvn: u8) -> Result<u64, PlatformError> {
        self.0
            .last_mt_counter(iccid, kvn)
            .await
            .map_err(store_error)
    }

    async fn accept_mo_counter(
        &self,
        iccid: &str,
        kvn: u8,
        cntr: u64,
    ) -> Result<bool, PlatformError> {
        self.0
            .accept_mo_counter(iccid, kvn, cntr)
            .await
            .map_err(store_error)
    }
}
