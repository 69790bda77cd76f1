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
        match filter.assignee {
            Some($crate::store::clerk::AssigneeFilter::Account(id)) => {
                $query.push(" and assignee_id = ").push_bind(id);
            }
            Some($crate::store::clerk::AssigneeFilter::Nobody) => {
                $query.push(" and assignee_id is null");
            }
            None => {}
        }
        if filter.reopen_requested {
            $query.push(" and reopen_requested_at is not null");
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

/// The query that appends one event (a `domain::NewEvent`) to a report's history at `$at`;
/// the caller executes it (so no control flow hides in here).
macro_rules! insert_event {
    ($report_id:expr, $event:expr, $at:expr) => {{
        let event: &$crate::domain::NewEvent = $event;
        sqlx::query(
            "insert into report_events (report_id, kind, actor, public, status, body, at, authority_key)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($report_id)
        .bind(event.kind.as_str())
        .bind(event.actor.clone())
        .bind(event.public)
        .bind(event.status.as_ref().map(|s| s.as_str()))
        .bind(event.body.clone())
        .bind($at)
        .bind(event.authority.as_ref().map(|a| a.as_str().to_owned()))
    }};
}

pub(crate) use insert_event;

/// Implements `ClerkStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! clerk_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::clerk::ClerkStore for $store {
            async fn update_report(
                &self,
                update: &$crate::store::clerk::ReportUpdate<'_>,
            ) -> $crate::store::Result<()> {
                let (old, new) = (update.old, update.new);
                let row = $crate::store::rows::ReportRow::from(new);
                // Marked a duplicate by this change: its supporters and followers move.
                let marked_duplicate_of = row
                    .duplicate_of
                    .filter(|to| $crate::store::rows::ReportRow::from(old).duplicate_of != Some(*to));
                let mut tx = self.pool.begin().await?;
                if let Some(feedback) = &update.feedback {
                    let recorded = sqlx::query(
                        "insert into citizen_feedback (report_id, person, state_since, kind, created_at)
                         values ($1, $2, $3, $4, $5) on conflict do nothing",
                    )
                    .bind(row.id)
                    .bind(feedback.person.to_owned())
                    .bind(feedback.state_since)
                    .bind(feedback.kind)
                    .bind(new.timeline.updated_at)
                    .execute(&mut *tx)
                    .await?;
                    if recorded.rows_affected() != 1 {
                        return Err($crate::store::Error::Conflict {
                            constraint: "citizen_feedback_pk".into(),
                        });
                    }
                }
                let updated = sqlx::query(
                    "update reports set category_code = $2, description = $3, original_description = $4,
                       authority_key = $5, status = $6, close_reason = $7, close_detail = $8,
                       duplicate_of = $9, visibility = $10, updated_at = $11, status_changed_at = $12,
                       first_reaction_at = $13, resolved_at = $14, authority_since = $15,
                       opened_at = $17, reaction_due_at = $18, assignee_id = $19,
                       reopen_requested_at = $20, revision = revision + 1
                     where id = $1 and revision = $16",
                )
                .bind(row.id)
                .bind(row.category_code)
                .bind(row.description)
                .bind(row.original_description)
                .bind(row.authority_key)
                .bind(row.status)
                .bind(row.close_reason)
                .bind(row.close_detail)
                .bind(row.duplicate_of)
                .bind(row.visibility)
                .bind(row.updated_at)
                .bind(row.status_changed_at)
                .bind(row.first_reaction_at)
                .bind(row.resolved_at)
                .bind(row.authority_since)
                .bind(old.revision)
                .bind(row.opened_at)
                .bind(row.reaction_due_at)
                .bind(row.assignee_id)
                .bind(row.reopen_requested_at)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err($crate::store::Error::StaleRevision);
                }
                let at = new.timeline.updated_at;
                let linked = update.linked.iter().map(|(id, event)| (*id, *event));
                for (report_id, event) in update.events.iter().map(|e| (new.id, e)).chain(linked) {
                    $crate::store::clerk_sql::insert_event!(report_id.uuid(), event, at)
                        .execute(&mut *tx)
                        .await?;
                }
                write_mail_changes(&mut tx, update.mail, at).await?;
                if let Some(original) = marked_duplicate_of {
                    move_supporters(&mut tx, new.id.uuid(), original).await?;
                }
                // A report that opens (confirmed) or reaches another authority (forwarded)
                // goes to that authority's back office, if it has one.
                if new.timeline.opened_at.is_some()
                    && (old.timeline.opened_at.is_none() || old.authority != new.authority)
                {
                    sqlx::query($crate::store::backoffice::ENQUEUE_DELIVERY_SQL)
                        .bind(uuid::Uuid::now_v7())
                        .bind(new.id.uuid())
                        .bind(new.authority.as_str())
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                match update.photo {
                    None => {}
                    Some($crate::domain::PhotoChange::Visible { photo_id, visible }) => {
                        sqlx::query(
                            "update report_photos set visible = $3 where report_id = $1 and photo_id = $2",
                        )
                        .bind(new.id.uuid())
                        .bind(photo_id.as_str())
                        .bind(*visible)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Some($crate::domain::PhotoChange::Replace { old: old_photo, new: new_photo }) => {
                        let replaced = sqlx::query(
                            "update report_photos set photo_id = $3 where report_id = $1 and photo_id = $2",
                        )
                        .bind(new.id.uuid())
                        .bind(old_photo.as_str())
                        .bind(new_photo.as_str())
                        .execute(&mut *tx)
                        .await?;
                        if replaced.rows_affected() != 1 {
                            return Err($crate::store::Error::StaleRevision);
                        }
                    }
                    Some($crate::domain::PhotoChange::Attach {
                        photos,
                        to,
                        released,
                    }) => {
                        // The entry this change appended: its report's newest of that kind
                        // (the revision check above keeps other changes of it out until
                        // the commit).
                        let (event_id,): (i64,) = sqlx::query_as(
                            "select max(id) from report_events where report_id = $1 and kind = $2",
                        )
                        .bind(new.id.uuid())
                        .bind(to.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                        let (last,): (i32,) = sqlx::query_as(
                            "select coalesce(max(position), -1) from report_photos where report_id = $1",
                        )
                        .bind(new.id.uuid())
                        .fetch_one(&mut *tx)
                        .await?;
                        for (n, photo) in photos.iter().enumerate() {
                            sqlx::query(
                                "insert into report_photos
                                   (report_id, photo_id, position, width, height, visible, event_id)
                                 values ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind(new.id.uuid())
                            .bind(photo.id.as_str())
                            .bind(last + 1 + n as i32)
                            .bind(photo.width as i32)
                            .bind(photo.height as i32)
                            .bind(*released)
                            .bind(event_id)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                // The map counts follow what the public sees: a public report's light.
                let (before, after) = (old.map_light(), new.map_light());
                if before != after {
                    let moves: Vec<($crate::domain::Light, i64)> =
                        before.map(|l| (l, -1)).into_iter().chain(after.map(|l| (l, 1))).collect();
                    append_cell_changes(&mut tx, new.location.lat(), new.location.lon(), &moves)
                        .await?;
                } else if let Some(light) = after {
                    // The counts stay, but the public point may have changed (its category,
                    // say): a row of no count marks its cells changed, so the map tiles there
                    // get a new version when it is folded.
                    append_cell_changes(&mut tx, new.location.lat(), new.location.lon(), &[(light, 0)])
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_inbox(
                &self,
                filter: &$crate::store::clerk::InboxFilter,
            ) -> $crate::store::Result<Vec<$crate::domain::Report>> {
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
                    InboxOrder::NewestFirst | InboxOrder::MostSupported => {
                        (" and id < ", " order by id desc limit ")
                    }
                };
                match (filter.order, filter.after, filter.after_supporters) {
                    (InboxOrder::MostSupported, Some(cursor), Some(count)) => {
                        query.push(" and (supporters < ").push_bind(count);
                        query.push(" or (supporters = ").push_bind(count);
                        query.push(" and id < ").push_bind(cursor).push("))");
                    }
                    (_, Some(cursor), _) => {
                        query.push(after).push_bind(cursor);
                    }
                    (_, None, _) => {}
                }
                if filter.order == InboxOrder::MostSupported {
                    query.push(" order by supporters desc, id desc limit ");
                } else {
                    query.push(order);
                }
                query.push_bind(filter.limit);
                let rows = query
                    .build_query_as::<$crate::store::rows::ReportRow>()
                    .fetch_all(&self.pool)
                    .await?;
                $crate::store::rows::convert_all(rows)
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
                // Whether it exists, asked with a write: on SQLite a transaction that reads first
                // and writes after fails at once (SQLITE_BUSY) when another write committed in
                // between, while one that starts with a write waits for the lock.
                let mut tx = self.pool.begin().await?;
                let existed = sqlx::query("update categories set updated_at = updated_at where code = $1")
                    .bind(category.code.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
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
                Ok(!existed)
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
                Ok(sqlx::query_as::<$db, $crate::store::clerk::StatsRow>(concat!(
                    "select status, opened_at, reaction_due_at, first_reaction_at, resolved_at
                     from reports
                     where authority_key = $1 and ",
                    $crate::store::report_sql::public_report!("")
                ))
                .bind(authority_key)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}

pub(crate) use clerk_store_impl;
