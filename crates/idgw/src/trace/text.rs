//! The sequence diagram as text for the terminal: box-drawing lifelines, an arrow per
//! message, a loop per step on a lane.

use super::{correlation_id, width, Layout, LANES};
use idgw_store::Event;

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
    let layout = Layout::new(events);
    let pos = &layout.pos;
    let mut c = Canvas {
        pos,
        end: layout.end,
        out: String::new(),
    };
    if let Some(first) = events.first() {
        c.out
            .push_str(&format!("auth_req_id {}", first.auth_req_id));
        if let Some(id) = correlation_id(events) {
            c.out.push_str(&format!("  correlation_id {id}"));
        }
        c.out.push('\n');
    }
    c.boxes(true);
    for row in &layout.rows {
        let time = format!("+{:>6} ms", row.offset_ms);
        let note = row.note();
        let label = &row.label;
        c.emit(c.row(), "");
        match row.to {
            None => {
                let p = pos[row.from];
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
                let (a, b) = (pos[row.from], pos[to]);
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
    use crate::trace::event;

    #[test]
    fn arrows_span_their_lanes_and_steps_loop_on_theirs() {
        let text = draw(&[
            event("RP", "POST /bc-authorize", 1000),
            event("OP", "Authenticate(MSISDN)", 1003),
            event("OTA->SMSC", "submit_sm", 1010),
            event("SIM->SMSC", "Send(Signed(Response OK))", 1020),
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
}
