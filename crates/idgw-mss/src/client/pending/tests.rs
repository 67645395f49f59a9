use super::*;
use std::time::Duration;

const POLL: (Duration, u32) = (Duration::from_secs(1), 3);

fn secs(t0: Instant, s: u64) -> Instant {
    t0 + Duration::from_secs(s)
}

#[test]
fn a_notified_transaction_gets_one_fallback_query_then_expires() {
    let t0 = Instant::now();
    let mut p = Pending::default();
    let (mut rx, token, earliest) = p.register("A1", true, secs(t0, 60), Kind::Notified);
    assert!(earliest);
    assert!(p.accepted("A1", token, "M1", secs(t0, 55)));
    assert_eq!(p.next_wake(), Some(secs(t0, 55)));
    assert_eq!(p.due(secs(t0, 54)), vec![]);
    let queries = p.due(secs(t0, 55));
    assert_eq!(queries.len(), 1);
    assert_eq!(&*queries[0].mssp_trans_id, "M1");
    // Still outstanding: nothing more until the deadline.
    p.queried(&queries[0], Ok(None), secs(t0, 55), POLL);
    assert_eq!(p.next_wake(), Some(secs(t0, 60)));
    assert!(rx.try_recv().is_err());
    assert_eq!(p.due(secs(t0, 60)), vec![]);
    assert_eq!(rx.try_recv(), Ok(ClientOutcome::Expired));
    assert_eq!(p.len(), 0);
    assert_eq!(p.next_wake(), None);
}

#[test]
fn a_notification_completes_and_names_the_transaction_to_acknowledge() {
    let t0 = Instant::now();
    let mut p = Pending::default();
    let (mut rx, token, _) = p.register("A1", false, secs(t0, 60), Kind::Notified);
    p.accepted("A1", token, "M1", secs(t0, 55));
    let approved = |pin| ClientOutcome::Approved { pin };
    assert!(matches!(p.notified("A1", approved), Notified::Completed(id) if &*id == "M1"));
    assert_eq!(rx.try_recv(), Ok(ClientOutcome::Approved { pin: false }));
    assert_eq!(p.next_wake(), None);
    // A repeated notification finds nothing.
    assert!(matches!(p.notified("A1", approved), Notified::Unknown));
}

#[test]
fn a_notification_before_the_mssps_answer_waits_for_its_transaction_id() {
    let t0 = Instant::now();
    let mut p = Pending::default();
    let (mut rx, token, _) = p.register("A1", true, secs(t0, 60), Kind::Notified);
    let Notified::Early(mut id) = p.notified("A1", |_| ClientOutcome::UserCancel) else {
        panic!("expected an early notification");
    };
    assert!(rx.try_recv().is_err());
    assert!(!p.accepted("A1", token, "M1", secs(t0, 55)));
    assert_eq!(id.try_recv().as_deref(), Ok("M1"));
    assert_eq!(rx.try_recv(), Ok(ClientOutcome::UserCancel));
    // The MSSP's answer failed instead: the notified outcome still wins.
    let (mut rx, token, _) = p.register("A2", true, secs(t0, 60), Kind::Notified);
    let Notified::Early(_id) = p.notified("A2", |pin| ClientOutcome::Approved { pin }) else {
        panic!("expected an early notification");
    };
    p.refused("A2", token, ClientOutcome::Failed("transport".into()));
    assert_eq!(rx.try_recv(), Ok(ClientOutcome::Approved { pin: true }));
}

#[test]
fn a_polled_transaction_is_asked_every_interval_and_fails_after_three_misses() {
    let t0 = Instant::now();
    let mut p = Pending::default();
    let (mut rx, token, _) = p.register("A1", true, secs(t0, 60), Kind::Polled { failures: 0 });
    p.accepted("A1", token, "M1", secs(t0, 1));
    for s in 1..=2 {
        let q = p.due(secs(t0, s));
        assert_eq!(q.len(), 1);
        p.queried(&q[0], Ok(None), secs(t0, s), POLL);
    }
    for s in 3..=4 {
        let q = p.due(secs(t0, s));
        p.queried(&q[0], Err("refused".into()), secs(t0, s), POLL);
        assert_eq!(p.next_wake(), Some(secs(t0, s + 1)));
    }
    let q = p.due(secs(t0, 5));
    p.queried(&q[0], Err("refused".into()), secs(t0, 5), POLL);
    assert_eq!(rx.try_recv(), Ok(ClientOutcome::Failed("refused".into())));
    // A final answer ends a poll at once.
    let (mut rx, token, _) = p.register("A2", true, secs(t0, 60), Kind::Polled { failures: 0 });
    p.accepted("A2", token, "M2", secs(t0, 1));
    let q = p.due(secs(t0, 1));
    p.queried(
        &q[0],
        Ok(Some(ClientOutcome::PinBlocked)),
        secs(t0, 1),
        POLL,
    );
    assert_eq!(rx.try_recv(), Ok(ClientOutcome::PinBlocked));
}

#[test]
fn registering_again_replaces_and_cancel_forgets() {
    let t0 = Instant::now();
    let mut p = Pending::default();
    let (mut old, old_token, _) = p.register("A1", true, secs(t0, 60), Kind::Notified);
    let (mut rx, token, _) = p.register("A1", true, secs(t0, 90), Kind::Notified);
    assert!(old.try_recv().is_err());
    assert_eq!(p.len(), 1);
    // The older registration can no longer touch the newer one.
    p.cancel("A1", old_token);
    assert!(!p.complete("A1", Some(old_token), ClientOutcome::Expired));
    assert_eq!(p.next_wake(), Some(secs(t0, 90)));
    p.cancel("A1", token);
    assert_eq!((p.len(), p.next_wake()), (0, None));
    assert!(rx.try_recv().is_err());
}
