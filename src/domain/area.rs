use std::fmt;

use serde::Serialize;

use super::{AuthorityKey, InvalidValue, State};

/// The key of an area: the 8-digit AGS of a Brandenburg or MV Gemeinde, or for a Berlin Bezirk
/// `110000` followed by the two-digit Bezirk number (`11000001` Mitte … `11000012`
/// Reinickendorf). Berlin's own AGS is `11000000`, so no Bezirk key collides with a real AGS.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct AreaKey(String);

impl AreaKey {
    /// Validates the key: eight digits of a covered state.
    pub fn parse(key: &str) -> Result<Self, InvalidValue> {
        if key.len() != 8 || !key.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new(
                "area",
                format!("{key:?} is not an 8-digit area key"),
            ));
        }
        State::from_land_key(key)?;
        Ok(Self(key.to_owned()))
    }

    /// The key of Berlin Bezirk number `bezirk` (1–12).
    pub fn berlin_bezirk(bezirk: u8) -> Result<Self, InvalidValue> {
        if !(1..=12).contains(&bezirk) {
            return Err(InvalidValue::new(
                "bezirk",
                format!("Berlin has Bezirke 01–12, not {bezirk:02}"),
            ));
        }
        Ok(Self(format!("110000{bezirk:02}")))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The state the area lies in (decided by the key's Land prefix).
    pub fn state(&self) -> State {
        // Validated on construction, so the prefix is one of ours.
        State::from_land_key(&self.0).unwrap_or(State::Berlin)
    }
}

impl From<AreaKey> for String {
    fn from(key: AreaKey) -> Self {
        key.0
    }
}

impl fmt::Display for AreaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Kreis (Landkreis or kreisfreie Stadt) by its 5-digit key and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kreis {
    /// The 5-digit Kreis key (`11000` for all of Berlin).
    pub key: String,
    /// The Kreis name, e.g. "Landkreis Oder-Spree".
    pub name: String,
}

/// A municipality-level area: a Berlin Bezirk or a Gemeinde of Brandenburg or MV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Area {
    /// Official key (see [`AreaKey`]).
    pub key: AreaKey,
    /// Plain name, e.g. "Briesen (Mark)".
    pub name: String,
    /// Name as in the official register, e.g. "Bernau bei Berlin, Stadt".
    pub official_name: String,
    /// The state (derived from the key).
    pub state: State,
    /// The Kreis the area belongs to.
    pub kreis: Kreis,
    /// The municipal authority: Bezirksamt, Amt, Verbandsgemeinde or the Gemeinde itself.
    pub authority: AuthorityKey,
    /// The authority for Kreis-level tasks: the Landkreis, or for kreisfreie Städte and Berlin
    /// Bezirke the municipal authority itself.
    pub kreis_authority: AuthorityKey,
    /// Which boundary source the polygon comes from (see `GET /api/v1/attribution`).
    pub source: String,
    /// Where two sources claim one point, the higher precision wins (Berlin's cadastre-precise
    /// Bezirke over the generalised VG250 Gemeinden).
    pub precision: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated() {
        assert_eq!(
            AreaKey::parse("12067072").map(|k| k.state()),
            Ok(State::Brandenburg)
        );
        assert!(AreaKey::parse("1206707").is_err());
        assert!(AreaKey::parse("02000000").is_err());
        assert!(AreaKey::parse("1206707x").is_err());
    }

    #[test]
    fn berlin_bezirk_keys() {
        assert_eq!(AreaKey::berlin_bezirk(1).unwrap().as_str(), "11000001");
        assert_eq!(AreaKey::berlin_bezirk(12).unwrap().as_str(), "11000012");
        assert!(AreaKey::berlin_bezirk(0).is_err());
        assert!(AreaKey::berlin_bezirk(13).is_err());
    }
}
