//! All simulated subscribers: each a SIM card in a handset with a simulated
//! user, reached over the radio hop (DESIGN.md section 1).
//!
//! MT: the SMSC simulator calls [`SimFarm::deliver`] with SMS-DELIVER TPDU
//! bytes (3GPP TS 23.040 section 9.2.2.1); an unknown or `unreachable`
//! handset refuses them with [`Unreachable`], so the SMSC stores the message
//! and retries until its validity period ends. MO: the SIM sends SMS-SUBMIT
//! TPDUs (section 9.2.2.2), and PoRs in SMS-DELIVER-REPORTs, through the
//! caller's [`Radio`].
//!
//! The wall clock is read once per call here; the card and applet take the
//! time as an argument. Automatic users answer after their delay on a tokio
//! timer (tests use `tokio::time::pause`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use thiserror::Error;

use crate::applet::{Applet, UserInput};
use crate::card::{Answered, Card, Por};
use crate::config::{HandsetBehaviour, Pin, SubscriberConfig, DEFAULT_PIN_TRIES};
use crate::error::{AnswerError, ConfigError};
use crate::handset::{automatic_answer, iccid_for, PromptView, SimView};
use crate::sms::SmsError;
use crate::state::{self, CardState};
use idgw_mss::applet::AnswerResult;
use idgw_ota::ResponseStatus;
use idgw_smpp::trace::Trace;

/// The card's lane in `idgw trace`.
const LANE: &str = "SIM";
/// The person holding the handset.
const USER: &str = "User";

/// The radio towards the network: how the SIM's handset sends MO messages.
pub trait Radio: Send + Sync + 'static {
    /// Sends an SMS-SUBMIT TPDU from `from_msisdn`.
    fn send_mo(&self, from_msisdn: &str, sms_submit_tpdu: Vec<u8>);

    /// Sends an SMS-DELIVER-REPORT TPDU (a PoR in the RP-ACK, TS 31.115
    /// section 4.4). The default drops it: the simulated radio link of
    /// DESIGN.md carries only SMS-DELIVER and SMS-SUBMIT.
    fn send_deliver_report(&self, from_msisdn: &str, tpdu: Vec<u8>) {
        tracing::debug!(msisdn = %from_msisdn, len = tpdu.len(), "SMS-DELIVER-REPORT not carried");
    }
}

impl<F: Fn(&str, Vec<u8>) + Send + Sync + 'static> Radio for F {
    fn send_mo(&self, from_msisdn: &str, sms_submit_tpdu: Vec<u8>) {
        self(from_msisdn, sms_submit_tpdu)
    }
}

/// The handset cannot be reached (unknown, switched off, out of coverage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("handset unreachable")]
pub struct Unreachable;

/// Settings of the farm.
#[derive(Debug, Clone)]
pub struct FarmConfig {
    /// Directory of the card state files; `None` keeps state in memory only.
    pub state_dir: Option<PathBuf>,
    /// Short code the SIM sends its MO packets to (`[ota] source_addr`).
    pub ota_address: String,
}

impl Default for FarmConfig {
    fn default() -> Self {
        FarmConfig {
            state_dir: None,
            ota_address: "882".to_owned(),
        }
    }
}

/// The outcome of a user's answer, as the handset API reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AnswerReport {
    /// `ok`, `user_cancel`, `pin_blocked`, `card_blocked` or `wrong_pin`.
    pub result: &'static str,
    /// PIN tries left afterwards.
    pub pin_tries_left: u8,
    /// Whether the prompt is still pending (after a wrong PIN).
    pub prompt_pending: bool,
}

struct Phone {
    card: Card,
    behaviour: HandsetBehaviour,
    delay: Duration,
    pin: Pin,
}

struct Inner {
    config: FarmConfig,
    radio: Arc<dyn Radio>,
    phones: Mutex<BTreeMap<String, Phone>>,
    trace: Trace,
}

