//! Clerk and admin accounts: who may do what. Passwords (argon2id), session and API-token
//! secrets, the log-in back-off, and the scope rule that every clerk action is checked
//! against. No I/O here: the store keeps accounts, the HTTP layer reads credentials.

pub mod password;
pub mod reporter_key;
pub mod secrets;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Sessions and the log-in back-off (the `[auth]` section of the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// A session ends after this long without a request.
    pub session_idle_secs: u64,
    /// A session ends this long after log-in, however active.
    pub session_max_secs: u64,
    /// Failed log-ins for one email before the back-off starts.
    pub login_free_failures: u32,
    /// The first back-off; it doubles with every further failure, up to an hour.
    pub login_backoff_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_secs: 2 * 3600,
            session_max_secs: 12 * 3600,
            login_free_failures: 5,
            login_backoff_secs: 30,
        }
    }
}

/// The longest back-off, however many failures.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Attempts are forgotten after this long without another one: the count starts again.
const FORGET_ATTEMPTS_AFTER: Duration = Duration::from_secs(24 * 3600);

/// [`AuthSettings::backoff_after`] in the numbers the store applies it with: the log-in
/// attempt count is raised and the back-off decided by one statement, in integer
/// milliseconds so that both databases compute it with the same SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginBackoff {
    /// Attempts in a row that block nothing; the one that reaches this number blocks.
    pub free_failures: i32,
    /// The back-off after `free_failures` attempts (at most `max_ms`); it doubles with each
    /// further one.
    pub first_ms: i64,
    /// The longest back-off.
    pub max_ms: i64,
    /// An attempt this long after the previous one counts as the first again.
    pub forget_after_ms: i64,
}

/// A duration in whole milliseconds, saturating.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl AuthSettings {
    /// How long log-in stays blocked after the `failures`-th attempt in a row without a
    /// success (zero while within the free failures): a person who mistypes is not slowed, a
    /// guesser is, and exponentially. The store applies it as [`LoginBackoff`].
    pub fn backoff_after(&self, failures: u32) -> Duration {
        let Some(over) = failures.checked_sub(self.login_free_failures) else {
            return Duration::ZERO;
        };
        let factor = 1u64 << over.min(20);
        Duration::from_secs(self.login_backoff_secs.saturating_mul(factor)).min(MAX_BACKOFF)
    }

    /// The back-off rule for the store. Attempts are counted before their password is
    /// checked, so the `n`-th attempt blocks further ones for `backoff_after(n)` whatever its
    /// outcome, and a successful log-in then forgets the count: racing guesses get no more
    /// password checks than the free failures.
    pub fn login_backoff(&self) -> LoginBackoff {
        let first = Duration::from_secs(self.login_backoff_secs).min(MAX_BACKOFF);
        LoginBackoff {
            free_failures: i32::try_from(self.login_free_failures).unwrap_or(i32::MAX),
            first_ms: millis(first),
            max_ms: millis(MAX_BACKOFF),
            forget_after_ms: millis(FORGET_ATTEMPTS_AFTER),
        }
    }
}

/// A signed-in account as the authorisation checks see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The account id.
    pub id: Uuid,
    /// The account's email (lower-cased); it names the actor in the event history.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Admins act for every authority and manage the service.
    pub is_admin: bool,
    /// The authorities a clerk acts for (admins: those they were given, if any).
    pub authorities: Vec<String>,
}

impl Actor {
    /// Whether this account may see and change reports of `authority_key`.
    pub fn handles(&self, authority_key: &str) -> bool {
        self.is_admin || self.authorities.iter().any(|key| key == authority_key)
    }

    /// The authorities to scope lists to: `None` for admins (everything).
    pub fn scope(&self) -> Option<&[String]> {
        (!self.is_admin).then_some(self.authorities.as_slice())
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The session cookie: state-changing requests must also carry the CSRF token.
    Session,
    /// `Authorization: Bearer` with a personal API token (no cookie, so no CSRF risk).
    Token,
}

/// A session's times, checked on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    /// Log-in time.
    pub created_at: DateTime<Utc>,
    /// The last request.
    pub last_seen_at: DateTime<Utc>,
}

impl SessionTimes {
    /// Whether the session is still valid at `now` under `settings`.
    pub fn valid_at(&self, now: DateTime<Utc>, settings: &AuthSettings) -> bool {
        let idle = seconds(settings.session_idle_secs);
        let max = seconds(settings.session_max_secs);
        now < self.last_seen_at + idle && now < self.created_at + max
    }
}

/// `secs` as a chrono duration, saturating (settings are validated, but never overflow).
pub fn seconds(secs: u64) -> chrono::Duration {
    chrono::Duration::seconds(
        i64::try_from(secs)
            .unwrap_or(i64::MAX / 1000)
            .min(i64::MAX / 1000),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_free_failures_and_doubles_up_to_an_hour() {
        let settings = AuthSettings::default();
        assert_eq!(settings.backoff_after(0), Duration::ZERO);
        assert_eq!(settings.backoff_after(4), Duration::ZERO);
        assert_eq!(settings.backoff_after(5), Duration::from_secs(30));
        assert_eq!(settings.backoff_after(6), Duration::from_secs(60));
        assert_eq!(settings.backoff_after(8), Duration::from_secs(240));
        assert_eq!(settings.backoff_after(40), MAX_BACKOFF);
    }

    #[test]
    fn the_store_rule_starts_where_the_backoff_does() {
        let settings = AuthSettings {
            login_free_failures: 3,
            login_backoff_secs: 45,
            ..AuthSettings::default()
        };
        let rule = settings.login_backoff();
        assert_eq!(rule.free_failures, 3);
        assert_eq!(rule.first_ms, 45_000);
        assert_eq!(rule.max_ms, 3_600_000);
        assert_eq!(rule.forget_after_ms, 86_400_000);
        // A first back-off beyond the longest is the longest (as `backoff_after` caps it).
        let slow = AuthSettings {
            login_backoff_secs: 7200,
            ..settings
        };
        assert_eq!(slow.login_backoff().first_ms, 3_600_000);
        assert_eq!(slow.backoff_after(3), MAX_BACKOFF);
    }

    #[test]
    fn clerks_handle_their_authorities_admins_all() {
        let clerk = Actor {
            id: Uuid::nil(),
            email: "a@example.org".into(),
            display_name: String::new(),
            is_admin: false,
            authorities: vec!["11000001".into()],
        };
        assert!(clerk.handles("11000001"));
        assert!(!clerk.handles("11000002"));
        assert_eq!(clerk.scope(), Some(&["11000001".to_owned()][..]));
        let admin = Actor {
            is_admin: true,
            authorities: vec![],
            ..clerk
        };
        assert!(admin.handles("11000002"));
        assert_eq!(admin.scope(), None);
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let settings = AuthSettings {
            session_idle_secs: 60,
            session_max_secs: 3600,
            ..AuthSettings::default()
        };
        let t0 = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let times = SessionTimes {
            created_at: t0,
            last_seen_at: t0,
        };
        assert!(times.valid_at(t0 + chrono::Duration::seconds(59), &settings));
        assert!(!times.valid_at(t0 + chrono::Duration::seconds(60), &settings));
        let busy = SessionTimes {
            created_at: t0,
            last_seen_at: t0 + chrono::Duration::seconds(3590),
        };
        assert!(busy.valid_at(t0 + chrono::Duration::seconds(3599), &settings));
        assert!(!busy.valid_at(t0 + chrono::Duration::seconds(3600), &settings));
    }
}
