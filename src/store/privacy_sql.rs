//! The privacy SQL, shared by both backends like `shared.rs`: `privacy_store_impl!(Type, Db)`
//! expands to the `PrivacyStore` implementation.
//!
//! Each erasure is one list of statements in the order they run (tokens before the follower
//! rows they name). A new table that keeps a contact's address for a report joins both lists:
//! `erase_contact` (one address) and `erase_closed_report` (everyone of the report).

/// The condition of a report whose contact data is due for erasure once its close is old
/// enough: closed (green or yellow-green) and not erased since its last close. The migration
/// `0018_privacy_retention` has a partial index with this condition word for word (SQLite uses
/// a partial index only when the query repeats its condition).
macro_rules! retention_due_condition {
    () => {
        "resolved_at is not null and (contact_erased_at is null or contact_erased_at < resolved_at)"
    };
}
pub(crate) use retention_due_condition;

/// Implements `PrivacyStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! privacy_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::privacy::PrivacyStore for $store {
            async fn erase_contact(
                &self,
                erasure: &$crate::store::privacy::ContactErasure<'_>,
            ) -> $crate::store::Result<Option<$crate::store::privacy::Erased>> {
                use $crate::store::privacy::{Contact, Erased};
                let (id, now) = (erasure.report_id, erasure.now);
                let mut tx = self.pool.begin().await?;
                if let Some(hash) = erasure.token_hash {
                    let used = sqlx::query(
                        "update mail_tokens set used_at = $2 where token_hash = $1 and used_at is null",
                    )
                    .bind(hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if used.rows_affected() != 1 {
                        return Err($crate::store::Error::TokenUsed);
                    }
                }
                // The address that leaves, and whether it is the reporter's.
                let (email, reporter): (Option<String>, bool) = match erasure.contact {
                    Contact::Reporter => {
                        let email: Option<(Option<String>,)> =
                            sqlx::query_as("select reporter_email from reports where id = $1")
                                .bind(id)
                                .fetch_optional(&mut *tx)
                                .await?;
                        (email.and_then(|(email,)| email), true)
                    }
                    Contact::Follower(follower) => {
                        let row: Option<(String, String)> = sqlx::query_as(
                            "select email, role from report_followers where id = $1 and report_id = $2",
                        )
                        .bind(follower)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        match row {
                            Some((email, role)) => (Some(email), role == "reporter"),
                            None => (None, false),
                        }
                    }
                };
                let keep = erasure.token_hash.unwrap_or("");
                let mut erased = Erased::default();
                // 1. The report's own contact fields: the reporter's, or a follower whose
                //    address is the reporter's too. The revision moves, so a clerk's change
                //    that read the followers before this one is refused (409), not sent to
                //    the address that just left.
                erased.reporter_contacts = sqlx::query(
                    "update reports set reporter_email = null, reporter_name = null,
                       revision = revision + 1
                     where id = $1 and (reporter_email = $2
                       or ($3 and (reporter_email is not null or reporter_name is not null)))",
                )
                .bind(id)
                .bind(email.as_deref())
                .bind(reporter)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if let Some(email) = &email {
                    // 2. The link tokens of the address's follower row (all but the one used).
                    erased.tokens += sqlx::query(
                        "delete from mail_tokens
                         where report_id = $1 and token_hash <> $3 and follower_id in
                           (select id from report_followers where report_id = $1 and email = $2)",
                    )
                    .bind(id)
                    .bind(email)
                    .bind(keep)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    // 3. Its mails about the report, sent or not (a sent one keeps the address).
                    erased.mails = sqlx::query(
                        "delete from outbox where report_id = $1 and recipient = $2",
                    )
                    .bind(id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    // 4. Its follower row, and its "me too": a confirmed support stays counted
                    //    without the address, one still waiting for confirmation goes.
                    erased.followers = sqlx::query(
                        "delete from report_followers where report_id = $1 and email = $2",
                    )
                    .bind(id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    for sql in [
                        "update report_supporters set email = null
                         where report_id = $1 and email = $2 and confirmed_at is not null",
                        "delete from report_supporters
                         where report_id = $1 and email = $2 and confirmed_at is null",
                    ] {
                        erased.followers += sqlx::query(sql)
                            .bind(id)
                            .bind(email)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    }
                }
                if reporter || erased.reporter_contacts > 0 {
                    // 5. The reporter's tokens without a follower row (the confirmation mail's).
                    erased.tokens += sqlx::query(
                        "delete from mail_tokens
                         where report_id = $1 and follower_id is null and token_hash <> $2",
                    )
                    .bind(id)
                    .bind(keep)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                if !erased.is_empty() {
                    $crate::store::clerk_sql::insert_event!(id, erasure.event, now)
                        .execute(&mut *tx)
                        .await?;
                }
                // Committed even when nothing was left to erase: the link is used up either way.
                tx.commit().await?;
                Ok((!erased.is_empty()).then_some(erased))
            }

            async fn retention_due(
                &self,
                closed_before: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::Result<Vec<uuid::Uuid>> {
                let rows: Vec<(uuid::Uuid,)> = sqlx::query_as(concat!(
                    "select id from reports where ",
                    $crate::store::privacy_sql::retention_due_condition!(),
                    " and resolved_at <= $1 order by resolved_at limit $2"
                ))
                .bind(closed_before)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn erase_closed_report(
                &self,
                id: uuid::Uuid,
                closed_before: chrono::DateTime<chrono::Utc>,
                event: &$crate::domain::NewEvent,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Option<$crate::store::privacy::Erased>> {
                let mut tx = self.pool.begin().await?;
                // Claimed first: on PostgreSQL a second instance's claim waits for this
                // transaction and then finds the report erased (0 rows); SQLite has one writer.
                let claimed = sqlx::query(concat!(
                    "update reports set contact_erased_at = $3, revision = revision + 1
                     where id = $1 and ",
                    $crate::store::privacy_sql::retention_due_condition!(),
                    " and resolved_at <= $2"
                ))
                .bind(id)
                .bind(closed_before)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() != 1 {
                    return Ok(None);
                }
                // The list, in order: the report's contact fields, its link tokens, its mails
                // (every one: a sent mail keeps its recipient), its followers.
                let mut counts = [0u64; 6];
                for (count, sql) in counts.iter_mut().zip([
                    "update reports set reporter_email = null, reporter_name = null
                     where id = $1 and (reporter_email is not null or reporter_name is not null)",
                    "delete from mail_tokens where report_id = $1",
                    "delete from outbox where report_id = $1",
                    "delete from report_followers where report_id = $1",
                    // Supporters: confirmed ones stay counted without their address.
                    "update report_supporters set email = null
                     where report_id = $1 and email is not null and confirmed_at is not null",
                    "delete from report_supporters where report_id = $1 and confirmed_at is null",
                ]) {
                    *count = sqlx::query(sql)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                let [reporter_contacts, tokens, mails, followers, supporters, unconfirmed] = counts;
                let followers = followers + supporters + unconfirmed;
                let mut erased = $crate::store::privacy::Erased {
                    reporter_contacts,
                    followers,
                    mails,
                    tokens,
                    note_authors: 0,
                };
                // The internal notes' authors: a clerk's email becomes a role.
                for kind in $crate::privacy::AUTHOR_ERASED_KINDS {
                    erased.note_authors += sqlx::query(
                        "update report_events set actor = $2
                         where report_id = $1 and kind = $3 and actor <> $2",
                    )
                    .bind(id)
                    .bind($crate::privacy::ERASED_AUTHOR)
                    .bind(kind.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                if !erased.is_empty() {
                    $crate::store::clerk_sql::insert_event!(id, event, now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(Some(erased))
            }

            async fn start_deactivation_clocks(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<u64> {
                Ok(sqlx::query(
                    "update accounts set deactivated_at = $1
                     where active = false and deactivated_at is null",
                )
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected())
            }

            async fn accounts_due(
                &self,
                deactivated_before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Vec<uuid::Uuid>> {
                let rows: Vec<(uuid::Uuid,)> = sqlx::query_as(
                    "select id from accounts
                     where active = false and anonymised_at is null and deactivated_at <= $1
                     order by deactivated_at",
                )
                .bind(deactivated_before)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn anonymise_account(
                &self,
                id: uuid::Uuid,
                deactivated_before: chrono::DateTime<chrono::Utc>,
                pseudonym: &$crate::store::privacy::Pseudonym,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<Option<u64>> {
                let mut tx = self.pool.begin().await?;
                let old: Option<(String,)> = sqlx::query_as(
                    "select email from accounts
                     where id = $1 and active = false and anonymised_at is null
                       and deactivated_at <= $2",
                )
                .bind(id)
                .bind(deactivated_before)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((old_email,)) = old else {
                    return Ok(None);
                };
                // The password hash is no PHC string, so no password ever matches it.
                let changed = sqlx::query(
                    "update accounts set email = $2, display_name = $3, password_hash = 'anonymised',
                       anonymised_at = $4
                     where id = $1 and anonymised_at is null and active = false",
                )
                .bind(id)
                .bind(&pseudonym.email)
                .bind(&pseudonym.display_name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if changed.rows_affected() != 1 {
                    return Ok(None);
                }
                for sql in [
                    "delete from sessions where account_id = $1",
                    "delete from api_tokens where account_id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                sqlx::query("delete from login_attempts where email = $1")
                    .bind(&old_email)
                    .execute(&mut *tx)
                    .await?;
                // No index on `actor`: a scan of the history, once per anonymised account.
                let events = sqlx::query("update report_events set actor = $2 where actor = $1")
                    .bind(&old_email)
                    .bind(&pseudonym.email)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(Some(events))
            }

            async fn erase_stale_alerts_and_mails(
                &self,
                unconfirmed_before: chrono::DateTime<chrono::Utc>,
                mails_before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<$crate::store::privacy::StaleErased> {
                let mut tx = self.pool.begin().await?;
                let alerts = sqlx::query(
                    "delete from alert_subscriptions
                     where unsubscribed_at is not null
                        or (confirmed_at is null and requested_at <= $1)",
                )
                .bind(unconfirmed_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let unsubscribed = sqlx::query($crate::store::alerts::DELETE_UNSUBSCRIBED_ALERT_MAILS)
                    .bind(None::<String>)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let old = sqlx::query(
                    "delete from outbox
                     where report_id is null and state in ('sent', 'dead') and created_at <= $1",
                )
                .bind(mails_before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok($crate::store::privacy::StaleErased {
                    alerts,
                    mails: unsubscribed + old,
                })
            }

            async fn is_anonymised(&self, id: uuid::Uuid) -> $crate::store::Result<bool> {
                let row: Option<(Option<chrono::DateTime<chrono::Utc>>,)> =
                    sqlx::query_as("select anonymised_at from accounts where id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.is_some_and(|(at,)| at.is_some()))
            }
        }
    };
}
pub(crate) use privacy_store_impl;
