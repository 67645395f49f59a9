//! The simulated UICC and its card manager (the "receiving entity" of ETSI
//! TS 102 225 section 5.1 for SMS-PP, 3GPP TS 31.115 section 4).
//!
//! [`Card::receive_sms_deliver`] takes SMS-DELIVER TPDUs (TP-PID 0x7F, class 2
//! 8-bit, UDH IEI 0x70, concatenated or not), opens the Command Packet with
//! the card's key sets (deciphering, RC/CC, counter rule of the SPI, through
//! [`idgw_ota::CommandPacket::open`]), routes it by TAR (unknown TAR: status
//! 0x09), checks the applet's minimum security level (status 0x0A), hands
//! the secured data to the [`Applet`], and builds the Proof of Receipt the
//! SPI asks for (TS 31.115 section 4.4). Nothing refused reaches the applet.
//!
//! ## MO format (the applet's answer)
//!
//! The applet's signed answer travels like a SEND SHORT MESSAGE of ETSI
//! TS 102 223 section 6.4.10 with a secured packet: an SMS-SUBMIT to the OTA
//! short code, TP-PID 0x7F, TP-DCS 0xF6, UDH IEI 0x70, carrying a **Command
//! Packet** whose sending entity is the card and whose receiving entity is
//! the OTA platform (TS 102 225 is symmetric). It is sealed with the key set
//! (KVN) of the challenge's Command Packet and the subscriber's algorithm:
//! SPI `16 00` (cryptographic checksum, ciphered, counter must be higher,
//! no PoR), TAR = the applet's TAR (the OTA platform routes it to the MSSP
//! that addresses that TAR), CNTR = the card's own MO counter for that key
//! set, one higher each time (persisted). The secured data is the 34-octet
//! [`idgw_mss::applet::Answer`].

use std::collections::BTreeMap;

use idgw_ota::{
    CmacLength, Cntr, CommandPacket, KeySet, OtaError, PorRequired, PorTransport, ResponsePacket,
    ResponseStatus, SecurityParams, Spi, Tar,
};
use idgw_smpp::tpdu::InformationElement;

use crate::applet::{AnswerOutcome, Applet, ChallengeOutcome, Prompt, UserInput};
use crate::config::OtaAlgorithm;
use crate::error::AnswerError;
use crate::sms::{self, Reassembler, SmsError};
use crate::state::CardState;
use idgw_mss::applet::AnswerResult;

/// SPI of the card's MO Command Packets: CC, ciphered, counter must be higher; no PoR.
pub const MO_SPI: [u8; 2] = [0x16, 0x00];

/// A Proof of Receipt ready for the radio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Por {
    /// SMS-DELIVER-REPORT TPDU (SPI: PoR via SMS-DELIVER-REPORT).
    DeliverReport(Vec<u8>),
    /// SMS-SUBMIT TPDU to the OTA short code (SPI: PoR via SMS-SUBMIT).
    Submit(Vec<u8>),
}

/// What the card did with an SMS-DELIVER.
#[derive(Debug, Default)]
pub struct CardAction {
    /// Response Status of the security checks and routing; `None` while
    /// segments are missing.
    pub status: Option<ResponseStatus>,
    /// The PoR to send, when the SPI asks for one.
    pub por: Option<Por>,
    /// A prompt the applet raised.
    pub prompt: Option<Prompt>,
    /// SMS-SUBMIT TPDUs the applet sends at once (answer of a blocked card).
    pub mo: Vec<Vec<u8>>,
    /// The counter of the packet, once it opened.
    pub cntr: Option<u64>,
    /// Why the applet rejected the challenge (nothing shown), if it did.
    pub rejected: Option<String>,
}

/// The result of a user's answer.
#[derive(Debug)]
pub enum Answered {
    /// The applet answered; these SMS-SUBMIT TPDUs carry its signed answer.
    Sent(AnswerResult, Vec<Vec<u8>>),
    /// Wrong PIN; the prompt stays.
    WrongPin {
        /// Tries left.
        tries_left: u8,
    },
}

/// A simulated UICC.
#[derive(Debug)]
pub struct Card {
    keys: BTreeMap<u8, KeySet>,
    algorithm: OtaAlgorithm,
    applet: Applet,
    state: CardState,
    reassembler: Reassembler,
    ota_address: String,
    next_mr: u8,
}

