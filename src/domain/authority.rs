use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{InvalidValue, State};

/// The key of an authority. Official keys where one exists, told apart by length:
///
/// | length | authority                                                    | example     |
/// |--------|--------------------------------------------------------------|-------------|
/// | 5      | Landkreis (Kreis key)                                         | `12067`     |
/// | 8      | Berlin Bezirksamt (`110000` + Bezirk number)                  | `11000001`  |
/// | 9      | Amt, Verbandsgemeinde, erfüllende or amtsfreie Gemeinde/Stadt, kreisfreie Stadt (Gemeindeverband key) | `120675706` |
///
/// Authorities without an official key (state agencies) use `XX-NAME`, the state code, a dash
/// and upper-case letters, digits or dashes, e.g. `BE-VLB`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AuthorityKey(String);

impl AuthorityKey {
    /// Validates the key's form (see the type's documentation).
    pub fn parse(key: &str) -> Result<Self, InvalidValue> {
        let numeric = matches!(key.len(), 5 | 8 | 9) && key.bytes().all(|b| b.is_ascii_digit());
        let named = key.len() <= 40
            && key.split_once('-').is_some_and(|(state, rest)| {
                state.parse::<State>().is_ok()
                    && !rest.is_empty()
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            });
        if numeric || named {
            Ok(Self(key.to_owned()))
        } else {
            Err(InvalidValue::new(
                "authority",
                format!("{key:?} is not an authority key (5, 8 or 9 digits, or XX-NAME)"),
            ))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AuthorityKey {
    type Error = InvalidValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AuthorityKey> for String {
    fn from(key: AuthorityKey) -> Self {
        key.0
    }
}

impl fmt::Display for AuthorityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of administration an authority is; decides its name and which reports reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorityKind {
    /// Bezirksamt of a Berlin Bezirk.
    Bezirksamt,
    /// Amt administering its member Gemeinden (BB and MV).
    Amt,
    /// Verbandsgemeinde administering its Ortsgemeinden (BB: Liebenwerda).
    Verbandsgemeinde,
    /// A Gemeinde that administers another one too (BB: Schwedt/Oder for Pinnow).
    ErfuellendeGemeinde,
    /// A Gemeinde that belongs to no Amt and administers itself.
    AmtsfreieGemeinde,
    /// A town (Stadt) that belongs to no Amt.
    AmtsfreieStadt,
    /// A town that is its own Kreis.
    KreisfreieStadt,
    /// The administration of a Landkreis.
    Landkreis,
    /// A state agency, reached only by category routing.
    StateAgency,
}

impl AuthorityKind {
    /// Every kind, for documentation and validation.
    pub const ALL: [AuthorityKind; 9] = [
        AuthorityKind::Bezirksamt,
        AuthorityKind::Amt,
        AuthorityKind::Verbandsgemeinde,
        AuthorityKind::ErfuellendeGemeinde,
        AuthorityKind::AmtsfreieGemeinde,
        AuthorityKind::AmtsfreieStadt,
        AuthorityKind::KreisfreieStadt,
        AuthorityKind::Landkreis,
        AuthorityKind::StateAgency,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorityKind::Bezirksamt => "bezirksamt",
            AuthorityKind::Amt => "amt",
            AuthorityKind::Verbandsgemeinde => "verbandsgemeinde",
            AuthorityKind::ErfuellendeGemeinde => "erfuellende_gemeinde",
            AuthorityKind::AmtsfreieGemeinde => "amtsfreie_gemeinde",
            AuthorityKind::AmtsfreieStadt => "amtsfreie_stadt",
            AuthorityKind::KreisfreieStadt => "kreisfreie_stadt",
            AuthorityKind::Landkreis => "landkreis",
            AuthorityKind::StateAgency => "state_agency",
        }
    }
}

impl FromStr for AuthorityKind {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuthorityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| InvalidValue::new("kind", format!("{s:?} is not an authority kind")))
    }
}

/// Who handles reports: a Bezirksamt, an Amt, a Gemeinde or Stadt, a Landkreis or a state agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authority {
    /// Official key (see [`AuthorityKey`]).
    pub key: AuthorityKey,
    /// Display name, e.g. "Amt Odervorland" or "Bezirksamt Mitte".
    pub name: String,
    /// What kind of administration it is.
    pub kind: AuthorityKind,
    /// The state it belongs to.
    pub state: State,
    /// Where new-report mails go; empty when not yet configured.
    pub contact_email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_and_named_keys_are_accepted() {
        for key in ["12067", "11000001", "120675706", "BE-VLB", "MV-LAND-1"] {
            assert!(AuthorityKey::parse(key).is_ok(), "{key}");
        }
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in [
            "",
            "1206",
            "1200000000",
            "12a67",
            "HH-X",
            "BE-",
            "BE-lower",
            "BE",
        ] {
            assert!(AuthorityKey::parse(key).is_err(), "{key}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for kind in AuthorityKind::ALL {
            assert_eq!(kind.as_str().parse::<AuthorityKind>(), Ok(kind));
        }
    }
}
