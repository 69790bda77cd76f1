//! Reads the shared boundary data (Berlin Bezirke; Brandenburg and MV Gemeinden with their Amt
//! and Kreis) into areas with outlines and the authorities responsible for them.

pub mod codec;
mod naming;
pub mod sources;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{Geometry, MultiPolygon, Validation};
use geojson::{Feature, FeatureCollection};

use crate::domain::{
    Area, AreaKey, Authority, AuthorityKey, AuthorityKind, InvalidValue, Kreis, State,
};
use sources::BoundarySource;

/// An area with its boundary, as imported from the data and loaded from the store: what the
/// jurisdiction engine is built from.
#[derive(Debug, Clone)]
pub struct BoundaryArea {
    /// The area.
    pub area: Area,
    /// Its outline in WGS84 degrees (x = longitude, y = latitude).
    pub shape: MultiPolygon<f64>,
}

/// What the boundary directory holds, ready to store.
#[derive(Debug, Clone)]
pub struct BoundarySet {
    /// Every area with its outline, Berlin first, then by key.
    pub areas: Vec<BoundaryArea>,
    /// Every authority the areas name, by key.
    pub authorities: Vec<Authority>,
}

/// Why the boundary data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    /// The directory does not hold the boundary data.
    #[error(
        "{0} does not hold the boundary data (no SOURCES.md); set BUERGERBUERO_BOUNDARIES_DIR to the directory that does"
    )]
    NotADataDirectory(PathBuf),
    /// A file in the directory cannot be read.
    #[error("cannot read boundary file {path}; check BUERGERBUERO_BOUNDARIES_DIR")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not the GeoJSON FeatureCollection we expect.
    #[error("{path} is not a GeoJSON FeatureCollection: {reason}")]
    NotGeoJson {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// A feature lacks a property, has a bad key or a bad geometry.
    #[error("{path}, feature {feature}: {reason}")]
    BadFeature {
        /// The file.
        path: PathBuf,
        /// The feature's key or position.
        feature: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads and validates every source under `dir`. `progress` hears one line per step.
pub fn read(
    dir: &Path,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<BoundarySet, BoundaryError> {
    // Check the directory first, so a wrong setting is one clear line before any progress.
    if !dir.join("SOURCES.md").is_file() {
        return Err(BoundaryError::NotADataDirectory(dir.to_owned()));
    }
    let mut authorities = BTreeMap::new();
    let mut areas = Vec::new();
    for source in sources::ALL {
        let path = dir.join(source.file);
        progress(&format!("reading {}", path.display()));
        let collection = read_collection(&path)?;
        let total = collection.features.len();
        for (i, feature) in collection.features.iter().enumerate() {
            let fail = |reason: String| BoundaryError::BadFeature {
                path: path.clone(),
                feature: feature_label(feature, i),
                reason,
            };
            let (area, area_authorities) = match source.id {
                id if id == sources::BERLIN_BEZIRKE.id => berlin_bezirk(feature, &source),
                _ => gemeinde(feature, &source),
            }
            .map_err(|e| fail(e.to_string()))?;
            let shape = valid_shape(feature).map_err(fail)?;
            for authority in area_authorities {
                merge_authority(&mut authorities, authority)
                    .map_err(|reason| fail(reason.to_string()))?;
            }
            areas.push(BoundaryArea { area, shape });
            if (i + 1) % 250 == 0 || i + 1 == total {
                progress(&format!("  validated {} of {total} areas", i + 1));
            }
        }
    }
    areas.sort_by(|a, b| a.area.key.cmp(&b.area.key));
    Ok(BoundarySet {
        areas,
        authorities: authorities.into_values().collect(),
    })
}

fn read_collection(path: &Path) -> Result<FeatureCollection, BoundaryError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoundaryError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    text.parse::<FeatureCollection>()
        .map_err(|e| BoundaryError::NotGeoJson {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

fn feature_label(feature: &Feature, index: usize) -> String {
    ["AGS", "id"]
        .iter()
        .find_map(|p| feature.property(p).and_then(|v| v.as_str()))
        .map_or_else(|| format!("#{index}"), str::to_owned)
}

fn text<'a>(feature: &'a Feature, property: &'static str) -> Result<&'a str, InvalidValue> {
    feature
        .property(property)
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| InvalidValue::new(property, "missing or empty"))
}

/// A Berlin Bezirk: the area, and its Bezirksamt (which also does the Kreis-level tasks).
fn berlin_bezirk(
    feature: &Feature,
    source: &BoundarySource,
) -> Result<(Area, Vec<Authority>), InvalidValue> {
    let number: u8 = text(feature, "id")?
        .parse()
        .map_err(|_| InvalidValue::new("id", "not a Bezirk number"))?;
    let key = AreaKey::berlin_bezirk(number)?;
    let name = text(feature, "name")?.to_owned();
    let authority = Authority {
        key: AuthorityKey::parse(key.as_str())?,
        name: format!("Bezirksamt {name}"),
        kind: AuthorityKind::Bezirksamt,
        state: State::Berlin,
        contact_email: String::new(),
    };
    let area = Area {
        state: State::Berlin,
        kreis: Kreis {
            key: "11000".into(),
            name: "Berlin".into(),
        },
        authority: authority.key.clone(),
        kreis_authority: authority.key.clone(),
        official_name: name.clone(),
        name,
        key,
        source: source.id.into(),
        precision: source.precision,
    };
    Ok((area, vec![authority]))
}

/// A Brandenburg or MV Gemeinde: the area, its municipal authority and (for kreisangehörige
/// Gemeinden) its Landkreis.
fn gemeinde(
    feature: &Feature,
    source: &BoundarySource,
) -> Result<(Area, Vec<Authority>), InvalidValue> {
    let key = AreaKey::parse(text(feature, "AGS")?)?;
    let state = key.state();
    let official = text(feature, "GEN")?;
    let gemeinde_type = text(feature, "BEZ")?;
    let verband_name = text(feature, "VERBAND_NAME")?;
    let kreisfrei = text(feature, "KREIS_TYP")? == "Kreisfreie Stadt";
    let (kind, authority_name) = match text(feature, "VERBAND_TYP")? {
        "Amt" => (AuthorityKind::Amt, format!("Amt {verband_name}")),
        "Verbandsgemeinde" => (
            AuthorityKind::Verbandsgemeinde,
            format!("Verbandsgemeinde {verband_name}"),
        ),
        "Erfüllende Gemeinde" => (
            AuthorityKind::ErfuellendeGemeinde,
            naming::municipality_authority_name(verband_name),
        ),
        "verbandsfreie Gemeinde" => {
            let kind = match gemeinde_type {
                _ if kreisfrei => AuthorityKind::KreisfreieStadt,
                "Stadt" => AuthorityKind::AmtsfreieStadt,
                _ => AuthorityKind::AmtsfreieGemeinde,
            };
            (kind, naming::municipality_authority_name(official))
        }
        other => {
            return Err(InvalidValue::new(
                "VERBAND_TYP",
                format!("unknown Verband type {other:?}"),
            ));
        }
    };
    let municipal = Authority {
        key: AuthorityKey::parse(text(feature, "VERBAND_RS")?)?,
        name: authority_name,
        kind,
        state,
        contact_email: String::new(),
    };
    let kreis_key = text(feature, "KREIS_AGS")?;
    let kreis_name = text(feature, "KREIS_NAME")?;
    let mut authorities = vec![municipal.clone()];
    let (kreis, kreis_authority) = if kreisfrei {
        let kreis = Kreis {
            key: kreis_key.into(),
            name: naming::municipality_authority_name(kreis_name),
        };
        (kreis, municipal.key.clone())
    } else {
        let landkreis = Authority {
            key: AuthorityKey::parse(kreis_key)?,
            name: format!("Landkreis {kreis_name}"),
            kind: AuthorityKind::Landkreis,
            state,
            contact_email: String::new(),
        };
        let kreis = Kreis {
            key: kreis_key.into(),
            name: landkreis.name.clone(),
        };
        let key = landkreis.key.clone();
        authorities.push(landkreis);
        (kreis, key)
    };
    if !key.as_str().starts_with(kreis_key) {
        return Err(InvalidValue::new(
            "KREIS_AGS",
            format!("{kreis_key} is not the Kreis of {key}"),
        ));
    }
    let area = Area {
        name: naming::plain_name(official).to_owned(),
        official_name: official.to_owned(),
        state,
        kreis,
        authority: municipal.key.clone(),
        kreis_authority,
        key,
        source: source.id.into(),
        precision: source.precision,
    };
    Ok((area, authorities))
}

/// The feature's outline as a valid multipolygon with coordinates inside our part of Germany.
fn valid_shape(feature: &Feature) -> Result<MultiPolygon<f64>, String> {
    let geometry = feature
        .geometry
        .as_ref()
        .ok_or_else(|| "no geometry".to_owned())?;
    let shape = match Geometry::<f64>::try_from(geometry).map_err(|e| e.to_string())? {
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        other => {
            return Err(format!("expected a (Multi)Polygon, got {other:?}")
                .chars()
                .take(80)
                .collect());
        }
    };
    // Every coordinate must be finite and lie in the box around BE, BB and MV: this catches
    // swapped axes and projected (metre) coordinates.
    let plausible = shape
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.coords())
        .all(|c| (9.0..=16.0).contains(&c.x) && (50.0..=56.0).contains(&c.y));
    if !plausible {
        return Err("coordinates outside 9–16° E, 50–56° N (swapped axes or not WGS84?)".into());
    }
    shape
        .check_validation()
        .map_err(|e| format!("invalid geometry: {e}"))?;
    Ok(shape)
}

/// Adds an authority, insisting that every area naming it describes it the same way.
fn merge_authority(
    authorities: &mut BTreeMap<AuthorityKey, Authority>,
    authority: Authority,
) -> Result<(), InvalidValue> {
    match authorities.get(&authority.key) {
        Some(known) if *known != authority => Err(InvalidValue::new(
            "authority",
            format!(
                "{} is described as {:?} ({}) and as {:?} ({})",
                authority.key,
                known.name,
                known.kind.as_str(),
                authority.name,
                authority.kind.as_str()
            ),
        )),
        Some(_) => Ok(()),
        None => {
            authorities.insert(authority.key.clone(), authority);
            Ok(())
        }
    }
}
