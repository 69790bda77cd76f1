//! Point-in-polygon and point-to-boundary distance for one area, in well under a microsecond.
//!
//! The area's rings are cut into edges, and the edges are sorted into horizontal bands by the
//! latitudes they span. A point then only looks at the edges of its own band: a few dozen, not
//! the thousands of a whole Gemeinde outline.

use geo::{BoundingRect, MultiPolygon, Rect};

/// Metres per degree of latitude (WGS84 mean, good to 0.5 % across our latitudes).
pub const METRES_PER_DEGREE_LAT: f64 = 110_574.0;
/// Metres per degree of longitude at the equator; multiply by cos(latitude).
pub const METRES_PER_DEGREE_LON_AT_EQUATOR: f64 = 111_320.0;

/// Target number of edges per band; bands are capped so tiny polygons stay small.
const EDGES_PER_BAND: usize = 8;
const MAX_BANDS: usize = 4096;

/// One ring segment, (x1, y1, x2, y2) in degrees (x = longitude, y = latitude).
type Edge = [f64; 4];

/// A (multi)polygon prepared for fast containment and distance queries.
#[derive(Debug, Clone)]
pub struct PolygonIndex {
    edges: Vec<Edge>,
    bbox: Rect<f64>,
    band_height: f64,
    /// `band_starts[b]..band_starts[b + 1]` indexes `band_edges` for band `b`.
    band_starts: Vec<u32>,
    band_edges: Vec<u32>,
}

impl PolygonIndex {
    /// Indexes every ring (exteriors and holes) of the multipolygon. `None` when it has no area.
    pub fn new(shape: &MultiPolygon<f64>) -> Option<Self> {
        let bbox = shape.bounding_rect()?;
        let edges: Vec<Edge> = shape
            .iter()
            .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()))
            .flat_map(|ring| ring.lines())
            .filter(|line| line.start != line.end)
            .map(|line| [line.start.x, line.start.y, line.end.x, line.end.y])
            .collect();
        if edges.is_empty() || bbox.height() <= 0.0 {
            return None;
        }
        let bands = (edges.len() / EDGES_PER_BAND).clamp(1, MAX_BANDS);
        let band_height = bbox.height() / bands as f64;
        let mut per_band: Vec<Vec<u32>> = vec![Vec::new(); bands];
        for (i, edge) in edges.iter().enumerate() {
            let (lo, hi) = (edge[1].min(edge[3]), edge[1].max(edge[3]));
            let first = band_of(lo, bbox.min().y, band_height, bands);
            let last = band_of(hi, bbox.min().y, band_height, bands);
            for band in &mut per_band[first..=last] {
                band.push(i as u32);
            }
        }
        let mut band_starts = Vec::with_capacity(bands + 1);
        let mut band_edges = Vec::new();
        for band in per_band {
            band_starts.push(band_edges.len() as u32);
            band_edges.extend(band);
        }
        band_starts.push(band_edges.len() as u32);
        Some(Self {
            edges,
            bbox,
            band_height,
            band_starts,
            band_edges,
        })
    }

    /// The bounding box in degrees.
    pub fn bbox(&self) -> Rect<f64> {
        self.bbox
    }

    /// Every edge, for building coarser indexes over many areas.
    pub fn edges(&self) -> impl Iterator<Item = &[f64; 4]> {
        self.edges.iter()
    }

    /// Whether the point lies inside (even–odd rule over all rings, so holes work). A point
    /// exactly on a shared edge belongs to exactly one of the two neighbours (half-open rule).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        if !self.bbox_contains(x, y) {
            return false;
        }
        let mut inside = false;
        for &i in self.band(self.band_index(y)) {
            let [x1, y1, x2, y2] = self.edges[i as usize];
            if (y1 > y) != (y2 > y) {
                let crossing_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1);
                if x < crossing_x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Distance in metres from the point to the nearest ring edge, if it is at most `max_m`.
    pub fn boundary_distance_m(&self, x: f64, y: f64, max_m: f64) -> Option<f64> {
        let scale_x = METRES_PER_DEGREE_LON_AT_EQUATOR * y.to_radians().cos();
        let dy = max_m / METRES_PER_DEGREE_LAT;
        let dx = max_m / scale_x.max(1.0);
        let (min, max) = (self.bbox.min(), self.bbox.max());
        if x < min.x - dx || x > max.x + dx || y < min.y - dy || y > max.y + dy {
            return None;
        }
        let bands = self.band_starts.len() - 1;
        let first = band_of(y - dy, min.y, self.band_height, bands);
        let last = band_of(y + dy, min.y, self.band_height, bands);
        let mut best = f64::INFINITY;
        for band in first..=last {
            for &i in self.band(band) {
                let [x1, y1, x2, y2] = self.edges[i as usize];
                let d = segment_distance_m(
                    (x - x1) * scale_x,
                    (y - y1) * METRES_PER_DEGREE_LAT,
                    (x2 - x1) * scale_x,
                    (y2 - y1) * METRES_PER_DEGREE_LAT,
                );
                best = best.min(d);
            }
        }
        (best <= max_m).then_some(best)
    }

    /// Whether some ring edge lies within `max_m` metres of the point: the same test as
    /// `boundary_distance_m(x, y, max_m).is_some()`, but it stops at the first such edge,
    /// which is all the near-border check needs.
    pub fn boundary_within_m(&self, x: f64, y: f64, max_m: f64) -> bool {
        let scale_x = METRES_PER_DEGREE_LON_AT_EQUATOR * y.to_radians().cos();
        let dy = max_m / METRES_PER_DEGREE_LAT;
        let dx = max_m / scale_x.max(1.0);
        let (min, max) = (self.bbox.min(), self.bbox.max());
        if x < min.x - dx || x > max.x + dx || y < min.y - dy || y > max.y + dy {
            return false;
        }
        let bands = self.band_starts.len() - 1;
        let first = band_of(y - dy, min.y, self.band_height, bands);
        let last = band_of(y + dy, min.y, self.band_height, bands);
        (first..=last).any(|band| {
            self.band(band).iter().any(|&i| {
                let [x1, y1, x2, y2] = self.edges[i as usize];
                segment_distance_m(
                    (x - x1) * scale_x,
                    (y - y1) * METRES_PER_DEGREE_LAT,
                    (x2 - x1) * scale_x,
                    (y2 - y1) * METRES_PER_DEGREE_LAT,
                ) <= max_m
            })
        })
    }

    fn bbox_contains(&self, x: f64, y: f64) -> bool {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        x >= min.x && x <= max.x && y >= min.y && y <= max.y
    }

    fn band_index(&self, y: f64) -> usize {
        band_of(
            y,
            self.bbox.min().y,
            self.band_height,
            self.band_starts.len() - 1,
        )
    }

    fn band(&self, band: usize) -> &[u32] {
        &self.band_edges[self.band_starts[band] as usize..self.band_starts[band + 1] as usize]
    }
}

