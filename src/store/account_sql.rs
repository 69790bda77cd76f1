//! The account SQL, shared by both backends like `shared.rs`: `account_store_impl!(Type, Db)`
//! expands to the `AccountStore` implementation.

use std::sync::LazyLock;

/// The one statement that counts a log-in attempt and decides whether it may proceed
/// (`AccountStore::count_login_attempt`). Binds, times in Unix milliseconds: `$1` email, `$2`
/// now, `$3` now minus the forget window, `$4` free failures, `$5` first back-off, `$6`
/// longest back-off.
///
/// The upsert takes the row's lock (PostgreSQL) or the database's write lock (SQLite), so
/// concurrent attempts are counted one after the other, each seeing the back-off the one
/// before set. While blocked, the `where` of `do update` leaves the row alone and nothing is
/// returned. The back-off is `AuthSettings::backoff_after` written in SQL: nothing below the
/// free failures, then the first back-off doubled per further attempt (the exponent capped
/// so the shift cannot overflow), at most the longest.
pub(crate) fn count_login_attempt_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        // The count this attempt makes: 1 after a quiet forget window, else one more.
        let next = "(case when login_attempts.last_attempt_ms < $3 then 1 \
                    else login_attempts.attempts + 1 end)";
        let backoff = |count: &str| {
            let shifted =
                format!("($5 << (case when {count} - $4 > 20 then 20 else {count} - $4 end))");
            format!(
                "(case when {count} < $4 then 0 when {shifted} > $6 then $6 else {shifted} end)"
            )
        };
        format!(
            "insert into login_attempts (email, attempts, last_attempt_ms, blocked_until_ms)
             values ($1, 1, $2, $2 + {first})
             on conflict (email) do update set
               attempts = {next},
               last_attempt_ms = excluded.last_attempt_ms,
               blocked_until_ms = excluded.last_attempt_ms + {then}
             where login_attempts.blocked_until_ms <= excluded.last_attempt_ms
             returning attempts",
            first = backoff("1"),
            then = backoff(next),
        )
    });
    &SQL
}

