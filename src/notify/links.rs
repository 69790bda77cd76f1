//! The URLs that mails link to, built from the configured public base URL. One place, so the
//! web frontend can move its pages without hunting through mail texts.

use uuid::Uuid;

use crate::auth::reporter_key::ReporterKeys;

/// Builds absolute links from `BUERGERBUERO_PUBLIC_URL`.
#[derive(Debug, Clone)]
pub struct Links {
    base: String,
    reporter_keys: ReporterKeys,
}

impl Links {
    /// Links under `public_url` (a trailing slash is ignored); reporters' links carry keys
    /// from `reporter_keys`.
    pub fn new(public_url: &str, reporter_keys: ReporterKeys) -> Self {
        Self {
            base: public_url.trim_end_matches('/').to_owned(),
            reporter_keys,
        }
    }

    /// The report's public page (the tracking link for followers).
    pub fn report(&self, id: Uuid) -> String {
        format!("{}/report.html?id={id}", self.base)
    }

    /// The report's page for its reporter: with the key that shows the report before it is
    /// public too.
    pub fn reporter_report(&self, id: Uuid) -> String {
        format!(
            "{}/report.html?id={id}&key={}",
            self.base,
            self.reporter_keys.key(id)
        )
    }

    /// The report's page for a follower (the reporter's follower row included) with the key
    /// that lets them say whether it is really fixed.
    pub fn feedback(&self, id: Uuid, follower: Uuid) -> String {
        format!(
            "{}/report.html?id={id}&follower={follower}&fkey={}#feedback",
            self.base,
            self.reporter_keys.follower_key(id, follower)
        )
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

    /// The page that removes the recipient's address from a report (DSGVO Art. 17).
    pub fn erase(&self, token: &str) -> String {
        format!("{}/mail/erase/{token}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_ignore_a_trailing_slash() {
        let keys = ReporterKeys::new(b"secret").unwrap();
        let links = Links::new("https://example.org/bb/", keys.clone());
        assert_eq!(
            links.confirm("abc"),
            "https://example.org/bb/mail/confirm/abc"
        );
        let id = Uuid::nil();
        assert_eq!(
            links.report(id),
            format!("https://example.org/bb/report.html?id={id}")
        );
        assert_eq!(
            links.reporter_report(id),
            format!(
                "https://example.org/bb/report.html?id={id}&key={}",
                keys.key(id)
            )
        );
    }
}
