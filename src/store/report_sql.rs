//! The report SQL, shared by both backends like `shared.rs`: `report_store_impl!(Type, Db)`
//! expands to the `ReportStore` implementation.

/// Implements `ReportStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! report_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::reports::ReportStore for $store {
            async fn create_report(
                &self,
                record: &$crate::store::reports::ReportRecord<'_>,
            ) -> $crate::store::Result<$crate::store::reports::CreateOutcome> {
                self.insert_report(record).await
            }

            async fn idempotency_key(
                &self,
                key: &str,
            ) -> $crate::store::Result<Option<(String, $crate::domain::ReportId)>> {
                let row: Option<(String, uuid::Uuid)> = sqlx::query_as(
                    "select fingerprint, report_id from idempotency_keys where key = $1",
                )
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(fingerprint, id)| (fingerprint, id.into())))
            }

            async fn get_report(
                &self,
                id: $crate::domain::ReportId,
            ) -> $crate::store::Result<Option<$crate::domain::Report>> {
                let row = sqlx::query_as::<$db, $crate::store::rows::ReportRow>(concat!(
                    "select ", $crate::store::report_sql::report_columns!(), " from reports where id = $1"
                ))
                .bind(id.uuid())
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::domain::Report::try_from).transpose()
            }

            async fn report_events(
                &self,
                id: $crate::domain::ReportId,
                public_only: bool,
            ) -> $crate::store::Result<Vec<$crate::domain::Event>> {
                sqlx::query_as::<$db, $crate::store::rows::EventRow>(
                    "select id, kind, actor, public, status, body, at, authority_key from report_events
                     where report_id = $1 and (public or not $2) order by id",
                )
                .bind(id.uuid())
                .bind(public_only)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::domain::Event::try_from)
                .collect()
            }

            async fn report_photos(
                &self,
                id: $crate::domain::ReportId,
                visible_only: bool,
            ) -> $crate::store::Result<Vec<$crate::store::reports::PhotoRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::reports::PhotoRow>(
                    "select photo_id, position, width, height, visible, event_id from report_photos
                     where report_id = $1 and (visible or not $2) order by position",
                )
                .bind(id.uuid())
                .bind(visible_only)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn photo_is_referenced(&self, photo_id: &str) -> $crate::store::Result<bool> {
                let found: Option<(i32,)> =
                    sqlx::query_as("select 1 from report_photos where photo_id = $1 limit 1")
                        .bind(photo_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(found.is_some())
            }

            async fn visible_photos_of(
                &self,
                ids: &[uuid::Uuid],
            ) -> $crate::store::Result<Vec<$crate::store::reports::ReportPhotoRow>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "select report_id, photo_id, position, width, height, visible, event_id
                     from report_photos where visible and event_id is null and report_id in (",
                );
                let mut list = query.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                query.push(") order by report_id, position");
                Ok(query
                    .build_query_as::<$crate::store::reports::ReportPhotoRow>()
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn list_public_reports(
                &self,
                filter: &$crate::store::reports::ReportFilter,
            ) -> $crate::store::Result<Vec<$crate::domain::Report>> {
                let mut query = sqlx::QueryBuilder::<$db>::new(concat!(
                    "select ", $crate::store::report_sql::report_columns!(),
                    " from reports where ", $crate::store::report_sql::public_report!("")
                ));
                if let Some(b) = filter.bbox {
                    query.push(" and lat between ").push_bind(b.min_lat).push(" and ").push_bind(b.max_lat);
                    query.push(" and lon between ").push_bind(b.min_lon).push(" and ").push_bind(b.max_lon);
                }
                if let Some(near) = filter.near {
                    let b = near.bbox();
                    query.push(" and lat between ").push_bind(b.min_lat).push(" and ").push_bind(b.max_lat);
                    query.push(" and lon between ").push_bind(b.min_lon).push(" and ").push_bind(b.max_lon);
                    // The same plane distance as `Near::distance_m`, squared.
                    let (ky, kx) = near.scales();
                    query.push(" and ((lat - ").push_bind(near.lat).push(") * ").push_bind(ky);
                    query.push(") * ((lat - ").push_bind(near.lat).push(") * ").push_bind(ky);
                    query.push(") + ((lon - ").push_bind(near.lon).push(") * ").push_bind(kx);
                    query.push(") * ((lon - ").push_bind(near.lon).push(") * ").push_bind(kx);
                    query.push(") <= ").push_bind(near.radius_m * near.radius_m);
                }
                if !filter.statuses.is_empty() {
                    query.push(" and status in (");
                    let mut list = query.separated(", ");
                    for status in &filter.statuses {
                        list.push_bind(*status);
                    }
                    query.push(")");
                }
                if let Some(category) = &filter.category {
                    query.push(" and category_code = ").push_bind(category.clone());
                }
                if let Some(authority) = &filter.authority {
                    query.push(" and authority_key = ").push_bind(authority.clone());
                }
                if !filter.categories.is_empty() {
                    query.push(" and category_code in (");
                    let mut list = query.separated(", ");
                    for category in &filter.categories {
                        list.push_bind(category.clone());
                    }
                    query.push(")");
                }
                if !filter.ids.is_empty() {
                    query.push(" and id in (");
                    let mut list = query.separated(", ");
                    for id in &filter.ids {
                        list.push_bind(*id);
                    }
                    query.push(")");
                }
                if let Some(until) = filter.until {
                    query.push(" and id < ").push_bind($crate::store::reports::first_uuid_at(until));
                }
                if let Some(since) = filter.since {
                    query.push(" and id >= ").push_bind($crate::store::reports::first_uuid_at(since));
                }
                use $crate::store::reports::ReportSort;
                match (filter.sort, filter.before, filter.before_supporters) {
                    (ReportSort::Supporters, Some(before), Some(count)) => {
                        query.push(" and (supporters < ").push_bind(count);
                        query.push(" or (supporters = ").push_bind(count);
                        query.push(" and id < ").push_bind(before).push("))");
                    }
                    (_, Some(before), _) => {
                        query.push(" and id < ").push_bind(before);
                    }
                    (_, None, _) => {}
                }
                query.push(match filter.sort {
                    ReportSort::Newest => " order by id desc limit ",
                    ReportSort::Supporters => " order by supporters desc, id desc limit ",
                });
                query.push_bind(filter.limit);
                if filter.offset > 0 {
                    query.push(" offset ").push_bind(filter.offset);
                }
                let rows = query
                    .build_query_as::<$crate::store::rows::ReportRow>()
                    .fetch_all(&self.pool)
                    .await?;
                $crate::store::rows::convert_all(rows)
            }

            async fn map_cells(
                &self,
                level: u8,
                zoom: u8,
                bbox: $crate::store::reports::BBox,
            ) -> $crate::store::Result<Vec<$crate::store::reports::CellRow>> {
                use $crate::store::reports::cell_of;
                let factor: i64 = 1 << level.saturating_sub(zoom).min(30);
                let (x0, y0) = cell_of(level, bbox.min_lat, bbox.min_lon);
                let (x1, y1) = cell_of(level, bbox.max_lat, bbox.max_lon);
                // Grouped cells must be whole: widen the range to the group's edges.
                let (x0, y0) = (x0 - x0.rem_euclid(factor), y0 - y0.rem_euclid(factor));
                let (x1, y1) = (x1 - x1.rem_euclid(factor) + factor - 1, y1 - y1.rem_euclid(factor) + factor - 1);
                // The folded counts plus the changes not folded yet (see `fold_cell_changes`).
                Ok(sqlx::query_as::<$db, $crate::store::reports::CellRow>(
                    "select cx / $2 as gx, cy / $2 as gy, light, cast(sum(count) as bigint) as count,
                            sum(sum_lat) as sum_lat, sum(sum_lon) as sum_lon
                     from (select cx, cy, light, count, sum_lat, sum_lon from report_cells
                           where level = $1 and cx between $3 and $4 and cy between $5 and $6
                           union all
                           select cx, cy, light, count, sum_lat, sum_lon from report_cell_changes
                           where level = $1 and cx between $3 and $4 and cy between $5 and $6) as cells
                     group by gx, gy, light
                     having sum(count) > 0",
                )
                .bind(i32::from(level))
                .bind(factor)
                .bind(x0)
                .bind(x1)
                .bind(y0)
                .bind(y1)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn fold_cell_changes(&self) -> $crate::store::Result<u64> {
                type Key = (i32, i64, i64, String);
                // A read first: an idle instance takes no write lock (SQLite) and opens no
                // transaction each second.
                let pending: bool =
                    sqlx::query_scalar("select exists (select 1 from report_cell_changes)")
                        .fetch_one(&self.pool)
                        .await?;
                if !pending {
                    return Ok(0);
                }
                let mut tx = self.pool.begin().await?;
                // Taken by deleting them: a row one instance folds is gone for any other
                // (PostgreSQL's concurrent delete waits, then skips it), and a change appended
                // meanwhile stays for the next round.
                let taken: Vec<(i32, i64, i64, String, i64, f64, f64)> = sqlx::query_as(
                    "delete from report_cell_changes
                     returning level, cx, cy, light, count, sum_lat, sum_lon",
                )
                .fetch_all(&mut *tx)
                .await?;
                if taken.is_empty() {
                    return Ok(0);
                }
                let mut sums = std::collections::BTreeMap::<Key, (i64, f64, f64)>::new();
                for (level, cx, cy, light, count, lat, lon) in &taken {
                    let sum = sums.entry((*level, *cx, *cy, light.clone())).or_default();
                    *sum = (sum.0 + count, sum.1 + lat, sum.2 + lon);
                }
                // A key whose count nets to zero still moved when one report left the cell and
                // another entered it in the same round: its coordinate sums changed. Only a key
                // where nothing moved at all is skipped.
                let sums: Vec<(Key, (i64, f64, f64))> = sums
                    .into_iter()
                    .filter(|(_, (count, lat, lon))| *count != 0 || *lat != 0.0 || *lon != 0.0)
                    .collect();
                // In key order, so two instances folding at once lock rows in the same order.
                // 1,000 rows of 7 values stay far below either database's bind limit.
                for chunk in sums.chunks(1000) {
                    let mut upsert = sqlx::QueryBuilder::<$db>::new(
                        "insert into report_cells (level, cx, cy, light, count, sum_lat, sum_lon) ",
                    );
                    upsert.push_values(chunk, |mut row, ((level, cx, cy, light), (count, lat, lon))| {
                        row.push_bind(*level)
                            .push_bind(*cx)
                            .push_bind(*cy)
                            .push_bind(light.clone())
                            .push_bind(*count)
                            .push_bind(*lat)
                            .push_bind(*lon);
                    });
                    upsert.push(
                        " on conflict (level, cx, cy, light) do update set
                           count = report_cells.count + excluded.count,
                           sum_lat = report_cells.sum_lat + excluded.sum_lat,
                           sum_lon = report_cells.sum_lon + excluded.sum_lon",
                    );
                    upsert.build().execute(&mut *tx).await?;
                }
                // Only a key that did not grow can leave a cell empty (or have made it at zero);
                // an empty cell's row goes.
                for ((level, cx, cy, light), _) in sums.iter().filter(|(_, (count, _, _))| *count <= 0) {
                    sqlx::query(
                        "delete from report_cells
                         where level = $1 and cx = $2 and cy = $3 and light = $4 and count <= 0",
                    )
                    .bind(level)
                    .bind(cx)
                    .bind(cy)
                    .bind(light)
                    .execute(&mut *tx)
                    .await?;
                }
                // The map's tiles revalidate by region (migration 0013): every region with a
                // row taken gets this fold's version, also where the rows net to nothing (a
                // clerk's change of a public report that keeps its light appends such rows,
                // and its point on the map changed all the same). The counter row is taken
                // last, so concurrent folds wait for it only briefly, and in commit order.
                let regions: Vec<(i64, i64)> = taken
                    .iter()
                    .filter(|row| row.0 == i32::from($crate::store::reports::REGION_LEVEL))
                    .map(|row| (row.1, row.2))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if !regions.is_empty() {
                    // At least the clock's milliseconds: a database restored from a backup
                    // then goes on above every version handed out before (a cache's ETag
                    // never names other content), and `+ 1` keeps them rising whatever the
                    // folding instances' clocks say.
                    let version: i64 = sqlx::query_scalar(
                        "update map_version
                         set version = case when version + 1 > $1 then version + 1 else $1 end
                         where id = 1 returning version",
                    )
                    .bind(chrono::Utc::now().timestamp_millis())
                    .fetch_one(&mut *tx)
                    .await?;
                    for chunk in regions.chunks(1000) {
                        let mut upsert = sqlx::QueryBuilder::<$db>::new(
                            "insert into map_region_versions (cx, cy, version) ",
                        );
                        upsert.push_values(chunk, |mut row, (cx, cy)| {
                            row.push_bind(*cx).push_bind(*cy).push_bind(version);
                        });
                        upsert.push(
                            " on conflict (cx, cy) do update set version = excluded.version",
                        );
                        upsert.build().execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(taken.len() as u64)
            }

            async fn map_versions_since(
                &self,
                since: i64,
            ) -> $crate::store::Result<Vec<$crate::store::reports::RegionVersion>> {
                Ok(sqlx::query_as::<$db, $crate::store::reports::RegionVersion>(
                    "select cx, cy, version from map_region_versions where version > $1",
                )
                .bind(since)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn photo_is_public(&self, photo_id: &str) -> $crate::store::Result<bool> {
                let found: Option<(i32,)> = sqlx::query_as(concat!(
                    "select 1 from report_photos p join reports r on r.id = p.report_id
                     where p.photo_id = $1 and p.visible and ",
                    $crate::store::report_sql::public_report!("r."),
                    " limit 1"
                ))
                .bind(photo_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(found.is_some())
            }
        }
    };
}

pub(crate) use report_store_impl;

/// Defines `append_cell_changes(tx, lat, lon, moves)` for the database `$db` in the module
/// that invokes it (a function, so its `?` stays inside it).
macro_rules! cell_changes_writer {
    ($db:ty) => {
        /// Appends one report's map count changes at every map level in one statement:
        /// `moves` are (light, +1 or −1) pairs, the coordinate sums follow the count's sign.
        /// Appended, never upserted, so that concurrent filings never wait for each other's
        /// cell rows (migration 0007).
        pub(crate) async fn append_cell_changes(
            tx: &mut sqlx::Transaction<'_, $db>,
            lat: f64,
            lon: f64,
            moves: &[($crate::domain::Light, i64)],
        ) -> $crate::store::Result<()> {
            use $crate::store::reports::{MAP_LEVELS, cell_of};
            if moves.is_empty() {
                return Ok(());
            }
            let mut insert = sqlx::QueryBuilder::<$db>::new(
                "insert into report_cell_changes (level, cx, cy, light, count, sum_lat, sum_lon) ",
            );
            let rows = moves
                .iter()
                .flat_map(|&(light, delta)| MAP_LEVELS.map(|level| (level, light, delta)));
            insert.push_values(rows, |mut row, (level, light, delta)| {
                let (cx, cy) = cell_of(level, lat, lon);
                let sign = delta as f64;
                row.push_bind(i32::from(level))
                    .push_bind(cx)
                    .push_bind(cy)
                    .push_bind(light.as_str())
                    .push_bind(delta)
                    .push_bind(sign * lat)
                    .push_bind(sign * lon);
            });
            insert.build().execute(&mut **tx).await?;
            Ok(())
        }
    };
}

pub(crate) use cell_changes_writer;

/// The SQL condition of a public report (`Report::is_public`): published and confirmed.
/// The argument is the table's alias with its dot (`"r."`), or `""`.
macro_rules! public_report {
    ($alias:literal) => {
        concat!(
            $alias,
            "visibility = 'published' and ",
            $alias,
            "status <> 'unconfirmed'"
        )
    };
}

pub(crate) use public_report;

/// The columns of `ReportRow`, in one place for every query that reads whole reports.
macro_rules! report_columns {
    () => {
        "id, category_code, description, lat, lon, address, media_url, area_key, authority_key, status, close_reason, close_detail, duplicate_of, visibility, language, near_border, reporter_email, reporter_name, created_at, updated_at, status_changed_at, revision, original_description, opened_at, reaction_due_at, first_reaction_at, resolved_at, authority_since, assignee_id, reopen_requested_at, supporters"
    };
}

pub(crate) use report_columns;