impl Card {
    /// A card with one key set, its applet and its (loaded or fresh) state.
    /// `ota_address` is the short code MO packets go to.
    pub fn new(
        keys: KeySet,
        algorithm: OtaAlgorithm,
        applet: Applet,
        state: CardState,
        ota_address: String,
    ) -> Self {
        Card {
            keys: BTreeMap::from([(keys.kvn, keys)]),
            algorithm,
            applet,
            state,
            reassembler: Reassembler::default(),
            ota_address,
            next_mr: 0,
        }
    }

    /// The persistent state (tries, blocked, counters).
    pub fn state(&self) -> &CardState {
        &self.state
    }

    /// The prompts waiting for the user.
    pub fn prompts(&self) -> impl Iterator<Item = &Prompt> {
        self.applet.prompts()
    }

    /// Card manager: one SMS-DELIVER from the handset. `prompt_id` names a
    /// prompt if the applet raises one; `now_ms` is the arrival time.
    pub fn receive_sms_deliver(
        &mut self,
        tpdu: &[u8],
        prompt_id: String,
        now_ms: u64,
    ) -> Result<CardAction, SmsError> {
        let Some(bytes) = self.reassembler.push(tpdu)? else {
            return Ok(CardAction::default());
        };
        let mut action = CardAction::default();
        let packet = match CommandPacket::parse(&bytes) {
            Ok(p) => p,
            Err(e) => {
                tracing::info!(error = %e, "unparsable command packet");
                action.status = Some(ResponseStatus::UnidentifiedSecurityError);
                action.por = self.header_only_por(&bytes);
                return Ok(action);
            }
        };
        let info = packet.info();
        let mut params = SecurityParams::new(info.spi, info.kic, info.kid);
        if packet.integrity_len == 4 {
            params.cmac_len = CmacLength::Four;
        }
        // The TAR selects the application (and, on a real card, the security
        // domain whose keys apply); an unknown one cannot be secured.
        if info.tar != self.applet.tar() {
            let status = ResponseStatus::TarUnknown;
            action.status = Some(status);
            action.por = self.por(&params.with_unsecured_por(), info.tar, info.cntr, status);
            return Ok(action);
        }
        let kid_kvn = info.kid.kvn();
        let last =
            Cntr::new(self.state.counters.get(&kid_kvn).copied().unwrap_or(0)).unwrap_or(Cntr::MAX);
        let opened = packet.open(|kvn| self.keys.get(&kvn), |_| last);
        let opened = match opened {
            Ok(o) => o,
            Err(f) => {
                tracing::info!(error = %f.error, status = ?f.status, "command packet refused");
                let p = idgw_ota::por_params_for(&params, f.status);
                let cntr = f.info.and_then(|i| i.cntr);
                action.status = Some(f.status);
                action.por = self.por(&p, info.tar, cntr, f.status);
                return Ok(action);
            }
        };
        action.cntr = Some(opened.cntr.value());
        if opened.spi.counter.updates_counter() {
            self.state.counters.insert(kid_kvn, opened.cntr.value());
        }
        let status = if minimum_security_level(&opened.spi) {
            ResponseStatus::PorOk
        } else {
            ResponseStatus::InsufficientSecurityLevel
        };
        action.status = Some(status);
        action.por = self.por(&params, info.tar, Some(opened.cntr), status);
        if status != ResponseStatus::PorOk {
            return Ok(action);
        }
        match self
            .applet
            .process(&opened.data, &self.state, prompt_id, now_ms)
        {
            ChallengeOutcome::Prompt(p) => action.prompt = Some(p),
            ChallengeOutcome::Answered(result, answer) => {
                tracing::info!(?result, "applet answered without prompting");
                action.mo = self.seal_mo(kid_kvn, &answer);
            }
            ChallengeOutcome::Rejected(e) => {
                tracing::warn!(error = %e, "applet rejected the challenge; nothing shown");
                action.rejected = Some(e.to_string());
            }
        }
        Ok(action)
    }

    /// The user answers a prompt; a signed answer goes out as MO Command Packet(s).
    pub fn answer(&mut self, prompt_id: &str, input: UserInput) -> Result<Answered, AnswerError> {
        let kvn = self.keys.keys().next().copied().unwrap_or(1);
        match self.applet.answer(prompt_id, input, &mut self.state)? {
            AnswerOutcome::WrongPin { tries_left } => Ok(Answered::WrongPin { tries_left }),
            AnswerOutcome::Answered(result, answer) => {
                Ok(Answered::Sent(result, self.seal_mo(kvn, &answer)))
            }
        }
    }

