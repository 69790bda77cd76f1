//! A filing on PostgreSQL in one statement: the report, its events, photos, map count changes,
//! followers, tokens, mails and idempotency key as data-modifying CTEs of a single `INSERT`.
//!
//! Why not a transaction of one statement each, as on SQLite: every statement is a network
//! round trip, and a filing's eight of them (with `BEGIN` and `COMMIT`) cost PostgreSQL and the
//! server more CPU in socket wake-ups and TLS records than the rows themselves. One statement
//! is one round trip and one implicit transaction; foreign keys are checked at its end, so the
//! rows may reference the report inserted beside them.

use sqlx::{Postgres, QueryBuilder};

use super::Result;
use super::reports::{CreateOutcome, MAP_LEVELS, ReportRecord, cell_of};
use super::rows::ReportRow;

/// Inserts a filing in one statement (see the module documentation).
pub async fn insert_report(
    pool: &sqlx::PgPool,
    record: &ReportRecord<'_>,
) -> Result<CreateOutcome> {
    let mail = record.mail;
    if mail.use_token.is_some()
        || mail.confirm_follower.is_some()
        || mail.unsubscribe_follower.is_some()
    {
        return Err(anyhow::anyhow!("a filing neither uses tokens nor changes followers").into());
    }
    let mut query = QueryBuilder::<Postgres>::new("with ");
    push_report(&mut query, record);
    push_dependent_rows(&mut query, record);
    // How many reports were inserted: 0 when the idempotency key was there already.
    query.push(" select count(*) from r");
    let inserted: i64 = query.build_query_scalar().fetch_one(pool).await?;
    if inserted == 1 {
        return Ok(CreateOutcome::Created);
    }
    let Some((key, fingerprint)) = record.idempotency else {
        return Err(anyhow::anyhow!("report {} was not inserted", record.report.id).into());
    };
    let seen: Option<(String, uuid::Uuid)> =
        sqlx::query_as("select fingerprint, report_id from idempotency_keys where key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    match seen {
        Some((seen, id)) if seen == fingerprint => Ok(CreateOutcome::Replayed(id.into())),
        Some(_) => Ok(CreateOutcome::KeyReused),
        None => Err(anyhow::anyhow!("idempotency key conflicted but is not stored").into()),
    }
}

/// The CTE `r` that inserts the report and returns its id; with an idempotency key, a CTE `k`
/// before it that claims the key, and `r` inserts only if `k` did. A concurrent filing with
/// the same key waits for the first one's commit, then finds the key taken.
fn push_report(query: &mut QueryBuilder<Postgres>, record: &ReportRecord<'_>) {
    let id = record.report.id.uuid();
    if let Some((key, fingerprint)) = record.idempotency {
        query
            .push("k as (insert into idempotency_keys (key, fingerprint, report_id, created_at) values (")
            .push_bind(key.to_owned())
            .push(", ")
            .push_bind(fingerprint.to_owned())
            .push(", ")
            .push_bind(id)
            .push(", ")
            .push_bind(record.report.timeline.created_at)
            .push(") on conflict (key) do nothing returning report_id), ");
    }
    // The row the answer shows is the row written: one mapping from record to columns.
    let row = ReportRow::from(record.report);
    query.push(
        "r as (insert into reports (id, category_code, description, lat, lon, address, area_key,
           authority_key, status, visibility, language, near_border, reporter_email,
           reporter_name, created_at, updated_at, status_changed_at, opened_at, reaction_due_at,
           authority_since, media_url) select ",
    );
    let mut values = query.separated(", ");
    values
        .push_bind(row.id)
        .push_bind(row.category_code)
        .push_bind(row.description)
        .push_bind(row.lat)
        .push_bind(row.lon)
        .push_bind(row.address)
        .push_bind(row.area_key)
        .push_bind(row.authority_key)
        .push_bind(row.status)
        .push_bind(row.visibility)
        .push_bind(row.language)
        .push_bind(row.near_border)
        .push_bind(row.reporter_email)
        .push_bind(row.reporter_name)
        .push_bind(row.created_at)
        .push_bind(row.updated_at)
        .push_bind(row.status_changed_at)
        .push_bind(row.opened_at)
        .push_bind(row.reaction_due_at)
        .push_bind(row.authority_since)
        .push_bind(row.media_url);
    if record.idempotency.is_some() {
        query.push(" from k");
    }
    query.push(" returning id)");
}

