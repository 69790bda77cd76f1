//! Settings of the deliveries to authorities' own back offices (Open311) and of the status
//! pull from them.

use serde::Deserialize;

use super::ConfigError;

/// Back-office settings (`[backoffice]` in the TOML file, `BUERGERBUERO_BACKOFFICE__*`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackofficeSettings {
    /// Attempts before a delivery becomes a dead letter.
    pub max_attempts: u32,
    /// The first retry waits this long; each further one twice as long.
    pub retry_base_secs: u64,
    /// The longest wait between two attempts.
    pub retry_max_secs: u64,
    /// Longest time one request to a back office may take.
    pub timeout_secs: u64,
    /// How often an idle worker looks for due deliveries.
    pub poll_interval_ms: u64,
    /// How often each back office is asked for the status of the reports it has.
    pub pull_interval_secs: u64,
}

impl Default for BackofficeSettings {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            retry_base_secs: 30,
            retry_max_secs: 3600,
            timeout_secs: 10,
            poll_interval_ms: 1000,
            pull_interval_secs: 60,
        }
    }
}

impl BackofficeSettings {
    /// Checks the values: at least one attempt, times between a second and a day.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let error = |setting: &str, reason: String| ConfigError {
            setting: setting.into(),
            reason,
        };
        if self.max_attempts == 0 {
            return Err(error(
                "BUERGERBUERO_BACKOFFICE__MAX_ATTEMPTS",
                "must be at least 1".into(),
            ));
        }
        for (setting, value) in [
            (
                "BUERGERBUERO_BACKOFFICE__RETRY_BASE_SECS",
                self.retry_base_secs,
            ),
            (
                "BUERGERBUERO_BACKOFFICE__RETRY_MAX_SECS",
                self.retry_max_secs,
            ),
            ("BUERGERBUERO_BACKOFFICE__TIMEOUT_SECS", self.timeout_secs),
            (
                "BUERGERBUERO_BACKOFFICE__PULL_INTERVAL_SECS",
                self.pull_interval_secs,
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
                "BUERGERBUERO_BACKOFFICE__POLL_INTERVAL_MS",
                format!("{} ms is not between 10 and 60000", self.poll_interval_ms),
            ));
        }
        Ok(())
    }
}
