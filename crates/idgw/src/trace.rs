//! `idgw trace AUTH_REQ_ID`: the recorded steps of one transaction, drawn as a sequence
//! diagram in the style of `specs/sequence-ciba-sim-applet.txt`, with real times.
//!
//! An event's `component` names its lane (`OP`: a step on the OP's lifeline) or an arrow
//! between two lanes (`OTA->SMSC`: the OTA platform sends to the SMSC). Events recorded
//! before arrows existed (`RP`, the OP's token and notification steps, the AP client's
//! `MSSP` steps) are drawn as the arrows they stand for.

use crate::serve::open_existing_store;
use crate::ConfigArg;
use idgw_store::Event;

/// Lifelines, left to right, in the order of the seed diagram.
const LANES: &[&str] = &["RP", "OP", "MSSP", "OTA", "SMSC", "SIM", "User"];
const RP: usize = 0;
const OP: usize = 1;
const MSSP: usize = 2;
/// Columns before the first lifeline: the time since the first event.
const MARGIN: usize = 12;
/// Least distance between two lifelines.
const MIN_GAP: usize = 12;
/// Details longer than this are cut.
const MAX_DETAIL: usize = 90;

pub async fn trace(args: &ConfigArg, auth_req_id: &str) -> anyhow::Result<()> {
    let store = open_existing_store(&args.load()?).await?;
    let events = store.events(auth_req_id).await?;
    anyhow::ensure!(
        !events.is_empty(),
        "no recorded steps for auth_req_id {auth_req_id}"
    );
    print!("{}", draw(&events));
    Ok(())
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

/// The lifelines' columns: wide enough for every label between them.
fn columns(rows: &[(usize, Option<usize>, String)]) -> (Vec<usize>, usize) {
    let mut gap: Vec<usize> = LANES
        .windows(2)
        .map(|w| MIN_GAP.max(width(w[0]) / 2 + width(w[1]) / 2 + 4))
        .collect();
    let mut tail = MIN_GAP;
    for (from, to, label) in rows {
        let need = width(label);
        match to {
            None if *from + 1 == LANES.len() => tail = tail.max(need + 8),
            None => gap[*from] = gap[*from].max(need + 8),
            Some(to) => {
                let (lo, hi) = (*from.min(to), *from.max(to));
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

struct Canvas<'a> {
    pos: &'a [usize],
    end: usize,
    out: String,
}

impl Canvas<'_> {
    fn row(&self) -> Vec<char> {
        let mut row = vec![' '; self.end];
        for &p in self.pos {
            row[p] = '│';
        }
        row
    }

    fn put(row: &mut Vec<char>, at: usize, text: &str) {
        for (i, c) in text.chars().enumerate() {
            if at + i >= row.len() {
                row.resize(at + i + 1, ' ');
            }
            row[at + i] = c;
        }
    }

    fn emit(&mut self, mut row: Vec<char>, note: &str) {
        if !note.is_empty() {
            Self::put(&mut row, self.end + 2, note);
        }
        let line: String = row.into_iter().collect();
        self.out.push_str(line.trim_end());
        self.out.push('\n');
    }

    /// The lane names in boxes; `top` for the header (the lifeline leaves the box below).
    fn boxes(&mut self, top: bool) {
        let mut rows = [
            vec![' '; self.end],
            vec![' '; self.end],
            vec![' '; self.end],
        ];
        for (name, &p) in LANES.iter().zip(self.pos) {
            let n = width(name);
            let start = p - n.div_ceil(2);
            Self::put(&mut rows[0], start, &format!("┌{}┐", "─".repeat(n)));
            Self::put(&mut rows[1], start, &format!("│{name}│"));
            Self::put(&mut rows[2], start, &format!("└{}┘", "─".repeat(n)));
            if top {
                rows[2][p] = '┬';
            } else {
                rows[0][p] = '┴';
            }
        }
        for row in rows {
            self.emit(row, "");
        }
    }
}

/// Draws the events as a sequence diagram: an arrow per message, a loop per step on a
/// lane, each numbered, with its time since the first event on the left and its outcome
/// and detail on the right.
pub fn draw(events: &[Event]) -> String {
    let start = events.first().map(|e| e.at).unwrap_or(0);
    let rows: Vec<(usize, Option<usize>, String)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (from, to) = arrow(e);
            (from, to, format!("{}. {}", i + 1, e.step))
        })
        .collect();
    let (pos, end) = columns(&rows);
    let mut c = Canvas {
        pos: &pos,
        end,
        out: String::new(),
    };
    if let Some(first) = events.first() {
        c.out
            .push_str(&format!("auth_req_id {}", first.auth_req_id));
        if let Some(id) = events.iter().find_map(|e| e.correlation_id.as_deref()) {
            c.out.push_str(&format!("  correlation_id {id}"));
        }
        c.out.push('\n');
    }
    c.boxes(true);
    for (e, (from, to, label)) in events.iter().zip(&rows) {
        let time = format!("+{:>6} ms", e.at - start);
        let mut note = format!("[{}]", e.outcome);
        if let Some(d) = &e.detail {
            let cut: String = d.chars().take(MAX_DETAIL).collect();
            note.push(' ');
            note.push_str(&cut);
            if width(d) > MAX_DETAIL {
                note.push('…');
            }
        }
        c.emit(c.row(), "");
        match to {
            None => {
                let p = pos[*from];
                let mut top = c.row();
                Canvas::put(&mut top, p, "│────┐");
                c.emit(top, "");
                let mut mid = c.row();
                Canvas::put(&mut mid, 0, &time);
                Canvas::put(&mut mid, p + 5, "│ ");
                Canvas::put(&mut mid, p + 7, label);
                c.emit(mid, &note);
                let mut bottom = c.row();
                Canvas::put(&mut bottom, p, "│<───┘");
                c.emit(bottom, "");
            }
            Some(to) => {
                let (a, b) = (pos[*from], pos[*to]);
                let (lo, hi) = (a.min(b), a.max(b));
                let mut text = c.row();
                Canvas::put(&mut text, 0, &time);
                let centred = lo + (hi - lo).saturating_sub(width(label)) / 2;
                Canvas::put(&mut text, centred.max(lo + 2), label);
                c.emit(text, &note);
                let mut line = c.row();
                let body = "─".repeat(hi - lo - 2);
                if a < b {
                    Canvas::put(&mut line, lo + 1, &format!("{body}>"));
                } else {
                    Canvas::put(&mut line, lo + 1, &format!("<{body}"));
                }
                c.emit(line, "");
            }
        }
    }
    c.emit(c.row(), "");
    c.boxes(false);
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(component: &str, step: &str, at: i64) -> Event {
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

    #[test]
    fn arrows_span_their_lanes_and_steps_loop_on_theirs() {
        let text = draw(&[
            ev("RP", "POST /bc-authorize", 1000),
            ev("OP", "Authenticate(MSISDN)", 1003),
            ev("OTA->SMSC", "submit_sm", 1010),
            ev("SIM->SMSC", "Send(Signed(Response OK))", 1020),
        ]);
        println!("{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "auth_req_id a  correlation_id c-1");
        assert!(lines[2].contains("│RP│") && lines[2].contains("│User│"));
        let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
        // RP -> OP: the label, then the arrow pointing right.
        let i = at("1. POST /bc-authorize");
        assert!(lines[i].starts_with("+     0 ms") && lines[i].ends_with("[ok] d"));
        assert!(lines[i + 1].contains("│────") && lines[i + 1].contains("─>│"));
        // A step on the OP's lifeline loops back onto it.
        let i = at("2. Authenticate(MSISDN)");
        assert!(lines[i].starts_with("+     3 ms"));
        assert!(lines[i - 1].contains("│────┐") && lines[i + 1].contains("│<───┘"));
        // OTA -> SMSC goes right, SIM -> SMSC left.
        let i = at("3. submit_sm");
        assert!(lines[i + 1].contains("─>│"));
        let i = at("4. Send(Signed(Response OK))");
        assert!(lines[i + 1].contains("│<─"));
        assert!(lines[i].starts_with("+    20 ms"));
    }

    #[test]
    fn old_events_keep_their_arrows() {
        let e = |c: &str, s: &str| arrow(&ev(c, s, 0));
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
}
