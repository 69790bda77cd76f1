//! One typed configuration: defaults in code, then an optional TOML file (named by
//! `BUERGERBUERO_CONFIG`), then `BUERGERBUERO_*` environment variables. Every bad value is an
//! error that names the setting to fix.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use crate::auth::AuthSettings;
use crate::jurisdiction::JurisdictionSettings;
use crate::open_data::OpenDataSettings;
use crate::photos::{PhotoLocation, S3Overrides};
use crate::places::geocoder::GeocoderSettings;
use crate::rate_limit::RateLimitSettings;

mod backoffice;
mod mail;
mod webhooks;

pub use backoffice::BackofficeSettings;
pub use mail::MailSettings;
pub use webhooks::WebhookSettings;

/// Whether reports are published at once or after a clerk's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moderation {
    /// Published only after a clerk's review (Maerker's way; the default).
    Pre,
    /// Published at once.
    Off,
}

/// Whether a report with an email address waits for the reporter's confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailConfirmation {
    /// Double opt-in: the report stays `unconfirmed` until the link is clicked (the default).
    Required,
    /// Reports start `open` at once.
    Off,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://…` (default `sqlite://data/buergerbuero.db`) or `postgres://…`.
    pub database_url: String,
    /// Connections in the database pool.
    pub database_max_connections: u32,
    /// Address the HTTP server listens on.
    pub listen: String,
    /// Where photos (unless `photos_url` says otherwise) and the file mail outbox live.
    pub data_dir: PathBuf,
    /// Where photos live: unset for `data_dir/photos/`, `s3://bucket/prefix` for an
    /// S3-compatible bucket (endpoint, region and credentials from the `AWS_*` environment
    /// variables), or `file://DIR` for `DIR/photos/`. See [`PhotoLocation`].
    pub photos_url: Option<String>,
    /// `AWS_*` variables for the S3 photo storage that override the process environment (not
    /// read from the file or the environment: tests set them, see [`S3Overrides`]).
    #[serde(skip)]
    pub photos_s3_env: S3Overrides,
    /// The boundary data directory (holds `SOURCES.md`).
    pub boundaries_dir: PathBuf,
    /// The directory of the GeoNames places file; unset means `places` beside the boundary
    /// directory (see [`Settings::places_dir`]).
    pub places_dir: Option<PathBuf>,
    /// The static web frontend.
    pub web_dir: PathBuf,
    /// The service's public base URL, for links in mails.
    pub public_url: String,
    /// SMTP server URL; unset writes mails as `.eml` files under the data directory.
    pub smtp_url: Option<String>,
    /// Publish at once or after moderation.
    pub moderation: Moderation,
    /// Double opt-in for reporters' email addresses.
    pub email_confirmation: EmailConfirmation,
    /// HTTP worker threads (0 = one per CPU core).
    pub http_workers: usize,
    /// Log format: `text` (default) or `json`.
    pub log_format: String,
    /// Jurisdiction engine tuning.
    pub jurisdiction: JurisdictionSettings,
    /// Per-client limit on filing.
    pub rate_limit: RateLimitSettings,
    /// Take the client address from the last `X-Forwarded-For` hop (only behind a proxy you
    /// run; otherwise clients could pick their own rate-limit identity).
    pub trust_forwarded_for: bool,
    /// Threads that process photos, and so photos decoded at the same time (each may take up
    /// to ~180 MB while it decodes).
    pub photo_decode_concurrency: usize,
    /// Megabytes of rendered map tiles an instance keeps in memory (0: none, every tile
    /// request renders; for measuring a cold cache).
    pub map_tile_cache_mb: usize,
    /// The service promise: working days (of the report's state) until a first reaction.
    pub service_promise_days: u32,
    /// Days after a report's close (green or yellow-green) until the retention job erases
    /// its contact data, and after a clerk account's deactivation until it is anonymised.
    pub retention_days: u32,
    /// Sessions and the log-in back-off.
    pub auth: AuthSettings,
    /// Mail delivery: sender, retries, digest.
    pub mail: MailSettings,
    /// The web map's base layer.
    pub map: MapSettings,
    /// Where `GET /metrics` is answered, if anywhere.
    pub metrics: MetricsSettings,
    /// The optional upstream geocoder for street addresses (off by default).
    pub geocoder: GeocoderSettings,
    /// Licence and publisher of the open-data downloads.
    pub open_data: OpenDataSettings,
    /// Webhooks for third-party apps: allowed URLs, limits, retries.
    pub webhooks: WebhookSettings,
    /// Deliveries to authorities' own back offices and the status pull.
    pub backoffice: BackofficeSettings,
}

