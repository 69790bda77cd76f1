//! The mail SQL, shared by both backends: `notify_store_impl!(Type, Db, "lock clause")` expands
//! to the `NotifyStore` implementation, and `mail_changes_writer!(Db)` defines the function
//! that writes a [`MailChanges`] in an open transaction (filing, workflow changes and the
//! store's own `apply_mail_changes`).
//!
//! [`MailChanges`]: crate::store::outbox::MailChanges

/// Defines `write_mail_changes(tx, changes, now)` for the database `$db` in the module that
/// invokes it: a function, so that its `?` and early return stay inside it and each caller
/// sees its own.
macro_rules! mail_changes_writer {
    ($db:ty) => {
        /// Writes `changes` inside the open transaction `tx` at time `now`; `TokenUsed` if the
        /// mail link's token they use was used or expired meanwhile.
        pub(crate) async fn write_mail_changes(
            tx: &mut sqlx::Transaction<'_, $db>,
            changes: &$crate::store::outbox::MailChanges,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::store::Result<()> {
        if let Some(hash) = &changes.use_token {
            let used = sqlx::query(
                "update mail_tokens set used_at = $2
                 where token_hash = $1 and used_at is null and expires_at > $2",
            )
            .bind(hash)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            if used.rows_affected() != 1 {
                return Err($crate::store::Error::TokenUsed);
            }
        }
        for follower in &changes.followers {
            // The reporter's row may exist already (an earlier confirmation attempt).
            sqlx::query(
                "insert into report_followers (id, report_id, email, language, role, created_at, confirmed_at)
                 values ($1, $2, $3, $4, $5, $6, $7)
                 on conflict (report_id, email) do update set
                   confirmed_at = coalesce(report_followers.confirmed_at, excluded.confirmed_at)",
            )
            .bind(follower.id)
            .bind(follower.report_id)
            .bind(&follower.email)
            .bind(follower.language)
            .bind(follower.role)
            .bind(now)
            .bind(follower.confirmed.then_some(now))
            .execute(&mut **tx)
            .await?;
        }
        if let Some(id) = changes.confirm_follower {
            sqlx::query(
                "update report_followers set confirmed_at = $2, unsubscribed_at = null where id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        if let Some(id) = changes.unsubscribe_follower {
            sqlx::query(
                "update report_followers set unsubscribed_at = $2
                 where id = $1 and unsubscribed_at is null",
            )
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        for token in &changes.tokens {
            sqlx::query(
                "insert into mail_tokens (token_hash, purpose, report_id, follower_id, created_at, expires_at, supporter_id)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&token.hash)
            .bind(token.purpose.as_str())
            .bind(token.report_id)
            .bind(token.follower_id)
            .bind(now)
            .bind(token.expires_at)
            .bind(token.supporter_id)
            .execute(&mut **tx)
            .await?;
        }
        for mail in &changes.mails {
            // A mail with a dedupe key that exists already was scheduled by another instance.
            // A mail to an authority's contact takes the address it has now, and is not
            // written when it has none or when its reports go to its own back office.
            sqlx::query(concat!(
                "insert into outbox (id, kind, recipient, language, subject, body_text, body_html,
                   list_unsubscribe, report_id, dedupe_key, state, attempts, next_attempt_at, created_at)
                 select $1, $2, t.recipient, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11
                 from (select coalesce($3, (select nullif(contact_email, '') from authorities
                                            where key = $12 and ",
                $crate::store::outbox::no_back_office!(), ")) as recipient) as t
                 where t.recipient is not null
                 on conflict (dedupe_key) do nothing",
            ))
            .bind(mail.id)
            .bind(mail.kind.as_str())
            .bind(mail.recipient.address())
            .bind(mail.language)
            .bind(&mail.subject)
            .bind(&mail.body_text)
            .bind(&mail.body_html)
            .bind(mail.list_unsubscribe.as_deref())
            .bind(mail.report_id)
            .bind(mail.dedupe_key.as_deref())
            .bind(now)
            .bind(mail.recipient.contact_of())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
        }
    };
}
pub(crate) use mail_changes_writer;

/// The `outbox` columns a `MailRow` reads.
macro_rules! mail_columns {
    () => {
        "id, kind, recipient, language, subject, body_text, body_html, list_unsubscribe, report_id,
         state, attempts, next_attempt_at, last_error, created_at, sent_at"
    };
}
pub(crate) use mail_columns;

/// Implements `NotifyStore` for a type with a `pool` field of `sqlx::Pool<$db>`. `$lock` ends
/// the claim's inner select: `for update skip locked` on PostgreSQL, so concurrent workers
/// pass over each other's rows; empty on SQLite, whose single writer serialises claims anyway.
macro_rules! notify_store_impl {
    ($store:ty, $db:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::notify::NotifyStore for $store {
            async fn apply_mail_changes(
                &self,
                changes: &$crate::store::outbox::MailChanges,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                let mut tx = self.pool.begin().await?;
                write_mail_changes(&mut tx, changes, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn mail_token(
                &self,
                hash: &str,
            ) -> $crate::store::Result<Option<$crate::store::notify::TokenRow>> {
                Ok(sqlx::query_as(
                    "select purpose, report_id, follower_id, supporter_id, expires_at, used_at
                     from mail_tokens where token_hash = $1",
                )
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn follower(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::notify::FollowerRow>> {
                Ok(sqlx::query_as(
                    "select id, report_id, email, language, role, confirmed_at, unsubscribed_at
                     from report_followers where id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn find_follower(
                &self,
                report_id: uuid::Uuid,
                email: &str,
            ) -> $crate::store::Result<Option<$crate::store::notify::FollowerRow>> {
                Ok(sqlx::query_as(
                    "select id, report_id, email, language, role, confirmed_at, unsubscribed_at
                     from report_followers where report_id = $1 and email = $2",
                )
                .bind(report_id)
                .bind(email)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn active_followers(
                &self,
                report_id: uuid::Uuid,
            ) -> $crate::store::Result<Vec<$crate::store::notify::FollowerRow>> {
                Ok(sqlx::query_as(
                    "select id, report_id, email, language, role, confirmed_at, unsubscribed_at
                     from report_followers
                     where report_id = $1 and confirmed_at is not null and unsubscribed_at is null
                     order by created_at",
                )
                .bind(report_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn claim_mail(
                &self,
                worker: &str,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Option<$crate::store::notify::MailRow>> {
                // A claimed row's `next_attempt_at` is its lease's end, so one condition finds
                // both due mails and mails whose worker died mid-delivery.
                Ok(sqlx::query_as(concat!(
                    "update outbox set state = 'sending', locked_by = $1, next_attempt_at = $3,
                       attempts = attempts + 1
                     where id = (select id from outbox
                                 where state in ('pending', 'sending') and next_attempt_at <= $2
                                 order by next_attempt_at limit 1 ",
                    $lock,
                    ")
                     returning ",
                    $crate::store::notify_sql::mail_columns!()
                ))
                .bind(worker)
                .bind(now)
                .bind(lease_until)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn finish_mail(
                &self,
                id: uuid::Uuid,
                worker: &str,
                outcome: &$crate::store::notify::MailOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                use $crate::store::notify::MailOutcome;
                let query = match outcome {
                    // The bodies go: they held one-time links and the citizen's text.
                    MailOutcome::Sent => sqlx::query(
                        "update outbox set state = 'sent', sent_at = $3, body_text = null,
                           body_html = null, locked_by = null, last_error = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(now),
                    MailOutcome::Retry { at, error } => sqlx::query(
                        "update outbox set state = 'pending', next_attempt_at = $3, last_error = $4,
                           locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(*at)
                    .bind(error.as_str()),
                    MailOutcome::Dead { error } => sqlx::query(
                        "update outbox set state = 'dead', last_error = $3, locked_by = null
                         where id = $1 and locked_by = $2 and state = 'sending'",
                    )
                    .bind(id)
                    .bind(worker)
                    .bind(error.as_str()),
                };
                Ok(query.execute(&self.pool).await?.rows_affected() == 1)
            }

            async fn get_mail(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::notify::MailRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::notify_sql::mail_columns!(),
                    " from outbox where id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn list_mail(
                &self,
                state: Option<&str>,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::notify::MailRow>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::notify_sql::mail_columns!(),
                    " from outbox where ($1 is null or state = $1) order by id desc limit $2"
                ))
                .bind(state)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn retry_mail(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let done = sqlx::query(
                    "update outbox set state = 'pending', attempts = 0, next_attempt_at = $2
                     where id = $1 and state = 'dead'",
                )
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use notify_store_impl;
