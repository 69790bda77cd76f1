//! Mail delivery settings: the sender, retries and back-off, timeouts, the digest hour.

use lettre::message::Mailbox;
use serde::Deserialize;

use super::ConfigError;

/// Mail delivery settings (`[mail]` in the TOML file, `BUERGERBUERO_MAIL__*`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// The sender, e.g. `Bürgerbüro <noreply@example.org>`.
    pub from: String,
    /// Attempts before a mail becomes a dead letter.
    pub max_attempts: u32,
    /// The first retry waits this long; each further one twice as long.
    pub retry_base_secs: u64,
    /// The longest wait between two attempts.
    pub retry_max_secs: u64,
    /// Longest time one SMTP delivery may take.
    pub send_timeout_secs: u64,
    /// How often an idle worker looks for due mail.
    pub poll_interval_ms: u64,
    /// The hour (UTC) from which the day's digests of overdue reports go out.
    pub digest_hour_utc: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            from: "Bürgerbüro <noreply@buergerbuero.localhost>".into(),
            max_attempts: 8,
            retry_base_secs: 30,
            retry_max_secs: 3600,
            send_timeout_secs: 30,
            poll_interval_ms: 1000,
            digest_hour_utc: 6,
        }
    }
}

impl MailSettings {
    /// Checks the values: a parseable sender, at least one attempt, sensible times.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let error = |setting: &str, reason: String| ConfigError {
            setting: setting.into(),
            reason,
        };
        self.from.parse::<Mailbox>().map_err(|e| {
            error(
                "BUERGERBUERO_MAIL__FROM",
                format!("{:?} is not a mailbox: {e}", self.from),
            )
        })?;
        if self.max_attempts == 0 {
            return Err(error(
                "BUERGERBUERO_MAIL__MAX_ATTEMPTS",
                "must be at least 1".into(),
            ));
        }
        for (setting, value) in [
            ("BUERGERBUERO_MAIL__RETRY_BASE_SECS", self.retry_base_secs),
            ("BUERGERBUERO_MAIL__RETRY_MAX_SECS", self.retry_max_secs),
            (
                "BUERGERBUERO_MAIL__SEND_TIMEOUT_SECS",
                self.send_timeout_secs,
            ),
        ] {
            if !(1..=86_400).contains(&value) {
                return Err(error(
                    setting,
                    format!("{value} s is not between 1 s and a day"),
                ));
            }
        }
        if !(10..=60_000).contains(&self.poll_interval_ms) {
            return Err(error(
                "BUERGERBUERO_MAIL__POLL_INTERVAL_MS",
                format!("{} ms is not between 10 and 60000", self.poll_interval_ms),
            ));
        }
        if self.digest_hour_utc > 23 {
            return Err(error(
                "BUERGERBUERO_MAIL__DIGEST_HOUR_UTC",
                format!("{} is not an hour (0-23)", self.digest_hour_utc),
            ));
        }
        Ok(())
    }

    /// How long a claim lasts: twice the send timeout, so a live worker never loses its row.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(2 * self.send_timeout_secs as i64)
    }

    /// The wait before attempt `attempts + 1`: base × 2^(attempts − 1), at most the maximum.
    pub fn backoff(&self, attempts: u32) -> chrono::Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(20);
        let secs = self
            .retry_base_secs
            .saturating_mul(factor)
            .min(self.retry_max_secs);
        chrono::Duration::seconds(secs as i64)
    }
}
