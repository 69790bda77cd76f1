//! An authority's delivery method as an admin sets it, validated on construction: the base
//! URL (http or https, no query, no fragment), the service-code mapping, the api key.

use std::collections::BTreeMap;

use crate::domain::InvalidValue;

/// The longest api key, jurisdiction id or service code accepted.
pub const MAX_FIELD_CHARS: usize = 200;
/// The most categories a service-code mapping may name.
pub const MAX_SERVICE_CODES: usize = 200;

/// Category key → the back office's `service_code`; a category not named is sent with its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceCodes(BTreeMap<String, String>);

fn plain(field: &'static str, value: &str) -> Result<String, InvalidValue> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_FIELD_CHARS {
        return Err(InvalidValue::new(
            field,
            format!("must be 1–{MAX_FIELD_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(InvalidValue::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

impl ServiceCodes {
    /// Validates a mapping an admin sent.
    pub fn new(map: BTreeMap<String, String>) -> Result<Self, InvalidValue> {
        if map.len() > MAX_SERVICE_CODES {
            return Err(InvalidValue::new(
                "service_codes",
                format!("at most {MAX_SERVICE_CODES} categories"),
            ));
        }
        map.into_iter()
            .map(|(category, code)| {
                Ok((
                    plain("service_codes", &category)?,
                    plain("service_codes", &code)?,
                ))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Reads the stored JSON object.
    pub fn parse(json: &str) -> anyhow::Result<Self> {
        Ok(Self(serde_json::from_str(json)?))
    }

    /// The stored JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }

    /// The mapping.
    pub fn map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The service code a report of `category` is sent with.
    pub fn code_for(&self, category: &str) -> String {
        self.0
            .get(category)
            .cloned()
            .unwrap_or_else(|| category.to_owned())
    }
}

/// A back office's GeoReport v2 base URL, e.g. `https://example.org/open311/v2`.
pub fn base_url(url: &str) -> Result<String, InvalidValue> {
    let url = url.trim().trim_end_matches('/');
    let invalid = |reason: &str| Err(InvalidValue::new("url", reason.to_owned()));
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return invalid("must be an http or https URL");
    };
    if rest.is_empty() || rest.starts_with('/') {
        return invalid("names no host");
    }
    if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("must have no query, fragment or spaces");
    }
    if url.chars().count() > 2000 {
        return invalid("is longer than 2000 characters");
    }
    Ok(url.to_owned())
}

/// An api key or jurisdiction id: 1–200 characters without control characters.
pub fn field(name: &'static str, value: &str) -> Result<String, InvalidValue> {
    plain(name, value)
}

/// How the api key is shown after it was set: its last four characters only.
pub fn key_hint(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if chars.len() <= 8 {
        "…".into()
    } else {
        format!("…{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_http_without_query() {
        assert_eq!(
            base_url(" https://b.example/open311/v2/ ").unwrap(),
            "https://b.example/open311/v2"
        );
        assert!(base_url("ftp://b.example").is_err());
        assert!(base_url("https://").is_err());
        assert!(base_url("https://b.example/v2?x=1").is_err());
    }

    #[test]
    fn unnamed_categories_keep_their_key() {
        let codes = ServiceCodes::new(BTreeMap::from([("pothole".into(), "001".into())])).unwrap();
        assert_eq!(codes.code_for("pothole"), "001");
        assert_eq!(codes.code_for("litter"), "litter");
        assert_eq!(ServiceCodes::parse(&codes.to_json()).unwrap(), codes);
        assert!(ServiceCodes::new(BTreeMap::from([("a".into(), " ".into())])).is_err());
    }

    #[test]
    fn a_key_shows_its_last_four_characters_at_most() {
        assert_eq!(key_hint("abcdefghijkl"), "…ijkl");
        assert_eq!(key_hint("short"), "…");
    }
}
