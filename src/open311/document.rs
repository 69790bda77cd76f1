//! One document model for both Open311 formats. GeoReport v2 defines its answers in XML and
//! derives JSON mechanically from it (the "Spark convention"): list wrappers disappear, so a
//! list is a JSON array while in XML it is a wrapper element holding one element per item.
//! Building each answer once as a [`Node`] and rendering it twice keeps the two formats
//! identical by construction.

use serde_json::{Map, Value};

use super::xml::XmlWriter;

/// A value of an Open311 answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Named fields, in order (an XML element's children, a JSON object).
    Object(Vec<(&'static str, Node)>),
    /// A list whose items are XML elements named `item` (a JSON array).
    List {
        /// The element name of each item, e.g. `service` inside `services`.
        item: &'static str,
        /// The items.
        items: Vec<Node>,
    },
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A decimal number (coordinates).
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// An absent optional field: JSON `null`, an empty XML element.
    Null,
}

impl Node {
    /// Text, or `Null` when absent.
    pub fn opt_text(value: Option<impl Into<String>>) -> Node {
        value.map_or(Node::Null, |v| Node::Text(v.into()))
    }

    /// A list of items named `item`.
    pub fn list(item: &'static str, items: Vec<Node>) -> Node {
        Node::List { item, items }
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            Node::Object(fields) => {
                let mut map = Map::new();
                for (name, value) in fields {
                    map.insert((*name).to_owned(), value.to_json());
                }
                Value::Object(map)
            }
            Node::List { items, .. } => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Text(text) => Value::String(text.clone()),
            Node::Integer(n) => Value::from(*n),
            // Coordinates are finite (validated at filing); a non-finite one would be a bug,
            // rendered as null rather than as invalid JSON.
            Node::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Node::Bool(b) => Value::Bool(*b),
            Node::Null => Value::Null,
        }
    }

    /// The JSON text, written straight from the tree (no [`Value`] in between: a list of
    /// 1,000 requests would otherwise build and drop some 20,000 maps and strings).
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::with_capacity(self.size_hint());
        // Serializing a tree of text, numbers and booleans into a Vec cannot fail, and
        // serde_json writes UTF-8 only.
        if serde_json::to_writer(&mut out, self).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// A guess of the rendered size, so the output buffer is allocated once instead of
    /// doubling (and copying) its way up to the 0.7 MB of a 1,000-request list.
    pub fn size_hint(&self) -> usize {
        match self {
            Node::List { items, .. } => items.len() * 900 + 64,
            _ => 1024,
        }
    }

    /// The XML document with `root` as its root element, declaration first.
    pub fn to_xml(&self, root: &str) -> String {
        let mut writer = XmlWriter::with_capacity(self.size_hint());
        self.write_xml(root, &mut writer);
        writer.finish()
    }

    fn write_xml(&self, name: &str, writer: &mut XmlWriter) {
        match self {
            Node::Object(fields) => {
                writer.open(name);
                for (child, value) in fields {
                    value.write_xml(child, writer);
                }
                writer.close(name);
            }
            Node::List { item, items } => {
                writer.open(name);
                for value in items {
                    value.write_xml(item, writer);
                }
                writer.close(name);
            }
            Node::Text(text) => writer.text_element(name, text),
            Node::Integer(n) => writer.text_element(name, &n.to_string()),
            Node::Number(n) => writer.text_element(name, &n.to_string()),
            Node::Bool(b) => writer.text_element(name, if *b { "true" } else { "false" }),
            Node::Null => writer.empty_element(name),
        }
    }
}

/// The same JSON as [`Node::to_json`], fields in their order.
impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Node::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
            Node::List { items, .. } => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Text(text) => serializer.serialize_str(text),
            Node::Integer(n) => serializer.serialize_i64(*n),
            Node::Number(n) if n.is_finite() => serializer.serialize_f64(*n),
            Node::Number(_) | Node::Null => serializer.serialize_none(),
            Node::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        Node::list(
            "service",
            vec![Node::Object(vec![
                ("service_code", Node::Text("001".into())),
                ("metadata", Node::Bool(true)),
                ("lat", Node::Number(52.5)),
                ("group", Node::Null),
                (
                    "keywords",
                    Node::list("keyword", vec![Node::Text("a".into())]),
                ),
            ])],
        )
    }

    #[test]
    fn lists_are_arrays_in_json_and_wrappers_in_xml() {
        assert_eq!(
            sample().to_json(),
            serde_json::json!([{
                "service_code": "001", "metadata": true, "lat": 52.5, "group": null,
                "keywords": ["a"]
            }])
        );
        assert_eq!(
            sample().to_xml("services"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>\
             <service_code>001</service_code><metadata>true</metadata><lat>52.5</lat>\
             <group/><keywords><keyword>a</keyword></keywords></service></services>\n"
        );
    }

    #[test]
    fn the_json_text_is_the_json_value_in_field_order() {
        let node = Node::Object(vec![
            ("z", Node::Number(f64::NAN)),
            ("a", sample()),
            ("text", Node::Text("<&\"\u{1}>".into())),
        ]);
        let text = node.to_json_string();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            node.to_json()
        );
        assert!(text.starts_with("{\"z\":null,\"a\":"), "{text}");
    }

    #[test]
    fn an_empty_list_is_an_empty_array_and_an_empty_wrapper() {
        let empty = Node::list("request", Vec::new());
        assert_eq!(empty.to_json(), serde_json::json!([]));
        assert!(
            empty
                .to_xml("service_requests")
                .ends_with("<service_requests></service_requests>\n")
        );
    }
}
