//! The map's versions as this instance knows them: per region (a [`REGION_LEVEL`] cell) the
//! number of the last fold that changed it, read from the database (`map_region_versions`,
//! written by `fold_cell_changes`) so that every instance on one database gives a tile the
//! same version. Kept in memory and brought up to date every [`REFRESH_INTERVAL`] with the
//! regions changed since, so answering "has this tile changed?" costs no query.
//!
//! [`REGION_LEVEL`]: crate::store::reports::REGION_LEVEL

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::tiles::Tile;
use crate::store::{self, Store};

/// How often an instance reads the versions changed since the last read. With the fold's own
/// second, a change reaches a tile's version within about two seconds.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
struct Known {
    regions: HashMap<(i64, i64), i64>,
    latest: i64,
}

/// The regions' versions as last read; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct MapVersions {
    known: Arc<RwLock<Known>>,
}

impl MapVersions {
    /// Reads the regions changed since the last refresh (all of them the first time).
    pub async fn refresh(&self, store: &dyn Store) -> store::Result<()> {
        let since = self.read().latest;
        let changed = store.map_versions_since(since).await?;
        if changed.is_empty() {
            return Ok(());
        }
        let mut known = self.write();
        for region in changed {
            known.latest = known.latest.max(region.version);
            let entry = known.regions.entry((region.cx, region.cy)).or_insert(0);
            *entry = (*entry).max(region.version);
        }
        Ok(())
    }

    /// The tile's version: the highest version of the regions its features are drawn from
    /// (0 where none ever changed).
    pub fn of_tile(&self, tile: Tile) -> i64 {
        let ((x0, x1), (y0, y1)) = tile.regions();
        let known = self.read();
        let area = (x1 - x0 + 1).saturating_mul(y1 - y0 + 1);
        if area <= known.regions.len() as i64 {
            let mut version = 0;
            for cx in x0..=x1 {
                for cy in y0..=y1 {
                    version = version.max(known.regions.get(&(cx, cy)).copied().unwrap_or(0));
                }
            }
            version
        } else {
            // A zoomed-out tile spans more regions than were ever changed: look at those.
            known
                .regions
                .iter()
                .filter(|((cx, cy), _)| (x0..=x1).contains(cx) && (y0..=y1).contains(cy))
                .map(|(_, version)| *version)
                .max()
                .unwrap_or(0)
        }
    }

    // A panic while the lock was held left no half-written state worth refusing (every write
    // is a whole insert), so a poisoned lock is used as it is.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Known> {
        self.known.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Refreshes `versions` every [`REFRESH_INTERVAL`] for as long as the runtime runs.
pub fn spawn_refresher(versions: MapVersions, store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(REFRESH_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = versions.refresh(&*store).await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "reading the map versions failed; retrying"
                );
            }
        }
    });
}