/// Implements `AccountStore` for a type with a `pool` field of `sqlx::Pool<$db>`.
macro_rules! account_store_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::accounts::AccountStore for $store {
            async fn create_account(
                &self,
                account: &$crate::store::accounts::NewAccount<'_>,
            ) -> $crate::store::Result<uuid::Uuid> {
                let id = uuid::Uuid::now_v7();
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "insert into accounts (id, email, display_name, password_hash, is_admin, active,
                       created_at, password_changed_at)
                     values ($1, $2, $3, $4, $5, true, $6, $6)",
                )
                .bind(id)
                .bind(account.email)
                .bind(account.display_name)
                .bind(account.password_hash)
                .bind(account.is_admin)
                .bind(account.now)
                .execute(&mut *tx)
                .await?;
                for key in account.authorities {
                    sqlx::query(
                        "insert into account_authorities (account_id, authority_key) values ($1, $2)
                         on conflict do nothing",
                    )
                    .bind(id)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn account_by_email(
                &self,
                email: &str,
            ) -> $crate::store::Result<Option<$crate::store::accounts::AccountRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::accounts::AccountRow>(
                    "select id, email, display_name, password_hash, is_admin, active, created_at,
                       password_changed_at from accounts where email = $1",
                )
                .bind(email)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn account(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Option<$crate::store::accounts::AccountRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::accounts::AccountRow>(
                    "select id, email, display_name, password_hash, is_admin, active, created_at,
                       password_changed_at from accounts where id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn list_accounts(
                &self,
            ) -> $crate::store::Result<Vec<$crate::store::accounts::AccountRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::accounts::AccountRow>(
                    "select id, email, display_name, password_hash, is_admin, active, created_at,
                       password_changed_at from accounts order by email",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn account_authorities(
                &self,
                id: uuid::Uuid,
            ) -> $crate::store::Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "select authority_key from account_authorities where account_id = $1
                     order by authority_key",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(key,)| key).collect())
            }

            async fn authority_clerks(
                &self,
                authority_key: &str,
            ) -> $crate::store::Result<Vec<(uuid::Uuid, String)>> {
                Ok(sqlx::query_as(
                    "select a.id, a.display_name from accounts a
                       join account_authorities aa on aa.account_id = a.id
                     where aa.authority_key = $1 and a.active
                     order by a.display_name, a.id",
                )
                .bind(authority_key.to_owned())
                .fetch_all(&self.pool)
                .await?)
            }

            async fn update_account(
                &self,
                id: uuid::Uuid,
                change: &$crate::store::accounts::AccountChange,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                let mut tx = self.pool.begin().await?;
                // `deactivated_at` starts the retention clock (`privacy::retention`) at the
                // first deactivation and stops it on reactivation.
                let updated = sqlx::query(
                    "update accounts set display_name = coalesce($2, display_name),
                       is_admin = coalesce($3, is_admin), active = coalesce($4, active),
                       deactivated_at = case when $4 = false then coalesce(deactivated_at, $5)
                                             when $4 = true then null
                                             else deactivated_at end
                     where id = $1",
                )
                .bind(id)
                .bind(change.display_name.as_deref())
                .bind(change.is_admin)
                .bind(change.active)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err($crate::store::Error::NotFound);
                }
                if change.active == Some(false) {
                    // Deactivation ends every way in for good: reactivating the account must
                    // not bring old sessions or tokens back to life.
                    sqlx::query("delete from sessions where account_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "update api_tokens set revoked_at = $2
                         where account_id = $1 and revoked_at is null",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(authorities) = &change.authorities {
                    sqlx::query("delete from account_authorities where account_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    for key in authorities {
                        sqlx::query(
                            "insert into account_authorities (account_id, authority_key) values ($1, $2)
                             on conflict do nothing",
                        )
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn set_password(
                &self,
                id: uuid::Uuid,
                password_hash: &str,
                keep_session: Option<&str>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<$crate::store::accounts::Ended> {
                let mut tx = self.pool.begin().await?;
                let updated = sqlx::query(
                    "update accounts set password_hash = $2, password_changed_at = $3 where id = $1",
                )
                .bind(id)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err($crate::store::Error::NotFound);
                }
                let sessions = sqlx::query(
                    "delete from sessions where account_id = $1 and secret_hash <> coalesce($2, '')",
                )
                .bind(id)
                .bind(keep_session)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Tokens are secrets handed out under the old password; whoever had it may
                // have minted them.
                let tokens = sqlx::query(
                    "update api_tokens set revoked_at = $2
                     where account_id = $1 and revoked_at is null",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok($crate::store::accounts::Ended { sessions, tokens })
            }

            async fn count_login_attempt(
                &self,
                email: &str,
                now: chrono::DateTime<chrono::Utc>,
                rule: &$crate::auth::LoginBackoff,
            ) -> $crate::store::Result<$crate::store::accounts::LoginAttempt> {
                use $crate::store::accounts::LoginAttempt;
                let now_ms = now.timestamp_millis();
                let counted: Option<(i32,)> = sqlx::query_as(sqlx::AssertSqlSafe(
                    $crate::store::account_sql::count_login_attempt_sql(),
                ))
                .bind(email)
                .bind(now_ms)
                .bind(now_ms.saturating_sub(rule.forget_after_ms))
                .bind(rule.free_failures)
                .bind(rule.first_ms)
                .bind(rule.max_ms)
                .fetch_optional(&self.pool)
                .await?;
                if let Some((attempts,)) = counted {
                    return Ok(LoginAttempt::Admitted(attempts));
                }
                // Blocked; only the answer's Retry-After needs the time. A row gone meanwhile
                // (a log-in succeeded) still blocked this attempt: it may retry at once.
                let until: Option<(i64,)> =
                    sqlx::query_as("select blocked_until_ms from login_attempts where email = $1")
                        .bind(email)
                        .fetch_optional(&self.pool)
                        .await?;
                let until = until
                    .and_then(|(ms,)| chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms))
                    .unwrap_or(now);
                Ok(LoginAttempt::Blocked(until.max(now)))
            }

            async fn clear_login_attempts(&self, email: &str) -> $crate::store::Result<()> {
                sqlx::query("delete from login_attempts where email = $1")
                    .bind(email)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_session(
                &self,
                session: &$crate::store::accounts::SessionRow,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "insert into sessions (secret_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
                     values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&session.secret_hash)
                .bind(session.account_id)
                .bind(&session.csrf_token)
                .bind(session.created_at)
                .bind(session.last_seen_at)
                .bind(session.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                secret_hash: &str,
            ) -> $crate::store::Result<Option<$crate::store::accounts::SessionRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::accounts::SessionRow>(
                    "select secret_hash, account_id, csrf_token, created_at, last_seen_at, expires_at
                     from sessions where secret_hash = $1",
                )
                .bind(secret_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn touch_session(
                &self,
                secret_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                sqlx::query("update sessions set last_seen_at = $2 where secret_hash = $1")
                    .bind(secret_hash)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, secret_hash: &str) -> $crate::store::Result<()> {
                sqlx::query("delete from sessions where secret_hash = $1")
                    .bind(secret_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_token(
                &self,
                token: &$crate::store::accounts::TokenRow,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "insert into api_tokens (id, account_id, name, secret_hash, created_at, last_used_at, revoked_at)
                     values ($1, $2, $3, $4, $5, null, null)",
                )
                .bind(token.id)
                .bind(token.account_id)
                .bind(&token.name)
                .bind(&token.secret_hash)
                .bind(token.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn token_by_hash(
                &self,
                secret_hash: &str,
            ) -> $crate::store::Result<Option<$crate::store::accounts::TokenRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::accounts::TokenRow>(
                    "select id, account_id, name, secret_hash, created_at, last_used_at, revoked_at
                     from api_tokens where secret_hash = $1",
                )
                .bind(secret_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn touch_token(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<()> {
                sqlx::query("update api_tokens set last_used_at = $2 where id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn list_tokens(
                &self,
                account_id: uuid::Uuid,
            ) -> $crate::store::Result<Vec<$crate::store::accounts::TokenRow>> {
                Ok(sqlx::query_as::<$db, $crate::store::accounts::TokenRow>(
                    "select id, account_id, name, secret_hash, created_at, last_used_at, revoked_at
                     from api_tokens where account_id = $1 order by id desc",
                )
                .bind(account_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_token(
                &self,
                account_id: uuid::Uuid,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::Result<bool> {
                let revoked = sqlx::query(
                    "update api_tokens set revoked_at = coalesce(revoked_at, $3)
                     where id = $1 and account_id = $2",
                )
                .bind(id)
                .bind(account_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(revoked.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use account_store_impl;
