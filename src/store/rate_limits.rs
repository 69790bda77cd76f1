//! Token buckets in the database, so that every instance on one database shares the filing and
//! follow rate limits (`rate_limit::RateLimiter` uses them on PostgreSQL). One SQL body for both
//! backends: `rate_limit_store_impl!(Type)`.

use std::time::Duration;

use async_trait::async_trait;

use super::Result;

/// A bucket's size: `capacity` tokens, refilled at `per_hour` tokens an hour (never 0 here:
/// a limit of 0 is off and asks the database nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketSize {
    /// Tokens a full bucket holds (the burst).
    pub capacity: u32,
    /// Tokens added an hour.
    pub per_hour: u32,
}

impl BucketSize {
    /// Milliseconds an empty bucket takes to fill: after that a row says nothing a missing
    /// row would not.
    pub fn fill_ms(self) -> i64 {
        i64::from(self.capacity) * 3_600_000 / i64::from(self.per_hour.max(1))
    }

    /// How long until a bucket holding `tokens_milli` thousandths has one whole token.
    pub fn wait_for_token(self, tokens_milli: i64) -> Duration {
        let missing = (1000 - tokens_milli).max(0);
        // Thousandths of a token × 3,600,000 ms / (per_hour × 1000) = ms.
        let ms = missing * 3_600 / i64::from(self.per_hour.max(1));
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// Shared token buckets per scope and client.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Refills `client`'s bucket of `scope` for the time since its last use and takes one
    /// token: `None` when there was one, else how long until there is.
    async fn take_rate_token(
        &self,
        scope: &str,
        client: &str,
        size: BucketSize,
        now_ms: i64,
    ) -> Result<Option<Duration>>;

    /// Deletes the buckets of `scope` that have been full for a while (a missing row is a
    /// full bucket); returns how many.
    async fn forget_full_rate_buckets(
        &self,
        scope: &str,
        size: BucketSize,
        now_ms: i64,
    ) -> Result<u64>;
}

/// The upsert that refills and takes a token. Binds: `$1` scope, `$2` client, `$3` capacity in
/// thousandths, `$4` tokens per hour, `$5` now (Unix ms). The upsert takes the row's lock
/// (PostgreSQL) or the database's write lock (SQLite), so requests racing at different
/// instances are counted one after the other. Without a token the `where` leaves the row
/// alone and nothing is returned. A clock that went back (another instance's) refills nothing.
pub(crate) const TAKE_TOKEN_SQL: &str = "
    insert into rate_limit_buckets (scope, client, tokens_milli, updated_ms)
    values ($1, $2, $3 - 1000, $5)
    on conflict (scope, client) do update set
      tokens_milli = (case
          when rate_limit_buckets.tokens_milli
               + (case when excluded.updated_ms > rate_limit_buckets.updated_ms
                       then (excluded.updated_ms - rate_limit_buckets.updated_ms) * $4 / 3600
                       else 0 end) > $3 then $3
          else rate_limit_buckets.tokens_milli
               + (case when excluded.updated_ms > rate_limit_buckets.updated_ms
                       then (excluded.updated_ms - rate_limit_buckets.updated_ms) * $4 / 3600
                       else 0 end)
        end) - 1000,
      updated_ms = (case when excluded.updated_ms > rate_limit_buckets.updated_ms
                         then excluded.updated_ms else rate_limit_buckets.updated_ms end)
    where rate_limit_buckets.tokens_milli
          + (case when excluded.updated_ms > rate_limit_buckets.updated_ms
                  then (excluded.updated_ms - rate_limit_buckets.updated_ms) * $4 / 3600
                  else 0 end) >= 1000
    returning tokens_milli";

/// Implements `RateLimitStore` for a type with a `pool` field.
macro_rules! rate_limit_store_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::rate_limits::RateLimitStore for $store {
            async fn take_rate_token(
                &self,
                scope: &str,
                client: &str,
                size: $crate::store::rate_limits::BucketSize,
                now_ms: i64,
            ) -> $crate::store::Result<Option<std::time::Duration>> {
                let capacity_milli = i64::from(size.capacity.max(1)) * 1000;
                let per_hour = i64::from(size.per_hour.max(1));
                let taken: Option<(i64,)> =
                    sqlx::query_as($crate::store::rate_limits::TAKE_TOKEN_SQL)
                        .bind(scope)
                        .bind(client)
                        .bind(capacity_milli)
                        .bind(per_hour)
                        .bind(now_ms)
                        .fetch_optional(&self.pool)
                        .await?;
                if taken.is_some() {
                    return Ok(None);
                }
                // Refused; only the answer's Retry-After needs the bucket.
                let bucket: Option<(i64, i64)> = sqlx::query_as(
                    "select tokens_milli, updated_ms from rate_limit_buckets
                     where scope = $1 and client = $2",
                )
                .bind(scope)
                .bind(client)
                .fetch_optional(&self.pool)
                .await?;
                let tokens = bucket
                    .map(|(tokens, updated)| {
                        (tokens + (now_ms - updated).max(0) * per_hour / 3600).min(capacity_milli)
                    })
                    .unwrap_or(capacity_milli);
                Ok(Some(size.wait_for_token(tokens)))
            }

            async fn forget_full_rate_buckets(
                &self,
                scope: &str,
                size: $crate::store::rate_limits::BucketSize,
                now_ms: i64,
            ) -> $crate::store::Result<u64> {
                Ok(sqlx::query(
                    "delete from rate_limit_buckets where scope = $1 and updated_ms < $2",
                )
                .bind(scope)
                .bind(now_ms - size.fill_ms())
                .execute(&self.pool)
                .await?
                .rows_affected())
            }
        }
    };
}
pub(crate) use rate_limit_store_impl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_and_fill_times_follow_the_hourly_rate() {
        let size = BucketSize {
            capacity: 10,
            per_hour: 3600,
        };
        assert_eq!(size.fill_ms(), 10_000);
        assert_eq!(size.wait_for_token(0), Duration::from_secs(1));
        assert_eq!(size.wait_for_token(500), Duration::from_millis(500));
        assert_eq!(size.wait_for_token(1000), Duration::ZERO);
    }
}