/// The simulated cards and handsets; a cheap handle to clone.
#[derive(Clone)]
pub struct SimFarm {
    inner: Arc<Inner>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl SimFarm {
    /// An empty farm.
    pub fn new(config: FarmConfig, radio: Arc<dyn Radio>) -> Self {
        SimFarm {
            inner: Arc::new(Inner {
                config,
                radio,
                phones: Mutex::new(BTreeMap::new()),
                trace: Trace::default(),
            }),
        }
    }

    /// Reports each step of the cards and their users (packet opened or refused, prompt
    /// shown, the user's answer, the signed answer sent) to `trace`, by MSISDN (lanes `SIM`
    /// and `User`). Call it on a new farm, before cloning it.
    ///
    /// # Panics
    ///
    /// If the farm was already cloned.
    pub fn with_trace(mut self, trace: Trace) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("SimFarm::with_trace before the farm is shared")
            .trace = trace;
        self
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Phone>> {
        self.inner.phones.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Inserts a SIM card and its handset, loading the card's saved state.
    pub fn provision(&self, sub: SubscriberConfig) -> Result<(), ConfigError> {
        sub.check_msisdn()?;
        let keys = sub.ota_keys.key_set()?;
        let applet = Applet::new(sub.tar()?, sub.applet_key()?, sub.pin.clone());
        let saved = match &self.inner.config.state_dir {
            Some(dir) => state::load(dir, &sub.msisdn)?,
            None => None,
        };
        let fresh = saved.is_none();
        let state = saved.unwrap_or_else(|| {
            CardState::new(
                iccid_for(&sub.msisdn),
                sub.msisdn.clone(),
                DEFAULT_PIN_TRIES,
            )
        });
        let card = Card::new(
            keys,
            sub.ota_keys.algorithm,
            applet,
            state,
            self.inner.config.ota_address.clone(),
        );
        let mut phones = self.lock();
        if phones.contains_key(&sub.msisdn) {
            return Err(ConfigError::Duplicate(sub.msisdn));
        }
        if fresh {
            self.persist(card.state());
        }
        phones.insert(
            sub.msisdn.clone(),
            Phone {
                card,
                behaviour: sub.handset,
                delay: Duration::from_millis(sub.handset_delay_ms),
                pin: sub.pin,
            },
        );
        Ok(())
    }

    /// Changes how a simulated user behaves (e.g. switches a phone off).
    pub fn set_behaviour(&self, msisdn: &str, behaviour: HandsetBehaviour) -> bool {
        match self.lock().get_mut(msisdn) {
            Some(p) => {
                p.behaviour = behaviour;
                true
            }
            None => false,
        }
    }

    fn persist(&self, state: &CardState) {
        if let Some(dir) = &self.inner.config.state_dir {
            if let Err(e) = state::save(dir, state) {
                tracing::error!(error = %e, "card state not saved");
            }
        }
    }

    /// MT over the radio: one SMS-DELIVER TPDU for `msisdn`.
    pub fn deliver(&self, msisdn: &str, sms_deliver: Vec<u8>) -> Result<(), Unreachable> {
        let now = now_ms();
        let prompt_id = format!("{:016x}", rand::random::<u64>());
        let (action, behaviour, delay) = {
            let mut phones = self.lock();
            let phone = phones.get_mut(msisdn).ok_or(Unreachable)?;
            if phone.behaviour == HandsetBehaviour::Unreachable {
                return Err(Unreachable);
            }
            let before = phone.card.state().clone();
            let action = match phone.card.receive_sms_deliver(&sms_deliver, prompt_id, now) {
                Ok(a) => a,
                Err(SmsError::NotSimDataDownload(pid)) => {
                    tracing::info!(%msisdn, pid, "ordinary SMS shown on the handset");
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(%msisdn, error = %e, "SMS-PP download not processed");
                    return Ok(());
                }
            };
            if *phone.card.state() != before {
                self.persist(phone.card.state());
            }
            (action, phone.behaviour, phone.delay)
        };
        if let Some(status) = action.status {
            tracing::info!(%msisdn, ?status, "command packet processed");
        }
        self.trace_delivery(msisdn, &action);
        match action.por {
            Some(Por::Submit(t)) => self.inner.radio.send_mo(msisdn, t),
            Some(Por::DeliverReport(t)) => self.inner.radio.send_deliver_report(msisdn, t),
            None => {}
        }
        for t in action.mo {
            self.inner.radio.send_mo(msisdn, t);
        }
        if let Some(prompt) = action.prompt {
            tracing::info!(%msisdn, reference = %prompt.reference, "prompt shown");
            if !matches!(behaviour, HandsetBehaviour::Manual) {
                self.schedule(msisdn.to_owned(), prompt.id, delay);
            }
        }
        Ok(())
    }

    /// Lets the automatic user answer prompt `id` after `delay` on a tokio
    /// timer; outside a tokio runtime it answers at once.
    fn schedule(&self, msisdn: String, id: String, delay: Duration) {
        let farm = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    tokio::time::sleep(delay).await;
                    farm.auto_answer(&msisdn, &id);
                });
            }
            Err(_) => farm.auto_answer(&msisdn, &id),
        }
    }

    fn auto_answer(&self, msisdn: &str, id: &str) {
        let (input, delay) = {
            let phones = self.lock();
            let Some(phone) = phones.get(msisdn) else {
                return;
            };
            let Some(prompt) = phone.card.prompts().find(|p| p.id == id) else {
                return; // answered by hand meanwhile
            };
            match automatic_answer(phone.behaviour, &phone.pin, prompt) {
                Some(i) => (i, phone.delay),
                None => return,
            }
        };
        match self.answer(msisdn, id, input) {
            Ok(r) if r.prompt_pending => self.schedule(msisdn.to_owned(), id.to_owned(), delay),
            Ok(_) => {}
            Err(e) => tracing::warn!(%msisdn, error = %e, "automatic answer refused"),
        }
    }

    /// The user answers prompt `id` on `msisdn`'s handset.
    pub fn answer(
        &self,
        msisdn: &str,
        id: &str,
        input: UserInput,
    ) -> Result<AnswerReport, AnswerError> {
        let trace = &self.inner.trace;
        let pressed = match input {
            UserInput::Pin(_) => "PIN entered",
            UserInput::Ok => "OK pressed",
            UserInput::Cancel => "Cancel pressed",
        };
        let (answered, tries) = {
            let mut phones = self.lock();
            let phone = phones.get_mut(msisdn).ok_or(AnswerError::UnknownHandset)?;
            let before = phone.card.state().clone();
            let answered = phone.card.answer(id, input).inspect_err(|e| {
                trace.message(msisdn, USER, LANE, pressed, "refused", Some(e.to_string()));
            })?;
            if *phone.card.state() != before {
                self.persist(phone.card.state());
            }
            (answered, phone.card.state().pin_tries_left)
        };
        let outcome = match &answered {
            Answered::WrongPin { tries_left } => format!("wrong PIN ({tries_left} left)"),
            Answered::Sent(result, _) => match result {
                AnswerResult::Ok if pressed == "PIN entered" => "PIN ok".into(),
                AnswerResult::Ok => "ok".into(),
                AnswerResult::UserCancel => "cancel".into(),
                AnswerResult::PinBlocked => "PIN blocked".into(),
                AnswerResult::CardBlocked => "card blocked".into(),
            },
        };
        trace.message(msisdn, USER, LANE, pressed, &outcome, None);
        let report = match answered {
            Answered::WrongPin { .. } => AnswerReport {
                result: "wrong_pin",
                pin_tries_left: tries,
                prompt_pending: true,
            },
            Answered::Sent(result, tpdus) => {
                tracing::info!(%msisdn, ?result, "applet answer sent");
                self.trace_answer_sent(msisdn, result, tpdus.len());
                for t in tpdus {
                    self.inner.radio.send_mo(msisdn, t);
                }
                AnswerReport {
                    result: result_name(result),
                    pin_tries_left: tries,
                    prompt_pending: false,
                }
            }
        };
        Ok(report)
    }

    /// The MSISDNs provisioned, in order.
    pub fn msisdns(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// The SIM state and prompts of one phone.
    pub fn view(&self, msisdn: &str) -> Option<SimView> {
        let phones = self.lock();
        let p = phones.get(msisdn)?;
        Some(SimView::new(p.behaviour, p.card.state(), p.card.prompts()))
    }

    /// Every phone's view.
    pub fn views(&self) -> Vec<SimView> {
        self.lock()
            .values()
            .map(|p| SimView::new(p.behaviour, p.card.state(), p.card.prompts()))
            .collect()
    }

    /// The pending prompts of one phone.
    pub fn prompts(&self, msisdn: &str) -> Option<Vec<PromptView>> {
        let phones = self.lock();
        Some(
            phones
                .get(msisdn)?
                .card
                .prompts()
                .map(PromptView::from)
                .collect(),
        )
    }
}

