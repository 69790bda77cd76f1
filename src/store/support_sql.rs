//! The "me too" SQL, shared by both backends: `support_store_impl!(Type, Db)` expands to the
//! `SupportStore` implementation, and `supporters_mover!(Db)` defines the function that moves a
//! duplicate's supporters and followers to its original inside `update_report`'s transaction.

/// Defines `move_supporters(tx, from, to)` for the database `$db` in the module that invokes
/// it (a function, so its `?` stays inside it).
macro_rules! supporters_mover {
    ($db:ty) => {
        /// Moves the supporters and followers of the report `from` (just marked a duplicate)
        /// to `to` (its original). An address already on the original is not doubled: its row
        /// there stays (a support confirmed on the duplicate confirms it), the duplicate's goes.
        /// Both counts are then taken from the rows, so they are exact whatever moved.
        pub(crate) async fn move_supporters(
            tx: &mut sqlx::Transaction<'_, $db>,
            from: uuid::Uuid,
            to: uuid::Uuid,
        ) -> $crate::store::Result<()> {
            sqlx::query(
                "update report_supporters set confirmed_at = coalesce(confirmed_at,
                   (select d.confirmed_at from report_supporters d
                    where d.report_id = $1 and d.email = report_supporters.email))
                 where report_id = $2
                   and email in (select email from report_supporters where report_id = $1)",
            )
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "delete from report_supporters where report_id = $1
                   and email in (select email from report_supporters where report_id = $2)",
            )
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
            sqlx::query("update report_supporters set report_id = $2 where report_id = $1")
                .bind(from)
                .bind(to)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "update reports set supporters = (select count(*) from report_supporters s
                   where s.report_id = reports.id and s.confirmed_at is not null)
                 where id = $1 or id = $2",
            )
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
            // An address that follows (or left) the original keeps its row there as it is.
            sqlx::query(
                "delete from report_followers where report_id = $1
                   and email in (select email from report_followers where report_id = $2)",
            )
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
            // The duplicate's reporter follows the original like anyone else: the original's
            // reporter is someone else.
            sqlx::query(
                "update report_followers set report_id = $2, role = 'follower' where report_id = $1",
            )
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }
    };
}

pub(crate) use supporters_mover;

/// Implements `SupportStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! support_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::supporters::SupportStore for $store {
            async fn add_anonymous_support(
                &self,
                report_id: uuid::Uuid,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Option<i64>> {
                let mut tx = self.pool.begin().await?;
                // The rule of `Report::may_be_supported`, in the statement that counts.
                let count: Option<i64> = sqlx::query_scalar(concat!(
                    "update reports set supporters = supporters + 1
                     where id = $1 and status in ('open', 'in_progress') and ",
                    $crate::store::report_sql::public_report!(""),
                    " returning supporters"
                ))
                .bind(report_id)
                .fetch_optional(&mut *tx)
                .await?;
                if count.is_none() {
                    return Ok(None);
                }
                sqlx::query(
                    "insert into report_supporters (id, report_id, email, language, follow, created_at, confirmed_at)
                     values ($1, $2, null, 'de', false, $3, $3)",
                )
                .bind(id)
                .bind(report_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(count)
            }

            async fn find_supporter(
                &self,
                report_id: uuid::Uuid,
                email: &str,
            ) -> $crate::store::Result<Option<$crate::store::supporters::SupporterRow>> {
                Ok(sqlx::query_as(
                    "select id, report_id, follow, confirmed_at from report_supporters
                     where report_id = $1 and email = $2",
                )
                .bind(report_id)
                .bind(email)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn request_support(
                &self,
                supporter: Option<&$crate::store::supporters::NewSupporter>,
                mail: &$crate::store::outbox::MailChanges,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                let mut tx = self.pool.begin().await?;
                if let Some(s) = supporter {
                    sqlx::query(
                        "insert into report_supporters (id, report_id, email, language, follow, created_at)
                         values ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(s.id)
                    .bind(s.report_id)
                    .bind(&s.email)
                    .bind(s.language)
                    .bind(s.follow)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                write_mail_changes(&mut tx, mail, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn confirm_support(
                &self,
                token_hash: &str,
                supporter_id: uuid::Uuid,
                follower_id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let use_token = $crate::store::outbox::MailChanges {
                    use_token: Some(token_hash.to_owned()),
                    ..Default::default()
                };
                write_mail_changes(&mut tx, &use_token, now).await?;
                let confirmed: Option<(uuid::Uuid, Option<String>, String, bool)> = sqlx::query_as(
                    "update report_supporters set confirmed_at = $2
                     where id = $1 and confirmed_at is null
                     returning report_id, email, language, follow",
                )
                .bind(supporter_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((report_id, email, language, follow)) = confirmed else {
                    tx.commit().await?;
                    return Ok(false);
                };
                sqlx::query("update reports set supporters = supporters + 1 where id = $1")
                    .bind(report_id)
                    .execute(&mut *tx)
                    .await?;
                if let (true, Some(email)) = (follow, email) {
                    // Confirmed by this very link; one who had left the report follows again.
                    sqlx::query(
                        "insert into report_followers (id, report_id, email, language, role, created_at, confirmed_at)
                         values ($1, $2, $3, $4, 'follower', $5, $5)
                         on conflict (report_id, email) do update set
                           confirmed_at = coalesce(report_followers.confirmed_at, excluded.confirmed_at),
                           unsubscribed_at = null",
                    )
                    .bind(follower_id)
                    .bind(report_id)
                    .bind(email)
                    .bind(language)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

pub(crate) use support_store_impl;
