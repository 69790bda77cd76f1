//! The webhook SQL, shared by both backends like `notify_sql.rs`:
//! `webhook_store_impl!(Type, Db, "lock clause")` expands to the `WebhookStore`
//! implementation; PostgreSQL passes `for update of d skip locked` so that concurrent claims
//! of several instances pass each other instead of queueing (SQLite's single writer
//! serialises them anyway).

/// The columns of a `DeliveryRow`, in order.
macro_rules! delivery_columns {
    () => {
        "id, endpoint_id, event_id, event_type, report_id, payload, state, attempts,
         next_attempt_at, last_status, last_error, last_attempt_at, created_at, delivered_at"
    };
}

/// The columns of an `EndpointRow`, in order.
macro_rules! endpoint_columns {
    () => {
        "id, url, description, event_types, secret, previous_secret, previous_secret_expires_at,
         active, created_by, created_at, updated_at"
    };
}

pub(crate) use {delivery_columns, endpoint_columns};

/// Implements `WebhookStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! webhook_store_impl {
    ($store:ty, $db:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::webhooks::WebhookStore for $store {
            async fn create_webhook_endpoint(
                &self,
                endpoint: &$crate::store::webhooks::EndpointRow,
            ) -> $crate::store::Result<()> {
                sqlx::query(concat!(
                    "insert into webhook_endpoints (",
                    $crate::store::webhooks_sql::endpoint_columns!(),
                    ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                ))
                .bind(endpoint.id)
                .bind(&endpoint.url)
                .bind(&endpoint.description)
                .bind(&endpoint.event_types)
                .bind(&endpoint.secret)
                .bind(&endpoint.previous_secret)
                .bind(endpoint.previous_secret_expires_at)
                .bind(endpoint.active)
                .bind(endpoint.created_by)
                .bind(endpoint.created_at)
                .bind(endpoint.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn count_webhook_endpoints(&self) -> $crate::store::Result<i64> {
                Ok(sqlx::query_scalar("select count(*) from webhook_endpoints")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn webhook_endpoint(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::webhooks::EndpointRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::webhooks_sql::endpoint_columns!(),
                    " from webhook_endpoints where id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn list_webhook_endpoints(
                &self,
            ) -> $crate::store::Result<Vec<$crate::store::webhooks::EndpointRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::webhooks_sql::endpoint_columns!(),
                    " from webhook_endpoints order by created_at, id"
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn update_webhook_endpoint(
                &self,
                id: uuid::Uuid,
                change: &$crate::store::webhooks::EndpointChange,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let updated = sqlx::query(
                    "update webhook_endpoints set url = coalesce($2, url),
                       description = coalesce($3, description),
                       event_types = coalesce($4, event_types), active = coalesce($5, active),
                       updated_at = $6
                     where id = $1",
                )
                .bind(id)
                .bind(&change.url)
                .bind(&change.description)
                .bind(&change.event_types)
                .bind(change.active)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(updated.rows_affected() == 1)
            }

            async fn rotate_webhook_secret(
                &self,
                id: uuid::Uuid,
                secret: &str,
                previous_until: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let updated = sqlx::query(
                    "update webhook_endpoints set previous_secret = secret,
                       previous_secret_expires_at = $3, secret = $2, updated_at = $4
                     where id = $1",
                )
                .bind(id)
                .bind(secret)
                .bind(previous_until)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(updated.rows_affected() == 1)
            }

            async fn delete_webhook_endpoint(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<bool> {
                let deleted = sqlx::query("delete from webhook_endpoints where id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(deleted.rows_affected() == 1)
            }

            async fn pending_webhook_events(
                &self,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::webhooks::PendingEventRow>> {
                // `report_events_webhooks_idx` holds exactly these rows.
                Ok(sqlx::query_as(
                    "select id, report_id, kind, public, status, body, at, authority_key
                     from report_events where webhooks_fanned_out_at is null
                     order by id limit $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn record_webhook_fan_out(
                &self,
                event_ids: &[i64],
                deliveries: &[$crate::store::webhooks::NewDelivery],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                let mut tx = self.pool.begin().await?;
                for delivery in deliveries {
                    sqlx::query(
                        "insert into webhook_deliveries (id, endpoint_id, event_id, event_type,
                           report_id, payload, state, attempts, next_attempt_at, last_error, created_at)
                         values ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $8)
                         on conflict (endpoint_id, event_id) do nothing",
                    )
                    .bind(delivery.id)
                    .bind(delivery.endpoint_id)
                    .bind(delivery.event_id)
                    .bind(delivery.event_type)
                    .bind(delivery.report_id)
                    .bind(&delivery.payload)
                    .bind(delivery.state)
                    .bind(now)
                    .bind(&delivery.error)
                    .execute(&mut *tx)
                    .await?;
                }
                // Each id as read: an event committed meanwhile with an id in between (a
                // PostgreSQL identity is drawn before commit) stays for the next round.
                for id in event_ids {
                    sqlx::query(
                        "update report_events set webhooks_fanned_out_at = $2
                         where id = $1 and webhooks_fanned_out_at is null",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn claim_webhook_delivery(
                &self,
                worker: &str,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Option<$crate::store::webhooks::DeliveryRow>> {
                // As the mail outbox: a claimed row's `next_attempt_at` is its lease's end,
                // so one condition finds due rows and rows whose worker died. Deliveries of a
                // disabled endpoint wait until it is enabled again.
                Ok(sqlx::query_as(concat!(
                    "update webhook_deliveries set state = 'sending', locked_by = $1,
                       next_attempt_at = $3, attempts = attempts + 1, last_attempt_at = $2
                     where id = (select d.id from webhook_deliveries d
                                 join webhook_endpoints e on e.id = d.endpoint_id
                                 where d.state in ('pending', 'sending') and d.next_attempt_at <= $2
                                   and e.active
                                 order by d.next_attempt_at limit 1 ",
                    $lock,
                    ")
                     returning ",
                    $crate::store::webhooks_sql::delivery_columns!()
                ))
                .bind(worker)
                .bind(now)
                .bind(lease_until)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn finish_webhook_delivery(
                &self,
                id: uuid::Uuid,
                worker: &str,
                outcome: &$crate::store::webhooks::DeliveryOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                use $crate::store::webhooks::DeliveryOutcome;
                let status = |s: &Option<u16>| s.map(i32::from);
                let query = match outcome {
                    DeliveryOutcome::Delivered { status } => sqlx::query(
                        "update webhook_deliveries set state = 'delivered', delivered_at = $3,
                           last_status = $4, last_error = null, locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(now)
                    .bind(i32::from(*status)),
                    DeliveryOutcome::Retry { at, status: code, error } => sqlx::query(
                        "update webhook_deliveries set state = 'pending', next_attempt_at = $3,
                           last_status = $4, last_error = $5, locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(*at)
                    .bind(status(code))
                    .bind(error.as_str()),
                    DeliveryOutcome::Dead { status: code, error } => sqlx::query(
                        "update webhook_deliveries set state = 'dead', next_attempt_at = $3,
                           last_status = $4, last_error = $5, locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(now)
                    .bind(status(code))
                    .bind(error.as_str()),
                };
                Ok(query.execute(&self.pool).await?.rows_affected() == 1)
            }

            async fn list_webhook_deliveries(
                &self,
                endpoint_id: uuid::Uuid,
                state: Option<&str>,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::webhooks::DeliveryRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::webhooks_sql::delivery_columns!(),
                    " from webhook_deliveries where endpoint_id = $1 and ($2 is null or state = $2)
                      order by created_at desc, id desc limit $3"
                ))
                .bind(endpoint_id)
                .bind(state)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn webhook_delivery(
                &self,
                endpoint_id: uuid::Uuid,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::webhooks::DeliveryRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::webhooks_sql::delivery_columns!(),
                    " from webhook_deliveries where id = $1 and endpoint_id = $2"
                ))
                .bind(id)
                .bind(endpoint_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn retry_webhook_delivery(
                &self,
                endpoint_id: uuid::Uuid,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let updated = sqlx::query(
                    "update webhook_deliveries set state = 'pending', attempts = 0,
                       next_attempt_at = $3
                     where id = $1 and endpoint_id = $2 and state = 'dead'",
                )
                .bind(id)
                .bind(endpoint_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(updated.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use webhook_store_impl;
