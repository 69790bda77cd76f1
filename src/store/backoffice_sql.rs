//! The back-office SQL, shared by both backends: `backoffice_store_impl!(Type, Db, "lock")`
//! expands to the `BackofficeStore` implementation. `$lock` ends the claim's inner select, as
//! in the mail outbox (`for update skip locked` on PostgreSQL, empty on SQLite).

/// The `backoffice_deliveries` columns a `DeliveryRow` reads.
macro_rules! delivery_columns {
    () => {
        "id, report_id, authority_key, state, attempts, next_attempt_at, last_error, remote_id,
         remote_token, remote_state, created_at, delivered_at"
    };
}
pub(crate) use delivery_columns;

/// The `authority_delivery` columns a `DeliveryConfigRow` reads.
macro_rules! config_columns {
    () => {
        "authority_key, method, base_url, api_key, jurisdiction_id, service_codes, send_contact,
         updated_at"
    };
}
pub(crate) use config_columns;

/// Implements `BackofficeStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! backoffice_store_impl {
    ($store:ty, $db:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::backoffice::BackofficeStore for $store {
            async fn delivery_config(
                &self,
                authority_key: &str,
            ) -> $crate::store::Result<Option<$crate::store::backoffice::DeliveryConfigRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::backoffice_sql::config_columns!(),
                    " from authority_delivery where authority_key = $1"
                ))
                .bind(authority_key)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn set_delivery_config(
                &self,
                config: &$crate::store::backoffice::DeliveryConfigRow,
            ) -> $crate::store::Result<()> {
                let known: Option<String> =
                    sqlx::query_scalar("select key from authorities where key = $1")
                        .bind(&config.authority_key)
                        .fetch_optional(&self.pool)
                        .await?;
                if known.is_none() {
                    return Err($crate::store::Error::NotFound);
                }
                sqlx::query(
                    "insert into authority_delivery (authority_key, method, base_url, api_key,
                       jurisdiction_id, service_codes, send_contact, updated_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8)
                     on conflict (authority_key) do update set method = excluded.method,
                       base_url = excluded.base_url, api_key = excluded.api_key,
                       jurisdiction_id = excluded.jurisdiction_id,
                       service_codes = excluded.service_codes,
                       send_contact = excluded.send_contact, updated_at = excluded.updated_at",
                )
                .bind(&config.authority_key)
                .bind(&config.method)
                .bind(config.base_url.as_deref())
                .bind(config.api_key.as_deref())
                .bind(config.jurisdiction_id.as_deref())
                .bind(&config.service_codes)
                .bind(config.send_contact)
                .bind(config.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn open311_authorities(
                &self,
            ) -> $crate::store::Result<Vec<$crate::store::backoffice::DeliveryConfigRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::backoffice_sql::config_columns!(),
                    " from authority_delivery where method = 'open311' order by authority_key"
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn claim_delivery(
                &self,
                worker: &str,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Option<$crate::store::backoffice::DeliveryRow>> {
                // As in the mail outbox: a claimed row's `next_attempt_at` is its lease's end,
                // so one condition finds due rows and rows whose worker died.
                Ok(sqlx::query_as(concat!(
                    "update backoffice_deliveries set state = 'sending', locked_by = $1,
                       next_attempt_at = $3, attempts = attempts + 1
                     where id = (select id from backoffice_deliveries
                                 where state in ('pending', 'sending') and next_attempt_at <= $2
                                 order by next_attempt_at limit 1 ",
                    $lock,
                    ") returning ",
                    $crate::store::backoffice_sql::delivery_columns!()
                ))
                .bind(worker)
                .bind(now)
                .bind(lease_until)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn finish_delivery(
                &self,
                id: uuid::Uuid,
                worker: &str,
                outcome: &$crate::store::backoffice::DeliveryOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                use $crate::store::backoffice::DeliveryOutcome;
                let query = match outcome {
                    DeliveryOutcome::Delivered {
                        remote_id,
                        remote_token,
                    } => sqlx::query(
                        "update backoffice_deliveries set state = 'delivered', delivered_at = $3,
                           remote_id = $4, remote_token = $5, locked_by = null, last_error = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(now)
                    .bind(remote_id.as_deref())
                    .bind(remote_token.as_deref()),
                    DeliveryOutcome::Retry { at, error } => sqlx::query(
                        "update backoffice_deliveries set state = 'pending', next_attempt_at = $3,
                           last_error = $4, locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(*at)
                    .bind(error.as_str()),
                    DeliveryOutcome::Dead { error } => sqlx::query(
                        "update backoffice_deliveries set state = 'dead', last_error = $3,
                           locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(error.as_str()),
                };
                Ok(query.execute(&self.pool).await?.rows_affected() == 1)
            }

            async fn list_deliveries(
                &self,
                state: Option<&str>,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::backoffice::DeliveryRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::backoffice_sql::delivery_columns!(),
                    " from backoffice_deliveries where ($1 is null or state = $1)
                      order by id desc limit $2"
                ))
                .bind(state)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn get_delivery(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::backoffice::DeliveryRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::backoffice_sql::delivery_columns!(),
                    " from backoffice_deliveries where id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn retry_delivery(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let done = sqlx::query(
                    "update backoffice_deliveries set state = 'pending', attempts = 0,
                       next_attempt_at = $2
                     where id = $1 and state = 'dead'",
                )
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delivered_to(
                &self,
                authority_key: &str,
                after: Option<uuid::Uuid>,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::backoffice::DeliveryRow>> {
                Ok(sqlx::query_as(
                    "select b.id, b.report_id, b.authority_key, b.state, b.attempts,
                       b.next_attempt_at, b.last_error, b.remote_id, b.remote_token,
                       b.remote_state, b.created_at, b.delivered_at
                     from backoffice_deliveries b
                     join reports r on r.id = b.report_id and r.authority_key = b.authority_key
                     where b.authority_key = $1 and b.state = 'delivered'
                       and ($2 is null or b.id > $2)
                     order by b.id limit $3",
                )
                .bind(authority_key)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn set_remote_id(
                &self,
                id: uuid::Uuid,
                remote_id: &str,
            ) -> $crate::store::Result<()> {
                sqlx::query("update backoffice_deliveries set remote_id = $2 where id = $1")
                    .bind(id)
                    .bind(remote_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_remote_state(
                &self,
                id: uuid::Uuid,
                remote_state: &str,
            ) -> $crate::store::Result<()> {
                sqlx::query("update backoffice_deliveries set remote_state = $2 where id = $1")
                    .bind(id)
                    .bind(remote_state)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use backoffice_store_impl;
