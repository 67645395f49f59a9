//! Mobile-terminated secured packets, pure: the security the platform
//! applies to a card's Command Packets (3GPP TS 31.115 section 4.2, ETSI
//! TS 102 225 section 5.1), their SMS user data (UDH IEI 0x70, concatenated
//! per TS 23.040 section 9.2.3.24.1 when longer than one message, the
//! identifier in the first segment only, TS 31.115 section 4) and the
//! SMPP 3.4 submit_sm (section 4.4.1) carrying each segment.
//!
//! ## SPI `16 3A`
//!
//! First octet 0x16: b1-b2 `10` cryptographic checksum, b3 `1` ciphered,
//! b4-b5 `10` counter must be higher than the card's (the card's minimum
//! security level; see idgw-sim). Second octet 0x3A: b1-b2 `10` PoR only on
//! error, b3-b4 `10` PoR with a cryptographic checksum, b5 `1` PoR ciphered,
//! b6 `1` PoR in an SMS-SUBMIT (so it reaches the platform over SMPP as a
//! deliver_sm; an SMS-DELIVER-REPORT would end at the SMSC).
//! KIc / KID: the card's algorithm and KVN ([`super::CardAlgorithm::kic`],
//! [`super::CardAlgorithm::kid`]); AES-CMAC is 8 octets.

use std::time::Duration;

use idgw_smpp::pdu::{data_coding, esm_class, protocol_id, registered_delivery, SubmitSm};
use idgw_smpp::tpdu::{split_8bit, InformationElement, NPI_ISDN, TON_INTERNATIONAL};

use super::{CardRecord, PlatformConfig, PlatformError};
use crate::{Cntr, CommandPacket, SecurityParams, Spi, Tar};

/// The SPI of every MT Command Packet (see the module doc).
pub const MT_SPI: [u8; 2] = [0x16, 0x3A];

/// The security parameters for `card`: [`MT_SPI`], KIc and KID of its
/// algorithm and KVN, 8-octet AES-CMAC. Also what opens the card's PoRs.
pub fn security_params(card: &CardRecord) -> SecurityParams {
    SecurityParams::new(
        Spi::from_bytes(MT_SPI).expect("MT_SPI is a valid SPI"),
        card.algorithm.kic(card.kvn),
        card.algorithm.kid(card.kvn),
    )
}

/// Seals `data` for `tar` on `card` with counter `cntr` (octets from CPL on).
pub fn seal(
    card: &CardRecord,
    tar: Tar,
    cntr: Cntr,
    data: &[u8],
) -> Result<Vec<u8>, PlatformError> {
    card.validate()?;
    Ok(CommandPacket::seal(
        &security_params(card),
        &card.key_set(),
        tar,
        cntr,
        data,
    )?)
}

/// The short_message of each SMS carrying `packet`: UDH (with IEI 0x70,
/// IEIDLa 0x00; plus the 8-bit concatenation IE 0x00 with `reference` when
/// more than one message is needed) followed by that segment's octets.
pub fn segments(packet: &[u8], reference: u8) -> Result<Vec<Vec<u8>>, PlatformError> {
    let parts = split_8bit(packet, &[InformationElement::command_packet()], reference)
        .map_err(|e| PlatformError::TooLong(e.to_string()))?;
    parts
        .into_iter()
        .map(|ud| {
            let mut sm = match &ud.header {
                Some(h) => h
                    .encode()
                    .map_err(|e| PlatformError::TooLong(e.to_string()))?,
                None => Vec::new(),
            };
            sm.extend_from_slice(&ud.data);
            Ok(sm)
        })
        .collect()
}

/// The submit_sm of one segment: from the platform's short code to `msisdn`
/// (TON international, NPI E.164), esm_class 0x40 (UDHI), protocol_id 0x7F
/// (SIM data download), data_coding 0xF6 (class 2, 8-bit), a delivery
/// receipt on success or failure (registered_delivery 1).
pub fn submit_sm(config: &PlatformConfig, msisdn: &str, short_message: Vec<u8>) -> SubmitSm {
    SubmitSm {
        source_addr_ton: config.source_addr_ton,
        source_addr_npi: config.source_addr_npi,
        source_addr: config.source_addr.clone(),
        dest_addr_ton: TON_INTERNATIONAL,
        dest_addr_npi: NPI_ISDN,
        destination_addr: msisdn.to_owned(),
        esm_class: esm_class::UDHI,
        protocol_id: protocol_id::SIM_DATA_DOWNLOAD,
        data_coding: data_coding::CLASS2_8BIT,
        registered_delivery: registered_delivery::ON_SUCCESS_OR_FAILURE,
        validity_period: config.validity.map(relative_validity).unwrap_or_default(),
        short_message,
        ..SubmitSm::default()
    }
}