fn band_of(y: f64, min_y: f64, band_height: f64, bands: usize) -> usize {
    let band = ((y - min_y) / band_height).floor();
    if band <= 0.0 {
        0
    } else {
        (band as usize).min(bands - 1)
    }
}

/// Distance from the origin-relative point (px, py) to the segment from the origin to (sx, sy),
/// all in metres of a local flat projection.
fn segment_distance_m(px: f64, py: f64, sx: f64, sy: f64) -> f64 {
    let length_sq = sx * sx + sy * sy;
    let t = if length_sq > 0.0 {
        ((px * sx + py * sy) / length_sq).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((px - t * sx).powi(2) + (py - t * sy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, LineString, Point, Polygon, polygon};

    fn square_with_hole() -> MultiPolygon<f64> {
        let outer = LineString::from(vec![
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![
            (0.4, 0.4),
            (0.6, 0.4),
            (0.6, 0.6),
            (0.4, 0.6),
            (0.4, 0.4),
        ]);
        MultiPolygon(vec![
            Polygon::new(outer, vec![hole]),
            polygon![(x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 2.0, y: 0.0)],
        ])
    }

    #[test]
    fn containment_respects_holes_and_parts() {
        let index = PolygonIndex::new(&square_with_hole()).unwrap();
        assert!(index.contains(0.1, 0.1));
        assert!(!index.contains(0.5, 0.5), "inside the hole");
        assert!(index.contains(2.9, 0.5), "second part");
        assert!(!index.contains(2.1, 0.9), "outside the triangle");
        assert!(!index.contains(1.5, 0.5), "between the parts");
        assert!(!index.contains(-0.1, 0.5));
    }

    #[test]
    fn agrees_with_geo_on_a_grid_of_points() {
        let shape = square_with_hole();
        let index = PolygonIndex::new(&shape).unwrap();
        for i in 0..=60 {
            for j in 0..=24 {
                // Offsets keep the points off the edges, where "contains" conventions differ.
                let (x, y) = (-0.5 + i as f64 * 0.0613, -0.2 + j as f64 * 0.0577);
                assert_eq!(
                    index.contains(x, y),
                    shape.contains(&Point::new(x, y)),
                    "({x}, {y})"
                );
            }
        }
    }

    #[test]
    fn boundary_within_agrees_with_the_distance() {
        let index = PolygonIndex::new(&square_with_hole()).unwrap();
        for limit in [50.0, 500.0, 5_000.0] {
            for i in 0..=60 {
                for j in 0..=24 {
                    let (x, y) = (-0.5 + i as f64 * 0.0613, -0.2 + j as f64 * 0.0577);
                    assert_eq!(
                        index.boundary_within_m(x, y, limit),
                        index.boundary_distance_m(x, y, limit).is_some(),
                        "({x}, {y}) within {limit} m"
                    );
                }
            }
        }
    }

    #[test]
    fn distance_to_the_boundary_in_metres() {
        let index = PolygonIndex::new(&square_with_hole()).unwrap();
        // 0.001° of latitude is about 110.6 m.
        let d = index.boundary_distance_m(0.5, -0.001, 500.0).unwrap();
        assert!((d - 110.574).abs() < 0.01, "{d}");
        assert!(index.boundary_distance_m(0.5, -0.01, 500.0).is_none());
        // The hole's edge counts as boundary too.
        assert!(index.boundary_distance_m(0.5, 0.5, 12_000.0).is_some());
    }
}
