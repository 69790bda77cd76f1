//! The Open311 SQL, shared by both backends like `shared.rs`: `open311_store_impl!(Type, Db)`
//! expands to the `Open311Store` implementation.

/// Implements `Open311Store` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! open311_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::open311::Open311Store for $store {
            async fn create_api_key(
                &self,
                key: &$crate::store::open311::ApiKeyRow,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "insert into open311_api_keys (id, name, secret_hash, created_by, created_at,
                       last_used_at, revoked_at)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(key.id)
                .bind(&key.name)
                .bind(&key.secret_hash)
                .bind(key.created_by)
                .bind(key.created_at)
                .bind(key.last_used_at)
                .bind(key.revoked_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn api_key_by_hash(
                &self,
                secret_hash: &str,
            ) -> $crate::store::Result<Option<$crate::store::open311::ApiKeyRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::open311::ApiKeyRow>(
                    "select id, name, secret_hash, created_by, created_at, last_used_at, revoked_at
                     from open311_api_keys where secret_hash = $1",
                )
                .bind(secret_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn touch_api_key(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                sqlx::query("update open311_api_keys set last_used_at = $2 where id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn list_api_keys(
                &self,
            ) -> $crate::store::Result<Vec<$crate::store::open311::ApiKeyRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::open311::ApiKeyRow>(
                    "select id, name, secret_hash, created_by, created_at, last_used_at, revoked_at
                     from open311_api_keys order by id desc",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_api_key(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let done = sqlx::query(
                    "update open311_api_keys set revoked_at = $2 where id = $1 and revoked_at is null",
                )
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn catalog_changed_at(
                &self,
            ) -> $crate::store::Result<Option<chrono::DateTime<chrono::Utc>>> {
                let (at,): (Option<chrono::DateTime<chrono::Utc>>,) =
                    sqlx::query_as("select max(updated_at) from categories")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(at)
            }

            async fn latest_public_notes(
                &self,
                ids: &[uuid::Uuid],
            ) -> $crate::store::Result<Vec<(uuid::Uuid, String)>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "select report_id, body from report_events
                     where public and body is not null and kind in (",
                );
                let mut kinds = query.separated(", ");
                for kind in $crate::store::open311::UPDATE_KINDS {
                    kinds.push_bind(kind);
                }
                query.push(") and report_id in (");
                let mut list = query.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                // Oldest first per report: the caller keeps the last one it sees.
                query.push(") order by report_id, id");
                let rows: Vec<(uuid::Uuid, String)> =
                    query.build_query_as().fetch_all(&self.pool).await?;
                let mut latest: Vec<(uuid::Uuid, String)> = Vec::new();
                for (id, body) in rows {
                    match latest.last_mut() {
                        Some((last, text)) if *last == id => *text = body,
                        _ => latest.push((id, body)),
                    }
                }
                Ok(latest)
            }

            async fn media_urls_of(
                &self,
                ids: &[uuid::Uuid],
            ) -> $crate::store::Result<Vec<(uuid::Uuid, String)>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "select id, media_url from reports where media_url is not null and id in (",
                );
                let mut list = query.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                query.push(")");
                Ok(query.build_query_as().fetch_all(&self.pool).await?)
            }

            async fn public_updates(
                &self,
                from: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::open311::UpdateRow>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "select e.id, e.report_id, e.kind, e.status, e.body, e.at
                     from report_events e join reports r on r.id = e.report_id
                     where r.visibility = 'published' and r.status <> 'unconfirmed' and e.public
                       and e.kind in (",
                );
                let mut kinds = query.separated(", ");
                for kind in $crate::store::open311::UPDATE_KINDS {
                    kinds.push_bind(kind);
                }
                query.push(") and e.at >= ").push_bind(from);
                query.push(" and e.at < ").push_bind(until);
                query.push(" order by e.id limit ").push_bind(limit);
                Ok(query
                    .build_query_as::<$crate::store::open311::UpdateRow>()
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

pub(crate) use open311_store_impl;
