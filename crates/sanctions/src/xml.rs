//! XML records as small trees, one at a time.
//!
//! The sanctions lists in XML are long runs of self-contained records
//! (`<INDIVIDUAL>`, `<DistinctParty>`, `<Location>` …). [`records`] streams
//! the file and hands each record named in `wanted` to the caller as a
//! [`Node`] tree, so memory holds one record, not the 125 MB of OFAC's
//! advanced file. Malformed XML ends the reading with a [`Problem`] at the
//! line where it broke; the records before it are kept.

use crate::list::Problem;
use quick_xml::events::Event;

#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Text directly inside this element, entities resolved.
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child `name`, if it has any.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// Every element `name` below this one, in document order.
    pub fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

/// Calls `each` with every element whose local name is in `wanted` (the
/// outermost, when they nest) and the 1-based line it starts on.
pub fn records(
    file: &str,
    bytes: &[u8],
    wanted: &[&str],
    mut each: impl FnMut(Node, u64),
    problems: &mut Vec<Problem>,
) {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut lines = crate::list::Lines::new(bytes);
    // The record being built: a stack of open elements.
    let mut stack: Vec<Node> = vec![];
    let mut start_line = 0;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem {
                    file: file.to_string(),
                    line: lines.at(reader.error_position() as usize),
                    reason: format!("malformed XML, reading stopped here: {e}"),
                });
                return;
            }
        };
        let opened = match &event {
            Event::Start(s) => Some((s, false)),
            Event::Empty(s) => Some((s, true)),
            _ => None,
        };
        if let Some((s, empty)) = opened {
            if stack.is_empty()
                && !wanted
                    .iter()
                    .any(|w| w.as_bytes() == s.local_name().as_ref())
            {
                continue;
            }
            if stack.is_empty() {
                start_line = lines.at(before);
            }
            let mut node = Node {
                name: String::from_utf8_lossy(s.local_name().as_ref()).into_owned(),
                ..Node::default()
            };
            for a in s.attributes().flatten() {
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
                node.attrs.push((
                    String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                    value,
                ));
            }
            stack.push(node);
            if empty {
                close(&mut stack, &mut each, start_line);
            }
            continue;
        }
        match event {
            Event::End(_) if !stack.is_empty() => close(&mut stack, &mut each, start_line),
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(
                        &t.xml10_content()
                            .unwrap_or_else(|_| String::from_utf8_lossy(&t).into()),
                    );
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        top.text.push(c);
                    } else if let Some(s) = r
                        .decode()
                        .ok()
                        .and_then(|name| quick_xml::escape::resolve_predefined_entity(&name))
                    {
                        top.text.push_str(s);
                    }
                }
            }
            Event::Eof => {
                if !stack.is_empty() {
                    problems.push(Problem {
                        file: file.to_string(),
                        line: start_line,
                        reason: format!("the file ends inside <{}>", stack[0].name),
                    });
                }
                return;
            }
            _ => {}
        }
    }
}

fn close(stack: &mut Vec<Node>, each: &mut impl FnMut(Node, u64), start_line: u64) {
    let node = stack.pop().expect("a node is open");
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => each(node, start_line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> (Vec<(Node, u64)>, Vec<Problem>) {
        let (mut out, mut problems) = (vec![], vec![]);
        records(
            "t.xml",
            xml.as_bytes(),
            &["R"],
            |n, l| out.push((n, l)),
            &mut problems,
        );
        (out, problems)
    }

    #[test]
    fn records_come_whole_with_attributes_text_and_entities() {
        let (rs, problems) = read(
            "<?xml version=\"1.0\"?>\n<L x=\"1\">\n <R id=\"a&amp;b\"><N>Ri &amp; Pak&#39;s</N><E/><E k='>'/></R>\n <R><N><![CDATA[<x>]]></N></R>\n</L>",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rs.len(), 2);
        let (r, line) = &rs[0];
        assert_eq!(*line, 3);
        assert_eq!(r.attr("id"), Some("a&b"));
        assert_eq!(r.text_of("N"), Some("Ri & Pak's"));
        assert_eq!(
            r.all("E").count(),
            2,
            "empty elements are children, not parents"
        );
        assert_eq!(r.all("E").nth(1).unwrap().attr("k"), Some(">"));
        assert_eq!(rs[1].0.text_of("N"), Some("<x>"));
    }

    #[test]
    fn malformed_xml_keeps_what_came_before_and_says_where() {
        let (rs, problems) = read("<L>\n<R><N>one</N></R>\n<R><N>two</M></R>\n</L>");
        assert_eq!(rs.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3, "{problems:?}");
        let (rs, problems) = read("<L>\n<R><N>one</N></R>\n<R><N>tw");
        assert_eq!(rs.len(), 1);
        assert_eq!(problems.len(), 1, "a truncated file is reported");
    }
}
