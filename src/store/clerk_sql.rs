//! The clerk SQL, shared by both backends like `shared.rs`: `clerk_store_impl!(Type, Db)`
//! expands to the `ClerkStore` implementation.

/// Appends the inbox filter's conditions (all but status, cursor and limit) to a query that
/// ends in a `where` clause.
macro_rules! push_inbox_conditions {
    ($query:ident, $filter:expr) => {{
        let filter = $filter;
        if let Some(authorities) = &filter.authorities {
            if authorities.is_empty() {
                $query.push(" and 1 = 0");
            } else {
                $query.push(" and authority_key in (");
                let mut list = $query.separated(", ");
                for key in authorities {
                    list.push_bind(key.clone());
                }
                $query.push(")");
            }
        }
        if let Some(visibility) = filter.visibility {
            $query.push(" and visibility = ").push_bind(visibility);
        }
        if let Some(category) = &filter.category {
            $query.push(" and category_code = ").push_bind(category.clone());
        }
        if let Some(area) = &filter.area {
            $query.push(" and area_key = ").push_bind(area.clone());
        }
        match filter.overdue {
            Some(true) => {
                $query
                    .push(" and first_reaction_at is null and reaction_due_at < ")
                    .push_bind(filter.now);
            }
            Some(false) => {
                $query
                    .push(" and (first_reaction_at is not null or reaction_due_at is null or reaction_due_at >= ")
                    .push_bind(filter.now)
                    .push(")");
            }
            None => {}
        }
        if let Some(text) = &filter.text {
            // LIKE wildcards in the search text are searched for literally.
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            $query
                .push(" and (lower(description) like ")
                .push_bind(pattern.clone())
                .push(" escape '\\' or lower(coalesce(address, '')) like ")
                .push_bind(pattern)
                .push(" escape '\\')");
        }
    }};
}

pub(crate) use push_inbox_conditions;

