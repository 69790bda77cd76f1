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

    /// The page that confirms the area alert `id`.
    pub fn alert_confirm(&self, id: Uuid) -> String {
        format!(
            "{}/mail/alerts/confirm/{}",
            self.base,
            self.alert_token(AlertLink::Confirm, id)
        )
    }

    /// The page (and RFC 8058 one-click target) that ends the area alert `id`.
    pub fn alert_unsubscribe(&self, id: Uuid) -> String {
        format!(
            "{}/mail/alerts/unsubscribe/{}",
            self.base,
            self.alert_token(AlertLink::Unsubscribe, id)
        )
    }

    /// The token of an area alert's link: the row's id (32 hex digits) and its key for the
    /// link's purpose (32 more), derived under the installation secret, so nothing is stored
    /// and every digest can carry the same unsubscribe link.
    pub fn alert_token(&self, purpose: AlertLink, id: Uuid) -> String {
        format!(
            "{}{}",
            id.simple(),
            self.reporter_keys.derive(purpose.label(), id)
        )
    }

    /// The alert a link's token names, if its key is right for the purpose.
    pub fn alert_id(&self, purpose: AlertLink, token: &str) -> Option<Uuid> {
        let (id, key) = (token.get(..32)?, token.get(32..)?);
        let id = Uuid::try_parse(id).ok()?;
        self.reporter_keys
            .verify_derived(purpose.label(), id, key)
            .then_some(id)
    }

    /// The Atom feed of a selection (`query` as `Selection::query` writes it).
    pub fn feed(&self, query: &str) -> String {
        format!("{}/api/v1/feeds/reports.atom?{query}", self.base)
    }

    /// The public base URL (without a trailing slash).
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// What an area alert's link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLink {
    /// Confirms the subscription.
    Confirm,
    /// Ends it.
    Unsubscribe,
}

impl AlertLink {
    fn label(self) -> &'static [u8] {
        match self {
            AlertLink::Confirm => b"alert-confirm:",
            AlertLink::Unsubscribe => b"alert-unsubscribe:",
        }
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
        let confirm = links.alert_confirm(id);
        let token = confirm.rsplit('/').next().unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(links.alert_id(AlertLink::Confirm, token), Some(id));
        assert_eq!(links.alert_id(AlertLink::Unsubscribe, token), None);
        assert_eq!(links.alert_id(AlertLink::Confirm, &token[..63]), None);
        assert_eq!(
            links.reporter_report(id),
            format!(
                "https://example.org/bb/report.html?id={id}&key={}",
                keys.key(id)
            )
        );
    }
}
