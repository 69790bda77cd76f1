use std::fmt;

use serde::Serialize;

use super::{AuthorityKey, InvalidValue, State};

/// A category code: 2–40 characters of lower-case ASCII letters, digits and `_`, starting with a
/// letter (`street_lighting`). Stable: apps and Open311 clients use it as the service code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Validates the code's form.
    pub fn parse(code: &str) -> Result<Self, InvalidValue> {
        let well_formed = (2..=40).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if well_formed {
            Ok(Self(code.to_owned()))
        } else {
            Err(InvalidValue::new(
                "category",
                format!("{code:?} is not a category code (a–z, 0–9 and _, 2–40 characters)"),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<CategoryCode> for String {
    fn from(code: CategoryCode) -> Self {
        code.0
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which authority a report of a category goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "level", content = "authority", rename_all = "snake_case")]
pub enum RoutingTarget {
    /// The area's municipal authority (Bezirksamt, Amt, Gemeinde or Stadt): the default.
    Municipal,
    /// The Kreis administration (Landkreis; for kreisfreie Städte and Berlin the municipal one).
    Kreis,
    /// One named authority, e.g. a state agency.
    Authority(AuthorityKey),
}

impl RoutingTarget {
    /// Builds a target from its stored form: level `municipal`, `kreis` or `authority` (the
    /// latter with the authority's key).
    pub fn from_parts(level: &str, authority: Option<&str>) -> Result<Self, InvalidValue> {
        match (level, authority) {
            ("municipal", None) => Ok(RoutingTarget::Municipal),
            ("kreis", None) => Ok(RoutingTarget::Kreis),
            ("authority", Some(key)) => Ok(RoutingTarget::Authority(AuthorityKey::parse(key)?)),
            _ => Err(InvalidValue::new(
                "routing",
                format!(
                    "level {level:?} with authority {authority:?}: expected municipal, kreis, or authority with a key"
                ),
            )),
        }
    }

    /// The stored level name.
    pub fn level(&self) -> &'static str {
        match self {
            RoutingTarget::Municipal => "municipal",
            RoutingTarget::Kreis => "kreis",
            RoutingTarget::Authority(_) => "authority",
        }
    }

    /// The named authority, if the target is one.
    pub fn authority(&self) -> Option<&AuthorityKey> {
        match self {
            RoutingTarget::Authority(key) => Some(key),
            _ => None,
        }
    }
}

/// Where a routing rule applies: a whole state or one Kreis (the more specific rule wins).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "scope", content = "key", rename_all = "snake_case")]
pub enum RoutingScope {
    /// Every area of a state.
    State(State),
    /// Every area of one Kreis (5-digit key).
    Kreis(String),
}

/// One row of the routing table: in `scope`, reports of `category` go to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutingRule {
    /// Where the rule applies.
    pub scope: RoutingScope,
    /// The category it concerns.
    pub category: CategoryCode,
    /// Where such reports go.
    pub target: RoutingTarget,
}

/// A report category, such as "Straßenbeleuchtung / Street lighting".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Stable code.
    pub code: CategoryCode,
    /// German name (the UI's default language).
    pub name_de: String,
    /// English name.
    pub name_en: String,
    /// Group code, for grouping categories in the form.
    pub group: String,
    /// A notice shown when the category is picked (German), e.g. where emergencies go.
    pub notice_de: Option<String>,
    /// The same notice in English.
    pub notice_en: Option<String>,
    /// Where reports of this category go unless a routing rule says otherwise.
    pub routing: RoutingTarget,
    /// Inactive categories are kept for old reports but cannot be chosen for new ones.
    pub active: bool,
    /// Position in lists.
    pub sort_order: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_codes() {
        assert!(CategoryCode::parse("street_lighting").is_ok());
        assert!(CategoryCode::parse("a1").is_ok());
        for bad in [
            "",
            "a",
            "Street",
            "1abc",
            "street-lighting",
            &"x".repeat(41),
        ] {
            assert!(CategoryCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn routing_targets_from_stored_parts() {
        assert_eq!(
            RoutingTarget::from_parts("municipal", None),
            Ok(RoutingTarget::Municipal)
        );
        assert_eq!(
            RoutingTarget::from_parts("kreis", None),
            Ok(RoutingTarget::Kreis)
        );
        let named = RoutingTarget::from_parts("authority", Some("BE-VLB")).unwrap();
        assert_eq!(named.authority().map(|k| k.as_str()), Some("BE-VLB"));
        assert!(RoutingTarget::from_parts("authority", None).is_err());
        assert!(RoutingTarget::from_parts("kreis", Some("12067")).is_err());
        assert!(RoutingTarget::from_parts("land", None).is_err());
    }
}
