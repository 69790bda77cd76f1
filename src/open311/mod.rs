//! Open311 GeoReport v2: a thin translation layer between the GeoReport wire format and the
//! native use cases. Filing goes through [`crate::filing::file_report`] (validation, routing,
//! moderation, photos), reads through the public report queries of the store; this module
//! only maps names, statuses and shapes, and renders both formats from one [`Node`] tree.
//!
//! - [`document`]: the format-neutral answer tree (JSON and XML from one value);
//! - [`xml`]: the escaping XML writer;
//! - [`services`]: categories as services and service definitions;
//! - [`requests`]: reports as service requests, status mapping, the extensions;
//! - [`form`]: a POSTed request form → a native filing;
//! - [`address`]: placing an `address_string` through the place search;
//! - [`query`]: the arguments of `GET requests` and of the updates feed.

pub mod address;
pub mod document;
pub mod form;
pub mod query;
pub mod requests;
pub mod services;
pub mod xml;

pub use document::Node;

/// The specification this endpoint implements, as named in discovery.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// The base path of the endpoint.
pub const BASE_PATH: &str = "/open311/v2";

/// Answer format, chosen by the resource's file-name suffix as the spec says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json`
    Json,
    /// `.xml` (the spec's mandatory format)
    Xml,
}

impl Format {
    /// The format a request path asks for: `.xml` or (everything else routed here) `.json`.
    pub fn of_path(path: &str) -> Self {
        if path.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }

    /// The `Content-Type` of answers in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }

    /// Renders `node` with `root` as the XML root element (JSON has no root name).
    pub fn render(self, root: &str, node: &Node) -> String {
        match self {
            Format::Json => node.to_json_string(),
            Format::Xml => node.to_xml(root),
        }
    }
}

/// The language of error descriptions, chosen by `Accept-Language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// German.
    De,
}

impl Lang {
    /// The language an `Accept-Language` header prefers among German and English: the higher
    /// `q` wins, the earlier one on a tie; without a header (or naming neither) English.
    pub fn negotiate(header: Option<&str>) -> Self {
        let mut best: Option<(Lang, f32)> = None;
        for entry in header.unwrap_or_default().split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split('-').next().unwrap_or_default();
            let lang = if primary.eq_ignore_ascii_case("de") {
                Lang::De
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, known)| q > known) {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::En, |(lang, _)| lang)
    }
}

/// One entry of an Open311 error list: a code (an HTTP-like number, possibly finer than the
/// answer's status) and a description for end users, in English and German.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// E.g. 400, 403, 404, or a finer code such as 413, 415, 422, 429.
    pub code: u16,
    /// What went wrong, for people, in English.
    pub description: String,
    /// The same in German.
    pub description_de: String,
}

impl ErrorItem {
    /// An entry with its English and German description.
    pub fn new(code: u16, english: impl Into<String>, german: impl Into<String>) -> Self {
        Self {
            code,
            description: english.into(),
            description_de: german.into(),
        }
    }

    /// The description in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.description,
            Lang::De => &self.description_de,
        }
    }
}

/// The error list document (`errors/error`) in `lang`.
pub fn errors_node(errors: &[ErrorItem], lang: Lang) -> Node {
    Node::list(
        "error",
        errors
            .iter()
            .map(|e| {
                Node::Object(vec![
                    ("code", Node::Integer(i64::from(e.code))),
                    ("description", Node::Text(e.text(lang).to_owned())),
                ])
            })
            .collect(),
    )
}

/// Formats a time as the spec wants: W3C/ISO 8601 with a timezone (UTC, `Z`), whole seconds.
pub fn datetime(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_german_or_english() {
        assert_eq!(Lang::negotiate(None), Lang::En);
        assert_eq!(Lang::negotiate(Some("de-DE,de;q=0.9,en;q=0.8")), Lang::De);
        assert_eq!(Lang::negotiate(Some("en-US,de;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr, de;q=0.3")), Lang::De);
        assert_eq!(Lang::negotiate(Some("fr")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en;q=0.2, DE;q=0.7")), Lang::De);
        assert_eq!(Lang::negotiate(Some("de;q=0")), Lang::En);
    }
}
