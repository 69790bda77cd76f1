//! Map tiles: the layer cut into Web-Mercator tiles `z/x/y` (the scheme of OpenStreetMap and
//! Leaflet), so every view of the same place asks for the same addresses and caches can reuse
//! them. A tile shows what [`layer`](super::layer) shows at its zoom, with each feature in
//! exactly one tile: a report in the tile whose half-open box holds it, a cluster in the tile
//! that holds its centroid. Clusters are groups of the zoom's degree grid, whose columns
//! line up with the tiles' but whose rows do not (Mercator), so a group may straddle two
//! tiles' rows; it is counted by the one holding its centroid, and the counts of a view's
//! tiles add up to what the view holds.

use std::f64::consts::PI;

use super::{MapLayer, POINTS_FROM_ZOOM, layer};
use crate::store::reports::{BBox, REGION_LEVEL, cell_of};
use crate::store::{self, Store};

/// The highest tile zoom (as the bbox layer's).
pub const MAX_ZOOM: u8 = 22;

/// A tile address; valid by construction (`x` and `y` below 2^`z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    z: u8,
    x: u32,
    y: u32,
}

/// Which part of a tile address is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileError {
    /// The zoom is above [`MAX_ZOOM`].
    Zoom,
    /// The column is 2^z or more.
    X,
    /// The row is 2^z or more.
    Y,
}

impl Tile {
    /// The tile `z/x/y`, if it exists.
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::Zoom);
        }
        let n = 1u32 << z;
        if x >= n {
            return Err(TileError::X);
        }
        if y >= n {
            return Err(TileError::Y);
        }
        Ok(Self { z, x, y })
    }

    /// The zoom.
    pub fn z(&self) -> u8 {
        self.z
    }

    /// The column, from 180° W eastwards.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// The row, from the north (85.05° N) southwards.
    pub fn y(&self) -> u32 {
        self.y
    }

    fn count(&self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// The tile's box in degrees; west and south belong to it, east and north to the next
    /// tiles (except at 180° E and at the top row's north edge, which only this tile has).
    pub fn bbox(&self) -> BBox {
        let n = self.count();
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
        BBox {
            min_lon: lon(f64::from(self.x)),
            max_lon: lon(f64::from(self.x) + 1.0),
            min_lat: lat(f64::from(self.y) + 1.0),
            max_lat: lat(f64::from(self.y)),
        }
    }

    /// Whether a point belongs to this tile (see [`Tile::bbox`]).
    pub fn holds(&self, lat: f64, lon: f64) -> bool {
        let b = self.bbox();
        let last = (1u32 << self.z) - 1;
        let east_ok = lon < b.max_lon || (self.x == last && lon <= b.max_lon);
        let north_ok = lat < b.max_lat || (self.y == 0 && lat <= b.max_lat);
        lon >= b.min_lon && east_ok && lat >= b.min_lat && north_ok
    }

    /// The regions ([`REGION_LEVEL`] cells) the tile's features are drawn from, inclusive:
    /// the cluster groups that overlap the tile are read whole, so this is the range of
    /// those groups (at zoom 14 and above, the zoom-13 groups a crowded tile falls back to
    /// cover the points as well).
    pub fn regions(&self) -> ((i64, i64), (i64, i64)) {
        let grid = self.z.min(POINTS_FROM_ZOOM - 1);
        let b = self.bbox();
        let (gx0, gy0) = cell_of(grid, b.min_lat, b.min_lon);
        let (gx1, gy1) = cell_of(grid, b.max_lat, b.max_lon);
        if grid >= REGION_LEVEL {
            let shift = grid - REGION_LEVEL;
            ((gx0 >> shift, gx1 >> shift), (gy0 >> shift, gy1 >> shift))
        } else {
            let shift = REGION_LEVEL - grid;
            let widen = |from: i64, to: i64| (from << shift, ((to + 1) << shift) - 1);
            (widen(gx0, gx1), widen(gy0, gy1))
        }
    }
}

/// The layer of one tile: what the map shows at the tile's zoom, each feature in one tile.
pub async fn tile_layer(store: &dyn Store, tile: Tile) -> store::Result<MapLayer> {
    Ok(match layer(store, tile.bbox(), tile.z).await? {
        MapLayer::Points(mut reports) => {
            reports.retain(|r| tile.holds(r.location.lat(), r.location.lon()));
            MapLayer::Points(reports)
        }
        MapLayer::Clusters(mut clusters) => {
            clusters.retain(|c| tile.holds(c.lat, c.lon));
            MapLayer::Clusters(clusters)
        }
    })
}

/// The tile that holds a point at a zoom (the client's arithmetic, for tests and benchmarks).
pub fn tile_of(z: u8, lat: f64, lon: f64) -> Option<Tile> {
    let n = f64::from(1u32 << z.min(MAX_ZOOM));
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let rad = lat.to_radians();
    let y = ((1.0 - (rad.tan() + 1.0 / rad.cos()).ln() / PI) / 2.0 * n).floor();
    if !(0.0..n).contains(&x) || !(0.0..n).contains(&y) {
        return None;
    }
    Tile::new(z, x as u32, y as u32).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_outside_the_zoom_are_refused() {
        assert_eq!(Tile::new(23, 0, 0), Err(TileError::Zoom));
        assert_eq!(Tile::new(0, 1, 0), Err(TileError::X));
        assert_eq!(Tile::new(3, 0, 8), Err(TileError::Y));
        assert!(Tile::new(22, (1 << 22) - 1, (1 << 22) - 1).is_ok());
    }

    #[test]
    fn a_point_belongs_to_exactly_the_tile_that_holds_it() {
        // Berlin Mitte at zoom 12 is tile 2200/1343 (as OpenStreetMap numbers it).
        let tile = tile_of(12, 52.52, 13.405).unwrap();
        assert_eq!((tile.x(), tile.y()), (2200, 1343));
        assert!(tile.holds(52.52, 13.405));
        // A point on a shared edge belongs to one tile only.
        let b = tile.bbox();
        let east = Tile::new(12, tile.x() + 1, tile.y()).unwrap();
        let north = Tile::new(12, tile.x(), tile.y() - 1).unwrap();
        assert!(!tile.holds(52.52, b.max_lon) && east.holds(52.52, b.max_lon));
        assert!(!tile.holds(b.max_lat, 13.405) && north.holds(b.max_lat, 13.405));
    }

    #[test]
    fn regions_cover_the_groups_the_tile_reads() {
        // Zoom 12: groups of level 12, two to a region in each direction.
        let tile = tile_of(12, 52.52, 13.405).unwrap();
        let ((x0, x1), (y0, y1)) = tile.regions();
        let b = tile.bbox();
        assert_eq!(x0, cell_of(REGION_LEVEL, b.min_lat, b.min_lon).0);
        assert_eq!(y1, cell_of(REGION_LEVEL, b.max_lat, b.max_lon).1);
        assert!(x1 >= x0 && y1 >= y0);
        // Zoom 2: a group is 4 × 4 … regions wide; the range starts on a group's edge.
        let wide = tile_of(2, 52.52, 13.405).unwrap();
        let ((x0, x1), _) = wide.regions();
        assert_eq!(x0 % (1 << (REGION_LEVEL - 2)), 0);
        assert_eq!((x1 + 1) % (1 << (REGION_LEVEL - 2)), 0);
    }
}
