//! Reads the GeoNames populated places of Berlin, Brandenburg and MV (a tab-separated file in
//! the shared data, `../shared/data/places/`; see its `SOURCES.md`).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::Coordinates;

/// The file under the places directory.
pub const FILE: &str = "geonames_cities500_be_bb_mv.tsv";

/// The source as `GET /api/v1/attribution` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceSource {
    /// What the source holds.
    pub title: &'static str,
    /// The licence.
    pub licence: &'static str,
    /// Where the licence text is.
    pub licence_url: &'static str,
    /// The attribution the licence asks for, shown wherever place names are used.
    pub attribution: &'static str,
}

/// GeoNames, CC BY 4.0.
pub const SOURCE: PlaceSource = PlaceSource {
    title: "GeoNames cities500: populated places of Berlin, Brandenburg and Mecklenburg-Vorpommern",
    licence: "CC BY 4.0",
    licence_url: "https://creativecommons.org/licenses/by/4.0/",
    attribution: "Ortsnamen: GeoNames (geonames.org), CC BY 4.0",
};

/// One populated place as the file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoName {
    /// GeoNames' id.
    pub id: u64,
    /// The name in German.
    pub name: String,
    /// Where it is.
    pub location: Coordinates,
    /// GeoNames' feature code: `PPLX` is a section of a populated place (Berlin's Ortsteile).
    pub feature_code: String,
    /// Inhabitants (0 where GeoNames does not know).
    pub population: u64,
}

impl GeoName {
    /// Whether GeoNames calls it a section of a larger place (an Ortsteil).
    pub fn is_section(&self) -> bool {
        self.feature_code == "PPLX"
    }
}

/// Why the places file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    /// The file cannot be read.
    #[error("cannot read the places file {path}: {source}; set BUERGERBUERO_PLACES_DIR")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not what the header promises.
    #[error("{path}, line {line}: {reason}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The columns we need, found by name in the header row.
const COLUMNS: [&str; 6] = [
    "geonameid",
    "name",
    "lat",
    "lon",
    "feature_code",
    "population",
];

/// Reads `<dir>/geonames_cities500_be_bb_mv.tsv`.
pub fn read(dir: &Path) -> Result<Vec<GeoName>, PlacesError> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| PlacesError::Unreadable {
        path: path.clone(),
        source,
    })?;
    parse(&text).map_err(|(line, reason)| PlacesError::BadLine { path, line, reason })
}

/// Parses the file's text; an error names the 1-based line.
pub fn parse(text: &str) -> Result<Vec<GeoName>, (usize, String)> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, h)| h.split('\t').collect())
        .unwrap_or_default();
    let mut index = [0; COLUMNS.len()];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = header
            .iter()
            .position(|h| *h == column)
            .ok_or_else(|| (1, format!("the header has no column {column:?}")))?;
    }
    let [id, name, lat, lon, code, population] = index;
    let mut places = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |reason: String| (n + 1, reason);
        let fields: Vec<&str> = line.split('\t').collect();
        let field = |i: usize| {
            fields.get(i).copied().ok_or_else(|| {
                fail(format!(
                    "has {} columns, not {}",
                    fields.len(),
                    header.len()
                ))
            })
        };
        let number = |i: usize| -> Result<f64, (usize, String)> {
            let value = field(i)?;
            value
                .parse()
                .map_err(|_| fail(format!("{value:?} is not a number")))
        };
        let place_name = field(name)?.trim();
        if place_name.is_empty() {
            return Err(fail("empty name".into()));
        }
        let location =
            Coordinates::new(number(lat)?, number(lon)?).map_err(|e| fail(e.to_string()))?;
        places.push(GeoName {
            id: field(id)?
                .parse()
                .map_err(|_| fail("the geonameid is not a number".into()))?,
            name: place_name.to_owned(),
            location,
            feature_code: field(code)?.to_owned(),
            population: field(population)?.parse().unwrap_or(0),
        });
    }
    Ok(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "geonameid\tname\tlat\tlon\tfeature_class\tfeature_code\tstate\tadmin2\tadmin3\tadmin4\tpopulation\talternate_names\tmodified";

    #[test]
    fn reads_rows_by_the_header() {
        let text = format!(
            "{HEADER}\n2944121\tBriesen\t52.34383\t14.27804\tP\tPPL\tBB\t00\t12067\t12067072\t2374\tx,y\t2011-04-25\n\n2878018\tLichterfelde\t52.4333\t13.30762\tP\tPPLX\tBE\t00\t11000\t11000000\t85885\t\t2020-01-01\n"
        );
        let places = parse(&text).unwrap();
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].name, "Briesen");
        assert_eq!(places[0].population, 2374);
        assert!((places[0].location.lat() - 52.34383).abs() < 1e-9);
        assert!(!places[0].is_section());
        assert!(places[1].is_section());
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(parse("name\tlat\n").unwrap_err().0, 1);
        let text = format!("{HEADER}\n1\tX\tnorth\t14\tP\tPPL\tBB\t00\t1\t1\t0\t\t\n");
        assert_eq!(parse(&text).unwrap_err().0, 2);
        let text = format!("{HEADER}\n1\tX\t95\t14\tP\tPPL\tBB\t00\t1\t1\t0\t\t\n");
        assert_eq!(parse(&text).unwrap_err().0, 2);
    }
}
