//! Rendered tile bodies in memory, by tile and version: a tile is rendered once per version
//! however many readers ask for it at once (they wait for the one rendering), and the least
//! recently used bodies go when the cache holds more than its byte budget.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::OnceCell;

use super::tiles::Tile;

/// The bytes of rendered bodies an instance keeps unless configured
/// (`BUERGERBUERO_MAP_TILE_CACHE_MB`): thousands of city tiles (a few kB each); a crowded
/// street tile with 2,000 points is about 400 kB.
pub const DEFAULT_BUDGET_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug)]
struct Entry {
    version: i64,
    body: Arc<OnceCell<Bytes>>,
    /// The bytes counted for it (0 until rendered).
    size: usize,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Tile, Entry>,
    bytes: usize,
    clock: u64,
}

/// The cache; cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct TileCache {
    entries: Arc<Mutex<Entries>>,
    budget: usize,
}

impl Default for TileCache {
    fn default() -> Self {
        Self::new(DEFAULT_BUDGET_BYTES)
    }
}

impl TileCache {
    /// An empty cache that keeps at most `budget` bytes of bodies.
    pub fn new(budget: usize) -> Self {
        Self {
            entries: Arc::default(),
            budget,
        }
    }

    /// The tile's body at `version`: from the cache, or rendered by `render` (once, whoever
    /// else asks meanwhile). A failed rendering is not kept; the next request tries again.
    pub async fn get_or_render<E, F>(
        &self,
        tile: Tile,
        version: i64,
        render: impl FnOnce() -> F,
    ) -> Result<Bytes, E>
    where
        F: Future<Output = Result<Bytes, E>>,
    {
        let cell = self.slot(tile, version);
        let mut rendered = false;
        let body = cell
            .get_or_try_init(|| {
                rendered = true;
                render()
            })
            .await?
            .clone();
        if rendered {
            self.account(tile, version, body.len());
        }
        Ok(body)
    }

    /// How many bodies are rendered and kept (for tests).
    pub fn len(&self) -> usize {
        self.lock().map.values().filter(|e| e.size > 0).count()
    }

    /// Whether no body is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slot of (tile, version); an older version's slot is replaced.
    fn slot(&self, tile: Tile, version: i64) -> Arc<OnceCell<Bytes>> {
        let mut entries = self.lock();
        entries.clock += 1;
        let now = entries.clock;
        // A newer version than asked for is as good (the reader's view was older).
        if let Some(entry) = entries.map.get_mut(&tile)
            && entry.version >= version
        {
            entry.last_used = now;
            return entry.body.clone();
        }
        let body = Arc::new(OnceCell::new());
        let old = entries.map.insert(
            tile,
            Entry {
                version,
                body: body.clone(),
                size: 0,
                last_used: now,
            },
        );
        if let Some(old) = old {
            entries.bytes -= old.size;
        }
        body
    }

    /// Counts a rendered body and evicts the least recently used ones beyond the budget.
    fn account(&self, tile: Tile, version: i64, size: usize) {
        let mut entries = self.lock();
        let Entries { map, bytes, .. } = &mut *entries;
        if let Some(entry) = map.get_mut(&tile)
            && entry.version == version
            && entry.size == 0
        {
            entry.size = size;
            *bytes += size;
        }
        if *bytes <= self.budget {
            return;
        }
        // Evict down to three quarters of the budget at once, so the sort is rare.
        let mut by_age: Vec<(u64, Tile, usize)> = map
            .iter()
            .filter(|(_, e)| e.size > 0)
            .map(|(t, e)| (e.last_used, *t, e.size))
            .collect();
        by_age.sort_unstable_by_key(|(used, ..)| *used);
        for (_, tile, size) in by_age {
            if *bytes <= self.budget / 4 * 3 {
                break;
            }
            map.remove(&tile);
            *bytes -= size;
        }
    }

    // Every change under the lock is whole, so a poisoned lock is used as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(x: u32) -> Tile {
        Tile::new(12, x, 1343).unwrap()
    }

    async fn body(cache: &TileCache, x: u32, version: i64, text: &'static str) -> Bytes {
        cache
            .get_or_render(tile(x), version, || async {
                Ok::<_, ()>(Bytes::from_static(text.as_bytes()))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_version_is_rendered_once_and_a_new_one_replaces_it() {
        let cache = TileCache::new(1000);
        assert_eq!(body(&cache, 1, 1, "first").await, "first");
        assert_eq!(body(&cache, 1, 1, "again").await, "first");
        assert_eq!(body(&cache, 1, 2, "second").await, "second");
        // A reader that still knows version 1 gets the newer body.
        assert_eq!(body(&cache, 1, 1, "old").await, "second");
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test]
    async fn a_failed_rendering_is_not_kept() {
        let cache = TileCache::new(1000);
        let failed = cache
            .get_or_render(tile(1), 1, || async { Err::<Bytes, _>("database down") })
            .await;
        assert_eq!(failed, Err("database down"));
        assert_eq!(body(&cache, 1, 1, "ok").await, "ok");
    }

    #[tokio::test]
    async fn the_least_recently_used_bodies_go_beyond_the_budget() {
        let cache = TileCache::new(20);
        body(&cache, 1, 1, "aaaaaaaaaa").await; // 10 bytes
        body(&cache, 2, 1, "bbbbbbbbbb").await; // 20
        body(&cache, 1, 1, "unused").await; // tile 1 used again
        body(&cache, 3, 1, "cccccccccc").await; // 30 > 20: tile 2 goes first, then tile 1
        assert_eq!(body(&cache, 3, 1, "new").await, "cccccccccc");
        assert_eq!(body(&cache, 2, 1, "rendered again").await, "rendered again");
    }
}
