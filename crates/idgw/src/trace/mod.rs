//! `idgw trace AUTH_REQ_ID`: the recorded steps of one transaction, drawn as a sequence
//! diagram in the style of `specs/sequence-ciba-sim-applet.txt`, with real times: as text for
//! the terminal ([`text`]), as an SVG image ([`svg`], also for the operator console), or the
//! events themselves as JSON.
//!
//! An event's `component` names its lane (`OP`: a step on the OP's lifeline) or an arrow
//! between two lanes (`OTA->SMSC`: the OTA platform sends to the SMSC). Events recorded
//! before arrows existed (`RP`, the OP's token and notification steps, the AP client's
//! `MSSP` steps) are drawn as the arrows they stand for. Both drawings share one layout
//! ([`Layout`]), in character cells.

pub mod svg;
pub mod text;

use crate::serve::open_existing_store;
use crate::ConfigArg;
use idgw_store::Event;

/// Lifelines, left to right, in the order of the seed diagram.
pub const LANES: &[&str] = &["RP", "OP", "MSSP", "OTA", "SMSC", "SIM", "User"];
const RP: usize = 0;
const OP: usize = 1;
const MSSP: usize = 2;
/// Columns before the first lifeline: the time since the first event.
const MARGIN: usize = 12;
/// Least distance between two lifelines.
const MIN_GAP: usize = 12;
/// Details longer than this are cut.
const MAX_DETAIL: usize = 90;

/// What `idgw trace` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Svg,
    Json,
}

pub async fn trace(args: &ConfigArg, auth_req_id: &str, format: Format) -> anyhow::Result<()> {
    let store = open_existing_store(&args.load()?).await?;
    let events = store.events(auth_req_id).await?;
    anyhow::ensure!(
        !events.is_empty(),
        "no recorded steps for auth_req_id {auth_req_id}"
    );
    match format {
        Format::Text => print!("{}", text::draw(&events)),
        Format::Svg => println!("{}", svg::draw(&events)),
        Format::Json => println!("{:#}", json(&events)),
    }
    Ok(())
}

/// The events as JSON: each with its lanes and its time since the first.
pub fn json(events: &[Event]) -> serde_json::Value {
    let start = events.first().map(|e| e.at).unwrap_or(0);
    let steps: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            let (from, to) = arrow(e);
            serde_json::json!({
                "at": e.at,
                "offset_ms": e.at - start,
                "component": e.component,
                "from": LANES[from],
                "to": to.map(|t| LANES[t]),
                "step": e.step,
                "outcome": e.outcome,
                "detail": e.detail,
            })
        })
        .collect();
    serde_json::json!({
        "auth_req_id": events.first().map(|e| e.auth_req_id.as_str()),
        "correlation_id": correlation_id(events),
        "events": steps,
    })
}

fn correlation_id(events: &[Event]) -> Option<&str> {
    events.iter().find_map(|e| e.correlation_id.as_deref())
}

fn lane(name: &str) -> Option<usize> {
    LANES.iter().position(|l| *l == name)
}

/// The lane an event starts on and, for a message, the lane it goes to.
fn arrow(e: &Event) -> (usize, Option<usize>) {
    if let Some((from, to)) = e.component.split_once("->") {
        if let (Some(from), Some(to)) = (lane(from), lane(to)) {
            return (from, (from != to).then_some(to));
        }
    }
    let step = e.step.as_str();
    match e.component.as_str() {
        "RP" => (RP, Some(OP)),
        "OP" if step.starts_with("tokens issued") || step.starts_with("POST notification") => {
            (OP, Some(RP))
        }
        "MSSP" if step.starts_with("MSS_SignatureReq (") => (OP, Some(MSSP)),
        "MSSP" if step.starts_with("MSS_StatusResp") => (MSSP, Some(OP)),
        other => (lane(other).unwrap_or(OP), None),
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// One event as drawn: its lanes, numbered label, time since the first event, and the note
/// beside it (outcome, then the detail, cut).
struct Row<'a> {
    from: usize,
    to: Option<usize>,
    label: String,
    offset_ms: i64,
    outcome: &'a str,
    detail: Option<String>,
    /// The whole detail, when it was cut.
    full_detail: Option<&'a str>,
}

impl Row<'_> {
    fn note(&self) -> String {
        match &self.detail {
            Some(d) => format!("[{}] {d}", self.outcome),
            None => format!("[{}]", self.outcome),
        }
    }
}

