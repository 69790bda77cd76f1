//! What an alert subscription or a feed watches: a Gemeinde (area), an authority, or a circle
//! around a point, optionally narrowed to one category. Validated on construction (form and
//! limits); whether the area, authority and category exist and the point lies in the three
//! states is checked against the jurisdiction engine by [`super::check`].

use crate::domain::{AreaKey, AuthorityKey, CategoryCode, Coordinates, InvalidValue};
use crate::store::reports::Near;

/// The smallest radius around a point, in metres: below it a circle is one house.
pub const MIN_RADIUS_M: u32 = 50;
/// The largest radius around a point, in metres: larger areas are better watched by Gemeinde
/// or authority, and a bounded circle keeps the feed's query to a small box.
pub const MAX_RADIUS_M: u32 = 10_000;

/// Where a selection looks.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// The reports of one area (a Gemeinde, or a Berlin Bezirk).
    Area(AreaKey),
    /// The reports an authority is responsible for now.
    Authority(AuthorityKey),
    /// The reports within `radius_m` of a point (plane distance, as the public list measures).
    Circle {
        /// The point (rounded to 5 decimals, about a metre).
        point: Coordinates,
        /// The radius in metres, [`MIN_RADIUS_M`]–[`MAX_RADIUS_M`].
        radius_m: u32,
    },
}

/// A scope with an optional category.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    scope: Scope,
    category: Option<CategoryCode>,
}

/// The fields a request names a selection with (the subscription body and the feed's query
/// use the same names).
#[derive(Debug, Clone, Default)]
pub struct SelectionInput<'a> {
    /// `area`: an 8-digit area key.
    pub area: Option<&'a str>,
    /// `authority`: an authority key.
    pub authority: Option<&'a str>,
    /// `lat` of the circle's centre.
    pub lat: Option<f64>,
    /// `lon` of the circle's centre.
    pub lon: Option<f64>,
    /// `radius_m` of the circle.
    pub radius_m: Option<f64>,
    /// `category`: a category code.
    pub category: Option<&'a str>,
}

/// Rounds a coordinate to 5 decimals, so the same place is one selection.
fn round5(value: f64) -> f64 {
    (value * 100_000.0).round() / 100_000.0
}

impl Selection {
    /// A selection from a request's fields: exactly one of `area`, `authority`, or `lat` +
    /// `lon` + `radius_m`, and optionally `category`. The error names the field.
    pub fn from_input(input: &SelectionInput<'_>) -> Result<Self, InvalidValue> {
        let point_given = input.lat.is_some() || input.lon.is_some() || input.radius_m.is_some();
        let given = usize::from(input.area.is_some())
            + usize::from(input.authority.is_some())
            + usize::from(point_given);
        if given != 1 {
            return Err(InvalidValue::new(
                "area",
                "name exactly one of area, authority, or lat + lon + radius_m",
            ));
        }
        let scope = if let Some(area) = input.area {
            Scope::Area(AreaKey::parse(area)?)
        } else if let Some(authority) = input.authority {
            Scope::Authority(AuthorityKey::parse(authority)?)
        } else {
            let (Some(lat), Some(lon)) = (input.lat, input.lon) else {
                return Err(InvalidValue::new(
                    "lat",
                    "a circle needs lat, lon and radius_m",
                ));
            };
            let Some(radius) = input.radius_m else {
                return Err(InvalidValue::new(
                    "radius_m",
                    "a circle needs lat, lon and radius_m",
                ));
            };
            Self::circle(lat, lon, radius)?
        };
        let category = input.category.map(CategoryCode::parse).transpose()?;
        Ok(Self { scope, category })
    }

    /// A circle scope, validated: coordinates in range, radius a whole number of metres
    /// within the limits.
    fn circle(lat: f64, lon: f64, radius: f64) -> Result<Scope, InvalidValue> {
        let point = Coordinates::new(round5(lat), round5(lon))
            .map_err(|e| InvalidValue::new(e.field(), e.to_string()))?;
        let whole = radius.fract() == 0.0;
        if !whole || !(f64::from(MIN_RADIUS_M)..=f64::from(MAX_RADIUS_M)).contains(&radius) {
            return Err(InvalidValue::new(
                "radius_m",
                format!(
                    "radius_m must be a whole number of metres from {MIN_RADIUS_M} to {MAX_RADIUS_M}"
                ),
            ));
        }
        Ok(Scope::Circle {
            point,
            radius_m: radius as u32,
        })
    }

    /// A selection of `scope` and `category` as stored (validated again: a row that fails is
    /// corrupt).
    pub fn from_parts(scope: Scope, category: Option<CategoryCode>) -> Result<Self, InvalidValue> {
        if let Scope::Circle { point, radius_m } = &scope {
            Self::circle(point.lat(), point.lon(), f64::from(*radius_m))?;
        }
        Ok(Self { scope, category })
    }

