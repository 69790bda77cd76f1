//! Per-client token buckets for filing and for following reports, in memory.
//!
//! Each instance counts on its own: behind a load balancer with N instances a client can file
//! up to N times the configured rate. That is deliberate — the limit stops floods and scripts,
//! and a shared counter would put a database write in front of every filing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

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
#[derive(Debug)]
pub struct RateLimiter {
    budget: Budget,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter with this budget per client.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client` at time `now`; `Err(wait)` when there is none.
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
