//! The public JSON form of a jurisdiction answer, shared by the API and `locate --json`.

use serde::Serialize;

use super::{Answer, Placement};
use crate::boundaries::sources;
use crate::domain::{Authority, AuthorityKind, Coordinates, Kreis, State};

/// An authority as the public sees it (no contact data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorityView {
    /// Official key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Kind of administration.
    pub kind: AuthorityKind,
    /// State.
    pub state: State,
}

impl From<&Authority> for AuthorityView {
    fn from(a: &Authority) -> Self {
        Self {
            key: a.key.to_string(),
            name: a.name.clone(),
            kind: a.kind,
            state: a.state,
        }
    }
}

/// The area part of the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaView {
    /// Area key.
    pub key: String,
    /// Plain name.
    pub name: String,
    /// Name in the official register.
    pub official_name: String,
    /// State.
    pub state: State,
    /// Kreis.
    pub kreis: Kreis,
}

/// How a point was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Inside the area's polygon.
    Inside,
    /// In no polygon; the nearest area within the allowed distance.
    Nearest,
}

/// Which routing decided the authority.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutingView {
    /// The category asked about, if any.
    pub category: Option<String>,
    /// `municipal`, `kreis` or `authority`.
    pub level: &'static str,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JurisdictionView {
    /// The point asked about.
    pub location: Coordinates,
    /// The area it belongs to.
    pub area: AreaView,
    /// Who handles reports of the category there.
    pub authority: AuthorityView,
    /// The area's municipal authority.
    pub municipal_authority: AuthorityView,
    /// How the authority was chosen.
    pub routing: RoutingView,
    /// Inside the polygon or nearest to it.
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    /// Metres to the area when matched as nearest, else 0.
    pub distance_m: f64,
    /// True when another authority's area is within the near-border distance: the form asks
    /// the citizen to check the pin, and a clerk may forward.
    pub near_border: bool,
    /// Those other authorities.
    pub neighbouring_authorities: Vec<AuthorityView>,
    /// The attribution the boundary data's licence requires.
    pub attribution: String,
}

impl JurisdictionView {
    /// Renders an answer for the point it was asked for.
    pub fn new(location: Coordinates, category: Option<&str>, answer: &Answer<'_>) -> Self {
        let area = answer.area;
        let (match_kind, distance_m) = match answer.placement {
            Placement::Inside => (MatchKind::Inside, 0.0),
            Placement::Nearest { distance_m } => {
                (MatchKind::Nearest, (distance_m * 10.0).round() / 10.0)
            }
        };
        let source = sources::ALL.iter().find(|s| s.id == area.source);
        Self {
            location,
            area: AreaView {
                key: area.key.to_string(),
                name: area.name.clone(),
                official_name: area.official_name.clone(),
                state: area.state,
                kreis: area.kreis.clone(),
            },
            authority: answer.authority.into(),
            municipal_authority: answer.municipal_authority.into(),
            routing: RoutingView {
                category: category.map(str::to_owned),
                level: answer.target.level(),
            },
            match_kind,
            distance_m,
            near_border: !answer.neighbours.is_empty(),
            neighbouring_authorities: answer.neighbours.iter().map(|&a| a.into()).collect(),
            attribution: source.map_or_else(String::new, |s| s.attribution.to_owned()),
        }
    }
}
