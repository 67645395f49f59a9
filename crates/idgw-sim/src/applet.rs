//! The authentication applet on the simulated card.
//!
//! It receives the secured data of a Command Packet addressed to its TAR
//! (3GPP TS 31.115 section 4.2) after the card manager has deciphered and
//! verified it: an idgw-mss applet challenge ([`idgw_mss::applet::Challenge`]).
//! It checks the challenge's MAC with the applet key (a bad MAC is dropped:
//! nothing is shown), then raises a prompt, as a SIM Toolkit applet would
//! with DISPLAY TEXT (OK/Cancel) or GET INPUT (hidden PIN entry) of ETSI
//! TS 102 223 sections 6.4.1 and 6.4.3. When the user answers it verifies
//! the PIN (wrong PIN: one try less and the prompt asks again; no tries
//! left: blocked, answer PIN_BLOCKED, like the PIN retry counter of
//! ETSI TS 102 221 section 9.5.1) and signs the [`Answer`] with the applet
//! key. A blocked card answers PIN_BLOCKED at once, without prompting.
//!
//! The PIN is compared on the card and never leaves it.

use idgw_mss::applet::{Answer, AnswerResult, AppletError, AppletKey, Challenge, NONCE_LEN};
use idgw_ota::Tar;

use crate::config::Pin;
use crate::error::AnswerError;
use crate::state::CardState;

/// Prompts the handset keeps at most; the oldest is dropped for a new one.
pub const MAX_PENDING_PROMPTS: usize = 8;

/// What the handset shows for one challenge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Prompt {
    /// Identifier for the handset API.
    pub id: String,
    /// The text to display.
    pub text: String,
    /// Whether the user must enter the PIN (GET INPUT) or only confirm (DISPLAY TEXT).
    pub pin_required: bool,
    /// When the challenge arrived, milliseconds since the Unix epoch.
    pub received_at: u64,
    /// The transaction reference of the challenge (for logs and the page).
    #[serde(skip)]
    pub reference: String,
}

/// What the user does with a prompt.
#[derive(Clone, PartialEq, Eq)]
pub enum UserInput {
    /// Enters a PIN.
    Pin(String),
    /// Presses OK on a prompt without PIN.
    Ok,
    /// Presses Cancel (or Back).
    Cancel,
}

impl std::fmt::Debug for UserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserInput::Pin(_) => f.write_str("Pin(<redacted>)"),
            UserInput::Ok => f.write_str("Ok"),
            UserInput::Cancel => f.write_str("Cancel"),
        }
    }
}

/// What the applet did with a challenge.
#[derive(Debug)]
pub enum ChallengeOutcome {
    /// A prompt is shown to the user.
    Prompt(Prompt),
    /// The card is blocked: this signed answer goes back at once.
    Answered(AnswerResult, Vec<u8>),
    /// Bad MAC or malformed challenge: dropped, nothing shown.
    Rejected(AppletError),
}

/// What the applet did with a user's answer.
#[derive(Debug)]
pub enum AnswerOutcome {
    /// The signed answer to send back to the MSSP.
    Answered(AnswerResult, Vec<u8>),
    /// Wrong PIN with tries left: the prompt stays and asks again.
    WrongPin {
        /// Tries left.
        tries_left: u8,
    },
}

struct Pending {
    prompt: Prompt,
    nonce: [u8; NONCE_LEN],
}

/// The applet: its TAR, its key, the PIN and the prompts waiting for the user.
pub struct Applet {
    tar: Tar,
    key: AppletKey,
    pin: Pin,
    pending: Vec<Pending>,
}

impl std::fmt::Debug for Applet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applet")
            .field("tar", &self.tar)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Applet {
    /// An applet with no prompt pending.
    pub fn new(tar: Tar, key: AppletKey, pin: Pin) -> Self {
        Applet {
            tar,
            key,
            pin,
            pending: Vec::new(),
        }
    }

    /// The TAR the card manager routes to this applet.
    pub fn tar(&self) -> Tar {
        self.tar
    }

    /// The prompts waiting for the user, oldest first.
    pub fn prompts(&self) -> impl Iterator<Item = &Prompt> {
        self.pending.iter().map(|p| &p.prompt)
    }

    /// Processes the secured data of a Command Packet. `id` names the prompt
    /// if one is raised; `now_ms` is its arrival time.
    pub fn process(
        &mut self,
        data: &[u8],
        state: &CardState,
        id: String,
        now_ms: u64,
    ) -> ChallengeOutcome {
        let challenge = match Challenge::decode(data, &self.key) {
            Ok(c) => c,
            Err(e) => return ChallengeOutcome::Rejected(e),
        };
        if state.blocked {
            let answer = self.sign(challenge.nonce, AnswerResult::PinBlocked);
            return ChallengeOutcome::Answered(AnswerResult::PinBlocked, answer);
        }
        let prompt = Prompt {
            id,
            text: challenge.text,
            pin_required: challenge.pin_required,
            received_at: now_ms,
            reference: challenge.reference,
        };
        if self.pending.len() == MAX_PENDING_PROMPTS {
            self.pending.remove(0);
        }
        self.pending.push(Pending {
            prompt: prompt.clone(),
            nonce: challenge.nonce,
        });
        ChallengeOutcome::Prompt(prompt)
    }

    /// The user answers prompt `id`. PIN tries and the blocked flag change in
    /// `state`; the caller persists it.
    pub fn answer(
        &mut self,
        id: &str,
        input: UserInput,
        state: &mut CardState,
    ) -> Result<AnswerOutcome, AnswerError> {
        let idx = self
            .pending
            .iter()
            .position(|p| p.prompt.id == id)
            .ok_or(AnswerError::UnknownPrompt)?;
        let pin_required = self.pending[idx].prompt.pin_required;
        let result = match input {
            _ if state.blocked => AnswerResult::PinBlocked,
            UserInput::Cancel => AnswerResult::UserCancel,
            UserInput::Ok if pin_required => return Err(AnswerError::PinRequired),
            UserInput::Ok => AnswerResult::Ok,
            UserInput::Pin(_) if !pin_required => return Err(AnswerError::PinNotExpected),
            UserInput::Pin(typed) if self.pin.matches(&typed) => {
                state.pin_tries_left = crate::config::DEFAULT_PIN_TRIES;
                AnswerResult::Ok
            }
            UserInput::Pin(_) => {
                state.pin_tries_left = state.pin_tries_left.saturating_sub(1);
                if state.pin_tries_left > 0 {
                    return Ok(AnswerOutcome::WrongPin {
                        tries_left: state.pin_tries_left,
                    });
                }
                state.blocked = true;
                AnswerResult::PinBlocked
            }
        };
        let pending = self.pending.remove(idx);
        Ok(AnswerOutcome::Answered(
            result,
            self.sign(pending.nonce, result),
        ))
    }

    fn sign(&self, nonce: [u8; NONCE_LEN], result: AnswerResult) -> Vec<u8> {
        Answer { nonce, result }.encode(&self.key)
    }
}
