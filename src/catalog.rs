//! The catalog refresh use case: categories and routing rules are edited by admins in the
//! database; every instance reloads them into its jurisdiction engine (after an admin's change
//! at once, and periodically, so a change made through another instance arrives too).

use anyhow::Context;

use crate::jurisdiction::JurisdictionHandle;
use crate::store::Store;

/// Reloads categories and routing rules from the store into the engine (sharing its geometry).
pub async fn refresh(store: &dyn Store, jurisdiction: &JurisdictionHandle) -> anyhow::Result<()> {
    let categories = store.list_categories().await?;
    let rules = store.list_routing_rules().await?;
    let engine = jurisdiction
        .current()
        .with_catalog(categories, &rules)
        .context("rebuilding the routing table")?;
    jurisdiction.replace(engine);
    Ok(())
}