/// Where everything goes, in character cells: lifeline columns and the right edge.
struct Layout<'a> {
    rows: Vec<Row<'a>>,
    pos: Vec<usize>,
    end: usize,
}

impl<'a> Layout<'a> {
    fn new(events: &'a [Event]) -> Layout<'a> {
        let start = events.first().map(|e| e.at).unwrap_or(0);
        let rows: Vec<Row> = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (from, to) = arrow(e);
                let cut = e.detail.as_deref().filter(|d| width(d) > MAX_DETAIL);
                Row {
                    from,
                    to,
                    label: format!("{}. {}", i + 1, e.step),
                    offset_ms: e.at - start,
                    outcome: &e.outcome,
                    detail: e.detail.as_deref().map(|d| match cut {
                        Some(_) => format!("{}…", d.chars().take(MAX_DETAIL).collect::<String>()),
                        None => d.to_string(),
                    }),
                    full_detail: cut,
                }
            })
            .collect();
        let (pos, end) = columns(&rows);
        Layout { rows, pos, end }
    }
}

/// The lifelines' columns: wide enough for every label between them.
fn columns(rows: &[Row]) -> (Vec<usize>, usize) {
    let mut gap: Vec<usize> = LANES
        .windows(2)
        .map(|w| MIN_GAP.max(width(w[0]) / 2 + width(w[1]) / 2 + 4))
        .collect();
    let mut tail = MIN_GAP;
    for row in rows {
        let need = width(&row.label);
        match row.to {
            None if row.from + 1 == LANES.len() => tail = tail.max(need + 8),
            None => gap[row.from] = gap[row.from].max(need + 8),
            Some(to) => {
                let (lo, hi) = (row.from.min(to), row.from.max(to));
                let have: usize = gap[lo..hi].iter().sum();
                if have < need + 4 {
                    gap[hi - 1] += need + 4 - have;
                }
            }
        }
    }
    let mut pos = vec![MARGIN + 3];
    for g in &gap {
        pos.push(pos.last().unwrap() + g);
    }
    let end = pos.last().unwrap() + tail;
    (pos, end)
}

#[cfg(test)]
pub(crate) fn event(component: &str, step: &str, at: i64) -> Event {
    Event {
        auth_req_id: "a".into(),
        correlation_id: Some("c-1".into()),
        component: component.into(),
        step: step.into(),
        outcome: "ok".into(),
        detail: Some("d".into()),
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_events_keep_their_arrows() {
        let e = |c: &str, s: &str| arrow(&event(c, s, 0));
        assert_eq!(e("RP", "POST /bc-authorize"), (RP, Some(OP)));
        assert_eq!(e("OP", "tokens issued (poll)"), (OP, Some(RP)));
        assert_eq!(e("OP", "POST notification"), (OP, Some(RP)));
        assert_eq!(e("OP", "Authentication OK"), (OP, None));
        assert_eq!(
            e("MSSP", "MSS_SignatureReq (asynchClientServer)"),
            (OP, Some(MSSP))
        );
        assert_eq!(e("MSSP", "MSS_StatusResp"), (MSSP, Some(OP)));
        assert_eq!(e("User->SIM", "PIN entered"), (6, Some(5)));
        assert_eq!(e("Elsewhere", "x"), (OP, None));
    }

    #[test]
    fn json_lists_every_event_with_its_lanes_and_offset() {
        let mut denied = event("SIM->SMSC", "Send(Signed(Response))", 1020);
        denied.outcome = "denied".into();
        denied.detail = None;
        let value = json(&[event("RP", "POST /bc-authorize", 1000), denied]);
        assert_eq!(value["auth_req_id"], "a");
        assert_eq!(value["correlation_id"], "c-1");
        let events = value["events"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["from"], "RP");
        assert_eq!(events[0]["to"], "OP");
        assert_eq!(events[0]["offset_ms"], 0);
        assert_eq!(events[1]["from"], "SIM");
        assert_eq!(events[1]["to"], "SMSC");
        assert_eq!(events[1]["offset_ms"], 20);
        assert_eq!(events[1]["at"], 1020);
        assert_eq!(events[1]["outcome"], "denied");
        assert!(events[1]["detail"].is_null());
    }
}
