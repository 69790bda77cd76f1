//! A minimal XML writer: elements and escaped text, nothing else. Open311 answers need no
//! attributes, namespaces or mixed content, and a writer this small is easier to trust than a
//! general crate: every text goes through [`escape_into`], which also drops the characters
//! XML 1.0 forbids, so any stored text yields a well-formed document.

/// Builds one XML document.
#[derive(Debug)]
pub struct XmlWriter {
    out: String,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    /// A document with the declaration GeoReport v2 requires.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// As [`XmlWriter::new`], with room for `bytes` of output.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut out = String::with_capacity(bytes);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        Self { out }
    }

    /// `<name>`. Names are the spec's fixed element names, never user input.
    pub fn open(&mut self, name: &str) {
        debug_assert!(is_name(name), "{name:?} is not an XML name");
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>text</name>` with the text escaped.
    pub fn text_element(&mut self, name: &str, text: &str) {
        self.open(name);
        escape_into(&mut self.out, text);
        self.close(name);
    }

    /// `<name/>`.
    pub fn empty_element(&mut self, name: &str) {
        debug_assert!(is_name(name), "{name:?} is not an XML name");
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    /// The document, ending with a newline.
    pub fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }
}

/// Appends `text` escaped for element content (and attribute values): `&`, `<`, `>`, `"` and
/// `'` as entities; characters XML 1.0 does not allow (most C0 controls, lone surrogates
/// cannot occur in a Rust string, U+FFFE and U+FFFF) are dropped, since no escape exists for
/// them.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A literal CR would be normalised away by every parser; keep it as a reference.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

/// Whether XML 1.0 allows the character (production `Char`).
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Whether `name` is a plain XML name of the kind the spec uses (ASCII letters, digits, `_`).
fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        let mut out = String::new();
        escape_into(&mut out, "a<b & \"c\" 'd'>\u{0}\u{1b}\r\n\tä😀\u{FFFE}");
        assert_eq!(
            out,
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#13;\n\tä😀"
        );
    }

    #[test]
    fn writes_elements() {
        let mut w = XmlWriter::new();
        w.open("errors");
        w.open("error");
        w.text_element("code", "400");
        w.empty_element("description");
        w.close("error");
        w.close("errors");
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>400</code>\
             <description/></error></errors>\n"
        );
    }
}
