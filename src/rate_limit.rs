//! A per-client token bucket for filing, in memory.
//!
//! Each instance counts on its own: behind a load balancer with N instances a client can file
//! up to N times the configured rate. That is deliberate — the limit stops floods and scripts,
//! and a shared counter would put a database write in front of every filing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Limits on filing (the `[rate_limit]` section of the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Sustained filings per client and hour; 0 switches the limit off.
    pub reports_per_hour: u32,
    /// Filings a client may make at once before the hourly rate applies.
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            reports_per_hour: 30,
            burst: 10,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter; share it between workers.
#[derive(Debug)]
pub struct RateLimiter {
    settings: RateLimitSettings,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter with these settings.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client` at time `now`; `Err(wait)` when there is none.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let RateLimitSettings {
            reports_per_hour,
            burst,
        } = self.settings;
        if reports_per_hour == 0 {
            return Ok(());
        }
        let capacity = f64::from(burst.max(1));
        let per_second = f64::from(reports_per_hour) / 3600.0;
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
        let limiter = RateLimiter::new(RateLimitSettings {
            reports_per_hour: 3600,
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
    fn zero_switches_it_off() {
        let limiter = RateLimiter::new(RateLimitSettings {
            reports_per_hour: 0,
            burst: 0,
        });
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert!(limiter.check(client, Instant::now()).is_ok());
        }
    }
}
