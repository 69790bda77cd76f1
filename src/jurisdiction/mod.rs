//! The jurisdiction engine: point → area → responsible authority, in memory and in well under
//! a microsecond for most points.
//!
//! Built once at start-up from the stored boundaries. Three layers answer a lookup:
//! 1. a uniform [`grid::Grid`] whose cells mostly lie wholly inside one area (answered at once);
//! 2. for cells on a boundary, a banded point-in-polygon test ([`polygon_index`]) on the few
//!    candidate areas, where the more precise source wins if two claim the point;
//! 3. for points in no polygon (beaches, piers, the generalised coastline, the seams between
//!    Berlin's precise outline and the coarser Brandenburg data), an R-tree over the areas'
//!    bounding boxes finds the nearest area within the configured distance.

mod grid;
pub mod polygon_index;
mod routing;
mod view;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use geo::{Rect, coord};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
use serde::Deserialize;

pub use crate::boundaries::BoundaryArea;
use crate::domain::{
    Area, Authority, AuthorityKey, Category, CategoryCode, Coordinates, RoutingRule, RoutingTarget,
};
use grid::{Cell, Grid};
use polygon_index::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR, PolygonIndex};
pub use routing::RoutingTable;
pub use view::{AreaView, AuthorityView, JurisdictionView, MatchKind};

/// Tuning of the engine (the `[jurisdiction]` section of the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JurisdictionSettings {
    /// A point in no polygon goes to the nearest area up to this far away (metres); beyond it
    /// the point is outside the service area. Covers piers, beaches and generalised coastlines.
    pub max_outside_distance_m: f64,
    /// A point this close (metres) to the area of another authority is flagged `near_border`.
    pub near_border_distance_m: f64,
}

impl Default for JurisdictionSettings {
    fn default() -> Self {
        Self {
            max_outside_distance_m: 1_000.0,
            near_border_distance_m: 50.0,
        }
    }
}

/// How the point relates to the area that answers for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// The point lies inside the area's polygon.
    Inside,
    /// The point lies in no polygon; this is the nearest area, `distance_m` away.
    Nearest {
        /// Distance to the area's boundary in metres.
        distance_m: f64,
    },
}

/// The area found for a point (the fast path, without routing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaMatch {
    /// Index into the engine's areas.
    pub area: u32,
    /// Inside, or nearest within the allowed distance.
    pub placement: Placement,
}

/// The full answer for a point and (optionally) a category.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    /// The area the point belongs to.
    pub area: &'a Area,
    /// The authority responsible for the category here.
    pub authority: &'a Authority,
    /// The area's municipal authority (differs from `authority` when a rule routes elsewhere).
    pub municipal_authority: &'a Authority,
    /// Which routing level chose `authority`.
    pub target: RoutingTarget,
    /// Inside the polygon or the nearest one.
    pub placement: Placement,
    /// Other authorities whose area is within the near-border distance (or overlaps here).
    pub neighbours: Vec<&'a Authority>,
}

/// Why a lookup has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocateError {
    /// The point lies farther than the allowed distance from every area.
    #[error("the point is outside the service area (Berlin, Brandenburg, Mecklenburg-Vorpommern)")]
    OutsideServiceArea,
    /// No category with this code exists.
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
}

/// Why the engine could not be built from the stored data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// There are no boundaries (run `buergerbuero import-boundaries`).
    #[error("no boundaries are loaded; run `buergerbuero import-boundaries`")]
    NoAreas,
    /// An area has no usable polygon.
    #[error("area {0} has an empty geometry")]
    EmptyGeometry(String),
    /// An area or rule names an authority that does not exist.
    #[error("{0} names authority {1}, which does not exist")]
    MissingAuthority(String, String),
}

/// Counts that describe the built index (for logs and the benchmark report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    /// Number of areas.
    pub areas: usize,
    /// Number of polygon edges over all areas.
    pub edges: usize,
    /// Approximate heap bytes of the index structures.
    pub heap_bytes: usize,
}