/// Implements `ClerkStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! clerk_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::clerk::ClerkStore for $store {
            async fn update_report(
                &self,
                update: &$crate::store::clerk::ReportUpdate<'_>,
            ) -> $crate::store::Result<()> {
                use $crate::store::reports::light_of;
                let (old, new) = (update.old, update.new);
                let mut tx = self.pool.begin().await?;
                let updated = sqlx::query(
                    "update reports set category_code = $2, description = $3, original_description = $4,
                       authority_key = $5, status = $6, close_reason = $7, close_detail = $8,
                       duplicate_of = $9, visibility = $10, updated_at = $11, status_changed_at = $12,
                       first_reaction_at = $13, resolved_at = $14, authority_since = $15,
                       opened_at = $17, reaction_due_at = $18, revision = revision + 1
                     where id = $1 and revision = $16",
                )
                .bind(new.id)
                .bind(&new.category_code)
                .bind(&new.description)
                .bind(new.original_description.as_deref())
                .bind(&new.authority_key)
                .bind(&new.status)
                .bind(new.close_reason.as_deref())
                .bind(new.close_detail.as_deref())
                .bind(new.duplicate_of)
                .bind(&new.visibility)
                .bind(new.updated_at)
                .bind(new.status_changed_at)
                .bind(new.first_reaction_at)
                .bind(new.resolved_at)
                .bind(new.authority_since)
                .bind(old.revision)
                .bind(new.opened_at)
                .bind(new.reaction_due_at)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err($crate::store::Error::Conflict {
                        constraint: $crate::store::clerk::REVISION.into(),
                    });
                }
                let linked = update.linked.iter().map(|(id, event)| (*id, *event));
                for (report_id, event) in update.events.iter().map(|e| (new.id, e)).chain(linked) {
                    sqlx::query(
                        "insert into report_events (report_id, kind, actor, public, status, body, at, authority_key)
                         values ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(report_id)
                    .bind(event.kind)
                    .bind(&event.actor)
                    .bind(event.public)
                    .bind(event.status.as_deref())
                    .bind(event.body.as_deref())
                    .bind(new.updated_at)
                    .bind(event.authority_key.as_deref())
                    .execute(&mut *tx)
                    .await?;
                }
                $crate::store::notify_sql::write_mail_changes!(tx, update.mail, new.updated_at);
                if let Some((photo_id, visible)) = update.photo {
                    sqlx::query(
                        "update report_photos set visible = $3 where report_id = $1 and photo_id = $2",
                    )
                    .bind(new.id)
                    .bind(photo_id)
                    .bind(visible)
                    .execute(&mut *tx)
                    .await?;
                }
                // The map counts follow what the public sees: a published report's light.
                let on_map = |row: &$crate::store::reports::ReportRow| {
                    (row.visibility == "published").then(|| light_of(&row.status)).flatten()
                };
                let (before, after) = (on_map(old), on_map(new));
                if before != after {
                    let moves: Vec<($crate::domain::Light, i64)> =
                        before.map(|l| (l, -1)).into_iter().chain(after.map(|l| (l, 1))).collect();
                    $crate::store::report_sql::append_cell_changes!(tx, $db, new.lat, new.lon, &moves);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_inbox(
                &self,
                filter: &$crate::store::clerk::InboxFilter,
            ) -> $crate::store::Result<Vec<$crate::store::reports::ReportRow>> {
                use $crate::store::clerk::InboxOrder;
                let mut query = sqlx::QueryBuilder::<$db>::new(concat!(
                    "select ", $crate::store::report_sql::report_columns!(), " from reports where 1 = 1"
                ));
                $crate::store::clerk_sql::push_inbox_conditions!(query, filter);
                if !filter.statuses.is_empty() {
                    query.push(" and status in (");
                    let mut list = query.separated(", ");
                    for status in &filter.statuses {
                        list.push_bind(*status);
                    }
                    query.push(")");
                }
                let (after, order) = match filter.order {
                    InboxOrder::OldestFirst => (" and id > ", " order by id asc limit "),
                    InboxOrder::NewestFirst => (" and id < ", " order by id desc limit "),
                };
                if let Some(cursor) = filter.after {
                    query.push(after).push_bind(cursor);
                }
                query.push(order).push_bind(filter.limit);
                Ok(query
                    .build_query_as::<$crate::store::reports::ReportRow>()
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn inbox_counts(
                &self,
                filter: &$crate::store::clerk::InboxFilter,
            ) -> $crate::store::Result<Vec<(String, i64)>> {
                let mut query =
                    sqlx::QueryBuilder::<$db>::new("select status, count(*) from reports where 1 = 1");
                $crate::store::clerk_sql::push_inbox_conditions!(query, filter);
                query.push(" group by status");
                Ok(query
                    .build_query_as::<(String, i64)>()
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn duplicates_of(&self, id: uuid::Uuid) -> $crate::store::Result<Vec<uuid::Uuid>> {
                let rows: Vec<(uuid::Uuid,)> =
                    sqlx::query_as("select id from reports where duplicate_of = $1 order by id")
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn answer_templates(
                &self,
            ) -> $crate::store::Result<Vec<$crate::store::clerk::TemplateRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::clerk::TemplateRow>(
                    "select status, language, body, updated_at from answer_templates
                     order by status, language",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn answer_template(
                &self,
                status: &str,
                language: &str,
            ) -> $crate::store::Result<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "select body from answer_templates where status = $1 and language = $2",
                )
                .bind(status)
                .bind(language)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(body,)| body))
            }

            async fn set_answer_template(
                &self,
                status: &str,
                language: &str,
                body: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "insert into answer_templates (status, language, body, updated_at) values ($1, $2, $3, $4)
                     on conflict (status, language) do update set body = excluded.body,
                       updated_at = excluded.updated_at",
                )
                .bind(status)
                .bind(language)
                .bind(body)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn set_authority_contact(&self, key: &str, email: &str) -> $crate::store::Result<()> {
                let updated = sqlx::query("update authorities set contact_email = $2 where key = $1")
                    .bind(key)
                    .bind(email)
                    .execute(&self.pool)
                    .await?;
                if updated.rows_affected() == 0 {
                    return Err($crate::store::Error::NotFound);
                }
                Ok(())
            }

            async fn put_category(&self, category: &$crate::domain::Category) -> $crate::store::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let existed: Option<(i32,)> = sqlx::query_as("select 1 from categories where code = $1")
                    .bind(category.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(
                    "insert into categories (code, name_de, name_en, group_code, notice_de, notice_en,
                       routing_level, routing_authority_key, active, sort_order, updated_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     on conflict (code) do update set name_de = excluded.name_de, name_en = excluded.name_en,
                       group_code = excluded.group_code, notice_de = excluded.notice_de,
                       notice_en = excluded.notice_en, routing_level = excluded.routing_level,
                       routing_authority_key = excluded.routing_authority_key, active = excluded.active,
                       sort_order = excluded.sort_order, updated_at = excluded.updated_at",
                )
                .bind(category.code.as_str())
                .bind(&category.name_de)
                .bind(&category.name_en)
                .bind(&category.group)
                .bind(category.notice_de.as_deref())
                .bind(category.notice_en.as_deref())
                .bind(category.routing.level())
                .bind(category.routing.authority().map(|k| k.as_str()))
                .bind(category.active)
                .bind(category.sort_order)
                // Open311 discovery's changeset: when the catalogue last changed.
                .bind(chrono::Utc::now())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(existed.is_none())
            }

            async fn put_routing_rule(&self, rule: &$crate::domain::RoutingRule) -> $crate::store::Result<()> {
                let (scope, key) = match &rule.scope {
                    $crate::domain::RoutingScope::State(state) => ("state", state.code().to_owned()),
                    $crate::domain::RoutingScope::Kreis(key) => ("kreis", key.clone()),
                };
                sqlx::query(
                    "insert into routing_rules (category_code, scope, scope_key, target_level, target_authority_key)
                     values ($1, $2, $3, $4, $5)
                     on conflict (category_code, scope, scope_key) do update set
                       target_level = excluded.target_level, target_authority_key = excluded.target_authority_key",
                )
                .bind(rule.category.as_str())
                .bind(scope)
                .bind(key)
                .bind(rule.target.level())
                .bind(rule.target.authority().map(|k| k.as_str()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delete_routing_rule(
                &self,
                category: &str,
                scope: &str,
                scope_key: &str,
            ) -> $crate::store::Result<bool> {
                let deleted = sqlx::query(
                    "delete from routing_rules where category_code = $1 and scope = $2 and scope_key = $3",
                )
                .bind(category)
                .bind(scope)
                .bind(scope_key)
                .execute(&self.pool)
                .await?;
                Ok(deleted.rows_affected() == 1)
            }

            async fn stats_rows(
                &self,
                authority_key: &str,
            ) -> $crate::store::Result<Vec<$crate::store::clerk::StatsRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::clerk::StatsRow>(
                    "select status, opened_at, reaction_due_at, first_reaction_at, resolved_at
                     from reports
                     where authority_key = $1 and visibility = 'published' and status <> 'unconfirmed'",
                )
                .bind(authority_key)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

pub(crate) use clerk_store_impl;