    /// Where it looks.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The category it is narrowed to, if any.
    pub fn category(&self) -> Option<&CategoryCode> {
        self.category.as_ref()
    }

    /// The circle as the store filters by it, for a circle scope.
    pub fn near(&self) -> Option<Near> {
        match &self.scope {
            Scope::Circle { point, radius_m } => Some(Near {
                lat: point.lat(),
                lon: point.lon(),
                radius_m: f64::from(*radius_m),
            }),
            _ => None,
        }
    }

    /// The selection written out (`area:12067072`, `authority:11000001`,
    /// `point:52.52190,13.41320,500`, with `/street_lighting` for a category): one stored
    /// subscription per address and selection.
    pub fn canonical(&self) -> String {
        let scope = match &self.scope {
            Scope::Area(key) => format!("area:{key}"),
            Scope::Authority(key) => format!("authority:{key}"),
            Scope::Circle { point, radius_m } => {
                format!("point:{:.5},{:.5},{radius_m}", point.lat(), point.lon())
            }
        };
        match &self.category {
            Some(category) => format!("{scope}/{}", category.as_str()),
            None => scope,
        }
    }

    /// The query string of the selection's feed (`area=…&category=…`).
    pub fn query(&self) -> String {
        let scope = match &self.scope {
            Scope::Area(key) => format!("area={key}"),
            Scope::Authority(key) => format!("authority={key}"),
            Scope::Circle { point, radius_m } => format!(
                "lat={:.5}&lon={:.5}&radius_m={radius_m}",
                point.lat(),
                point.lon()
            ),
        };
        match &self.category {
            Some(category) => format!("{scope}&category={}", category.as_str()),
            None => scope,
        }
    }

    /// Whether a report in `area`, with `authority`, at (`lat`, `lon`) and of `category` is
    /// one the selection watches. The same rule as the store's filter, for the digest, which
    /// reads the day's history once and sorts it to every subscription.
    pub fn matches(&self, area: &str, authority: &str, lat: f64, lon: f64, category: &str) -> bool {
        let in_scope = match &self.scope {
            Scope::Area(key) => key.as_str() == area,
            Scope::Authority(key) => key.as_str() == authority,
            Scope::Circle { .. } => self
                .near()
                .is_some_and(|near| near.distance_m(lat, lon) <= near.radius_m),
        };
        in_scope
            && self
                .category
                .as_ref()
                .is_none_or(|c| c.as_str() == category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>() -> SelectionInput<'a> {
        SelectionInput::default()
    }

    #[test]
    fn exactly_one_scope() {
        assert!(Selection::from_input(&input()).is_err());
        let both = SelectionInput {
            area: Some("12067072"),
            authority: Some("11000001"),
            ..input()
        };
        assert!(Selection::from_input(&both).is_err());
        let area = Selection::from_input(&SelectionInput {
            area: Some("12067072"),
            category: Some("street_lighting"),
            ..input()
        })
        .unwrap();
        assert_eq!(area.canonical(), "area:12067072/street_lighting");
        assert_eq!(area.query(), "area=12067072&category=street_lighting");
    }

    #[test]
    fn circles_are_bounded_and_rounded() {
        let circle = |lat, lon, radius| {
            Selection::from_input(&SelectionInput {
                lat: Some(lat),
                lon: Some(lon),
                radius_m: Some(radius),
                ..input()
            })
        };
        let c = circle(52.521_904_4, 13.413_2, 500.0).unwrap();
        assert_eq!(c.canonical(), "point:52.52190,13.41320,500");
        for bad in [49.0, 10_001.0, 100.5, f64::NAN] {
            let error = circle(52.5, 13.4, bad).unwrap_err();
            assert_eq!(error.field, "radius_m");
        }
        assert_eq!(circle(95.0, 13.4, 100.0).unwrap_err().field, "lat");
        let partial = SelectionInput {
            lat: Some(52.5),
            lon: Some(13.4),
            ..input()
        };
        assert_eq!(
            Selection::from_input(&partial).unwrap_err().field,
            "radius_m"
        );
    }

    #[test]
    fn matching_follows_scope_and_category() {
        let c = Selection::from_input(&SelectionInput {
            lat: Some(52.5219),
            lon: Some(13.4132),
            radius_m: Some(100.0),
            category: Some("street_lighting"),
            ..input()
        })
        .unwrap();
        // About 56 m north: inside; about 200 m: outside; another category: no.
        assert!(c.matches("x", "y", 52.5224, 13.4132, "street_lighting"));
        assert!(!c.matches("x", "y", 52.5237, 13.4132, "street_lighting"));
        assert!(!c.matches("x", "y", 52.5224, 13.4132, "roads_paths"));
        let a = Selection::from_input(&SelectionInput {
            authority: Some("11000001"),
            ..input()
        })
        .unwrap();
        assert!(a.matches("11000001", "11000001", 0.0, 0.0, "any"));
        assert!(!a.matches("11000001", "11000002", 0.0, 0.0, "any"));
    }
}
