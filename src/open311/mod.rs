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
//! - [`query`]: the arguments of `GET requests` and of the updates feed.

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
            Format::Json => node.to_json().to_string(),
            Format::Xml => node.to_xml(root),
        }
    }
}

/// One entry of an Open311 error list: a code (an HTTP-like number, possibly finer than the
/// answer's status) and a description for end users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// E.g. 400, 403, 404, or a finer code such as 413, 415, 422, 429.
    pub code: u16,
    /// What went wrong, for people.
    pub description: String,
}

impl ErrorItem {
    /// An entry.
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }
}

/// The error list document (`errors/error`).
pub fn errors_node(errors: &[ErrorItem]) -> Node {
    Node::list(
        "error",
        errors
            .iter()
            .map(|e| {
                Node::Object(vec![
                    ("code", Node::Integer(i64::from(e.code))),
                    ("description", Node::Text(e.description.clone())),
                ])
            })
            .collect(),
    )
}

/// Formats a time as the spec wants: W3C/ISO 8601 with a timezone (UTC, `Z`), whole seconds.
pub fn datetime(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
