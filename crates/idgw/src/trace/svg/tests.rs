//! The SVG is checked by reading it back with an XML parser: well-formed, the elements the
//! diagram needs, and hostile text arriving as text.

use super::*;
use crate::trace::event;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event as Xml;
use quick_xml::{Reader, XmlVersion};

/// An element as read back: name, attributes, its own text.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Element {
    fn attr(&self, key: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} on {self:?}"))
    }
}

/// Every element of `svg` in document order; panics unless it is well-formed XML.
fn parse(svg: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(svg);
    let mut all: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Xml::Start(e) => {
                all.push(element(&e));
                open.push(all.len() - 1);
            }
            Xml::Empty(e) => all.push(element(&e)),
            Xml::End(_) => {
                open.pop().expect("balanced");
            }
            Xml::Text(t) => {
                let at = *open.last().expect("text inside an element");
                all[at].text.push_str(&t.decode().unwrap());
            }
            Xml::GeneralRef(r) => {
                let name = r.decode().unwrap();
                let ch = resolve_predefined_entity(&name).expect("predefined entity");
                let at = *open.last().expect("reference inside an element");
                all[at].text.push_str(ch);
            }
            Xml::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    all
}

fn element(e: &quick_xml::events::BytesStart) -> Element {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("attribute");
            let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
            (
                key,
                a.normalized_value(XmlVersion::Implicit1_0).unwrap().into(),
            )
        })
        .collect();
    Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs,
        text: String::new(),
    }
}

fn texts(all: &[Element]) -> Vec<&str> {
    all.iter()
        .filter(|e| e.name == "text" || e.name == "tspan")
        .map(|e| e.text.as_str())
        .collect()
}

#[test]
fn lanes_arrows_times_and_outcomes_are_drawn() {
    let svg = draw(&[
        event("RP", "POST /bc-authorize", 1000),
        event("OP", "Authenticate(MSISDN)", 1003),
        event("OTA->SMSC", "submit_sm", 1010),
        event("SIM->SMSC", "Send(Signed(Response OK))", 1020),
    ]);
    let all = parse(&svg);
    assert_eq!(all[0].name, "svg");
    assert_eq!(all[0].attr("xmlns"), "http://www.w3.org/2000/svg");
    let t = texts(&all);
    // The lanes in the seed diagram's order, above and below.
    let lanes: Vec<&str> = t.iter().copied().filter(|s| LANES.contains(s)).collect();
    assert_eq!(lanes, [LANES, LANES].concat());
    for needle in [
        "1. POST /bc-authorize",
        "2. Authenticate(MSISDN)",
        "3. submit_sm",
        "4. Send(Signed(Response OK))",
        "+0 ms",
        "+3 ms",
        "+10 ms",
        "+20 ms",
        "[ok]",
    ] {
        assert!(t.contains(&needle), "{needle} missing from {t:?}");
    }
    assert!(t[0].contains("auth_req_id a") && t[0].contains("correlation_id c-1"));
    // One arrowhead per event; the message arrows point the right way.
    let heads: Vec<&Element> = all.iter().filter(|e| e.name == "polygon").collect();
    assert_eq!(heads.len(), 4);
    let tip_x =
        |e: &Element| -> usize { e.attr("points").split(',').next().unwrap().parse().unwrap() };
    let lines: Vec<&Element> = all
        .iter()
        .filter(|e| e.name == "line" && e.attrs.iter().all(|(k, _)| k != "stroke-dasharray"))
        .collect();
    assert_eq!(lines.len(), 3, "three messages, one loop");
    let x1 = |e: &Element| -> usize { e.attr("x1").parse().unwrap() };
    // RP -> OP and OTA -> SMSC go right, SIM -> SMSC goes left.
    assert!(tip_x(heads[0]) > x1(lines[0]));
    assert!(tip_x(heads[2]) > x1(lines[1]));
    assert!(tip_x(heads[3]) < x1(lines[2]));
    // The step on the OP's lane is a loop.
    assert_eq!(all.iter().filter(|e| e.name == "path").count(), 1);
    // Nothing that loads or runs anything.
    for e in &all {
        assert!(
            ["svg", "title", "rect", "text", "tspan", "line", "polygon", "path", "g"]
                .contains(&e.name.as_str()),
            "{}",
            e.name
        );
        assert!(e
            .attrs
            .iter()
            .all(|(k, _)| !k.starts_with("on") && k != "href"));
    }
}

#[test]
fn hostile_text_stays_text() {
    let mut e = event("RP", "</text><script>alert(1)</script><text>", 0);
    e.outcome = "<b>\"ok\" & 'fine'</b>".into();
    e.detail = Some("detail \u{1} with a control and ]]> too".into());
    e.auth_req_id = "\"><svg onload=alert(1)>".into();
    let svg = draw(&[e]);
    assert!(!svg.contains('\u{1}'), "XML 1.0 cannot carry C0 controls");
    let all = parse(&svg);
    assert!(all
        .iter()
        .all(|e| !["script", "b"].contains(&e.name.as_str())));
    assert_eq!(all.iter().filter(|e| e.name == "svg").count(), 1);
    let t = texts(&all);
    assert!(t.contains(&"1. </text><script>alert(1)</script><text>"));
    assert!(t.contains(&"[<b>\"ok\" & 'fine'</b>]"));
    assert!(t
        .iter()
        .any(|s| s.contains("detail \u{FFFD} with a control and ]]> too")));
    assert!(all[0]
        .attr("aria-label")
        .contains("\"><svg onload=alert(1)>"));
}

#[test]
fn long_details_are_cut_on_the_row_and_whole_in_its_title() {
    let mut e = event("OP", "step", 0);
    let long = "x".repeat(200);
    e.detail = Some(long.clone());
    let all = parse(&draw(&[e]));
    let note = all
        .iter()
        .find(|e| e.name == "text" && e.text.contains("xxx"))
        .unwrap();
    assert!(note.text.ends_with('…') && note.text.len() < 200);
    assert!(all
        .iter()
        .any(|e| e.name == "title" && e.text.ends_with(&long)));
}

#[test]
fn escape_covers_markup_and_controls() {
    assert_eq!(
        escape(r#"<a href="x">&'"#),
        "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
    );
    assert_eq!(escape("a\u{0}b\u{1f}c\td"), "a\u{FFFD}b\u{FFFD}c\td");
}
