//! A link to a photo or other media elsewhere, as Open311 clients send it in `media_url`.
//! Only `http` and `https` links with a host are taken: the link is shown to the public as is,
//! so schemes such as `javascript:` or `file:` must never get in. The server never fetches it
//! (fetching would let any client make the server request arbitrary addresses).

use super::InvalidValue;
use super::text::refused_char;

/// Longest link, in characters (what browsers and proxies reliably pass on).
pub const MEDIA_URL_MAX_CHARS: usize = 2_000;

/// A checked `http`/`https` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUrl(String);

impl MediaUrl {
    /// Checks the scheme (http or https, any case), a non-empty host, the length, and that
    /// the link holds no spaces, controls or other characters a URL cannot contain raw.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let text = raw.trim();
        let invalid = |reason: String| InvalidValue::new("media_url", reason);
        if text.chars().count() > MEDIA_URL_MAX_CHARS {
            return Err(invalid(format!(
                "a link has at most {MEDIA_URL_MAX_CHARS} characters"
            )));
        }
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| invalid(format!("{text:?} is not an http or https link")))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(invalid(format!(
                "only http and https links are taken, not {scheme:?}"
            )));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') {
            return Err(invalid("the link names no host".into()));
        }
        if let Some(reason) = refused_char(text) {
            return Err(invalid(reason));
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        {
            return Err(invalid(
                "a link must not contain spaces, quotes or angle brackets (percent-encode them)"
                    .into(),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_http_and_https_links_only() {
        for good in [
            "http://example.org/a.jpg",
            "HTTPS://example.org/photos/1?size=large#x",
            "https://user@example.org:8443/p",
        ] {
            assert_eq!(MediaUrl::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org/a.jpg",
            "file:///etc/passwd",
            "data:image/png;base64,AAEC",
            "https://",
            "https:///path",
            "https://exa mple.org/",
            "https://example.org/\"onerror",
            "example.org/a.jpg",
        ] {
            assert!(MediaUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MEDIA_URL_MAX_CHARS));
        assert!(MediaUrl::parse(&long).is_err());
    }
}
