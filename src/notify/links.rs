//! The URLs that mails link to, built from the configured public base URL. One place, so the
//! web frontend can move its pages without hunting through mail texts.

use uuid::Uuid;

/// Builds absolute links from `BUERGERBUERO_PUBLIC_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// Links under `public_url` (a trailing slash is ignored).
    pub fn new(public_url: &str) -> Self {
        Self {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The report's public page (the tracking link).
    pub fn report(&self, id: Uuid) -> String {
        format!("{}/report.html?id={id}", self.base)
    }

    /// The report in the clerk workspace (asks for a log-in first).
    pub fn clerk_report(&self, id: Uuid) -> String {
        format!("{}/clerk/report.html?id={id}", self.base)
    }

    /// The page that confirms an address (a report's or a follower's).
    pub fn confirm(&self, token: &str) -> String {
        format!("{}/mail/confirm/{token}", self.base)
    }

    /// The page (and RFC 8058 one-click target) that stops mails about a report.
    pub fn unsubscribe(&self, token: &str) -> String {
        format!("{}/mail/unsubscribe/{token}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_ignore_a_trailing_slash() {
        let links = Links::new("https://example.org/bb/");
        assert_eq!(
            links.confirm("abc"),
            "https://example.org/bb/mail/confirm/abc"
        );
        let id = Uuid::nil();
        assert_eq!(
            links.report(id),
            format!("https://example.org/bb/report.html?id={id}")
        );
    }
}
