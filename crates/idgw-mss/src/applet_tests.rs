//! Applet protocol tests: round trips, tampering, wrong key, truncation,
//! size limits.

use super::*;

fn key(b: u8) -> AppletKey {
    AppletKey::new([b; KEY_LEN])
}

fn challenge() -> Challenge {
    Challenge {
        nonce: [7; NONCE_LEN],
        pin_required: true,
        reference: "T42".into(),
        text: "Log in to Example Bank? \u{20ac}".into(),
    }
}

#[test]
fn challenge_round_trips() {
    let bytes = challenge().encode(&key(1)).unwrap();
    assert_eq!(
        bytes.len(),
        1 + 16 + 1 + 1 + 3 + 2 + challenge().text.len() + 16
    );
    assert_eq!(Challenge::decode(&bytes, &key(1)).unwrap(), challenge());
    let ok_only = Challenge {
        pin_required: false,
        reference: String::new(),
        text: String::new(),
        ..challenge()
    };
    let bytes = ok_only.encode(&key(1)).unwrap();
    assert_eq!(Challenge::decode(&bytes, &key(1)).unwrap(), ok_only);
}

#[test]
fn answer_round_trips() {
    for result in [
        AnswerResult::Ok,
        AnswerResult::UserCancel,
        AnswerResult::PinBlocked,
        AnswerResult::CardBlocked,
    ] {
        let answer = Answer {
            nonce: [7; NONCE_LEN],
            result,
        };
        let bytes = answer.encode(&key(2));
        assert_eq!(bytes.len(), ANSWER_LEN);
        let back = Answer::decode(&bytes, &key(2)).unwrap();
        assert_eq!(back, answer);
        assert!(back.answers(&challenge()));
    }
    assert_eq!(
        AnswerResult::PinBlocked.status_code(),
        StatusCode::PinNrBlocked
    );
}

#[test]
fn tampering_fails_verification() {
    let bytes = challenge().encode(&key(1)).unwrap();
    for i in 0..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        assert!(Challenge::decode(&t, &key(1)).is_err(), "byte {i}");
    }
    let answer = Answer {
        nonce: [9; NONCE_LEN],
        result: AnswerResult::UserCancel,
    }
    .encode(&key(1));
    for i in 1..answer.len() {
        let mut t = answer.clone();
        t[i] ^= 0x80;
        assert_eq!(
            Answer::decode(&t, &key(1)),
            Err(AppletError::BadMac),
            "byte {i}"
        );
    }
}

#[test]
fn wrong_key_fails() {
    let bytes = challenge().encode(&key(1)).unwrap();
    assert_eq!(Challenge::decode(&bytes, &key(3)), Err(AppletError::BadMac));
    let answer = Answer {
        nonce: [0; NONCE_LEN],
        result: AnswerResult::Ok,
    }
    .encode(&key(1));
    assert_eq!(Answer::decode(&answer, &key(3)), Err(AppletError::BadMac));
}

#[test]
fn directions_are_separated() {
    // A challenge MAC never verifies as an answer and vice versa.
    let answer = Answer {
        nonce: [0; NONCE_LEN],
        result: AnswerResult::Ok,
    }
    .encode(&key(1));
    assert!(Challenge::decode(&answer, &key(1)).is_err());
}

#[test]
fn truncated_is_an_error() {
    let bytes = challenge().encode(&key(1)).unwrap();
    for cut in 0..bytes.len() {
        assert!(Challenge::decode(&bytes[..cut], &key(1)).is_err());
    }
    assert_eq!(
        Challenge::decode(&bytes[..10], &key(1)),
        Err(AppletError::Truncated)
    );
    let answer = Answer {
        nonce: [0; NONCE_LEN],
        result: AnswerResult::Ok,
    }
    .encode(&key(1));
    for cut in 0..answer.len() {
        assert_eq!(
            Answer::decode(&answer[..cut], &key(1)),
            Err(AppletError::Truncated)
        );
    }
    let mut long = answer.clone();
    long.push(0);
    assert_eq!(
        Answer::decode(&long, &key(1)),
        Err(AppletError::TrailingBytes)
    );
}

#[test]
fn size_limits_fit_three_sms() {
    assert_eq!(MAX_DISPLAY_TEXT_LEN, 304);
    let biggest = Challenge {
        reference: "R".repeat(MAX_REF_LEN),
        text: "x".repeat(MAX_DISPLAY_TEXT_LEN),
        ..challenge()
    };
    assert_eq!(biggest.encode(&key(1)).unwrap().len(), MAX_SECURED_DATA);
    let too_long = Challenge {
        text: "x".repeat(MAX_DISPLAY_TEXT_LEN + 1),
        ..challenge()
    };
    assert_eq!(
        too_long.encode(&key(1)),
        Err(AppletError::TextTooLong(MAX_DISPLAY_TEXT_LEN + 1))
    );
    let long_ref = Challenge {
        reference: "R".repeat(MAX_REF_LEN + 1),
        ..challenge()
    };
    assert_eq!(
        long_ref.encode(&key(1)),
        Err(AppletError::ReferenceTooLong(MAX_REF_LEN + 1))
    );
}

#[test]
fn version_and_flags_are_checked() {
    let mut bytes = challenge().encode(&key(1)).unwrap();
    bytes[0] = 2;
    assert_eq!(
        Challenge::decode(&bytes, &key(1)),
        Err(AppletError::UnsupportedVersion(2))
    );
    // Reserved flag bit set, correctly MACed: refused.
    let mut body = challenge().encode(&key(1)).unwrap();
    body.truncate(body.len() - MAC_LEN);
    body[17] = 0x81;
    let tag = key(1).tag(CHALLENGE_LABEL, &body);
    body.extend_from_slice(&tag);
    assert_eq!(
        Challenge::decode(&body, &key(1)),
        Err(AppletError::ReservedFlags(0x81))
    );
}

#[test]
fn key_is_redacted_and_checked() {
    assert_eq!(format!("{:?}", key(0x41)), "AppletKey(<redacted>)");
    assert_eq!(
        AppletKey::from_slice(&[0; 31]).unwrap_err(),
        AppletError::BadKeyLength(31)
    );
    assert!(AppletKey::from_slice(&[0; 32]).is_ok());
}
