//! The boundary import use case: read and validate the shared data, store it, report counts.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::Context;
use chrono::Utc;

use crate::boundaries::{self, sources};
use crate::domain::State;
use crate::store::{ImportChanges, Store};

/// What an import read and what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Areas per state.
    pub areas_per_state: BTreeMap<State, usize>,
    /// Authorities per state and kind (`kind` as in the API).
    pub authorities_per_kind: BTreeMap<(State, &'static str), usize>,
    /// Rows created, updated, unchanged and removed.
    pub changes: ImportChanges,
}

/// Reads every source under `dir`, validates every geometry, and stores the result in one
/// transaction. Idempotent: a second run reports everything unchanged.
pub async fn import_boundaries(
    store: &dyn Store,
    dir: &Path,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<ImportReport> {
    let set = tokio::task::block_in_place(|| boundaries::read(dir, progress))?;
    progress(&format!(
        "storing {} areas and {} authorities",
        set.areas.len(),
        set.authorities.len()
    ));
    let changes = store
        .import_boundaries(&set, &sources::ALL, Utc::now())
        .await
        .context("storing the boundaries")?;
    let mut areas_per_state = BTreeMap::new();
    for a in &set.areas {
        *areas_per_state.entry(a.area.state).or_default() += 1;
    }
    let mut authorities_per_kind = BTreeMap::new();
    for a in &set.authorities {
        *authorities_per_kind
            .entry((a.state, a.kind.as_str()))
            .or_default() += 1;
    }
    Ok(ImportReport {
        areas_per_state,
        authorities_per_kind,
        changes,
    })
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "areas per state:")?;
        for (state, n) in &self.areas_per_state {
            writeln!(f, "  {state}  {n:>5}")?;
        }
        writeln!(f, "authorities per state and kind:")?;
        for ((state, kind), n) in &self.authorities_per_kind {
            writeln!(f, "  {state}  {kind:<22} {n:>4}")?;
        }
        let c = &self.changes;
        writeln!(
            f,
            "areas:       {} created, {} updated, {} unchanged, {} removed",
            c.areas.created, c.areas.updated, c.areas.unchanged, c.areas.removed
        )?;
        write!(
            f,
            "authorities: {} created, {} updated, {} unchanged",
            c.authorities.created, c.authorities.updated, c.authorities.unchanged
        )
    }
}
