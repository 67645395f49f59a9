//! SMSC delivery receipts: the short_message text of SMPP v3.4 Appendix B
//! (`id:... sub:... dlvrd:... submit date:... done date:... stat:... err:...
//! text:...`) and the message_state values of section 5.2.28.

/// message_state values (SMPP v3.4 section 5.2.28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    Enroute = 1,
    Delivered = 2,
    Expired = 3,
    Deleted = 4,
    Undeliverable = 5,
    Accepted = 6,
    Unknown = 7,
    Rejected = 8,
}

impl MessageState {
    const ALL: [MessageState; 8] = [
        Self::Enroute,
        Self::Delivered,
        Self::Expired,
        Self::Deleted,
        Self::Undeliverable,
        Self::Accepted,
        Self::Unknown,
        Self::Rejected,
    ];

    /// From the message_state TLV value.
    pub fn from_u8(v: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u8 == v)
    }

    /// The 7-character `stat:` value of Appendix B (table B-2).
    pub fn stat(self) -> &'static str {
        match self {
            Self::Enroute => "ENROUTE",
            Self::Delivered => "DELIVRD",
            Self::Expired => "EXPIRED",
            Self::Deleted => "DELETED",
            Self::Undeliverable => "UNDELIV",
            Self::Accepted => "ACCEPTD",
            Self::Unknown => "UNKNOWN",
            Self::Rejected => "REJECTD",
        }
    }

    /// From a `stat:` value.
    pub fn from_stat(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.stat().eq_ignore_ascii_case(s))
    }
}

/// A delivery receipt (Appendix B). Dates are `YYMMDDhhmm`
/// (see [`crate::time::DateTime::receipt_format`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The SMSC message_id of the receipted message.
    pub id: String,
    /// Number of short messages originally submitted.
    pub sub: u32,
    /// Number of short messages delivered.
    pub dlvrd: u32,
    pub submit_date: String,
    pub done_date: String,
    pub stat: MessageState,
    /// Network specific error code, 3 characters.
    pub err: String,
    /// First 20 characters of the original message.
    pub text: String,
}

/// A receipt text that does not follow Appendix B.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("delivery receipt: {0}")]
pub struct ReceiptParseError(&'static str);

const KEYS: [&str; 8] = [
    "id:",
    " sub:",
    " dlvrd:",
    " submit date:",
    " done date:",
    " stat:",
    " err:",
    " text:",
];

impl DeliveryReceipt {
    /// The short_message text of Appendix B.
    pub fn to_text(&self) -> String {
        let text: String = self.text.chars().take(20).collect();
        format!(
            "id:{} sub:{:03} dlvrd:{:03} submit date:{} done date:{} stat:{} err:{} text:{}",
            self.id,
            self.sub,
            self.dlvrd,
            self.submit_date,
            self.done_date,
            self.stat.stat(),
            self.err,
            text
        )
    }

    /// Parses the Appendix B text. `Text:` is accepted for `text:` (the
    /// appendix itself uses both), and `text:` may be missing.
    pub fn parse(s: &str) -> Result<Self, ReceiptParseError> {
        let lower = s.to_ascii_lowercase();
        let mut starts = Vec::with_capacity(KEYS.len());
        let mut from = 0;
        for (i, key) in KEYS.iter().enumerate() {
            match lower[from..].find(key) {
                Some(p) => {
                    starts.push((from + p, key.len()));
                    from += p + key.len();
                }
                None if i == KEYS.len() - 1 => {}
                None => return Err(ReceiptParseError("missing field")),
            }
        }
        if starts[0].0 != 0 {
            return Err(ReceiptParseError("does not start with id:"));
        }
        let field = |i: usize| -> &str {
            let (p, l) = starts[i];
            let end = starts.get(i + 1).map_or(s.len(), |n| n.0);
            &s[p + l..end]
        };
        let num = |i: usize| {
            field(i)
                .parse::<u32>()
                .map_err(|_| ReceiptParseError("sub/dlvrd not numeric"))
        };
        Ok(DeliveryReceipt {
            id: field(0).to_owned(),
            sub: num(1)?,
            dlvrd: num(2)?,
            submit_date: field(3).to_owned(),
            done_date: field(4).to_owned(),
            stat: MessageState::from_stat(field(5)).ok_or(ReceiptParseError("unknown stat"))?,
            err: field(6).to_owned(),
            text: if starts.len() == KEYS.len() {
                field(7).to_owned()
            } else {
                String::new()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_and_parse() {
        let r = DeliveryReceipt {
            id: "0000001".into(),
            sub: 1,
            dlvrd: 1,
            submit_date: "2402291234".into(),
            done_date: "2402291235".into(),
            stat: MessageState::Delivered,
            err: "000".into(),
            text: "a fairly long original message".into(),
        };
        let t = r.to_text();
        assert_eq!(
            t,
            "id:0000001 sub:001 dlvrd:001 submit date:2402291234 done date:2402291235 \
             stat:DELIVRD err:000 text:a fairly long origin"
        );
        let back = DeliveryReceipt::parse(&t).unwrap();
        assert_eq!(back.text, "a fairly long origin");
        assert_eq!(back.stat, MessageState::Delivered);
        assert_eq!(back.id, "0000001");
        assert_eq!(back.done_date, "2402291235");
    }

    #[test]
    fn parse_variants_and_garbage() {
        let r = DeliveryReceipt::parse(
            "id:7 sub:001 dlvrd:000 submit date:2401010000 done date:2401010005 stat:EXPIRED err:000 Text:",
        )
        .unwrap();
        assert_eq!(r.stat, MessageState::Expired);
        assert_eq!(r.dlvrd, 0);
        assert!(DeliveryReceipt::parse("hello").is_err());
        assert!(DeliveryReceipt::parse(
            "id:1 sub:x dlvrd:1 submit date:1 done date:1 stat:DELIVRD err:0"
        )
        .is_err());
        assert_eq!(MessageState::from_u8(5), Some(MessageState::Undeliverable));
        assert_eq!(MessageState::from_u8(0), None);
    }
}
