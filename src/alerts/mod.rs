//! Area alerts and feeds (issue 16.3): anyone watches the new public reports and the status
//! moves of a Gemeinde, an authority or a circle around a point (optionally one category), by
//! mail as at most one digest a day, or as a public Atom feed.
//!
//! - [`selection`] — what is watched, validated on construction.
//! - [`subscribe`] — the double opt-in, confirming and ending a subscription.
//! - [`digest`] — the daily digests, written to the outbox once per subscription and day.
//! - [`feed`] — the Atom document of a selection.
//!
//! The subscriber's address is kept in `alert_subscriptions.email` only (personal data); the
//! digests and feeds name per report its category, place, light and link, nothing personal.

pub mod digest;
pub mod feed;
pub mod selection;
pub mod subscribe;

use crate::domain::{Area, Language, Light};
use crate::jurisdiction::Jurisdiction;
use selection::{Scope, Selection};

/// Most subscriptions an address may hold at once (confirmed ones, and requests waiting for
/// their confirmation within the link's 7 days): enough for home, work and a few categories,
/// and a bound on what one address can make the service send.
pub const MAX_SUBSCRIPTIONS_PER_ADDRESS: i64 = 10;
/// Most reports one digest lists; the rest are counted, with the link to the feed.
pub const DIGEST_MAX_REPORTS: usize = 50;
/// Most history entries one day's digests read (about 30 a minute all day long); beyond it the
/// digests of that day list the newest entries only.
pub const DIGEST_MAX_EVENTS: i64 = 50_000;
/// Most entries a feed holds.
pub const FEED_MAX_ENTRIES: i64 = 50;
/// How many days back a feed looks.
pub const FEED_DAYS: i64 = 90;

/// Why a well-formed selection names nothing the service covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No area has this key.
    UnknownArea(String),
    /// No authority has this key.
    UnknownAuthority(String),
    /// No category has this code.
    UnknownCategory(String),
    /// The circle's centre lies outside Berlin, Brandenburg and MV.
    OutsideServiceArea,
}

/// The area with this key.
pub fn area<'a>(engine: &'a Jurisdiction, key: &str) -> Option<&'a Area> {
    engine.areas().iter().find(|a| a.key.as_str() == key)
}

/// Checks a selection against the engine: its area, authority and category exist, its
/// circle's centre lies in the three states.
pub fn check(engine: &Jurisdiction, selection: &Selection) -> Result<(), Refusal> {
    match selection.scope() {
        Scope::Area(key) => {
            area(engine, key.as_str()).ok_or_else(|| Refusal::UnknownArea(key.to_string()))?;
        }
        Scope::Authority(key) => {
            engine
                .authority(key)
                .ok_or_else(|| Refusal::UnknownAuthority(key.to_string()))?;
        }
        Scope::Circle { point, .. } => {
            engine
                .locate(*point, None)
                .map_err(|_| Refusal::OutsideServiceArea)?;
        }
    }
    if let Some(category) = selection.category() {
        engine
            .category(category.as_str())
            .ok_or_else(|| Refusal::UnknownCategory(category.to_string()))?;
    }
    Ok(())
}

/// What a selection watches, in words to follow "Meldungen" / "Reports": „in der Gemeinde
/// Briesen (Mark)“, „beim Bezirksamt Mitte“, „im Umkreis von 500 m um 52.52190, 13.41320“,
/// each with „, Kategorie „Straßenbeleuchtung““ for a category.
pub fn describe(engine: &Jurisdiction, selection: &Selection, language: Language) -> String {
    let de = language == Language::De;
    let scope = match selection.scope() {
        Scope::Area(key) => {
            let found = area(engine, key.as_str());
            let name = found.map_or(key.as_str(), |a| a.name.as_str());
            let berlin = key.as_str().starts_with("11");
            match (de, berlin) {
                (true, true) => format!("im Bezirk {name}"),
                (true, false) => format!("in der Gemeinde {name}"),
                (false, true) => format!("in the district of {name}"),
                (false, false) => format!("in the municipality of {name}"),
            }
        }
        Scope::Authority(key) => {
            let name = engine
                .authority(key)
                .map_or(key.as_str(), |a| a.name.as_str());
            if de {
                crate::notify::german::bei(name)
            } else {
                format!("handled by {name}")
            }
        }
        Scope::Circle { point, radius_m } => {
            let (lat, lon) = (point.lat(), point.lon());
            if de {
                format!("im Umkreis von {radius_m} m um {lat:.5}, {lon:.5}")
            } else {
                format!("within {radius_m} m of {lat:.5}, {lon:.5}")
            }
        }
    };
    match selection.category() {
        None => scope,
        Some(code) => {
            let category = engine.category(code.as_str());
            let name = category.map_or(code.as_str(), |c| match language {
                Language::De => c.name_de.as_str(),
                Language::En => c.name_en.as_str(),
            });
            if de {
                format!("{scope}, Kategorie „{name}“")
            } else {
                format!("{scope}, category “{name}”")
            }
        }
    }
}

/// Where a report is, in words: the address the citizen gave, or the coordinates, with the
/// area's name („Unter den Linden 1 (Mitte)“, „bei 52.52190, 13.41320 (Mitte)“).
pub fn place(
    engine: &Jurisdiction,
    address: Option<&str>,
    lat: f64,
    lon: f64,
    area_key: &str,
    language: Language,
) -> String {
    let area_name = area(engine, area_key).map_or(area_key, |a| a.name.as_str());
    match (address, language) {
        (Some(address), _) => format!("{address} ({area_name})"),
        (None, Language::De) => format!("bei {lat:.5}, {lon:.5} ({area_name})"),
        (None, Language::En) => format!("near {lat:.5}, {lon:.5} ({area_name})"),
    }
}

/// The name of a light as the web pages show it (`lightName` in `web/js/lights.js`).
pub fn light_name(light: Light, language: Language) -> &'static str {
    match (light, language) {
        (Light::Red, Language::De) => "Rot: eingegangen",
        (Light::Red, Language::En) => "Red: received",
        (Light::Yellow, Language::De) => "Gelb: in Bearbeitung",
        (Light::Yellow, Language::En) => "Yellow: in progress",
        (Light::Green, Language::De) => "Grün: erledigt",
        (Light::Green, Language::En) => "Green: fixed",
        (Light::YellowGreen, Language::De) => "Gelb-Grün: bearbeitet, hier nicht lösbar",
        (Light::YellowGreen, Language::En) => "Yellow-green: handled, not fixable here",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_names_are_the_web_pages_names() {
        // `red: ['Rot: eingegangen', 'Red: received'],` in lights.js.
        let lights_js = include_str!("../../web/js/lights.js");
        for light in Light::ALL {
            let key = format!("{}: [", light.as_str());
            let line = lights_js
                .lines()
                .map(str::trim_start)
                .find(|line| line.starts_with(&key))
                .unwrap();
            let names: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
            assert_eq!(light_name(light, Language::De), names[0]);
            assert_eq!(light_name(light, Language::En), names[1]);
        }
    }
}
