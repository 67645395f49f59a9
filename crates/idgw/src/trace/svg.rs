//! The sequence diagram as an SVG image: `idgw trace --format svg`, and the operator
//! console's drawing of a transaction. [`draw`] is pure (events in, SVG text out) and
//! self-contained: no scripts, styles, fonts, links or ids, so the image can be inlined in a
//! page under a strict Content-Security-Policy, several to a page. Every text is escaped.
//!
//! The layout is the text diagram's ([`super::Layout`], in character cells) scaled to pixels:
//! lanes RP, OP, MSSP, OTA, SMSC, SIM and User as boxes with dashed lifelines, one row per
//! event with its time since the first event on the left, an arrow (or, for a step on one
//! lane, a loop) labelled with the step, and the outcome and detail on the right; hovering a
//! row shows it whole (`<title>`).

use super::{correlation_id, width, Layout, Row, LANES};
use idgw_store::Event;
use std::fmt::Write;

/// Pixels per character cell of the layout (12 px monospace is about 7.2 px wide).
const CELL: usize = 8;
/// Height of one event's row.
const ROW: usize = 40;
/// Top of the lane boxes, below the title line.
const BOXES: usize = 30;
const BOX_H: usize = 24;
const INK: &str = "#223344";
const FAINT: &str = "#8899aa";

/// Draws `events` as an SVG document.
pub fn draw(events: &[Event]) -> String {
    let layout = Layout::new(events);
    let x = |cell: usize| cell * CELL;
    let note_x = x(layout.end) + 2 * CELL;
    let widest_note = layout.rows.iter().map(|r| width(&r.note())).max();
    let w = note_x + widest_note.unwrap_or(0) * CELL + 2 * CELL;
    let first_row = BOXES + BOX_H + ROW;
    let bottom_boxes = first_row + layout.rows.len() * ROW;
    let h = bottom_boxes + BOX_H + 10;

    let mut title = String::from("idgw trace");
    if let Some(first) = events.first() {
        let _ = write!(title, "  auth_req_id {}", first.auth_req_id);
    }
    if let Some(id) = correlation_id(events) {
        let _ = write!(title, "  correlation_id {id}");
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="monospace" font-size="12" role="img" aria-label="{t}">"#,
        t = escape(&title)
    );
    let _ = write!(out, "<title>{}</title>", escape(&title));
    let _ = write!(out, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    let _ = write!(
        out,
        r#"<text x="8" y="18" font-weight="bold" fill="{INK}">{}</text>"#,
        escape(&title)
    );
    for &p in &layout.pos {
        let _ = write!(
            out,
            r#"<line x1="{cx}" y1="{top}" x2="{cx}" y2="{bottom_boxes}" stroke="{FAINT}" stroke-dasharray="4 4"/>"#,
            cx = x(p),
            top = BOXES + BOX_H,
        );
    }
    lane_boxes(&mut out, &layout.pos, BOXES);
    lane_boxes(&mut out, &layout.pos, bottom_boxes);
    for (i, row) in layout.rows.iter().enumerate() {
        let y = first_row + i * ROW - ROW / 2;
        event_row(&mut out, row, y, &layout.pos, note_x);
    }
    out.push_str("</svg>");
    out
}

fn lane_boxes(out: &mut String, pos: &[usize], top: usize) {
    for (name, &p) in LANES.iter().zip(pos) {
        let bw = (width(name) + 2) * CELL;
        let _ = write!(
            out,
            r##"<rect x="{bx}" y="{top}" width="{bw}" height="{BOX_H}" rx="3" fill="#eef2f8" stroke="{INK}"/><text x="{cx}" y="{ty}" text-anchor="middle" font-weight="bold" fill="{INK}">{name}</text>"##,
            bx = p * CELL - bw / 2,
            cx = p * CELL,
            ty = top + 16,
            name = escape(name),
        );
    }
}

/// One event at height `y`: its arrow or loop, label, time and note.
fn event_row(out: &mut String, row: &Row, y: usize, pos: &[usize], note_x: usize) {
    let mut whole = format!("{} [{}]", row.label, row.outcome);
    if let Some(d) = row.full_detail.or(row.detail.as_deref()) {
        let _ = write!(whole, " {d}");
    }
    let _ = write!(out, "<g><title>{}</title>", escape(&whole));
    let _ = write!(
        out,
        r#"<text x="8" y="{ty}" fill="{FAINT}">+{} ms</text>"#,
        row.offset_ms,
        ty = y + 4
    );
    let from = pos[row.from] * CELL;
    match row.to {
        Some(to) => {
            let to = pos[to] * CELL;
            let (tip, back) = if to > from {
                (to - 1, to - 9)
            } else {
                (to + 1, to + 9)
            };
            let _ = write!(
                out,
                r#"<line x1="{from}" y1="{y}" x2="{back}" y2="{y}" stroke="{INK}" stroke-width="1.5"/><polygon points="{tip},{y} {back},{a} {back},{b}" fill="{INK}"/>"#,
                a = y - 4,
                b = y + 4,
            );
            let _ = write!(
                out,
                r#"<text x="{cx}" y="{ty}" text-anchor="middle" fill="{INK}">{}</text>"#,
                escape(&row.label),
                cx = (from + to) / 2,
                ty = y - 6,
            );
        }
        None => {
            let _ = write!(
                out,
                r#"<path d="M{from} {top} h24 v16 h-15" fill="none" stroke="{INK}" stroke-width="1.5"/><polygon points="{tip},{end} {back},{a} {back},{b}" fill="{INK}"/>"#,
                top = y - 8,
                tip = from + 1,
                back = from + 9,
                end = y + 8,
                a = y + 4,
                b = y + 12,
            );
            let _ = write!(
                out,
                r#"<text x="{lx}" y="{ty}" fill="{INK}">{}</text>"#,
                escape(&row.label),
                lx = from + 30,
                ty = y + 4,
            );
        }
    }
    let detail = row
        .detail
        .as_deref()
        .map(|d| format!(" {}", escape(d)))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<text x="{note_x}" y="{ty}" fill="{INK}"><tspan font-weight="bold">[{}]</tspan>{detail}</text></g>"#,
        escape(row.outcome),
        ty = y + 4,
    );
}

/// `text` as XML character data or attribute value: markup characters escaped, and the
/// characters XML 1.0 cannot carry at all (most C0 controls) replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
