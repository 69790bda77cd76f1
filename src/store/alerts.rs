//! The area alerts' side of the store: subscriptions (the subscriber's address lives here and
//! nowhere else), and the public history of a time window that digests and feeds read. One
//! SQL body for both backends: `alert_store_impl!(Type, Db)`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::alerts::selection::{Scope, Selection};
use crate::domain::{AreaKey, AuthorityKey, CategoryCode, Coordinates};
use crate::store::outbox::MailChanges;

/// `alert_subscriptions` row. `email` is personal data (see migration 0016).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertSubscriptionRow {
    pub id: Uuid,
    pub email: String,
    pub language: String,
    pub area_key: Option<String>,
    pub authority_key: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub radius_m: Option<i32>,
    pub category_code: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl AlertSubscriptionRow {
    /// Confirmed and not ended: gets digests.
    pub fn is_active(&self) -> bool {
        self.confirmed_at.is_some() && self.unsubscribed_at.is_none()
    }

    /// The selection the row stores; `Corrupt` if it fails validation.
    pub fn selection(&self) -> Result<Selection> {
        let corrupt = |reason: String| {
            super::Error::Corrupt(format!("alert subscription {}: {reason}", self.id))
        };
        let scope = match (
            &self.area_key,
            &self.authority_key,
            self.lat,
            self.lon,
            self.radius_m,
        ) {
            (Some(area), None, None, None, None) => {
                Scope::Area(AreaKey::parse(area).map_err(|e| corrupt(e.reason))?)
            }
            (None, Some(authority), None, None, None) => {
                Scope::Authority(AuthorityKey::parse(authority).map_err(|e| corrupt(e.reason))?)
            }
            (None, None, Some(lat), Some(lon), Some(radius)) => Scope::Circle {
                point: Coordinates::new(lat, lon).map_err(|e| corrupt(e.to_string()))?,
                radius_m: u32::try_from(radius).map_err(|e| corrupt(e.to_string()))?,
            },
            _ => return Err(corrupt("not exactly one scope".into())),
        };
        let category = self
            .category_code
            .as_deref()
            .map(CategoryCode::parse)
            .transpose()
            .map_err(|e| corrupt(e.reason))?;
        Selection::from_parts(scope, category).map_err(|e| corrupt(e.reason))
    }
}

/// A request to subscribe, with its opt-in mail.
#[derive(Debug, Clone)]
pub struct AlertRequest<'a> {
    /// The row's id: a new one, or the existing row's for the same address and selection.
    pub id: Uuid,
    /// The subscriber's address.
    pub email: &'a str,
    /// `de` or `en`.
    pub language: &'static str,
    /// What it watches.
    pub selection: &'a Selection,
    /// The opt-in mail.
    pub mail: &'a MailChanges,
}

/// One entry of the public history the alerts watch: a report became public (`published`),
/// or its status moved (`status_changed`, `marked_duplicate`, `reopened`), with the report as
/// it is now. Nothing personal: no contact, no description, no internal note.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertEventRow {
    pub event_id: i64,
    pub kind: String,
    /// The status the event set (status moves only).
    pub event_status: Option<String>,
    pub at: DateTime<Utc>,
    pub report_id: Uuid,
    pub category_code: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub area_key: String,
    pub authority_key: String,
    /// The report's status now.
    pub status: String,
}