/// A validity_period in the relative format `YYMMDDhhmmss000R` of SMPP 3.4
/// section 7.1.1.2 (years of 365 days, months of 30), capped at 99 years.
pub fn relative_validity(d: Duration) -> String {
    const DAY: u64 = 86_400;
    let mut s = d.as_secs().min(99 * 365 * DAY);
    let mut take = |unit: u64| {
        let n = s / unit;
        s %= unit;
        n
    };
    let (yy, mo, dd, hh, mi) = (
        take(365 * DAY),
        take(30 * DAY),
        take(DAY),
        take(3600),
        take(60),
    );
    format!("{yy:02}{mo:02}{dd:02}{hh:02}{mi:02}{s:02}000R")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::CardAlgorithm;
    use crate::{open_command, CounterMode, Integrity, Key, KeyId, PorRequired, PorTransport};

    fn card(algorithm: CardAlgorithm) -> CardRecord {
        let n = algorithm.key_len();
        CardRecord {
            msisdn: "447700900001".into(),
            iccid: "89999447700900001".into(),
            kvn: 3,
            algorithm,
            kic: Key::new(&vec![0x11; n]),
            kid: Key::new(&vec![0x22; n]),
            tar: Tar([0x49, 0x44, 0x47]),
        }
    }

    #[test]
    fn spi_is_what_the_card_demands() {
        let p = security_params(&card(CardAlgorithm::Aes128));
        assert_eq!(p.spi.integrity, Integrity::Cc);
        assert!(p.spi.ciphered);
        assert_eq!(p.spi.counter, CounterMode::MustBeHigher);
        assert_eq!(p.spi.por, PorRequired::OnError);
        assert_eq!(p.spi.por_integrity, Integrity::Cc);
        assert!(p.spi.por_ciphered);
        assert_eq!(p.spi.por_transport, PorTransport::Submit);
        assert_eq!(p.spi.to_bytes(), MT_SPI);
        assert_eq!((p.kic, p.kid), (KeyId(0x32), KeyId(0x32)));
        let p = security_params(&card(CardAlgorithm::TripleDes3));
        assert_eq!((p.kic, p.kid), (KeyId(0x39), KeyId(0x39)));
    }

    #[test]
    fn sealed_packets_open_with_the_card_keys() {
        for alg in [
            CardAlgorithm::Aes128,
            CardAlgorithm::Aes192,
            CardAlgorithm::Aes256,
            CardAlgorithm::TripleDes2,
            CardAlgorithm::TripleDes3,
        ] {
            let c = card(alg);
            let cntr = Cntr::new(7).unwrap();
            let packet = seal(&c, c.tar, cntr, b"challenge").unwrap();
            let keys = c.key_set();
            let opened = open_command(
                &packet,
                |k| (k == 3).then_some(&keys),
                |_| Cntr::new(6).unwrap(),
            )
            .unwrap();
            assert_eq!(opened.data, b"challenge");
            assert_eq!(opened.cntr, cntr);
            assert_eq!(opened.tar, c.tar);
        }
        let mut bad = card(CardAlgorithm::Aes128);
        bad.kvn = 0;
        assert!(matches!(
            seal(&bad, bad.tar, Cntr::new(1).unwrap(), b"x"),
            Err(PlatformError::InvalidCard(_))
        ));
    }

    #[test]
    fn segmentation() {
        let one = segments(&[0xAB; 137], 9).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(&one[0][..3], &[0x02, 0x70, 0x00]);
        assert_eq!(one[0].len(), 140);
        let packet: Vec<u8> = (0..400u16).map(|i| i as u8).collect();
        let three = segments(&packet, 0x42).unwrap();
        assert_eq!(three.len(), 3);
        assert_eq!(
            &three[0][..8],
            &[0x07, 0x00, 0x03, 0x42, 0x03, 0x01, 0x70, 0x00]
        );
        assert_eq!(&three[1][..6], &[0x05, 0x00, 0x03, 0x42, 0x03, 0x02]);
        assert_eq!(&three[2][..6], &[0x05, 0x00, 0x03, 0x42, 0x03, 0x03]);
        assert!(three.iter().all(|s| s.len() <= 140));
        let rebuilt: Vec<u8> = [&three[0][8..], &three[1][6..], &three[2][6..]].concat();
        assert_eq!(rebuilt, packet);
        assert!(segments(&vec![0; 140 * 256], 1).is_err());
    }

    #[test]
    fn submit_sm_fields() {
        let config = PlatformConfig {
            validity: Some(Duration::from_secs(2 * 86_400 + 3661)),
            ..PlatformConfig::default()
        };
        let sm = submit_sm(&config, "447700900001", vec![1, 2]);
        assert_eq!(sm.esm_class, 0x40);
        assert_eq!(sm.protocol_id, 0x7F);
        assert_eq!(sm.data_coding, 0xF6);
        assert_eq!(sm.registered_delivery, 1);
        assert_eq!((sm.dest_addr_ton, sm.dest_addr_npi), (1, 1));
        assert_eq!(sm.source_addr, "882");
        assert_eq!(sm.validity_period, "000002010101000R");
        assert_eq!(
            relative_validity(Duration::from_secs(400 * 86_400)),
            "010105000000000R"
        );
    }
}