/// The spatial part of the engine: built once from the boundaries, shared by every catalog
/// version (see [`Jurisdiction::with_catalog`]).
struct Geometry {
    areas: Vec<Area>,
    shapes: Vec<PolygonIndex>,
    /// Precedence rank per area: lower wins where polygons overlap.
    ranks: Vec<u32>,
    grid: Grid,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

/// The engine. Immutable once built; share it behind an `Arc`. A change of the categories
/// or routing rules makes a new engine that shares the geometry ([`Jurisdiction::with_catalog`]).
pub struct Jurisdiction {
    geo: Arc<Geometry>,
    authorities: Arc<HashMap<AuthorityKey, Authority>>,
    categories: HashMap<CategoryCode, Category>,
    routing: RoutingTable,
    settings: JurisdictionSettings,
}

/// The engine in use, replaced whole when admins change categories or routing rules, so a
/// request always sees one consistent version.
pub struct JurisdictionHandle {
    current: RwLock<Arc<Jurisdiction>>,
    /// Engines put in use since the first, for the metrics.
    reloads: std::sync::atomic::AtomicU64,
}

impl JurisdictionHandle {
    /// Starts with `engine`.
    pub fn new(engine: Jurisdiction) -> Self {
        Self {
            current: RwLock::new(Arc::new(engine)),
            reloads: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The engine in use now.
    pub fn current(&self) -> Arc<Jurisdiction> {
        // A poisoned lock still holds a complete engine (replacing is one assignment).
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Puts a new engine in use.
    pub fn replace(&self, engine: Jurisdiction) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(engine);
        self.reloads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many times an engine was replaced since the first (`replace` calls).
    pub fn reloads(&self) -> u64 {
        self.reloads.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Checks that every authority a category or rule names exists.
fn check_targets(
    authorities: &HashMap<AuthorityKey, Authority>,
    categories: &[Category],
    rules: &[RoutingRule],
) -> Result<(), BuildError> {
    let named_targets = categories
        .iter()
        .map(|c| (format!("category {}", c.code), &c.routing))
        .chain(
            rules
                .iter()
                .map(|r| (format!("routing rule for {}", r.category), &r.target)),
        );
    for (owner, target) in named_targets {
        if let RoutingTarget::Authority(key) = target
            && !authorities.contains_key(key)
        {
            return Err(BuildError::MissingAuthority(owner, key.to_string()));
        }
    }
    Ok(())
}

impl Jurisdiction {
    /// Builds the index. Every authority that an area or a routing rule names must exist.
    pub fn build(
        boundary_areas: Vec<BoundaryArea>,
        authorities: Vec<Authority>,
        categories: Vec<Category>,
        rules: &[RoutingRule],
        settings: JurisdictionSettings,
    ) -> Result<Self, BuildError> {
        if boundary_areas.is_empty() {
            return Err(BuildError::NoAreas);
        }
        let authorities: HashMap<_, _> = authorities
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect();
        let require = |owner: String, key: &AuthorityKey| {
            if authorities.contains_key(key) {
                Ok(())
            } else {
                Err(BuildError::MissingAuthority(owner, key.to_string()))
            }
        };
        for b in &boundary_areas {
            require(format!("area {}", b.area.key), &b.area.authority)?;
            require(format!("area {}", b.area.key), &b.area.kreis_authority)?;
        }
        check_targets(&authorities, &categories, rules)?;

        let mut areas = Vec::with_capacity(boundary_areas.len());
        let mut shapes = Vec::with_capacity(boundary_areas.len());
        for b in boundary_areas {
            let shape = PolygonIndex::new(&b.shape)
                .ok_or_else(|| BuildError::EmptyGeometry(b.area.key.to_string()))?;
            areas.push(b.area);
            shapes.push(shape);
        }

        let mut order: Vec<u32> = (0..areas.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&areas[a as usize], &areas[b as usize]);
            b.precision
                .cmp(&a.precision)
                .then_with(|| a.key.cmp(&b.key))
        });
        let mut ranks = vec![0; areas.len()];
        for (rank, &area) in order.iter().enumerate() {
            ranks[area as usize] = rank as u32;
        }

        let tree = RTree::bulk_load(
            shapes
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (min, max) = (s.bbox().min(), s.bbox().max());
                    GeomWithData::new(
                        Rectangle::from_corners([min.x, min.y], [max.x, max.y]),
                        i as u32,
                    )
                })
                .collect(),
        );
        let bounds = shapes.iter().skip(1).fold(shapes[0].bbox(), |acc, s| {
            let (a, b) = (acc, s.bbox());
            Rect::new(
                coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
        let shape_refs: Vec<&PolygonIndex> = shapes.iter().collect();
        let grid = Grid::build(
            bounds,
            &shape_refs,
            settings.near_border_distance_m,
            |x, y| {
                tree.locate_all_at_point(&[x, y])
                    .map(|entry| entry.data)
                    .filter(|&i| shapes[i as usize].contains(x, y))
                    .collect()
            },
        );

        Ok(Self {
            routing: RoutingTable::new(&categories, rules),
            categories: categories
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect(),
            geo: Arc::new(Geometry {
                areas,
                shapes,
                ranks,
                grid,
                tree,
            }),
            authorities: Arc::new(authorities),
            settings,
        })
    }

    /// The same engine with other categories and routing rules (the geometry is shared, so
    /// this takes microseconds). Every authority they name must exist.
    pub fn with_catalog(
        &self,
        categories: Vec<Category>,
        rules: &[RoutingRule],
    ) -> Result<Self, BuildError> {
        check_targets(&self.authorities, &categories, rules)?;
        Ok(Self {
            geo: self.geo.clone(),
            authorities: self.authorities.clone(),
            routing: RoutingTable::new(&categories, rules),
            categories: categories
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect(),
            settings: self.settings,
        })
    }

    /// Every category, active or not, in display order.
    pub fn categories(&self) -> Vec<&Category> {
        let mut all: Vec<&Category> = self.categories.values().collect();
        all.sort_by(|a, b| {
            a.sort_order
                .cmp(&b.sort_order)
                .then_with(|| a.code.cmp(&b.code))
        });
        all
    }

    /// The settings the engine was built with.
    pub fn settings(&self) -> JurisdictionSettings {
        self.settings
    }

    /// All areas, in the order their indexes refer to.
    pub fn areas(&self) -> &[Area] {
        &self.geo.areas
    }

    /// The area at an index returned by [`Jurisdiction::locate_area`].
    pub fn area(&self, index: u32) -> &Area {
        &self.geo.areas[index as usize]
    }

    /// The bounding box of the area at `index` (x = longitude, y = latitude).
    pub fn area_bounds(&self, index: u32) -> Rect<f64> {
        self.geo.shapes[index as usize].bbox()
    }

    /// An authority by key.
    pub fn authority(&self, key: &AuthorityKey) -> Option<&Authority> {
        self.authorities.get(key)
    }

    /// A category by code.
    pub fn category(&self, code: &str) -> Option<&Category> {
        CategoryCode::parse(code)
            .ok()
            .and_then(|code| self.categories.get(&code))
    }

    /// Size figures of the index.
    pub fn stats(&self) -> IndexStats {
        let edges: usize = self.geo.shapes.iter().map(|s| s.edges().count()).sum();
        IndexStats {
            areas: self.geo.areas.len(),
            edges,
            // Edges dominate: 32 bytes each plus about two band entries of 4 bytes.
            heap_bytes: edges * 40 + self.geo.grid.heap_bytes(),
        }
    }

    /// The fast path: which area answers for a point (longitude `x`, latitude `y`), if any.
    pub fn locate_area(&self, x: f64, y: f64) -> Option<AreaMatch> {
        self.locate_in_cell(self.geo.grid.cell(x, y), x, y)
    }

    /// [`Jurisdiction::locate_area`] for a point in grid cell `cell`.
    fn locate_in_cell(&self, cell: Cell, x: f64, y: f64) -> Option<AreaMatch> {
        let inside = |area| AreaMatch {
            area,
            placement: Placement::Inside,
        };
        match cell {
            Cell::Inside(area) => Some(inside(area)),
            Cell::Mixed { start, len } => self
                .geo
                .grid
                .candidates(start, len)
                .iter()
                .copied()
                .filter(|&a| self.geo.shapes[a as usize].contains(x, y))
                .min_by_key(|&a| self.geo.ranks[a as usize])
                .map(inside)
                .or_else(|| self.nearest(x, y)),
            Cell::Outside => self.nearest(x, y),
        }
    }

    /// The full answer: area, responsible authority for the category (municipal when `None`),
    /// and the authorities across a nearby border.
    pub fn locate(
        &self,
        point: Coordinates,
        category: Option<&str>,
    ) -> Result<Answer<'_>, LocateError> {
        let category = category
            .map(|code| {
                self.category(code)
                    .map(|c| &c.code)
                    .ok_or_else(|| LocateError::UnknownCategory(code.to_owned()))
            })
            .transpose()?;
        let (x, y) = (point.lon(), point.lat());
        let cell = self.geo.grid.cell(x, y);
        let found = self
            .locate_in_cell(cell, x, y)
            .ok_or(LocateError::OutsideServiceArea)?;
        let area = &self.geo.areas[found.area as usize];
        let target = category
            .map(|code| self.routing.target(area, code))
            .unwrap_or(RoutingTarget::Municipal);
        let authority_key = RoutingTable::resolve(area, &target);
        // `build` checked that every key an area or rule names exists.
        let (Some(authority), Some(municipal_authority)) = (
            self.authorities.get(authority_key),
            self.authorities.get(&area.authority),
        ) else {
            return Err(LocateError::OutsideServiceArea);
        };
        Ok(Answer {
            area,
            authority,
            municipal_authority,
            target,
            placement: found.placement,
            // An `Inside` cell has no edge of any area within the grid's margin, which is the
            // near-border distance: no other area overlaps it or lies that close, so the
            // search (an R-tree query and distance tests, most of a lookup's time) is skipped.
            neighbours: match cell {
                Cell::Inside(_) => Vec::new(),
                Cell::Mixed { start, len } => {
                    self.neighbours_among(self.geo.grid.candidates(start, len), x, y, found.area)
                }
                Cell::Outside => self.neighbours(x, y, found.area),
            },
        })
    }

    /// The nearest area within the allowed distance, for points in no polygon.
    fn nearest(&self, x: f64, y: f64) -> Option<AreaMatch> {
        let max_m = self.settings.max_outside_distance_m;
        self.areas_near(x, y, max_m)
            .filter_map(|a| {
                self.geo.shapes[a as usize]
                    .boundary_distance_m(x, y, max_m)
                    .map(|d| (a, d))
            })
            .min_by(|(a, da), (b, db)| {
                da.total_cmp(db)
                    .then_with(|| self.geo.ranks[*a as usize].cmp(&self.geo.ranks[*b as usize]))
            })
            .map(|(area, distance_m)| AreaMatch {
                area,
                placement: Placement::Nearest { distance_m },
            })
    }

    /// Municipal authorities other than the chosen area's that overlap the point or lie within
    /// the near-border distance, sorted by key.
    fn neighbours(&self, x: f64, y: f64, chosen: u32) -> Vec<&Authority> {
        let own = &self.geo.areas[chosen as usize].authority;
        let limit = self.settings.near_border_distance_m;
        let mut keys: Vec<&AuthorityKey> = self
            .areas_near(x, y, limit)
            .filter(|&a| a != chosen && &self.geo.areas[a as usize].authority != own)
            .filter(|&a| {
                let shape = &self.geo.shapes[a as usize];
                shape.contains(x, y) || shape.boundary_distance_m(x, y, limit).is_some()
            })
            .map(|a| &self.geo.areas[a as usize].authority)
            .collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter_map(|k| self.authorities.get(k))
            .collect()
    }

    /// [`Jurisdiction::neighbours`] for a point in a `Mixed` cell, from the cell's candidates
    /// instead of an R-tree search: the candidates are every area with an edge within the
    /// grid's margin (the near-border distance) of the cell, plus every area containing the
    /// cell's centre, so every area that contains the point or has its boundary that close is
    /// among them. The test is the same, so the answer is too (the unit test below compares
    /// both on a grid of points). Skipping the R-tree walk made full lookups ~23 % faster (see
    /// docs/BENCHMARKS.md).
    fn neighbours_among(&self, candidates: &[u32], x: f64, y: f64, chosen: u32) -> Vec<&Authority> {
        let own = &self.geo.areas[chosen as usize].authority;
        let limit = self.settings.near_border_distance_m;
        // Collected straight into the answer (no key list first): far from a border nothing
        // matches and an empty Vec does not allocate.
        let mut found: Vec<&Authority> = candidates
            .iter()
            .copied()
            .filter(|&a| a != chosen && &self.geo.areas[a as usize].authority != own)
            .filter(|&a| {
                let shape = &self.geo.shapes[a as usize];
                shape.contains(x, y) || shape.boundary_within_m(x, y, limit)
            })
            .filter_map(|a| self.authorities.get(&self.geo.areas[a as usize].authority))
            .collect();
        if found.len() > 1 {
            found.sort_by(|a, b| a.key.cmp(&b.key));
            found.dedup_by(|a, b| a.key == b.key);
        }
        found
    }

    /// Areas whose bounding box lies within `radius_m` of the point.
    fn areas_near(&self, x: f64, y: f64, radius_m: f64) -> impl Iterator<Item = u32> + '_ {
        let dy = radius_m / METRES_PER_DEGREE_LAT;
        let dx = radius_m / (METRES_PER_DEGREE_LON_AT_EQUATOR * y.to_radians().cos()).max(1.0);
        let envelope = AABB::from_corners([x - dx, y - dy], [x + dx, y + dy]);
        self.geo
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|entry| entry.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AreaKey, AuthorityKind, Kreis, State};
    use geo::{MultiPolygon, polygon};

    fn authority(key: &str) -> Authority {
        Authority {
            key: AuthorityKey::parse(key).unwrap(),
            name: key.into(),
            kind: AuthorityKind::AmtsfreieGemeinde,
            state: State::Brandenburg,
            contact_email: String::new(),
        }
    }

    /// A rectangular Gemeinde from `west` to `east` (longitude), 52.0 to 52.05 °N.
    fn gemeinde(key: &str, authority: &str, west: f64, east: f64) -> BoundaryArea {
        BoundaryArea {
            area: Area {
                key: AreaKey::parse(key).unwrap(),
                name: key.into(),
                official_name: key.into(),
                state: State::Brandenburg,
                kreis: Kreis {
                    key: "12067".into(),
                    name: "Landkreis Oder-Spree".into(),
                },
                authority: AuthorityKey::parse(authority).unwrap(),
                kreis_authority: AuthorityKey::parse("12067").unwrap(),
                source: "test".into(),
                precision: 1,
            },
            shape: MultiPolygon(vec![polygon![
                (x: west, y: 52.0),
                (x: east, y: 52.0),
                (x: east, y: 52.05),
                (x: west, y: 52.05),
                (x: west, y: 52.0),
            ]]),
        }
    }

    #[test]
    // `locate` skips the neighbour search in `Inside` cells and tests only the cell's
    // candidates in `Mixed` ones; `neighbours` is the full R-tree search to compare with.
    fn the_grid_shortcuts_of_the_neighbour_search_change_no_answer() {
        let engine = Jurisdiction::build(
            vec![
                gemeinde("12067072", "120670072", 13.0, 13.1),
                gemeinde("12067073", "120670073", 13.1, 13.2),
            ],
            vec![
                authority("120670072"),
                authority("120670073"),
                authority("12067"),
            ],
            vec![],
            &[],
            JurisdictionSettings::default(),
        )
        .unwrap();
        let (mut inside_cells, mut with_neighbours) = (0, 0);
        for i in 0..400 {
            for j in 0..40 {
                let (x, y) = (
                    13.0005 + i as f64 * 0.0004987,
                    52.0005 + j as f64 * 0.001219,
                );
                let answer = engine
                    .locate(Coordinates::new(y, x).unwrap(), None)
                    .unwrap();
                let area = engine
                    .areas()
                    .iter()
                    .position(|a| a.key == answer.area.key)
                    .unwrap() as u32;
                let fast: Vec<_> = answer.neighbours.iter().map(|a| &a.key).collect();
                let searched: Vec<_> = engine
                    .neighbours(x, y, area)
                    .iter()
                    .map(|a| &a.key)
                    .collect();
                assert_eq!(fast, searched, "({x}, {y})");
                inside_cells += usize::from(matches!(engine.geo.grid.cell(x, y), Cell::Inside(_)));
                with_neighbours += usize::from(!searched.is_empty());
            }
        }
        assert!(
            inside_cells > 8_000,
            "{inside_cells} points in inside cells"
        );
        // Two columns of points (about 35 m apart) lie within 50 m of the shared border.
        assert!(
            with_neighbours >= 80,
            "{with_neighbours} points near the border"
        );
    }
}