/// Which history entries to read.
#[derive(Debug, Clone, Copy)]
pub struct AlertEventFilter<'a> {
    /// Only reports this selection watches (all when `None`: the digest sorts them itself).
    pub selection: Option<&'a Selection>,
    /// From this time on.
    pub from: DateTime<Utc>,
    /// Before this time.
    pub until: DateTime<Utc>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// Persistence of the area alerts. Each method is one transaction.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// The subscription of an address to a selection (canonical form), if there is one.
    async fn find_alert_subscription(
        &self,
        email: &str,
        selection: &str,
    ) -> Result<Option<AlertSubscriptionRow>>;

    /// A subscription by id.
    async fn alert_subscription(&self, id: Uuid) -> Result<Option<AlertSubscriptionRow>>;

    /// How many subscriptions of an address count against its limit: confirmed and not
    /// ended, or waiting for a confirmation requested after `pending_since`.
    async fn count_alert_subscriptions(
        &self,
        email: &str,
        pending_since: DateTime<Utc>,
    ) -> Result<i64>;

    /// Stores a request (new, or the existing row again waiting for confirmation) with its
    /// opt-in mail.
    async fn save_alert_request(
        &self,
        request: &AlertRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Confirms a subscription requested after `requested_after`; false if there is none to
    /// confirm (confirmed already, ended, or the request is too old).
    async fn confirm_alert_subscription(
        &self,
        id: Uuid,
        requested_after: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Ends a subscription by deleting it with the digests it was sent, and, when the address
    /// subscribes to nothing else, with every alert mail to the address (DSGVO Art. 17: an
    /// ended alert keeps no address). Again: nothing changes.
    async fn end_alert_subscription(&self, id: Uuid) -> Result<()>;

    /// Every confirmed subscription that has not ended.
    async fn active_alert_subscriptions(&self) -> Result<Vec<AlertSubscriptionRow>>;

    /// The public history entries alerts watch, of public reports, newest first.
    async fn alert_events(&self, filter: &AlertEventFilter<'_>) -> Result<Vec<AlertEventRow>>;
}

/// Deletes the alert mails (opt-ins and digests, sent or not) to addresses that subscribe to
/// no alert any more; with `$1` bound, only those to that address.
pub const DELETE_UNSUBSCRIBED_ALERT_MAILS: &str = "delete from outbox
     where report_id is null and kind in ('confirm_alert', 'alert_digest')
       and ($1 is null or recipient = $1)
       and not exists (select 1 from alert_subscriptions s where s.email = outbox.recipient)";

/// The columns an `AlertSubscriptionRow` reads.
macro_rules! alert_columns {
    () => {
        "id, email, language, area_key, authority_key, lat, lon, radius_m, category_code,
         requested_at, confirmed_at, unsubscribed_at"
    };
}
pub(crate) use alert_columns;

/// Implements `AlertStore` for a type with a `pool` field of `sqlx::Pool<$db>`, in a module
/// where `write_mail_changes` is defined (`mail_changes_writer!`).
macro_rules! alert_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::alerts::AlertStore for $store {
            async fn find_alert_subscription(
                &self,
                email: &str,
                selection: &str,
            ) -> $crate::store::Result<Option<$crate::store::alerts::AlertSubscriptionRow>>
            {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::alerts::alert_columns!(),
                    " from alert_subscriptions where email = $1 and selection = $2"
                ))
                .bind(email)
                .bind(selection)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn alert_subscription(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::alerts::AlertSubscriptionRow>>
            {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::alerts::alert_columns!(),
                    " from alert_subscriptions where id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn count_alert_subscriptions(
                &self,
                email: &str,
                pending_since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<i64> {
                let (n,): (i64,) = sqlx::query_as(
                    "select count(*) from alert_subscriptions
                     where email = $1 and unsubscribed_at is null
                       and (confirmed_at is not null or requested_at > $2)",
                )
                .bind(email)
                .bind(pending_since)
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn save_alert_request(
                &self,
                request: &$crate::store::alerts::AlertRequest<'_>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                use $crate::alerts::selection::Scope;
                let selection = request.selection;
                let (area, authority, lat, lon, radius) = match selection.scope() {
                    Scope::Area(key) => (Some(key.as_str()), None, None, None, None),
                    Scope::Authority(key) => (None, Some(key.as_str()), None, None, None),
                    Scope::Circle { point, radius_m } => (
                        None,
                        None,
                        Some(point.lat()),
                        Some(point.lon()),
                        i32::try_from(*radius_m).ok(),
                    ),
                };
                let mut tx = self.pool.begin().await?;
                // An ended subscription asked for again waits for a new confirmation.
                sqlx::query(
                    "insert into alert_subscriptions (id, email, language, area_key, authority_key,
                       lat, lon, radius_m, category_code, selection, created_at, requested_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
                     on conflict (email, selection) do update set
                       language = excluded.language,
                       requested_at = excluded.requested_at,
                       confirmed_at = case when alert_subscriptions.unsubscribed_at is null
                                           then alert_subscriptions.confirmed_at end,
                       unsubscribed_at = null",
                )
                .bind(request.id)
                .bind(request.email)
                .bind(request.language)
                .bind(area)
                .bind(authority)
                .bind(lat)
                .bind(lon)
                .bind(radius)
                .bind(selection.category().map(|c| c.as_str()))
                .bind(selection.canonical())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                write_mail_changes(&mut tx, request.mail, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn confirm_alert_subscription(
                &self,
                id: uuid::Uuid,
                requested_after: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let done = sqlx::query(
                    "update alert_subscriptions set confirmed_at = $2
                     where id = $1 and confirmed_at is null and unsubscribed_at is null
                       and requested_at > $3",
                )
                .bind(id)
                .bind(now)
                .bind(requested_after)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn end_alert_subscription(&self, id: uuid::Uuid) -> $crate::store::Result<()> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(String,)> =
                    sqlx::query_as("delete from alert_subscriptions where id = $1 returning email")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((email,)) = row {
                    sqlx::query(
                        "delete from outbox where report_id is null and dedupe_key like $1",
                    )
                    .bind(format!("alert:{id}:%"))
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query($crate::store::alerts::DELETE_UNSUBSCRIBED_ALERT_MAILS)
                        .bind(email)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn active_alert_subscriptions(
                &self,
            ) -> $crate::store::Result<Vec<$crate::store::alerts::AlertSubscriptionRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::alerts::alert_columns!(),
                    " from alert_subscriptions
                     where confirmed_at is not null and unsubscribed_at is null order by id"
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn alert_events(
                &self,
                filter: &$crate::store::alerts::AlertEventFilter<'_>,
            ) -> $crate::store::Result<Vec<$crate::store::alerts::AlertEventRow>> {
                use $crate::alerts::selection::Scope;
                use $crate::domain::EventKind;
                let mut query = sqlx::QueryBuilder::<$db>::new(concat!(
                    "select e.id as event_id, e.kind, e.status as event_status, e.at,
                            r.id as report_id, r.category_code, r.lat, r.lon, r.address,
                            r.area_key, r.authority_key, r.status
                     from report_events e join reports r on r.id = e.report_id
                     where ",
                    $crate::store::report_sql::public_report!("r."),
                ));
                query.push(" and e.at >= ").push_bind(filter.from);
                query.push(" and e.at < ").push_bind(filter.until);
                // Becoming public (an internal event, but its time is the report's news), or a
                // public status move.
                query
                    .push(" and (e.kind = ")
                    .push_bind(EventKind::Published.as_str());
                query.push(" or (e.public and e.kind in (");
                let mut kinds = query.separated(", ");
                for kind in EventKind::ALL.into_iter().filter(|k| k.moves_status()) {
                    kinds.push_bind(kind.as_str());
                }
                query.push(")))");
                if let Some(selection) = filter.selection {
                    match selection.scope() {
                        Scope::Area(key) => {
                            query
                                .push(" and r.area_key = ")
                                .push_bind(key.as_str().to_owned());
                        }
                        Scope::Authority(key) => {
                            query
                                .push(" and r.authority_key = ")
                                .push_bind(key.as_str().to_owned());
                        }
                        Scope::Circle { .. } => {
                            if let Some(near) = selection.near() {
                                let b = near.bbox();
                                query
                                    .push(" and r.lat between ")
                                    .push_bind(b.min_lat)
                                    .push(" and ")
                                    .push_bind(b.max_lat);
                                query
                                    .push(" and r.lon between ")
                                    .push_bind(b.min_lon)
                                    .push(" and ")
                                    .push_bind(b.max_lon);
                                // The same plane distance as `Near::distance_m`, squared.
                                let (ky, kx) = near.scales();
                                query
                                    .push(" and ((r.lat - ")
                                    .push_bind(near.lat)
                                    .push(") * ")
                                    .push_bind(ky);
                                query
                                    .push(") * ((r.lat - ")
                                    .push_bind(near.lat)
                                    .push(") * ")
                                    .push_bind(ky);
                                query
                                    .push(") + ((r.lon - ")
                                    .push_bind(near.lon)
                                    .push(") * ")
                                    .push_bind(kx);
                                query
                                    .push(") * ((r.lon - ")
                                    .push_bind(near.lon)
                                    .push(") * ")
                                    .push_bind(kx);
                                query.push(") <= ").push_bind(near.radius_m * near.radius_m);
                            }
                        }
                    }
                    if let Some(category) = selection.category() {
                        query
                            .push(" and r.category_code = ")
                            .push_bind(category.as_str().to_owned());
                    }
                }
                query
                    .push(" order by e.at desc, e.id desc limit ")
                    .push_bind(filter.limit);
                Ok(query
                    .build_query_as::<$crate::store::alerts::AlertEventRow>()
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}
pub(crate) use alert_store_impl;
