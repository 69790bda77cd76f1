//! The SQL both backends share, written once: `store_impl!(Type, Database, Backend, "dir")`
//! expands to the whole `Store` implementation; the statements are identical on SQLite and
//! PostgreSQL, and only the migrations directory differs. A backend that ever needs its own
//! SQL for one method gets an inherent method that the shared body calls.

/// Implements `Store` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! store_impl {
    ($store:ty, $db:ty, $backend:expr, $migrations:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::BoundaryStore for $store {
        fn backend(&self) -> $crate::store::Backend {
            $backend
        }

        async fn migrate(&self) -> $crate::store::Result<()> {
            use anyhow::Context as _;
            sqlx::migrate!($migrations)
                .run(&self.pool)
                .await
                .context(concat!("applying the migrations in ", $migrations))?;
            Ok(())
        }

        async fn ping(&self) -> $crate::store::Result<()> {
            sqlx::query("select 1").execute(&self.pool).await?;
            Ok(())
        }

        async fn installation_secret(
            &self,
            name: &str,
            fresh: &str,
        ) -> $crate::store::Result<String> {
            // One statement each, no transaction: the insert either wins or finds the row of
            // whoever won, and the select reads that row.
            sqlx::query(
                "insert into installation_secrets (name, value) values ($1, $2)
                 on conflict (name) do nothing",
            )
            .bind(name)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
            Ok(sqlx::query_scalar("select value from installation_secrets where name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?)
        }

        async fn operations_snapshot(&self) -> $crate::store::Result<$crate::store::OperationsSnapshot> {
            // Subqueries, so one round trip; the outbox counts use `outbox_state_idx`
            // (state, created_at), and its first pending entry is the oldest.
            let (outbox_pending, outbox_sending, outbox_dead, oldest_pending_at, unfolded_cell_changes):
                (i64, i64, i64, Option<chrono::DateTime<chrono::Utc>>, i64) = sqlx::query_as(
                "select (select count(*) from outbox where state = 'pending'),
                        (select count(*) from outbox where state = 'sending'),
                        (select count(*) from outbox where state = 'dead'),
                        (select min(created_at) from outbox where state = 'pending'),
                        (select count(*) from report_cell_changes)",
            )
            .fetch_one(&self.pool)
            .await?;
            Ok($crate::store::OperationsSnapshot {
                outbox_pending,
                outbox_sending,
                outbox_dead,
                oldest_pending_at,
                unfolded_cell_changes,
            })
        }

        fn pool_status(&self) -> $crate::store::PoolStatus {
            $crate::store::PoolStatus {
                size: self.pool.size(),
                idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                max: self.pool.options().get_max_connections(),
            }
        }

        async fn count_areas(&self) -> $crate::store::Result<i64> {
            let (n,): (i64,) = sqlx::query_as("select count(*) from areas")
                .fetch_one(&self.pool)
                .await?;
            Ok(n)
        }

        async fn import_boundaries(
            &self,
            set: &$crate::boundaries::BoundarySet,
            sources: &[$crate::boundaries::sources::BoundarySource],
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::store::Result<$crate::store::ImportChanges> {
            use $crate::store::ImportChanges;
            use $crate::store::rows::{AreaRow, AuthorityRow};
            let mut tx = self.pool.begin().await?;
            for source in sources {
                sqlx::query(
                    "insert into boundary_sources (id, title, file, licence, licence_url, attribution, precision_rank, imported_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8)
                     on conflict (id) do update set title = excluded.title, file = excluded.file,
                       licence = excluded.licence, licence_url = excluded.licence_url,
                       attribution = excluded.attribution, precision_rank = excluded.precision_rank",
                )
                .bind(source.id)
                .bind(source.title)
                .bind(source.file)
                .bind(source.licence)
                .bind(source.licence_url)
                .bind(source.attribution)
                .bind(source.precision)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }

            let mut changes = ImportChanges::default();
            let existing: std::collections::HashMap<String, AuthorityRow> = sqlx::query_as::<$db, AuthorityRow>(
                "select key, name, kind, state, contact_email from authorities",
            )
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|row| (row.key.clone(), row))
            .collect();
            for authority in &set.authorities {
                let (key, kind, state) = (authority.key.as_str(), authority.kind.as_str(), authority.state.code());
                let counter = match existing.get(key) {
                    Some(row) if row.name == authority.name && row.kind == kind && row.state == state => {
                        &mut changes.authorities.unchanged
                    }
                    Some(_) => {
                        sqlx::query("update authorities set name = $2, kind = $3, state = $4, updated_at = $5 where key = $1")
                            .bind(key).bind(&authority.name).bind(kind).bind(state).bind(now)
                            .execute(&mut *tx).await?;
                        &mut changes.authorities.updated
                    }
                    None => {
                        sqlx::query(
                            "insert into authorities (key, name, kind, state, contact_email, created_at, updated_at)
                             values ($1, $2, $3, $4, $5, $6, $6)",
                        )
                        .bind(key).bind(&authority.name).bind(kind).bind(state)
                        .bind(&authority.contact_email).bind(now)
                        .execute(&mut *tx).await?;
                        &mut changes.authorities.created
                    }
                };
                *counter += 1;
            }

            let mut stale: std::collections::HashMap<String, AreaRow> = sqlx::query_as::<$db, AreaRow>(
                "select key, name, official_name, state, kreis_key, kreis_name, authority_key,
                        kreis_authority_key, source_id, precision_rank, geometry from areas",
            )
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|row| (row.key.clone(), row))
            .collect();
            for boundary in &set.areas {
                let a = &boundary.area;
                let row = AreaRow {
                    key: a.key.to_string(),
                    name: a.name.clone(),
                    official_name: a.official_name.clone(),
                    state: a.state.code().to_owned(),
                    kreis_key: a.kreis.key.clone(),
                    kreis_name: a.kreis.name.clone(),
                    authority_key: a.authority.to_string(),
                    kreis_authority_key: a.kreis_authority.to_string(),
                    source_id: a.source.clone(),
                    precision_rank: a.precision,
                    geometry: $crate::boundaries::codec::encode(&boundary.shape),
                };
                let counter = match stale.remove(&row.key) {
                    Some(old) if $crate::store::shared::same_area(&old, &row) => &mut changes.areas.unchanged,
                    old => {
                        sqlx::query(
                            "insert into areas (key, name, official_name, state, kreis_key, kreis_name, authority_key,
                               kreis_authority_key, source_id, precision_rank, geometry, updated_at)
                             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                             on conflict (key) do update set name = excluded.name, official_name = excluded.official_name,
                               state = excluded.state, kreis_key = excluded.kreis_key, kreis_name = excluded.kreis_name,
                               authority_key = excluded.authority_key, kreis_authority_key = excluded.kreis_authority_key,
                               source_id = excluded.source_id, precision_rank = excluded.precision_rank,
                               geometry = excluded.geometry, updated_at = excluded.updated_at",
                        )
                        .bind(&row.key).bind(&row.name).bind(&row.official_name).bind(&row.state)
                        .bind(&row.kreis_key).bind(&row.kreis_name).bind(&row.authority_key)
                        .bind(&row.kreis_authority_key).bind(&row.source_id).bind(row.precision_rank)
                        .bind(&row.geometry).bind(now)
                        .execute(&mut *tx).await?;
                        if old.is_some() { &mut changes.areas.updated } else { &mut changes.areas.created }
                    }
                };
                *counter += 1;
            }
            for key in stale.keys() {
                sqlx::query("delete from areas where key = $1").bind(key).execute(&mut *tx).await?;
                changes.areas.removed += 1;
            }
            tx.commit().await?;
            Ok(changes)
        }

        async fn load_boundaries(&self) -> $crate::store::Result<Vec<$crate::boundaries::BoundaryArea>> {
            let rows = sqlx::query_as::<$db, $crate::store::rows::AreaRow>(
                "select key, name, official_name, state, kreis_key, kreis_name, authority_key,
                        kreis_authority_key, source_id, precision_rank, geometry
                 from areas order by key",
            )
            .fetch_all(&self.pool)
            .await?;
            $crate::store::rows::convert_all(rows)
        }

        async fn list_authorities(&self) -> $crate::store::Result<Vec<$crate::domain::Authority>> {
            let rows = sqlx::query_as::<$db, $crate::store::rows::AuthorityRow>(
                "select key, name, kind, state, contact_email from authorities order by key",
            )
            .fetch_all(&self.pool)
            .await?;
            $crate::store::rows::convert_all(rows)
        }

        async fn list_categories(&self) -> $crate::store::Result<Vec<$crate::domain::Category>> {
            let rows = sqlx::query_as::<$db, $crate::store::rows::CategoryRow>(
                "select code, name_de, name_en, group_code, notice_de, notice_en, routing_level,
                        routing_authority_key, active, sort_order
                 from categories order by sort_order, code",
            )
            .fetch_all(&self.pool)
            .await?;
            $crate::store::rows::convert_all(rows)
        }

        async fn list_routing_rules(&self) -> $crate::store::Result<Vec<$crate::domain::RoutingRule>> {
            let rows = sqlx::query_as::<$db, $crate::store::rows::RoutingRuleRow>(
                "select category_code, scope, scope_key, target_level, target_authority_key
                 from routing_rules order by category_code, scope, scope_key",
            )
            .fetch_all(&self.pool)
            .await?;
            $crate::store::rows::convert_all(rows)
        }
        }
    };
}

pub(crate) use store_impl;

use super::rows::AreaRow;

/// Whether a stored area already equals the imported one (outline included).
pub(crate) fn same_area(old: &AreaRow, new: &AreaRow) -> bool {
    old.name == new.name
        && old.official_name == new.official_name
        && old.state == new.state
        && old.kreis_key == new.kreis_key
        && old.kreis_name == new.kreis_name
        && old.authority_key == new.authority_key
        && old.kreis_authority_key == new.kreis_authority_key
        && old.source_id == new.source_id
        && old.precision_rank == new.precision_rank
        && old.geometry == new.geometry
}
