//! The public map's read model: what a view of the map shows at a zoom — the public reports
//! themselves when zoomed in far enough and few enough, else grid clusters with a count per
//! light, grouped from the pre-aggregated counts the store keeps (`report_cells`).

pub mod tile_cache;
pub mod tiles;
pub mod versions;

use std::collections::BTreeMap;

use crate::domain::{Light, Report};
use crate::store::reports::{BBox, MAP_LEVELS, ReportFilter};
use crate::store::{self, Store};

/// From this zoom on, the map shows single reports (if the view holds few enough).
pub const POINTS_FROM_ZOOM: u8 = 14;

/// Most single reports in one view; a view with more is shown as clusters.
pub const MAX_POINTS: i64 = 2_000;

/// What one view of the map shows.
#[derive(Debug)]
pub enum MapLayer {
    /// The public reports in the view.
    Points(Vec<Report>),
    /// Clusters of reports (none empty).
    Clusters(Vec<Cluster>),
}

/// Reports of one map cluster.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Cluster {
    /// How many.
    pub count: i64,
    /// Their centroid's latitude.
    pub lat: f64,
    /// Their centroid's longitude.
    pub lon: f64,
    /// How many show each light, in [`Light::ALL`] order.
    pub per_light: [i64; 4],
}

/// The layer for `bbox` at `zoom` (0–22).
pub async fn layer(store: &dyn Store, bbox: BBox, zoom: u8) -> store::Result<MapLayer> {
    if zoom >= POINTS_FROM_ZOOM {
        let reports = store
            .list_public_reports(&ReportFilter {
                bbox: Some(bbox),
                limit: MAX_POINTS + 1,
                ..ReportFilter::default()
            })
            .await?;
        if reports.len() as i64 <= MAX_POINTS {
            return Ok(MapLayer::Points(reports));
        }
    }
    let zoom = zoom.min(POINTS_FROM_ZOOM - 1);
    // The finest stored level at or above the zoom; the store groups it to the zoom's cells.
    let level = MAP_LEVELS
        .into_iter()
        .find(|&level| level >= zoom)
        .unwrap_or(MAP_LEVELS[MAP_LEVELS.len() - 1]);
    // Sums per cell first (a cell has a row per light), the centroid at the end.
    let mut sums: BTreeMap<(i64, i64), (Cluster, f64, f64)> = BTreeMap::new();
    for cell in store.map_cells(level, zoom, bbox).await? {
        let (cluster, sum_lat, sum_lon) = sums.entry((cell.gx, cell.gy)).or_default();
        cluster.count += cell.count;
        *sum_lat += cell.sum_lat;
        *sum_lon += cell.sum_lon;
        if let Some(i) = Light::ALL.iter().position(|l| l.as_str() == cell.light) {
            cluster.per_light[i] += cell.count;
        }
    }
    Ok(MapLayer::Clusters(
        sums.into_values()
            .filter(|(cluster, ..)| cluster.count > 0)
            .map(|(cluster, sum_lat, sum_lon)| {
                let n = cluster.count as f64;
                Cluster {
                    lat: sum_lat / n,
                    lon: sum_lon / n,
                    ..cluster
                }
            })
            .collect(),
    ))
}
