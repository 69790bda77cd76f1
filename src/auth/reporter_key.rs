//! The reporter's key: the secret in the link the reporter is handed (the thank-you page, the
//! receipt mail, the confirmation page) that shows them their own report in every state, also
//! before it is public, while strangers still get 404.
//!
//! The key is derived, not stored: HMAC-SHA256 of the report's id under the installation's
//! secret (kept in the database, drawn once; see [`crate::store::BoundaryStore::installation_secret`]).
//! So a retried filing whose first answer was lost gets the same key again, mails and pages
//! agree without a column, and every instance on one database accepts every key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::secrets::hex;

/// Bytes of the HMAC the key keeps: 128 bits, as hard to guess as a random UUID v4 twice over.
const KEY_BYTES: usize = 16;

/// Derives and checks reporters' keys under one installation secret.
#[derive(Clone)]
pub struct ReporterKeys {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for ReporterKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.write_str("ReporterKeys")
    }
}

impl ReporterKeys {
    /// Keys under `secret` (the installation secret, 32 random bytes as hex in use).
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        Ok(Self {
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
                .map_err(|e| anyhow::anyhow!("the installation secret is unusable: {e}"))?,
        })
    }

    fn tag(&self, label: &[u8], id: Uuid) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(label);
        mac.update(id.as_bytes());
        mac
    }

    /// A follower's key is domain-separated from the reporter's, so neither opens the other.
    fn follower_tag(&self, report: Uuid, follower: Uuid) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(b"follower-key:");
        mac.update(report.as_bytes());
        mac.update(follower.as_bytes());
        mac
    }

    /// The key of report `id`: 32 lowercase hex characters.
    pub fn key(&self, id: Uuid) -> String {
        self.derive(b"reporter-key:", id)
    }

    /// Whether `presented` is the key of report `id` (compared in constant time).
    pub fn verify(&self, id: Uuid, presented: &str) -> bool {
        self.verify_derived(b"reporter-key:", id, presented)
    }

    /// A key for another purpose (`label`, e.g. `b"alert-confirm:"`) of the row `id`, derived
    /// the same way: links that need no stored secret (the area alerts' confirm and
    /// unsubscribe links). Different labels give unrelated keys.
    pub fn derive(&self, label: &[u8], id: Uuid) -> String {
        hex(&self.tag(label, id).finalize().into_bytes()[..KEY_BYTES])
    }

    /// Whether `presented` is the `label` key of `id` (compared in constant time).
    pub fn verify_derived(&self, label: &[u8], id: Uuid, presented: &str) -> bool {
        verify(self.tag(label, id), presented)
    }

    /// The key in a follower's mail link that lets them give feedback on report `report`
    /// ("still not fixed"): derived like the reporter's, so it needs no column either.
    pub fn follower_key(&self, report: Uuid, follower: Uuid) -> String {
        hex(&self.follower_tag(report, follower).finalize().into_bytes()[..KEY_BYTES])
    }

    /// Whether `presented` is follower `follower`'s key for report `report`.
    pub fn verify_follower(&self, report: Uuid, follower: Uuid, presented: &str) -> bool {
        verify(self.follower_tag(report, follower), presented)
    }
}

/// Whether `presented` is the hex of the first [`KEY_BYTES`] of `tag` (constant time).
fn verify(tag: Hmac<Sha256>, presented: &str) -> bool {
    let Some(bytes) = unhex(presented).filter(|b| b.len() == KEY_BYTES) else {
        return false;
    };
    tag.verify_truncated_left(&bytes).is_ok()
}

/// Bytes of a lowercase or uppercase hex string; `None` if it is not one.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_opens_its_report_only_and_depends_on_the_secret() {
        let keys = ReporterKeys::new(b"installation secret").unwrap();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let key = keys.key(a);
        assert_eq!(key.len(), 32);
        assert_eq!(key, keys.key(a), "derived, so the same every time");
        assert!(keys.verify(a, &key));
        assert!(keys.verify(a, &key.to_uppercase()));
        assert!(!keys.verify(b, &key));
        assert!(
            !ReporterKeys::new(b"another installation")
                .unwrap()
                .verify(a, &key)
        );
        for wrong in ["", "00", &key[..30], &format!("{key}00"), "zz", "ä"] {
            assert!(!keys.verify(a, wrong), "{wrong:?}");
        }
        let other = keys.derive(b"alert-confirm:", a);
        assert_ne!(other, key, "another label, another key");
        assert!(keys.verify_derived(b"alert-confirm:", a, &other));
        assert!(!keys.verify_derived(b"alert-unsubscribe:", a, &other));
    }

    #[test]
    fn a_follower_key_opens_feedback_for_that_follower_and_report_only() {
        let keys = ReporterKeys::new(b"installation secret").unwrap();
        let (report, follower, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let key = keys.follower_key(report, follower);
        assert!(keys.verify_follower(report, follower, &key));
        assert!(!keys.verify_follower(report, other, &key));
        assert!(!keys.verify_follower(other, follower, &key));
        assert!(!keys.verify(report, &key), "not the reporter's key");
        assert!(!keys.verify_follower(report, follower, &keys.key(report)));
    }
}
