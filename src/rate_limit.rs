//! Per-client token buckets for filing and for following reports.
//!
//! Every instance counts in memory first: that costs nothing and stops a flood before it
//! reaches the database. On PostgreSQL, where several instances share one database behind a
//! load balancer, a request the local bucket admits then takes a token from the client's
//! bucket in the database too ([`crate::store::RateLimitStore`]), so N instances allow the
//! documented rate, not N times it. The local bucket counts a subset of the requests the
//! shared one counts (a token the shared bucket refuses is given back), so it does not refuse
//! what the shared one would admit. SQLite serves one instance, whose memory is the whole
//! truth.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::store::Store;
use crate::store::rate_limits::BucketSize;

/// How often an instance deletes the shared buckets that have been full for a while.
const SHARED_CLEANUP_EVERY: Duration = Duration::from_secs(600);

/// Limits per client (the `[rate_limit]` section of the configuration). Filing and following
/// have budgets of their own, so following a few reports never stops a citizen from filing.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Sustained filings per client and hour; 0 switches the limit off.
    pub reports_per_hour: u32,
    /// Filings a client may make at once before the hourly rate applies.
    pub burst: u32,
    /// Sustained follow requests (each sends a confirmation mail) per client and hour; 0 = off.
    pub follows_per_hour: u32,
    /// Follow requests a client may make at once before the hourly rate applies.
    pub follow_burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            reports_per_hour: 30,
            burst: 10,
            follows_per_hour: 20,
            follow_burst: 5,
        }
    }
}

impl RateLimitSettings {
    /// The budget for filing reports.
    pub fn filing(&self) -> Budget {
        Budget {
            per_hour: self.reports_per_hour,
            burst: self.burst,
        }
    }

    /// The budget for follow requests.
    pub fn following(&self) -> Budget {
        Budget {
            per_hour: self.follows_per_hour,
            burst: self.follow_burst,
        }
    }
}

/// One token bucket's size: a sustained rate per hour (0 = unlimited) after a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Sustained requests per client and hour; 0 switches the limit off.
    pub per_hour: u32,
    /// Requests a client may make at once.
    pub burst: u32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter; share it between workers.
pub struct RateLimiter {
    budget: Budget,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    shared: Option<SharedBuckets>,
}

/// The buckets in the database that every instance on it shares.
struct SharedBuckets {
    store: Arc<dyn Store>,
    /// Names this limiter's buckets apart from other limiters' (`filing`, `following`).
    scope: &'static str,
    last_cleanup: Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter with this budget per client, counted in this instance's memory only.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            buckets: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// A limiter whose buckets every instance on `store` shares (named `scope` there), with
    /// this instance's memory as a first, cheap filter.
    pub fn shared(budget: Budget, store: Arc<dyn Store>, scope: &'static str) -> Self {
        Self {
            shared: Some(SharedBuckets {
                store,
                scope,
                last_cleanup: Mutex::new(Instant::now()),
            }),
            ..Self::new(budget)
        }
    }

    /// Takes one token for `client` now, here and (if shared) in the database; `Err(wait)`
    /// when there is none. A database that fails to answer admits the request with a warning:
    /// the limit guards against floods, and the filing itself will meet the same database.
    pub async fn admit(&self, client: IpAddr) -> Result<(), Duration> {
        self.check(client, Instant::now())?;
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        if self.budget.per_hour == 0 {
            return Ok(());
        }
        let size = BucketSize {
            capacity: self.budget.burst.max(1),
            per_hour: self.budget.per_hour,
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        shared.forget_full_buckets_now_and_then(size, now_ms).await;
        match shared
            .store
            .take_rate_token(shared.scope, &client.to_string(), size, now_ms)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => {
                // Not taken after all: a client that waits as told must find the local token.
                self.refund(client);
                Err(wait)
            }
            Err(error) => {
                tracing::warn!(%error, scope = shared.scope, "shared rate limit unavailable; admitted");
                Ok(())
            }
        }
    }

    /// Gives back a token [`RateLimiter::check`] took.
    fn refund(&self, client: IpAddr) {
        let capacity = f64::from(self.budget.burst.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(&client) {
            bucket.tokens = (bucket.tokens + 1.0).min(capacity);
        }
    }

    /// Takes one token for `client` at time `now` from this instance's memory; `Err(wait)`
    /// when there is none.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let Budget { per_hour, burst } = self.budget;
        if per_hour == 0 {
            return Ok(());
        }
        let capacity = f64::from(burst.max(1));
        let per_second = f64::from(per_hour) / 3600.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // Forget clients whose bucket has refilled, so the map cannot grow without bound.
        if buckets.len() > 10_000 {
            let full_after = Duration::from_secs_f64(capacity / per_second);
            buckets.retain(|_, b| now.duration_since(b.updated) < full_after);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

impl SharedBuckets {
    /// Deletes the full buckets if this instance has not done so for a while, so the table
    /// holds the clients of the last hours, not every client ever seen.
    async fn forget_full_buckets_now_and_then(&self, size: BucketSize, now_ms: i64) {
        {
            let mut last = self
                .last_cleanup
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.elapsed() < SHARED_CLEANUP_EVERY {
                return;
            }
            *last = Instant::now();
        }
        if let Err(error) = self
            .store
            .forget_full_rate_buckets(self.scope, size, now_ms)
            .await
        {
            tracing::warn!(%error, scope = self.scope, "could not delete full rate-limit buckets");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_hourly_rate() {
        let limiter = RateLimiter::new(Budget {
            per_hour: 3600,
            burst: 2,
        });
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        assert!(limiter.check(client, t0).is_ok());
        assert!(limiter.check(client, t0).is_ok());
        let wait = limiter.check(client, t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert!(
            limiter.check(other, t0).is_ok(),
            "clients are counted apart"
        );
        assert!(limiter.check(client, t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn filing_and_following_have_budgets_of_their_own() {
        let settings = RateLimitSettings::default();
        assert_eq!(
            settings.filing(),
            Budget {
                per_hour: 30,
                burst: 10
            }
        );
        assert_eq!(
            settings.following(),
            Budget {
                per_hour: 20,
                burst: 5
            }
        );
    }

    #[test]
    fn zero_switches_it_off() {
        let limiter = RateLimiter::new(Budget {
            per_hour: 0,
            burst: 0,
        });
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert!(limiter.check(client, Instant::now()).is_ok());
        }
    }
}
