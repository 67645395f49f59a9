//! A small, bounded element tree built from quick-xml's namespace-aware
//! reader. The SOAP decoder works on this tree rather than on the event
//! stream, so element order, whitespace, attribute order and the choice of
//! prefixes do not matter.
//!
//! Hardening: DOCTYPE is refused (so no entity can be declared: no XXE, no
//! entity expansion bombs), only the five predefined entities and character
//! references are resolved, and input size, depth and element count are
//! capped.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use crate::DecodeError;

/// Largest SOAP document accepted (a request with a 64 KiB DataToBeSigned
/// fits comfortably).
pub const MAX_XML_BYTES: usize = 256 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 4096;

/// One element: namespace, local name, attributes by local name, direct text
/// and child elements, and its byte span in the input.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub ns: Option<String>,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
    pub start: usize,
    pub end: usize,
}

impl Element {
    /// The value of the attribute with this local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True if the element is in namespace `ns`.
    pub fn in_ns(&self, ns: &str) -> bool {
        self.ns.as_deref() == Some(ns)
    }

    /// Direct text with surrounding whitespace trimmed.
    pub fn trimmed_text(&self) -> &str {
        self.text.trim()
    }

    /// All text of this element and its descendants, in document order
    /// (approximately: direct text first), trimmed.
    pub fn deep_text(&self) -> String {
        let mut out = self.text.trim().to_owned();
        for child in &self.children {
            let t = child.deep_text();
            if !t.is_empty() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&t);
            }
        }
        out
    }

    /// The first descendant (depth first) with this local name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        for child in &self.children {
            if child.name == name {
                return Some(child);
            }
            if let Some(found) = child.find(name) {
                return Some(found);
            }
        }
        None
    }
}

fn malformed(e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Malformed(e.to_string())
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Parses `input` into its root element.
pub fn parse(input: &[u8]) -> Result<Element, DecodeError> {
    if input.len() > MAX_XML_BYTES {
        return Err(DecodeError::TooLarge {
            size: input.len(),
            limit: MAX_XML_BYTES,
        });
    }
    let text = std::str::from_utf8(input).map_err(|_| malformed("not UTF-8"))?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let (resolved, event) = reader.read_resolved_event().map_err(malformed)?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => {
                return Err(malformed(format!(
                    "undeclared prefix {}",
                    String::from_utf8_lossy(&prefix)
                )))
            }
        };
        match event {
            Event::DocType(_) => return Err(DecodeError::Doctype),
            Event::Start(ref e) | Event::Empty(ref e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(malformed("too many elements"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed("nesting too deep"));
                }
                if root.is_some() {
                    return Err(malformed("content after the root element"));
                }
                let mut el = Element {
                    ns,
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    start,
                    ..Element::default()
                };
                for attr in e.attributes() {
                    let attr = attr.map_err(malformed)?;
                    if attr.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
                    let value = attr
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(malformed)?
                        .into_owned();
                    el.attrs.push((key, value));
                }
                if matches!(event, Event::Empty(_)) {
                    el.end = reader.buffer_position() as usize;
                    attach(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let mut el = stack.pop().ok_or_else(|| malformed("unmatched end tag"))?;
                el.end = reader.buffer_position() as usize;
                attach(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let t = t.decode().map_err(malformed)?;
                push_text(&mut stack, &t)?;
            }
            Event::CData(c) => {
                let c = c.decode().map_err(malformed)?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&c),
                    None => return Err(malformed("CDATA outside the root element")),
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(malformed)? {
                    Some(ch) => ch,
                    None => {
                        let name = r.decode().map_err(malformed)?;
                        predefined_entity(&name)
                            .ok_or_else(|| malformed(format!("undeclared entity &{name};")))?
                    }
                };
                push_text(&mut stack, ch.encode_utf8(&mut [0; 4]))?;
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("unclosed element"));
    }
    root.ok_or_else(|| malformed("no root element"))
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), DecodeError> {
    match stack.last_mut() {
        Some(top) => {
            top.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(malformed("text outside the root element")),
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_namespaces_entities_and_spans() {
        let xml = r#"<?xml version="1.0"?><a:r xmlns:a="urn:a" x="1 &amp; 2"><b>t&lt;&#65;<![CDATA[<c>]]></b><c xmlns="urn:c"/></a:r>"#;
        let root = parse(xml.as_bytes()).unwrap();
        assert_eq!(root.name, "r");
        assert!(root.in_ns("urn:a"));
        assert_eq!(root.attr("x"), Some("1 & 2"));
        assert_eq!(root.children[0].text, "t<A<c>");
        assert_eq!(root.children[0].ns, None);
        assert!(root.children[1].in_ns("urn:c"));
        let b = &root.children[0];
        assert_eq!(&xml[b.start..b.end], "<b>t&lt;&#65;<![CDATA[<c>]]></b>");
    }

    #[test]
    fn refuses_doctype_entities_and_garbage() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(parse(xxe.as_bytes()).unwrap_err(), DecodeError::Doctype);
        assert!(matches!(
            parse(b"<r>&x;</r>"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            parse(b"<r><s></r>"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(parse(b"<r/><r/>"), Err(DecodeError::Malformed(_))));
        assert!(matches!(parse(b""), Err(DecodeError::Malformed(_))));
        assert!(matches!(parse(b"<p:r/>"), Err(DecodeError::Malformed(_))));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(DecodeError::Malformed(_))
        ));
        let big = vec![b' '; MAX_XML_BYTES + 1];
        assert!(matches!(parse(&big), Err(DecodeError::TooLarge { .. })));
    }
}