/// The CTEs that insert the rows belonging to the report, each only if `r` inserted it.
fn push_dependent_rows(query: &mut QueryBuilder<Postgres>, record: &ReportRecord<'_>) {
    let id = record.report.id.uuid();
    let now = record.report.timeline.created_at;
    push_rows(
        query,
        "events",
        "report_events (report_id, kind, actor, public, status, body, at, authority_key)",
        record.report.filing_events(),
        |mut row, event| {
            row.push_bind(id)
                .push_bind(event.kind.as_str())
                .push_bind(event.actor)
                .push_bind(event.public)
                .push_bind(event.status.as_ref().map(|s| s.as_str()))
                .push_bind(event.body)
                .push_bind(now)
                .push_bind(event.authority.map(String::from));
        },
        "",
    );
    push_rows(
        query,
        "photos",
        "report_photos (report_id, photo_id, position, width, height, visible)",
        record.photos.iter().enumerate(),
        |mut row, (position, photo)| {
            row.push_bind(id)
                .push_bind(photo.id.clone())
                .push_bind(position as i32)
                .push_bind(photo.width as i32)
                .push_bind(photo.height as i32)
                .push_bind(record.photos_visible);
        },
        // The same photo twice in one filing is stored once.
        " on conflict (report_id, photo_id) do nothing",
    );
    let (lat, lon) = (record.report.location.lat(), record.report.location.lon());
    let light = record.report.map_light();
    push_rows(
        query,
        "cells",
        "report_cell_changes (level, cx, cy, light, count, sum_lat, sum_lon)",
        light
            .into_iter()
            .flat_map(|light| MAP_LEVELS.map(|level| (level, light))),
        |mut row, (level, light)| {
            let (cx, cy) = cell_of(level, lat, lon);
            row.push_bind(i32::from(level))
                .push_bind(cx)
                .push_bind(cy)
                .push_bind(light.as_str())
                .push_bind(1i64)
                .push_bind(lat)
                .push_bind(lon);
        },
        "",
    );
    let mail = record.mail;
    push_rows(
        query,
        "followers",
        "report_followers (id, report_id, email, language, role, created_at, confirmed_at)",
        &mail.followers,
        |mut row, follower| {
            row.push_bind(follower.id)
                .push_bind(follower.report_id)
                .push_bind(follower.email.clone())
                .push_bind(follower.language)
                .push_bind(follower.role)
                .push_bind(now)
                .push_bind(follower.confirmed.then_some(now));
        },
        "",
    );
    push_rows(
        query,
        "tokens",
        "mail_tokens (token_hash, purpose, report_id, follower_id, created_at, expires_at)",
        &mail.tokens,
        |mut row, token| {
            row.push_bind(token.hash.clone())
                .push_bind(token.purpose.as_str())
                .push_bind(token.report_id)
                .push_bind(token.follower_id)
                .push_bind(now)
                .push_bind(token.expires_at);
        },
        "",
    );
    push_rows(
        query,
        "mails",
        "outbox (id, kind, recipient, language, subject, body_text, body_html, list_unsubscribe,
           report_id, dedupe_key, state, attempts, next_attempt_at, created_at)",
        &mail.mails,
        |mut row, mail| {
            row.push_bind(mail.id).push_bind(mail.kind.as_str());
            // The address, or the authority's contact as it is now (see `write_mail_changes`).
            row.push("coalesce(")
                .push_bind_unseparated(mail.recipient.address().map(str::to_owned))
                .push_unseparated(
                    ", (select nullif(contact_email, '') from authorities where key = ",
                )
                .push_bind_unseparated(mail.recipient.contact_of().map(str::to_owned))
                .push_unseparated(concat!(
                    " and ",
                    crate::store::outbox::no_back_office!(),
                    "))"
                ));
            row.push_bind(mail.language)
                .push_bind(mail.subject.clone())
                .push_bind(mail.body_text.clone())
                .push_bind(mail.body_html.clone())
                .push_bind(mail.list_unsubscribe.clone())
                .push_bind(mail.report_id)
                .push_bind(mail.dedupe_key.clone())
                .push_bind("pending")
                .push_bind(0i32)
                .push_bind(now)
                .push_bind(now);
        },
        // No mail to an authority without a contact address; a mail with a dedupe key that
        // exists already was scheduled by another instance.
        " where v.recipient is not null on conflict (dedupe_key) do nothing",
    );
    // An open report goes to its authority's back office too, if it has one (the row is
    // written only if `r` inserted the report and the authority's method is open311).
    if record.report.timeline.opened_at.is_some() {
        query
            .push(
                ", deliveries as (insert into backoffice_deliveries (id, report_id, authority_key,
                   state, attempts, next_attempt_at, created_at)
                 select ",
            )
            .push_bind(uuid::Uuid::now_v7())
            .push(", r.id, d.authority_key, 'pending', 0, ")
            .push_bind(now)
            .push(", ")
            .push_bind(now)
            .push(" from r, authority_delivery d where d.authority_key = ")
            .push_bind(record.report.authority.as_str().to_owned())
            .push(" and d.method = 'open311' on conflict (report_id, authority_key) do nothing)");
    }
}

/// Appends `, name as (insert into table_and_columns select v.* from r, (values …) as v (…)
/// suffix)`, or nothing when there are no rows. Selecting from `r` inserts the rows only if the
/// report was inserted; the column list names the values' columns too.
fn push_rows<T>(
    query: &mut QueryBuilder<Postgres>,
    name: &str,
    table_and_columns: &str,
    rows: impl IntoIterator<Item = T>,
    push_row: impl FnMut(sqlx::query_builder::Separated<'_, Postgres, &'static str>, T),
    suffix: &str,
) {
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        return;
    }
    let columns = &table_and_columns[table_and_columns.find('(').unwrap_or(0)..];
    query
        .push(", ")
        .push(name)
        .push(" as (insert into ")
        .push(table_and_columns)
        .push(" select v.* from r, (");
    query.push_values(rows, push_row);
    query.push(") as v ").push(columns).push(suffix).push(")");
}
