//! The simulated user (DESIGN.md section 7): what each behaviour answers to a
//! SIM Toolkit prompt, and the JSON views the handset API returns.
//!
//! A prompt is what ETSI TS 102 223 DISPLAY TEXT (OK/Cancel, section 6.4.1)
//! or GET INPUT (hidden PIN entry, section 6.4.3) would put on the screen.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::applet::{Prompt, UserInput};
use crate::config::{HandsetBehaviour, Pin};
use crate::state::CardState;

/// A PIN that no configured PIN (4 to 8 digits) can equal.
const WRONG_PIN: &str = "000000000";

/// What an automatic user does with `prompt`; `None` for a manual user
/// (and an unreachable one, which never sees prompts).
pub fn automatic_answer(
    behaviour: HandsetBehaviour,
    pin: &Pin,
    prompt: &Prompt,
) -> Option<UserInput> {
    match behaviour {
        HandsetBehaviour::Manual | HandsetBehaviour::Unreachable => None,
        HandsetBehaviour::Approve if prompt.pin_required => Some(UserInput::Pin(pin.reveal())),
        HandsetBehaviour::Approve => Some(UserInput::Ok),
        HandsetBehaviour::Deny => Some(UserInput::Cancel),
        // On an OK/Cancel prompt there is no PIN to get wrong: the user cancels.
        HandsetBehaviour::WrongPin if prompt.pin_required => {
            Some(UserInput::Pin(WRONG_PIN.to_owned()))
        }
        HandsetBehaviour::WrongPin => Some(UserInput::Cancel),
    }
}

/// `GET /api/handsets/{msisdn}/prompts` item.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PromptView {
    /// Prompt identifier.
    pub id: String,
    /// Text shown.
    pub text: String,
    /// PIN entry (true) or OK/Cancel (false).
    pub pin_required: bool,
    /// Arrival, milliseconds since the Unix epoch.
    pub received_at: u64,
}

impl From<&Prompt> for PromptView {
    fn from(p: &Prompt) -> Self {
        PromptView {
            id: p.id.clone(),
            text: p.text.clone(),
            pin_required: p.pin_required,
            received_at: p.received_at,
        }
    }
}

/// `GET /api/handsets/{msisdn}`: the SIM's state (never its keys or PIN).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SimView {
    /// MSISDN.
    pub msisdn: String,
    /// ICCID.
    pub iccid: String,
    /// Configured behaviour.
    pub handset: &'static str,
    /// PIN tries left.
    pub pin_tries_left: u8,
    /// Whether the PIN is blocked.
    pub blocked: bool,
    /// Last counter accepted from the OTA platform, per KVN.
    pub counters: BTreeMap<u8, u64>,
    /// Last counter used in the card's own MO packets, per KVN.
    pub mo_counters: BTreeMap<u8, u64>,
    /// Pending prompts.
    pub prompts: Vec<PromptView>,
}

impl SimView {
    /// The view of one phone.
    pub fn new<'a>(
        behaviour: HandsetBehaviour,
        state: &CardState,
        prompts: impl Iterator<Item = &'a Prompt>,
    ) -> Self {
        SimView {
            msisdn: state.msisdn.clone(),
            iccid: state.iccid.clone(),
            handset: behaviour.as_str(),
            pin_tries_left: state.pin_tries_left,
            blocked: state.blocked,
            counters: state.counters.clone(),
            mo_counters: state.mo_counters.clone(),
            prompts: prompts.map(PromptView::from).collect(),
        }
    }
}

/// The ICCID of a simulated card (ITU-T E.118: `89`, country code, issuer,
/// serial, Luhn check digit), derived from the MSISDN so it is stable.
pub fn iccid_for(msisdn: &str) -> String {
    let tail: String = msisdn
        .chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let body = format!("89999{tail:0>12}");
    format!("{body}{}", luhn_digit(&body))
}

fn luhn_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_has_luhn_digit() {
        let iccid = iccid_for("447700900001");
        assert_eq!(iccid.len(), 18);
        assert!(iccid.starts_with("89999"));
        // Luhn over the whole number gives 0.
        let sum: u32 = iccid
            .chars()
            .rev()
            .filter_map(|c| c.to_digit(10))
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 1 {
                    let x = d * 2;
                    if x > 9 {
                        x - 9
                    } else {
                        x
                    }
                } else {
                    d
                }
            })
            .sum();
        assert_eq!(sum % 10, 0);
    }
}