impl SimFarm {
    /// Reports what the card made of an SMS-DELIVER.
    fn trace_delivery(&self, msisdn: &str, action: &crate::card::CardAction) {
        let trace = &self.inner.trace;
        if !trace.is_enabled() {
            return;
        }
        match action.status {
            None => trace.step(
                msisdn,
                LANE,
                "SMS-DELIVER segment kept",
                "waiting for the rest",
                None,
            ),
            Some(ResponseStatus::PorOk) => trace.step(
                msisdn,
                LANE,
                "command packet opened",
                "ok",
                action
                    .cntr
                    .map(|c| format!("CNTR {c}, CC and ciphering OK")),
            ),
            Some(status) => trace.step(
                msisdn,
                LANE,
                "command packet rejected",
                &format!("{status:?}"),
                Some(format!("status {:#04x}", status.to_byte())),
            ),
        }
        if let Some(Por::Submit(_)) = &action.por {
            trace.message(msisdn, LANE, "SMSC", "PoR (SMS-SUBMIT)", "sent", None);
        }
        if let Some(reason) = &action.rejected {
            trace.step(
                msisdn,
                LANE,
                "applet: challenge rejected",
                "nothing shown",
                Some(reason.clone()),
            );
        }
        if let Some(prompt) = &action.prompt {
            trace.step(
                msisdn,
                LANE,
                "applet: challenge verified",
                "ok",
                Some(format!("reference {}", prompt.reference)),
            );
            let step = if prompt.pin_required {
                "DISPLAY TEXT / GET INPUT (PIN)"
            } else {
                "DISPLAY TEXT (OK/Cancel)"
            };
            trace.message(msisdn, LANE, USER, step, "shown", Some(prompt.text.clone()));
        }
        if !action.mo.is_empty() {
            trace.step(
                msisdn,
                LANE,
                "applet: challenge verified",
                "card blocked: no prompt",
                None,
            );
            self.trace_answer_sent(msisdn, AnswerResult::PinBlocked, action.mo.len());
        }
    }

    fn trace_answer_sent(&self, msisdn: &str, result: AnswerResult, sms: usize) {
        let name = match result {
            AnswerResult::Ok => "OK",
            AnswerResult::UserCancel => "USER_CANCEL",
            AnswerResult::PinBlocked => "PIN_BLOCKED",
            AnswerResult::CardBlocked => "CARD_BLOCKED",
        };
        self.inner.trace.message(
            msisdn,
            LANE,
            "SMSC",
            &format!("Send(Signed(Response {name}))"),
            "sent",
            Some(format!("{sms} SMS-SUBMIT")),
        );
    }
}

fn result_name(r: idgw_mss::applet::AnswerResult) -> &'static str {
    use idgw_mss::applet::AnswerResult::*;
    match r {
        Ok => "ok",
        UserCancel => "user_cancel",
        PinBlocked => "pin_blocked",
        CardBlocked => "card_blocked",
    }
}