/// Where the Prometheus metrics are served. Off by default: they tell how busy the service
/// is and how its mail fares, which is nobody's business but the operator's.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// A separate address (e.g. `127.0.0.1:9464`) that serves only `GET /metrics`, without a
    /// token: keep it off public networks.
    pub listen: Option<String>,
    /// A bearer token that `GET /metrics` on the main listener requires; unset, the main
    /// listener answers 404 there.
    pub token: Option<String>,
}

impl std::fmt::Debug for MetricsSettings {
    /// The token stays out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("listen", &self.listen)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// The shortest metrics token accepted: a guessable token would expose the metrics.
pub const MIN_METRICS_TOKEN_CHARS: usize = 16;

/// The raster tiles under the web map. The tile URL must be `https:` (the page's CSP allows
/// images only from this service and `https:` hosts); empty means a map without tiles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapSettings {
    /// A Leaflet URL template (`{z}`, `{x}`, `{y}`), or empty for no base map.
    pub tile_url: String,
    /// The attribution the tiles' licence asks for, shown on the map and in the footer.
    pub tile_attribution: String,
    /// The deepest zoom level the tile server has.
    pub max_zoom: u8,
}

impl Default for MapSettings {
    /// basemap.de, the official base map of the German states (web raster, colour).
    fn default() -> Self {
        Self {
            tile_url: "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png".into(),
            tile_attribution: "© basemap.de / BKG, CC BY 4.0".into(),
            max_zoom: 18,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/buergerbuero.db".into(),
            database_max_connections: 8,
            listen: "127.0.0.1:8080".into(),
            data_dir: "data".into(),
            photos_url: None,
            photos_s3_env: S3Overrides::default(),
            boundaries_dir: "../shared/data/boundaries".into(),
            places_dir: None,
            web_dir: "web".into(),
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            moderation: Moderation::Pre,
            email_confirmation: EmailConfirmation::Required,
            http_workers: 0,
            log_format: "text".into(),
            jurisdiction: JurisdictionSettings::default(),
            rate_limit: RateLimitSettings::default(),
            trust_forwarded_for: false,
            photo_decode_concurrency: 1,
            map_tile_cache_mb: 64,
            service_promise_days: 3,
            retention_days: 90,
            auth: AuthSettings::default(),
            mail: MailSettings::default(),
            map: MapSettings::default(),
            metrics: MetricsSettings::default(),
            geocoder: GeocoderSettings::default(),
            open_data: OpenDataSettings::default(),
            webhooks: WebhookSettings::default(),
            backoffice: BackofficeSettings::default(),
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigError {
    /// The variable or file to fix.
    pub setting: String,
    /// What is wrong.
    pub reason: String,
}

impl Settings {
    /// Where the photos are: `photos_url`, or else the data directory.
    pub fn photo_location(&self) -> Result<PhotoLocation, ConfigError> {
        PhotoLocation::of(self.photos_url.as_deref(), &self.data_dir).map_err(|reason| {
            ConfigError {
                setting: "BUERGERBUERO_PHOTOS_URL".into(),
                reason,
            }
        })
    }

    /// Where the GeoNames places file is: the setting, or else `places` beside the boundary
    /// directory (`../shared/data/places` by default), as the shared data is laid out.
    pub fn places_dir(&self) -> PathBuf {
        self.places_dir.clone().unwrap_or_else(|| {
            self.boundaries_dir
                .parent()
                .map_or_else(|| PathBuf::from("places"), |data| data.join("places"))
        })
    }

    /// Loads the configuration from the process environment (and the file it names).
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(|name| std::env::var(name).ok())
    }

    /// Loads the configuration with `env` as the environment (tests pass their own).
    pub fn load_from(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut settings = match env("BUERGERBUERO_CONFIG") {
            Some(path) => Self::from_file(Path::new(&path))?,
            None => Self::default(),
        };
        settings.apply_env(&env)?;
        settings.validate()?;
        Ok(settings)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let fail = |reason: String| ConfigError {
            setting: format!("BUERGERBUERO_CONFIG ({})", path.display()),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        toml::from_str(&text).map_err(|e| fail(e.to_string()))
    }

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn set<T: FromStr>(
            env: &impl Fn(&str) -> Option<String>,
            name: &str,
            target: &mut T,
        ) -> Result<(), ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            if let Some(value) = env(name) {
                *target = value.parse().map_err(|e: T::Err| ConfigError {
                    setting: name.to_owned(),
                    reason: format!("{value:?}: {e}"),
                })?;
            }
            Ok(())
        }
        set(env, "BUERGERBUERO_DATABASE_URL", &mut self.database_url)?;
        set(
            env,
            "BUERGERBUERO_DATABASE_MAX_CONNECTIONS",
            &mut self.database_max_connections,
        )?;
        set(env, "BUERGERBUERO_LISTEN", &mut self.listen)?;
        set(env, "BUERGERBUERO_DATA_DIR", &mut self.data_dir)?;
        set(env, "BUERGERBUERO_BOUNDARIES_DIR", &mut self.boundaries_dir)?;
        if let Some(dir) = env("BUERGERBUERO_PLACES_DIR") {
            self.places_dir = Some(PathBuf::from(dir)).filter(|d| !d.as_os_str().is_empty());
        }
        set(env, "BUERGERBUERO_WEB_DIR", &mut self.web_dir)?;
        set(env, "BUERGERBUERO_PUBLIC_URL", &mut self.public_url)?;
        set(env, "BUERGERBUERO_HTTP_WORKERS", &mut self.http_workers)?;
        set(env, "BUERGERBUERO_LOG_FORMAT", &mut self.log_format)?;
        set(
            env,
            "BUERGERBUERO_JURISDICTION__MAX_OUTSIDE_DISTANCE_M",
            &mut self.jurisdiction.max_outside_distance_m,
        )?;
        set(
            env,
            "BUERGERBUERO_JURISDICTION__NEAR_BORDER_DISTANCE_M",
            &mut self.jurisdiction.near_border_distance_m,
        )?;
        set(
            env,
            "BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR",
            &mut self.rate_limit.reports_per_hour,
        )?;
        set(
            env,
            "BUERGERBUERO_RATE_LIMIT__BURST",
            &mut self.rate_limit.burst,
        )?;
        set(
            env,
            "BUERGERBUERO_RATE_LIMIT__FOLLOWS_PER_HOUR",
            &mut self.rate_limit.follows_per_hour,
        )?;
        set(
            env,
            "BUERGERBUERO_RATE_LIMIT__FOLLOW_BURST",
            &mut self.rate_limit.follow_burst,
        )?;
        set(
            env,
            "BUERGERBUERO_TRUST_FORWARDED_FOR",
            &mut self.trust_forwarded_for,
        )?;
        set(
            env,
            "BUERGERBUERO_PHOTO_DECODE_CONCURRENCY",
            &mut self.photo_decode_concurrency,
        )?;
        set(
            env,
            "BUERGERBUERO_MAP_TILE_CACHE_MB",
            &mut self.map_tile_cache_mb,
        )?;
        set(
            env,
            "BUERGERBUERO_SERVICE_PROMISE_DAYS",
            &mut self.service_promise_days,
        )?;
        set(env, "BUERGERBUERO_RETENTION_DAYS", &mut self.retention_days)?;
        set(
            env,
            "BUERGERBUERO_AUTH__SESSION_IDLE_SECS",
            &mut self.auth.session_idle_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_AUTH__SESSION_MAX_SECS",
            &mut self.auth.session_max_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_AUTH__LOGIN_FREE_FAILURES",
            &mut self.auth.login_free_failures,
        )?;
        set(
            env,
            "BUERGERBUERO_AUTH__LOGIN_BACKOFF_SECS",
            &mut self.auth.login_backoff_secs,
        )?;
        set(env, "BUERGERBUERO_MAIL__FROM", &mut self.mail.from)?;
        set(
            env,
            "BUERGERBUERO_MAIL__MAX_ATTEMPTS",
            &mut self.mail.max_attempts,
        )?;
        set(
            env,
            "BUERGERBUERO_MAIL__RETRY_BASE_SECS",
            &mut self.mail.retry_base_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_MAIL__RETRY_MAX_SECS",
            &mut self.mail.retry_max_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_MAIL__SEND_TIMEOUT_SECS",
            &mut self.mail.send_timeout_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_MAIL__POLL_INTERVAL_MS",
            &mut self.mail.poll_interval_ms,
        )?;
        set(
            env,
            "BUERGERBUERO_MAIL__DIGEST_HOUR_UTC",
            &mut self.mail.digest_hour_utc,
        )?;
        for (name, target) in [
            (
                "BUERGERBUERO_BACKOFFICE__RETRY_BASE_SECS",
                &mut self.backoffice.retry_base_secs,
            ),
            (
                "BUERGERBUERO_BACKOFFICE__RETRY_MAX_SECS",
                &mut self.backoffice.retry_max_secs,
            ),
            (
                "BUERGERBUERO_BACKOFFICE__TIMEOUT_SECS",
                &mut self.backoffice.timeout_secs,
            ),
            (
                "BUERGERBUERO_BACKOFFICE__POLL_INTERVAL_MS",
                &mut self.backoffice.poll_interval_ms,
            ),
            (
                "BUERGERBUERO_BACKOFFICE__PULL_INTERVAL_SECS",
                &mut self.backoffice.pull_interval_secs,
            ),
        ] {
            set(env, name, target)?;
        }
        set(
            env,
            "BUERGERBUERO_BACKOFFICE__MAX_ATTEMPTS",
            &mut self.backoffice.max_attempts,
        )?;
        set(env, "BUERGERBUERO_MAP__TILE_URL", &mut self.map.tile_url)?;
        set(
            env,
            "BUERGERBUERO_MAP__TILE_ATTRIBUTION",
            &mut self.map.tile_attribution,
        )?;
        set(env, "BUERGERBUERO_MAP__MAX_ZOOM", &mut self.map.max_zoom)?;
        set(env, "BUERGERBUERO_GEOCODER_URL", &mut self.geocoder.url)?;
        set(
            env,
            "BUERGERBUERO_GEOCODER__TIMEOUT_MS",
            &mut self.geocoder.timeout_ms,
        )?;
        set(
            env,
            "BUERGERBUERO_GEOCODER__MIN_INTERVAL_MS",
            &mut self.geocoder.min_interval_ms,
        )?;
        set(
            env,
            "BUERGERBUERO_GEOCODER__ATTRIBUTION",
            &mut self.geocoder.attribution,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__ALLOW_HTTP_LOOPBACK",
            &mut self.webhooks.allow_http_loopback,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__MAX_ENDPOINTS",
            &mut self.webhooks.max_endpoints,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__TIMEOUT_SECS",
            &mut self.webhooks.timeout_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__MAX_ATTEMPTS",
            &mut self.webhooks.max_attempts,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__RETRY_BASE_SECS",
            &mut self.webhooks.retry_base_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__RETRY_MAX_SECS",
            &mut self.webhooks.retry_max_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__ROTATION_OVERLAP_SECS",
            &mut self.webhooks.rotation_overlap_secs,
        )?;
        set(
            env,
            "BUERGERBUERO_WEBHOOKS__POLL_INTERVAL_MS",
            &mut self.webhooks.poll_interval_ms,
        )?;
        set(
            env,
            "BUERGERBUERO_OPEN_DATA__LICENSE_URI",
            &mut self.open_data.license_uri,
        )?;
        set(
            env,
            "BUERGERBUERO_OPEN_DATA__LICENSE_NAME",
            &mut self.open_data.license_name,
        )?;
        set(
            env,
            "BUERGERBUERO_OPEN_DATA__ATTRIBUTION",
            &mut self.open_data.attribution,
        )?;
        set(
            env,
            "BUERGERBUERO_OPEN_DATA__PUBLISHER",
            &mut self.open_data.publisher,
        )?;
        // Empty means unset, so a deployment can switch either off by setting it to "".
        if let Some(listen) = env("BUERGERBUERO_METRICS__LISTEN") {
            self.metrics.listen = Some(listen).filter(|l| !l.is_empty());
        }
        if let Some(token) = env("BUERGERBUERO_METRICS__TOKEN") {
            self.metrics.token = Some(token).filter(|t| !t.is_empty());
        }
        if let Some(url) = env("BUERGERBUERO_PHOTOS_URL") {
            self.photos_url = Some(url).filter(|u| !u.is_empty());
        }
        if let Some(url) = env("BUERGERBUERO_SMTP_URL") {
            self.smtp_url = Some(url).filter(|u| !u.is_empty());
        }
        if let Some(value) = env("BUERGERBUERO_MODERATION") {
            self.moderation = match value.as_str() {
                "pre" => Moderation::Pre,
                "off" => Moderation::Off,
                _ => return Err(bad_choice("BUERGERBUERO_MODERATION", &value, "pre, off")),
            };
        }
        if let Some(value) = env("BUERGERBUERO_EMAIL_CONFIRMATION") {
            self.email_confirmation = match value.as_str() {
                "required" => EmailConfirmation::Required,
                "off" => EmailConfirmation::Off,
                _ => {
                    return Err(bad_choice(
                        "BUERGERBUERO_EMAIL_CONFIRMATION",
                        &value,
                        "required, off",
                    ));
                }
            };
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let distances = [
            (
                "BUERGERBUERO_JURISDICTION__MAX_OUTSIDE_DISTANCE_M",
                self.jurisdiction.max_outside_distance_m,
            ),
            (
                "BUERGERBUERO_JURISDICTION__NEAR_BORDER_DISTANCE_M",
                self.jurisdiction.near_border_distance_m,
            ),
        ];
        for (setting, value) in distances {
            if !(0.0..=50_000.0).contains(&value) {
                return Err(ConfigError {
                    setting: setting.into(),
                    reason: format!("{value} is not a distance between 0 and 50000 metres"),
                });
            }
        }
        let tiles = &self.map.tile_url;
        let is_template = tiles.starts_with("https://") && tiles.contains("{z}");
        if !tiles.is_empty() && !is_template {
            return Err(ConfigError {
                setting: "BUERGERBUERO_MAP__TILE_URL".into(),
                reason: format!(
                    "{tiles:?} is not an https:// tile URL template with {{z}}, {{x}}, {{y}}"
                ),
            });
        }
        if !(1..=22).contains(&self.map.max_zoom) {
            return Err(ConfigError {
                setting: "BUERGERBUERO_MAP__MAX_ZOOM".into(),
                reason: format!("{} is not a zoom level between 1 and 22", self.map.max_zoom),
            });
        }
        let geocoder = self.geocoder.url.trim();
        let is_http = geocoder.starts_with("https://") || geocoder.starts_with("http://");
        if !geocoder.is_empty() && !is_http {
            return Err(ConfigError {
                setting: "BUERGERBUERO_GEOCODER_URL".into(),
                reason: format!("{geocoder:?} is not an http(s) URL of a Nominatim search API"),
            });
        }
        if let Some(url) = &self.photos_url {
            PhotoLocation::parse(url).map_err(|reason| ConfigError {
                setting: "BUERGERBUERO_PHOTOS_URL".into(),
                reason,
            })?;
        }
        if self.photo_decode_concurrency == 0 {
            return Err(ConfigError {
                setting: "BUERGERBUERO_PHOTO_DECODE_CONCURRENCY".into(),
                reason: "must be at least 1".into(),
            });
        }
        if !(1..=30).contains(&self.service_promise_days) {
            return Err(ConfigError {
                setting: "BUERGERBUERO_SERVICE_PROMISE_DAYS".into(),
                reason: format!(
                    "{} is not between 1 and 30 working days",
                    self.service_promise_days
                ),
            });
        }
        // At least a day: a report closed a moment ago may still be reopened by its
        // reporter's answer; at most ten years, the longest the service is designed for.
        if !(1..=3650).contains(&self.retention_days) {
            return Err(ConfigError {
                setting: "BUERGERBUERO_RETENTION_DAYS".into(),
                reason: format!("{} is not between 1 and 3650 days", self.retention_days),
            });
        }
        let ten_years = 10 * 365 * 86_400;
        for (setting, value) in [
            (
                "BUERGERBUERO_AUTH__SESSION_IDLE_SECS",
                self.auth.session_idle_secs,
            ),
            (
                "BUERGERBUERO_AUTH__SESSION_MAX_SECS",
                self.auth.session_max_secs,
            ),
            (
                "BUERGERBUERO_AUTH__LOGIN_BACKOFF_SECS",
                self.auth.login_backoff_secs,
            ),
        ] {
            if value > ten_years {
                return Err(ConfigError {
                    setting: setting.into(),
                    reason: format!("{value} s is more than ten years"),
                });
            }
        }
        self.mail.validate()?;
        self.webhooks.validate()?;
        self.backoffice.validate()?;
        if let Some(token) = &self.metrics.token
            && token.chars().count() < MIN_METRICS_TOKEN_CHARS
        {
            return Err(ConfigError {
                setting: "BUERGERBUERO_METRICS__TOKEN".into(),
                reason: format!("must be at least {MIN_METRICS_TOKEN_CHARS} characters"),
            });
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(bad_choice(
                "BUERGERBUERO_LOG_FORMAT",
                &self.log_format,
                "text, json",
            ));
        }
        Ok(())
    }
}

fn bad_choice(setting: &str, value: &str, choices: &str) -> ConfigError {
    ConfigError {
        setting: setting.into(),
        reason: format!("{value:?} is not one of {choices}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_from(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_operating_contract() {
        let s = load(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://data/buergerbuero.db");
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.moderation, Moderation::Pre);
        assert_eq!(s.email_confirmation, EmailConfirmation::Required);
        assert_eq!(s.boundaries_dir, PathBuf::from("../shared/data/boundaries"));
        assert_eq!(s.places_dir(), PathBuf::from("../shared/data/places"));
    }

    #[test]
    fn the_places_follow_the_boundaries_unless_set() {
        let s = load(&[("BUERGERBUERO_BOUNDARIES_DIR", "/srv/data/boundaries")]).unwrap();
        assert_eq!(s.places_dir(), PathBuf::from("/srv/data/places"));
        let s = load(&[
            ("BUERGERBUERO_BOUNDARIES_DIR", "/srv/data/boundaries"),
            ("BUERGERBUERO_PLACES_DIR", "/opt/places"),
        ])
        .unwrap();
        assert_eq!(s.places_dir(), PathBuf::from("/opt/places"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("bb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nmoderation = \"off\"\n[jurisdiction]\nnear_border_distance_m = 25.0\n",
        )
        .unwrap();
        let s = load(&[
            ("BUERGERBUERO_CONFIG", file.to_str().unwrap()),
            ("BUERGERBUERO_LISTEN", "127.0.0.1:9001"),
        ])
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:9001");
        assert_eq!(s.moderation, Moderation::Off);
        assert_eq!(s.jurisdiction.near_border_distance_m, 25.0);
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = load(&[("BUERGERBUERO_MODERATION", "later")]).unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_MODERATION");
        let e = load(&[("BUERGERBUERO_HTTP_WORKERS", "many")]).unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_HTTP_WORKERS");
        let e = load(&[("BUERGERBUERO_JURISDICTION__MAX_OUTSIDE_DISTANCE_M", "-1")]).unwrap_err();
        assert!(e.setting.contains("MAX_OUTSIDE"));
        let e = load(&[("BUERGERBUERO_CONFIG", "/nonexistent/buergerbuero.toml")]).unwrap_err();
        assert!(e.setting.starts_with("BUERGERBUERO_CONFIG"));
    }

    #[test]
    fn metrics_are_off_unless_an_address_or_a_token_is_set() {
        let s = load(&[]).unwrap();
        assert_eq!(s.metrics, MetricsSettings::default());
        let s = load(&[
            ("BUERGERBUERO_METRICS__LISTEN", "127.0.0.1:9464"),
            ("BUERGERBUERO_METRICS__TOKEN", "a-long-enough-token"),
        ])
        .unwrap();
        assert_eq!(s.metrics.listen.as_deref(), Some("127.0.0.1:9464"));
        assert_eq!(s.metrics.token.as_deref(), Some("a-long-enough-token"));
        assert!(!format!("{s:?}").contains("a-long-enough-token"));
        let s = load(&[("BUERGERBUERO_METRICS__TOKEN", "")]).unwrap();
        assert_eq!(s.metrics.token, None);
        let e = load(&[("BUERGERBUERO_METRICS__TOKEN", "short")]).unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_METRICS__TOKEN");
    }

    #[test]
    fn photos_are_files_in_the_data_directory_unless_a_url_is_set() {
        let s = load(&[("BUERGERBUERO_DATA_DIR", "/srv/bb")]).unwrap();
        assert_eq!(
            s.photo_location().unwrap(),
            PhotoLocation::Files("/srv/bb".into())
        );
        let s = load(&[("BUERGERBUERO_PHOTOS_URL", "s3://bb-photos/prod")]).unwrap();
        assert_eq!(
            s.photo_location().unwrap().to_string(),
            "s3://bb-photos/prod"
        );
        let s = load(&[("BUERGERBUERO_PHOTOS_URL", "")]).unwrap();
        assert_eq!(s.photos_url, None);
        let e = load(&[("BUERGERBUERO_PHOTOS_URL", "s3:/bucket")]).unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_PHOTOS_URL");
    }

    #[test]
    fn the_tile_url_is_an_https_template_or_empty() {
        // The page's CSP allows images only from itself and https: hosts.
        let e = load(&[(
            "BUERGERBUERO_MAP__TILE_URL",
            "http://tiles.example/{z}/{x}/{y}.png",
        )])
        .unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_MAP__TILE_URL");
        let e = load(&[(
            "BUERGERBUERO_MAP__TILE_URL",
            "https://tiles.example/tile.png",
        )])
        .unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_MAP__TILE_URL");
        let e = load(&[("BUERGERBUERO_MAP__MAX_ZOOM", "0")]).unwrap_err();
        assert_eq!(e.setting, "BUERGERBUERO_MAP__MAX_ZOOM");
        assert_eq!(
            load(&[("BUERGERBUERO_MAP__TILE_URL", "")])
                .unwrap()
                .map
                .tile_url,
            ""
        );
        let custom = load(&[(
            "BUERGERBUERO_MAP__TILE_URL",
            "https://t.example/{z}/{x}/{y}.png",
        )]);
        assert_eq!(custom.unwrap().map.max_zoom, 18);
    }
}
