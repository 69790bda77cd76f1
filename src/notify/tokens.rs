//! The tokens behind mail links: a random secret goes into the link, only its hash into the
//! database. Drawn before a mail's text is rendered, so rendering stays pure.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{NewToken, TokenPurpose};
use crate::auth::secrets::{random_hex, secret_hash};

/// How long a confirmation link works.
pub const CONFIRM_TOKEN_DAYS: i64 = 7;
/// How long an unsubscribe link works (longer than a report usually lives).
pub const UNSUBSCRIBE_TOKEN_DAYS: i64 = 730;
/// How long a removal link works: as long as an unsubscribe link. The retention job deletes
/// a report's tokens anyway once the report has been closed for the retention period.
pub const ERASE_TOKEN_DAYS: i64 = UNSUBSCRIBE_TOKEN_DAYS;

/// A link's secret and the token row that stores its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    /// The secret, for the link only.
    pub secret: String,
    /// The row to store.
    pub row: NewToken,
}

impl LinkToken {
    /// Draws a new secret for a link about `report_id` (and `follower_id`, for follower links),
    /// valid from `now` for as long as its purpose allows.
    pub fn draw(
        purpose: TokenPurpose,
        report_id: Uuid,
        follower_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let secret = random_hex(32).map_err(|e| anyhow::anyhow!("drawing a mail token: {e}"))?;
        let days = match purpose {
            TokenPurpose::ConfirmReport
            | TokenPurpose::ConfirmFollow
            | TokenPurpose::ConfirmSupport => CONFIRM_TOKEN_DAYS,
            TokenPurpose::Unsubscribe => UNSUBSCRIBE_TOKEN_DAYS,
            TokenPurpose::Erase => ERASE_TOKEN_DAYS,
        };
        let row = NewToken {
            hash: secret_hash(&secret),
            purpose,
            report_id,
            follower_id,
            supporter_id: None,
            expires_at: now + Duration::days(days),
        };
        Ok(Self { secret, row })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_hash_is_stored_and_links_expire_by_purpose() {
        let now = Utc::now();
        let confirm = LinkToken::draw(TokenPurpose::ConfirmFollow, Uuid::nil(), None, now).unwrap();
        assert_eq!(confirm.secret.len(), 64);
        assert_eq!(confirm.row.hash, secret_hash(&confirm.secret));
        assert_ne!(confirm.row.hash, confirm.secret);
        assert_eq!(confirm.row.expires_at, now + Duration::days(7));
        let leave = LinkToken::draw(TokenPurpose::Unsubscribe, Uuid::nil(), None, now).unwrap();
        assert_eq!(leave.row.expires_at, now + Duration::days(730));
        assert_ne!(leave.secret, confirm.secret);
    }
}
