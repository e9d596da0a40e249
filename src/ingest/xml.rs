//! A small XML tree for the package files readers look into (EPUB's container, OPF and NCX,
//! DOCX's document, poppler's page XML), parsed with quick-xml.
//!
//! Names are local names (`dc:title` is `title`): the files mix prefixes freely and no
//! reader here needs namespaces to tell elements apart. Depth and node count are bounded,
//! so a hostile file costs at most [`MAX_NODES`] nodes of memory.

use quick_xml::events::Event;

/// An element: its local name, attributes (local names) and children in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// Why a package file is not XML this reader can use.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML near byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("XML nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("XML with more than {MAX_NODES} nodes")]
    TooLarge,
}

/// Deeper nesting than this is refused: no package file comes near it.
pub const MAX_DEPTH: usize = 512;
/// More nodes than this are refused (a 300-page PDF's page XML has about 100,000).
pub const MAX_NODES: usize = 4_000_000;

impl Element {
    /// The value of attribute `name` (a local name).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// Every element called `name` in this subtree, in document order (depth first).
    pub fn descendants<'a>(&'a self, name: &'a str) -> Vec<&'a Element> {
        let mut found = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            if e.name == name {
                found.push(e);
            }
            stack.extend(e.elements().collect::<Vec<_>>().into_iter().rev());
        }
        found
    }

    /// All text in this subtree, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut stack: Vec<&Node> = self.children.iter().rev().collect();
        while let Some(n) = stack.pop() {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => stack.extend(e.children.iter().rev()),
            }
        }
        out
    }
}

/// Parses `source` into its root element (a synthetic element named `""` holding every
/// top-level node).
pub fn parse(source: &str) -> Result<Element, XmlError> {
    let mut reader = quick_xml::Reader::from_str(source);
    reader.config_mut().check_end_names = false;
    let mut stack = vec![Element::default()];
    let mut nodes = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| XmlError::Malformed {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(XmlError::TooLarge);
        }
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let element = Element {
                    name: local(start.name().as_ref()).to_owned(),
                    attributes: start
                        .attributes()
                        .flatten()
                        .map(|a| {
                            let value = quick_xml::escape::unescape(&a.value)
                                .map(|v| v.into_owned())
                                .unwrap_or_else(|_| a.value.to_string());
                            (local(a.key.as_ref()).to_owned(), value)
                        })
                        .collect(),
                    children: Vec::new(),
                };
                if empty {
                    push(&mut stack, Node::Element(element));
                } else {
                    if stack.len() > MAX_DEPTH {
                        return Err(XmlError::TooDeep);
                    }
                    stack.push(element);
                }
            }
            Event::End(_) => close(&mut stack),
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(data) => push_text(&mut stack, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let c = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => named_entity(&reference.into_inner()),
                };
                if let Some(c) = c {
                    push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    Ok(stack.pop().unwrap_or_default())
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    })
}

fn push(stack: &mut [Element], node: Node) {
    if let Some(top) = stack.last_mut() {
        top.children.push(node);
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(last)) = top.children.last_mut() {
            last.push_str(text);
        } else {
            top.children.push(Node::Text(text.to_owned()));
        }
    }
}

/// Closes the innermost open element (an unmatched end tag at the top level is ignored).
fn close(stack: &mut Vec<Element>) {
    if stack.len() > 1
        && let Some(done) = stack.pop()
    {
        push(stack, Node::Element(done));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_prefixes_and_entities_are_decoded() {
        let root = parse(
            r#"<?xml version="1.0"?><package><metadata><dc:title>A &amp; B &#x4E2D;</dc:title><meta name="x" content="1 &lt; 2"/></metadata></package>"#,
        )
        .unwrap();
        let package = root.child("package").unwrap();
        let title = &package.descendants("title")[0];
        assert_eq!(title.text(), "A & B 中");
        assert_eq!(
            package.descendants("meta")[0].attribute("content"),
            Some("1 < 2")
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let source = "<a>".repeat(100_000);
        assert!(matches!(parse(&source), Err(XmlError::TooDeep)));
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        for source in [
            "<a",
            "<a b=>",
            "<<<",
            "<a></b></c>",
            "&#xFFFFFFFF;",
            "\u{0}",
        ] {
            let _ = parse(source);
        }
    }
}
