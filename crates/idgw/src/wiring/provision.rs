//! Provisioning a subscriber in `serve`: one set of secrets shared, consistently, by the OTA
//! platform's card database (KIc, KID, TAR), the MSSP (the applet key) and the simulated SIM.
//! Keys come from the configuration when given, else from the store, else are generated and
//! stored; they are never logged.

use crate::config::{Secret, Subscriber};
use anyhow::{bail, Context};
use idgw_sim::{ConfigError, SimFarm};
use idgw_store::{CardRow, Store};
use serde_json::json;

/// The applet TAR of the simulated SIMs (`idgw_sim::config::DEFAULT_APPLET_TAR`).
pub const APPLET_TAR: [u8; 3] = [0x49, 0x44, 0x47];

fn key_len(algorithm: &str) -> anyhow::Result<usize> {
    Ok(match algorithm {
        "aes128" | "3des2" => 16,
        "aes192" | "3des3" => 24,
        "aes256" => 32,
        other => bail!("unknown OTA algorithm {other} (aes128, aes192, aes256, 3des2, 3des3)"),
    })
}

fn random_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|_| rand::random::<u8>()).collect()
}

/// The card of `subscriber`. A card is created once (configured keys, else generated) and
/// read back, so processes provisioning the same subscriber concurrently agree; configured
/// keys that changed since replace the stored ones, keeping the applet key.
pub async fn card_for(
    store: &dyn Store,
    subscriber: &Subscriber,
    msisdn: &str,
) -> anyhow::Result<CardRow> {
    let configured = match &subscriber.ota_keys {
        Some(keys) => {
            let len = key_len(&keys.algorithm)?;
            let kic = hex::decode(&keys.kic.0).context("ota_keys.kic is not hex")?;
            let kid = hex::decode(&keys.kid.0).context("ota_keys.kid is not hex")?;
            if kic.len() != len || kid.len() != len {
                bail!(
                    "ota_keys for {msisdn}: {} needs {len}-byte kic and kid",
                    keys.algorithm
                );
            }
            Some((keys.algorithm.clone(), keys.kvn, kic, kid))
        }
        None => None,
    };
    let now = idgw_oidc::now_ms();
    if store.card(msisdn).await?.is_none() {
        let (algorithm, kvn, kic, kid) = configured
            .clone()
            .unwrap_or_else(|| ("aes128".into(), 1, random_bytes(16), random_bytes(16)));
        let card = CardRow {
            msisdn: msisdn.to_string(),
            iccid: idgw_sim::handset::iccid_for(msisdn),
            algorithm,
            kvn,
            kic,
            kid,
            tar: APPLET_TAR.to_vec(),
            applet_key: random_bytes(32),
        };
        store.insert_card(&card, now).await?;
    }
    let mut card = store
        .card(msisdn)
        .await?
        .context("card vanished after insert")?;
    if let Some((algorithm, kvn, kic, kid)) = configured {
        if (&card.algorithm, card.kvn, &card.kic, &card.kid) != (&algorithm, kvn, &kic, &kid) {
            card = CardRow {
                algorithm,
                kvn,
                kic,
                kid,
                ..card
            };
            store.upsert_card(&card, now).await?;
        }
    }
    Ok(card)
}

/// The simulated SIM's configuration for `card` (same keys as the OTA platform and MSSP).
pub fn sim_config(
    card: &CardRow,
    subscriber: &Subscriber,
) -> anyhow::Result<idgw_sim::SubscriberConfig> {
    let pin = subscriber.pin.clone().unwrap_or(Secret("1234".into()));
    let value = json!({
        "msisdn": card.msisdn,
        "pin": pin.0,
        "handset": subscriber.handset,
        "handset_delay_ms": subscriber.handset_delay_ms,
        "ota_keys": { "algorithm": card.algorithm, "kvn": card.kvn, "kic": hex::encode(&card.kic), "kid": hex::encode(&card.kid) },
        "applet_key": hex::encode(&card.applet_key),
        "tar": hex::encode(&card.tar),
    });
    serde_json::from_value(value).with_context(|| {
        format!(
            "subscriber {} is not a valid SIM configuration",
            card.msisdn
        )
    })
}

/// Inserts into `farm` the SIM of `msisdn` when the store holds its card but the farm does not
/// (the card was provisioned after the simulator started, e.g. by `idgw subscriber add` or on
/// another node), with the PIN and handset of [`Subscriber::with_defaults`]. Returns whether
/// the farm holds that SIM now.
pub async fn learn_sim(store: &dyn Store, farm: &SimFarm, msisdn: &str) -> anyhow::Result<bool> {
    if farm.view(msisdn).is_some() {
        return Ok(true);
    }
    let Some(card) = store.card(msisdn).await? else {
        return Ok(false);
    };
    match farm.provision(sim_config(&card, &Subscriber::with_defaults(msisdn))?) {
        // Another delivery learnt it meanwhile.
        Ok(()) | Err(ConfigError::Duplicate(_)) => {
            tracing::info!(msisdn, "SIM of a card provisioned in the store inserted");
            Ok(true)
        }
        Err(e) => Err(e).with_context(|| format!("cannot provision SIM {msisdn}")),
    }
}