    /// Seals `data` into the card's MO Command Packet (see the module doc)
    /// and splits it into SMS-SUBMIT TPDUs; the MO counter moves on.
    fn seal_mo(&mut self, kvn: u8, data: &[u8]) -> Vec<Vec<u8>> {
        let Some(keys) = self.keys.get(&kvn).or_else(|| self.keys.values().next()) else {
            return Vec::new();
        };
        let kvn = keys.kvn;
        let spi = Spi::from_bytes(MO_SPI).expect("valid constant SPI");
        let params = SecurityParams::new(spi, self.algorithm.kic(kvn), self.algorithm.kid(kvn));
        let last = self.state.mo_counters.get(&kvn).copied().unwrap_or(0);
        let Some(cntr) = Cntr::new(last + 1) else {
            tracing::error!("MO counter exhausted; answer not sent");
            return Vec::new();
        };
        let tar = self.applet.tar();
        let packet = match CommandPacket::seal(&params, keys, tar, cntr, data) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "sealing the MO packet failed");
                return Vec::new();
            }
        };
        self.state.mo_counters.insert(kvn, cntr.value());
        let mr = self.take_mr(4);
        let reference = mr;
        sms::submit_tpdus(
            &self.ota_address,
            InformationElement::command_packet(),
            &packet,
            reference,
            mr,
        )
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "MO packet does not fit SMS");
            Vec::new()
        })
    }

    fn take_mr(&mut self, n: u8) -> u8 {
        let mr = self.next_mr;
        self.next_mr = self.next_mr.wrapping_add(n);
        mr
    }

    /// The PoR for a command with `params`, if its SPI asks for one now.
    fn por(
        &mut self,
        params: &SecurityParams,
        tar: Tar,
        cntr: Option<Cntr>,
        status: ResponseStatus,
    ) -> Option<Por> {
        let wanted = match params.spi.por {
            PorRequired::Never => false,
            PorRequired::Always => true,
            PorRequired::OnError => status != ResponseStatus::PorOk,
        };
        if !wanted {
            return None;
        }
        let cntr = cntr.unwrap_or_default();
        let mut p = *params;
        let keys = match self.keys.get(&params.kid.kvn()) {
            Some(k) => k.clone(),
            None => {
                p = p.with_unsecured_por();
                KeySet::new(0, &[], &[])
            }
        };
        let packet = ResponsePacket::seal(&p, &keys, tar, cntr, status, &[])
            .or_else(|e: OtaError| {
                tracing::info!(error = %e, "PoR cannot be secured; sent in clear");
                let clear = p.with_unsecured_por();
                ResponsePacket::seal(&clear, &keys, tar, cntr, status, &[])
            })
            .ok()?;
        let user_data = idgw_ota::sms::response_user_data(&packet)?;
        match params.spi.por_transport {
            PorTransport::DeliverReport => {
                Some(Por::DeliverReport(sms::deliver_report(&user_data)))
            }
            PorTransport::Submit => {
                let mr = self.take_mr(1);
                sms::por_submit(&self.ota_address, &packet, mr)
                    .ok()
                    .map(Por::Submit)
            }
        }
    }

    /// An unsecured status 0x06 PoR for a packet whose header (up to TAR)
    /// is readable though the rest is not.
    fn header_only_por(&mut self, bytes: &[u8]) -> Option<Por> {
        let h = bytes.get(3..12)?;
        let spi = Spi::from_bytes([h[0], h[1]]).ok()?;
        let params = SecurityParams::new(spi, idgw_ota::KeyId(h[2]), idgw_ota::KeyId(h[3]));
        let tar = Tar([h[4], h[5], h[6]]);
        let status = ResponseStatus::UnidentifiedSecurityError;
        self.por(&params.with_unsecured_por(), tar, None, status)
    }
}

/// The applet's minimum security level (TS 102 225 section 5.1 / TS 102 226
/// "MSL"): a cryptographic checksum, ciphering, and a counter that must grow.
fn minimum_security_level(spi: &Spi) -> bool {
    use idgw_ota::{CounterMode, Integrity};
    spi.integrity == Integrity::Cc
        && spi.ciphered
        && matches!(
            spi.counter,
            CounterMode::MustBeHigher | CounterMode::MustBeNext
        )
}
