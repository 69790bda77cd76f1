//! Street addresses through an upstream geocoder that speaks Nominatim's search API
//! (`BUERGERBUERO_GEOCODER_URL`; off by default).
//!
//! The local place search ([`super::PlaceIndex`]) knows towns, villages, Ortsteile and the
//! official areas, not streets. An operator who runs (or may use) a Nominatim can let the
//! service ask it for street addresses. Privacy decides the shape: the service never sends a
//! citizen's text anywhere unless this is configured, and then only when the citizen asks for
//! a search explicitly (`addresses=true`, the search button — never while typing), so
//! half-typed words and the rest of the report never leave the service.
//!
//! The upstream is a guest, never a dependency: every answer is checked against the
//! service's own boundaries (points outside Berlin, Brandenburg and Mecklenburg-Vorpommern are
//! dropped, the responsible authority comes from the [`Jurisdiction`] engine, not from the
//! upstream's address parts), a time-out or failure leaves the local answer alone with a note,
//! and each instance asks at most once per `min_interval_ms` (the public Nominatim allows one
//! request a second): a search in between is answered locally, a filing waits its turn.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{AreaRef, Place, PlaceKind};
use crate::domain::Coordinates;
use crate::jurisdiction::Jurisdiction;

/// The service area's extent `[west, south, east, north]` with a margin, as Nominatim's
/// bounded `viewbox`: the upstream searches there only; the engine decides exactly.
const SERVICE_AREA_VIEWBOX: [f64; 4] = [10.5, 51.3, 15.1, 54.8];
/// The largest answer read from the upstream (a few hits are a few kB).
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The `[geocoder]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeocoderSettings {
    /// Base URL of a Nominatim-compatible service (`…/search` is asked); empty switches the
    /// street search off.
    pub url: String,
    /// How long to wait for the upstream before the local search answers alone.
    pub timeout_ms: u64,
    /// The least time between two upstream requests of one instance; searches in between
    /// are answered locally (0: no spacing, for a Nominatim of one's own).
    pub min_interval_ms: u64,
    /// The attribution the upstream data's licence asks for, shown with its answers.
    pub attribution: String,
}

impl Default for GeocoderSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            timeout_ms: 2_000,
            min_interval_ms: 1_000,
            attribution: "Adressen: © OpenStreetMap-Mitwirkende (openstreetmap.org), ODbL".into(),
        }
    }
}

/// Why the upstream gave no addresses; the local search answers alone.
#[derive(Debug, thiserror::Error)]
pub enum GeocoderError {
    /// This instance asked less than `min_interval_ms` ago.
    #[error("the geocoder was asked less than {0:?} ago")]
    Throttled(Duration),
    /// No answer in time, or no connection, or an HTTP error status.
    #[error("the geocoder did not answer: {0}")]
    Unreachable(String),
    /// An answer that is not Nominatim's `jsonv2` search format.
    #[error("the geocoder's answer is not Nominatim's search format: {0}")]
    BadAnswer(String),
}

/// A configured upstream geocoder.
pub struct Geocoder {
    client: http_client::Client,
    search_url: String,
    min_interval: Duration,
    /// When this instance may ask next (each request reserves its turn).
    next_turn: Mutex<Option<Instant>>,
    attribution: String,
}

impl Geocoder {
    /// The geocoder the settings describe, or `None` when `url` is empty. The user agent names
    /// the service and its public URL, as Nominatim's usage policy asks.
    pub fn from_settings(
        settings: &GeocoderSettings,
        public_url: &str,
    ) -> anyhow::Result<Option<Self>> {
        let url = settings.url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            anyhow::bail!("BUERGERBUERO_GEOCODER_URL must be an http(s) URL, not {url:?}");
        }
        crate::tls::install_crypto_provider();
        let timeout = Duration::from_millis(settings.timeout_ms.max(1));
        let client = http_client::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would carry the search text to a host the operator did not name.
            .redirect(http_client::redirect::Policy::none())
            .user_agent(format!(
                "buergerbuero/{} (+{public_url})",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| anyhow::anyhow!("building the geocoder's HTTP client: {e}"))?;
        Ok(Some(Self {
            client,
            search_url: format!("{}/search", url.trim_end_matches('/')),
            min_interval: Duration::from_millis(settings.min_interval_ms),
            next_turn: Mutex::new(None),
            attribution: settings.attribution.clone(),
        }))
    }

    /// The attribution to show with the upstream's answers.
    pub fn attribution(&self) -> &str {
        &self.attribution
    }

    /// Up to `limit` addresses for `text` inside the service area, best first, each with the
    /// area and authority the engine finds there. When this instance asked too recently it
    /// waits for its turn up to `max_wait` (a filing, whose place should not depend on who
    /// else searched just now), else answers `Throttled` (a search box, which answers locally).
    pub async fn search(
        &self,
        engine: &Jurisdiction,
        text: &str,
        limit: usize,
        max_wait: Duration,
    ) -> Result<Vec<Place>, GeocoderError> {
        let wait = self.reserve_turn(max_wait)?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let viewbox = SERVICE_AREA_VIEWBOX.map(|v| v.to_string()).join(",");
        // Asked for a few more than wanted: some may lie just outside the states.
        let asked = (limit + 5).to_string();
        let query = serde_urlencoded::to_string([
            ("q", text),
            ("format", "jsonv2"),
            ("addressdetails", "1"),
            ("limit", &asked),
            ("countrycodes", "de"),
            ("viewbox", &viewbox),
            ("bounded", "1"),
            ("accept-language", "de"),
        ])
        .map_err(|e| GeocoderError::BadAnswer(e.to_string()))?;
        let body = self.fetch(&format!("{}?{query}", self.search_url)).await?;
        let hits: Vec<NominatimHit> =
            serde_json::from_slice(&body).map_err(|e| GeocoderError::BadAnswer(e.to_string()))?;
        let mut places: Vec<Place> = Vec::new();
        for hit in hits {
            let Some(place) = hit.into_place(engine) else {
                continue;
            };
            if !places.iter().any(|p| p.name == place.name) {
                places.push(place);
            }
            if places.len() == limit {
                break;
            }
        }
        Ok(places)
    }

    /// Reserves this instance's next turn to ask the upstream and says how long until it
    /// comes; `Throttled` (and nothing reserved) when that is longer than `max_wait`.
    fn reserve_turn(&self, max_wait: Duration) -> Result<Duration, GeocoderError> {
        let mut next = self
            .next_turn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let turn = next.map_or(now, |at| at.max(now));
        let wait = turn - now;
        if wait > max_wait {
            return Err(GeocoderError::Throttled(self.min_interval));
        }
        *next = Some(turn + self.min_interval);
        Ok(wait)
    }

    /// The answer's body, read up to [`MAX_ANSWER_BYTES`].
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, GeocoderError> {
        // Without the URL: it holds the citizen's search text, which must not reach the logs.
        let unreachable =
            |e: http_client::Error| GeocoderError::Unreachable(e.without_url().to_string());
        let mut response = self.client.get(url).send().await.map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(GeocoderError::Unreachable(format!("HTTP {status}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(GeocoderError::BadAnswer(format!(
                    "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// One hit of Nominatim's `jsonv2` search answer (only what is used).
#[derive(Debug, Deserialize)]
struct NominatimHit {
    lat: Degrees,
    lon: Degrees,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    address: Option<NominatimAddress>,
}

/// Nominatim writes coordinates as strings; other implementations as numbers.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Degrees {
    Text(String),
    Number(f64),
}

impl Degrees {
    fn value(&self) -> Option<f64> {
        match self {
            Degrees::Text(text) => text.trim().parse().ok(),
            Degrees::Number(n) => Some(*n),
        }
    }
}

/// The address parts of a hit (`addressdetails=1`).
#[derive(Debug, Default, Deserialize)]
struct NominatimAddress {
    road: Option<String>,
    pedestrian: Option<String>,
    house_number: Option<String>,
    postcode: Option<String>,
    city: Option<String>,
    town: Option<String>,
    village: Option<String>,
    hamlet: Option<String>,
    suburb: Option<String>,
}

impl NominatimHit {
    /// The hit as a place, if it lies in the service area.
    fn into_place(self, engine: &Jurisdiction) -> Option<Place> {
        let point = Coordinates::new(self.lat.value()?, self.lon.value()?).ok()?;
        let answer = engine.locate(point, None).ok()?;
        Some(Place {
            name: self.label(),
            kind: PlaceKind::Address,
            state: answer.area.state,
            kreis: answer.area.kreis.clone(),
            area: Some(AreaRef {
                key: answer.area.key.to_string(),
                name: answer.area.name.clone(),
            }),
            authority: answer.municipal_authority.into(),
            point: Some(point),
            bbox: None,
            population: None,
        })
    }

    /// "Unter den Linden 1, 10117 Berlin (Mitte)": street and number, postcode and town —
    /// shorter than Nominatim's `display_name`, which lists every administrative level.
    fn label(&self) -> String {
        let fallback = || {
            self.display_name
                .split(", ")
                .take(3)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(a) = &self.address else {
            return fallback();
        };
        let street = a
            .road
            .as_ref()
            .or(a.pedestrian.as_ref())
            .map(|road| match &a.house_number {
                Some(number) => format!("{road} {number}"),
                None => road.clone(),
            });
        let town = [&a.city, &a.town, &a.village, &a.hamlet]
            .into_iter()
            .find_map(Option::as_ref)
            .map(|town| {
                let town = match &a.suburb {
                    Some(suburb) if suburb != town => format!("{town} ({suburb})"),
                    _ => town.clone(),
                };
                match &a.postcode {
                    Some(code) => format!("{code} {town}"),
                    None => town,
                }
            });
        match (street, town) {
            (Some(street), Some(town)) => format!("{street}, {town}"),
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => fallback(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(json: &str) -> NominatimHit {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn labels_name_street_number_postcode_and_town() {
        let h = hit(
            r#"{"lat":"52.517","lon":"13.388","display_name":"1, Unter den Linden, Mitte, Berlin, 10117, Deutschland",
                "address":{"house_number":"1","road":"Unter den Linden","suburb":"Mitte","city":"Berlin","postcode":"10117"}}"#,
        );
        assert_eq!(h.label(), "Unter den Linden 1, 10117 Berlin (Mitte)");
        let h = hit(
            r#"{"lat":52.33,"lon":14.26,"display_name":"Dorfstraße, Briesen, Briesen (Mark), Oder-Spree, Brandenburg",
                "address":{"road":"Dorfstraße","village":"Briesen"}}"#,
        );
        assert_eq!(h.label(), "Dorfstraße, Briesen");
        assert_eq!(h.lat.value(), Some(52.33));
    }

    #[test]
    fn without_address_parts_the_display_name_is_shortened() {
        let h = hit(r#"{"lat":"52.5","lon":"13.4","display_name":"A, B, C, D, E"}"#);
        assert_eq!(h.label(), "A, B, C");
    }

    #[test]
    fn a_second_search_within_the_interval_is_refused_or_waits_its_turn() {
        let geocoder = Geocoder::from_settings(
            &GeocoderSettings {
                url: "http://127.0.0.1:9".into(),
                min_interval_ms: 60_000,
                ..GeocoderSettings::default()
            },
            "http://localhost",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            geocoder.reserve_turn(Duration::ZERO).unwrap(),
            Duration::ZERO
        );
        assert!(matches!(
            geocoder.reserve_turn(Duration::ZERO),
            Err(GeocoderError::Throttled(_))
        ));
        // A filing may wait for its turn: the one after the minute reserved above.
        let wait = geocoder.reserve_turn(Duration::from_secs(120)).unwrap();
        assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
    }

    #[test]
    fn only_http_urls_are_taken_and_empty_is_off() {
        let with = |url: &str| {
            Geocoder::from_settings(
                &GeocoderSettings {
                    url: url.into(),
                    ..GeocoderSettings::default()
                },
                "http://localhost",
            )
        };
        assert!(with("").unwrap().is_none());
        assert!(with("ftp://example.org").is_err());
        assert!(with("https://nominatim.example.org/").unwrap().is_some());
    }
}
