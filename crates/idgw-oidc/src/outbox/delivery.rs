//! One delivery attempt's policy (CIBA Core 10.2, 10.3, 12): the HTTP client (no redirects,
//! bounded time), the capped exponential backoff, and the classification of an attempt's
//! result. Pure apart from building the client; [`super`] does the I/O.

use idgw_store::{DeliveryResult, Millis, OutboxItem};
use std::time::Duration;

const FIRST_RETRY_MS: Millis = 1_000;
const MAX_RETRY_MS: Millis = 60_000;
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client for notifications: no redirects, bounded time.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("TLS backend initializes")
}

/// Backoff before attempt `attempts + 1`: 1 s, 2 s, 4 s ... capped at 60 s.
pub fn backoff(attempts: i64) -> Millis {
    let exp = attempts.clamp(0, 16) as u32;
    (FIRST_RETRY_MS.saturating_mul(1 << exp)).min(MAX_RETRY_MS)
}

/// Classifies one attempt's result.
pub fn classify(item: &OutboxItem, status: Result<u16, String>, now: Millis) -> DeliveryResult {
    let retry_or_fail = |status: Option<u16>, error: String| {
        let next = now + backoff(item.attempts);
        if next > item.deadline {
            DeliveryResult::Failed {
                status,
                error: format!("{error}; deadline passed"),
            }
        } else {
            DeliveryResult::Retry {
                status,
                error,
                next_attempt_at: next,
            }
        }
    };
    match status {
        Ok(s) if (200..300).contains(&s) => DeliveryResult::Delivered { status: s },
        Ok(s) if (300..400).contains(&s) => DeliveryResult::Failed {
            status: Some(s),
            error: "redirect not followed".into(),
        },
        Ok(s @ (401 | 403)) => DeliveryResult::Failed {
            status: Some(s),
            error: "client refused the bearer token".into(),
        },
        Ok(s) => retry_or_fail(Some(s), format!("HTTP {s}")),
        Err(e) => retry_or_fail(None, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idgw_store::OutboxState;

    fn item(attempts: i64, deadline: Millis) -> OutboxItem {
        OutboxItem {
            id: 1,
            auth_req_id: "a".into(),
            url: "http://127.0.0.1/cb".into(),
            bearer: "t".into(),
            body: "{}".into(),
            state: OutboxState::Pending,
            attempts,
            next_attempt_at: 0,
            deadline,
            last_status: None,
            last_error: None,
        }
    }

    #[test]
    fn backoff_is_capped() {
        assert_eq!(backoff(0), 1_000);
        assert_eq!(backoff(3), 8_000);
        assert_eq!(backoff(40), 60_000);
    }

    #[test]
    fn classification() {
        let i = item(0, 100_000);
        assert_eq!(
            classify(&i, Ok(204), 0),
            DeliveryResult::Delivered { status: 204 }
        );
        assert!(matches!(
            classify(&i, Ok(302), 0),
            DeliveryResult::Failed { .. }
        ));
        assert!(matches!(
            classify(&i, Ok(401), 0),
            DeliveryResult::Failed { .. }
        ));
        assert!(matches!(
            classify(&i, Ok(503), 0),
            DeliveryResult::Retry {
                next_attempt_at: 1_000,
                ..
            }
        ));
        assert!(matches!(
            classify(&i, Err("refused".into()), 0),
            DeliveryResult::Retry { .. }
        ));
        let late = item(5, 10_000);
        assert!(
            matches!(classify(&late, Ok(500), 0), DeliveryResult::Failed { .. }),
            "32 s backoff passes the deadline"
        );
    }
}
