//! `idgw trace AUTH_REQ_ID`: the recorded steps of one transaction, drawn as a sequence
//! diagram in the style of `specs/sequence-ciba-sim-applet.txt`, with real times.

use crate::config::Config;
use crate::serve::open_store;
use idgw_store::Event;
use std::path::Path;

/// Lifelines, left to right, in the order of the seed diagram.
const LANES: &[&str] = &["RP", "OP", "MSSP", "OTA", "SMSC", "SIM", "User"];
const WIDTH: usize = 14;

pub async fn trace(file: Option<&Path>, auth_req_id: &str) -> anyhow::Result<()> {
    let config = Config::load(file)?;
    let store = open_store(&config).await?;
    let events = store.events(auth_req_id).await?;
    anyhow::ensure!(
        !events.is_empty(),
        "no recorded steps for auth_req_id {auth_req_id}"
    );
    print!("{}", draw(&events));
    Ok(())
}

fn lane(component: &str) -> usize {
    LANES.iter().position(|l| *l == component).unwrap_or(1)
}

/// Draws one row per event: an arrow from the event's component toward the next lane it
/// talks to, labelled with the step, outcome and time since the first event.
pub fn draw(events: &[Event]) -> String {
    let start = events.first().map(|e| e.at).unwrap_or(0);
    let mut out = String::new();
    let header: String = LANES.iter().map(|l| format!("{l:<WIDTH$}")).collect();
    out.push_str(header.trim_end());
    out.push('\n');
    for e in events {
        let from = lane(&e.component);
        let mut row: Vec<char> = LANES
            .iter()
            .flat_map(|_| {
                let mut cell = vec![' '; WIDTH];
                cell[0] = '|';
                cell
            })
            .collect();
        row[from * WIDTH] = '*';
        out.push_str(row.iter().collect::<String>().trim_end());
        let detail = e
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  +{:>5} ms  {}: {} -> {}{}\n",
            e.at - start,
            e.component,
            e.step,
            e.outcome,
            detail
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_each_step_on_its_lane() {
        let ev = |component: &str, step: &str, at| Event {
            auth_req_id: "a".into(),
            correlation_id: None,
            component: component.into(),
            step: step.into(),
            outcome: "ok".into(),
            detail: None,
            at,
        };
        let text = draw(&[
            ev("RP", "POST /bc-authorize", 1000),
            ev("OP", "Authenticate(MSISDN)", 1003),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("RP"));
        assert!(
            lines[1].starts_with('*') && lines[1].contains("+    0 ms  RP: POST /bc-authorize")
        );
        assert_eq!(lines[2].find('*'), Some(WIDTH));
        assert!(lines[2].contains("+    3 ms"));
    }
}
