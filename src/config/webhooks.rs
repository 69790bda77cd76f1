//! Webhook delivery settings: which URLs are allowed, limits, retries and back-off.

use serde::Deserialize;

use super::ConfigError;

/// Webhook settings (`[webhooks]` in the TOML file, `BUERGERBUERO_WEBHOOKS__*`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Also accept plain `http://` URLs whose host is a loopback address (`localhost`,
    /// `127.0.0.0/8`, `::1`): for tests and development only. Every other URL must be https.
    pub allow_http_loopback: bool,
    /// The most endpoints an installation may register.
    pub max_endpoints: u32,
    /// Longest time one delivery may take (connecting, sending, the receiver's answer).
    pub timeout_secs: u64,
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// The first retry waits this long; each further one twice as long.
    pub retry_base_secs: u64,
    /// The longest wait between two attempts.
    pub retry_max_secs: u64,
    /// How long the previous secret keeps signing beside a new one after a rotation.
    pub rotation_overlap_secs: u64,
    /// How often an idle worker looks for new events and due deliveries.
    pub poll_interval_ms: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_http_loopback: false,
            max_endpoints: 20,
            timeout_secs: 10,
            max_attempts: 10,
            retry_base_secs: 30,
            retry_max_secs: 6 * 3600,
            rotation_overlap_secs: 24 * 3600,
            poll_interval_ms: 1000,
        }
    }
}

impl WebhookSettings {
    /// Checks the values: at least one attempt and one endpoint, sensible times.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let error = |setting: &str, reason: String| ConfigError {
            setting: setting.into(),
            reason,
        };
        if self.max_attempts == 0 || self.max_attempts > 100 {
            return Err(error(
                "BUERGERBUERO_WEBHOOKS__MAX_ATTEMPTS",
                format!("{} is not between 1 and 100", self.max_attempts),
            ));
        }
        if self.max_endpoints == 0 || self.max_endpoints > 1000 {
            return Err(error(
                "BUERGERBUERO_WEBHOOKS__MAX_ENDPOINTS",
                format!("{} is not between 1 and 1000", self.max_endpoints),
            ));
        }
        for (setting, value, max) in [
            ("BUERGERBUERO_WEBHOOKS__TIMEOUT_SECS", self.timeout_secs, 60),
            (
                "BUERGERBUERO_WEBHOOKS__RETRY_BASE_SECS",
                self.retry_base_secs,
                86_400,
            ),
            (
                "BUERGERBUERO_WEBHOOKS__RETRY_MAX_SECS",
                self.retry_max_secs,
                7 * 86_400,
            ),
            (
                "BUERGERBUERO_WEBHOOKS__ROTATION_OVERLAP_SECS",
                self.rotation_overlap_secs,
                30 * 86_400,
            ),
        ] {
            if !(1..=max).contains(&value) {
                return Err(error(
                    setting,
                    format!("{value} s is not between 1 s and {max} s"),
                ));
            }
        }
        if !(10..=60_000).contains(&self.poll_interval_ms) {
            return Err(error(
                "BUERGERBUERO_WEBHOOKS__POLL_INTERVAL_MS",
                format!("{} ms is not between 10 and 60000", self.poll_interval_ms),
            ));
        }
        Ok(())
    }

    /// How long a claim lasts: twice the timeout, so a live worker never loses its row.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(2 * i64::try_from(self.timeout_secs).unwrap_or(60))
    }

    /// The wait before attempt `attempts + 1`: base × 2^(attempts − 1), at most the maximum.
    pub fn backoff(&self, attempts: u32) -> chrono::Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(20);
        let secs = self
            .retry_base_secs
            .saturating_mul(factor)
            .min(self.retry_max_secs);
        chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
    }

    /// The rotation overlap as a duration.
    pub fn rotation_overlap(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.rotation_overlap_secs).unwrap_or(86_400))
    }
}
