//! A uniform grid over the service area that answers most lookups without any polygon test.
//!
//! Every cell knows the areas that could answer for a point in it: the areas whose edges pass
//! within a margin of the cell, plus the area that contains the cell's centre. A cell touched by
//! no edge lies wholly inside one area (or outside all), so its answer is known in advance.

use geo::Rect;

use super::polygon_index::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR, PolygonIndex};

/// Cell size in degrees: about 680 m × 740 m at 53° N, small enough that most cells are
/// "inside one area" and large enough that the grid stays a few megabytes.
const CELL_WIDTH_DEG: f64 = 0.01;
const CELL_HEIGHT_DEG: f64 = 0.0067;

/// What a grid cell knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// No area reaches into this cell (within the margin).
    Outside,
    /// The whole cell, margin included, lies in this one area.
    Inside(u32),
    /// Several areas, or one area's edge, reach into the cell: test these candidates.
    Mixed {
        /// Offset into the candidate list.
        start: u32,
        /// Number of candidates.
        len: u32,
    },
}

/// The grid itself.
#[derive(Debug)]
pub struct Grid {
    min_x: f64,
    min_y: f64,
    cols: usize,
    rows: usize,
    cells: Vec<Cell>,
    candidates: Vec<u32>,
}

impl Grid {
    /// Builds the grid over `bounds` for the indexed areas. `margin_m` widens every edge, so a
    /// cell marked `Inside` has no boundary within that many metres of any of its points.
    /// `containing(x, y)` must name every area that contains the point.
    pub fn build(
        bounds: Rect<f64>,
        areas: &[&PolygonIndex],
        margin_m: f64,
        containing: impl Fn(f64, f64) -> Vec<u32>,
    ) -> Self {
        let cols = ((bounds.width() / CELL_WIDTH_DEG).ceil() as usize).max(1);
        let rows = ((bounds.height() / CELL_HEIGHT_DEG).ceil() as usize).max(1);
        let (min_x, min_y) = (bounds.min().x, bounds.min().y);
        // Margins in degrees, taken at the northern edge where a degree of longitude is shortest.
        let north = bounds.max().y.abs().max(bounds.min().y.abs()).to_radians();
        let margin_x = margin_m / (METRES_PER_DEGREE_LON_AT_EQUATOR * north.cos()).max(1.0);
        let margin_y = margin_m / METRES_PER_DEGREE_LAT;

        let col_of =
            |x: f64| (((x - min_x) / CELL_WIDTH_DEG).floor().max(0.0) as usize).min(cols - 1);
        let row_of =
            |y: f64| (((y - min_y) / CELL_HEIGHT_DEG).floor().max(0.0) as usize).min(rows - 1);

        // (cell, area) for every cell an edge (widened by the margin) may touch.
        let mut touched: Vec<(u32, u32)> = Vec::new();
        for (area, index) in areas.iter().enumerate() {
            let before = touched.len();
            for &[x1, y1, x2, y2] in index.edges() {
                for row in row_of(y1.min(y2) - margin_y)..=row_of(y1.max(y2) + margin_y) {
                    for col in col_of(x1.min(x2) - margin_x)..=col_of(x1.max(x2) + margin_x) {
                        touched.push(((row * cols + col) as u32, area as u32));
                    }
                }
            }
            // Long runs of one area's edges hit the same cells again and again: dedup early
            // to keep the list (and the sort below) small.
            touched[before..].sort_unstable();
            let mut kept = before;
            for i in before..touched.len() {
                if kept == before || touched[kept - 1] != touched[i] {
                    touched[kept] = touched[i];
                    kept += 1;
                }
            }
            touched.truncate(kept);
        }
        touched.sort_unstable();

        let mut cells = Vec::with_capacity(cols * rows);
        let mut candidates = Vec::new();
        let mut next = 0;
        for cell in 0..cols * rows {
            let (row, col) = (cell / cols, cell % cols);
            let centre_x = min_x + (col as f64 + 0.5) * CELL_WIDTH_DEG;
            let centre_y = min_y + (row as f64 + 0.5) * CELL_HEIGHT_DEG;
            let mut here: Vec<u32> = containing(centre_x, centre_y);
            let mut edges_here = false;
            while next < touched.len() && touched[next].0 as usize == cell {
                here.push(touched[next].1);
                edges_here = true;
                next += 1;
            }
            here.sort_unstable();
            here.dedup();
            cells.push(match (here.as_slice(), edges_here) {
                ([], _) => Cell::Outside,
                ([only], false) => Cell::Inside(*only),
                _ => {
                    let start = candidates.len() as u32;
                    candidates.extend_from_slice(&here);
                    Cell::Mixed {
                        start,
                        len: here.len() as u32,
                    }
                }
            });
        }
        Self {
            min_x,
            min_y,
            cols,
            rows,
            cells,
            candidates,
        }
    }

    /// The cell of a point; `Outside` for points beyond the grid.
    pub fn cell(&self, x: f64, y: f64) -> Cell {
        let col = ((x - self.min_x) / CELL_WIDTH_DEG).floor();
        let row = ((y - self.min_y) / CELL_HEIGHT_DEG).floor();
        if col < 0.0 || row < 0.0 || col >= self.cols as f64 || row >= self.rows as f64 {
            return Cell::Outside;
        }
        self.cells[row as usize * self.cols + col as usize]
    }

    /// The candidate areas of a `Mixed` cell.
    pub fn candidates(&self, start: u32, len: u32) -> &[u32] {
        &self.candidates[start as usize..(start + len) as usize]
    }

    /// Heap bytes held, for the memory report.
    pub fn heap_bytes(&self) -> usize {
        self.cells.len() * std::mem::size_of::<Cell>() + self.candidates.len() * 4
    }
}
