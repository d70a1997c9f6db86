//! The rate-limit mechanisms: governor's GCRA limiters keyed by client IP (see `client_ip`;
//! IPv6 by /64) or by email/account, pruned so memory stays bounded, and `PerKeyLimiter`, one
//! action per key per interval (code resends). Which request gets which limit is `limits`.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub type Limiter = DefaultKeyedRateLimiter<IpAddr>;
pub type AccountLimiter = DefaultKeyedRateLimiter<String>;

pub fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> DefaultKeyedRateLimiter<K> {
    let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
    RateLimiter::keyed(Quota::per_minute(n))
}

/// Forgets keys whose limit has fully recovered, so memory stays bounded by the keys active in
/// the last minute. Runs every 30 s for the life of the server.
pub fn spawn_pruner(ips: Arc<Limiter>, accounts: Arc<AccountLimiter>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            prune(&ips);
            prune(&accounts);
        }
    });
}

pub fn prune<K: std::hash::Hash + Eq + Clone>(l: &DefaultKeyedRateLimiter<K>) {
    l.retain_recent();
    l.shrink_to_fit();
}

/// Seconds a person waits between two "resend code" requests for the same email.
pub const RESEND_INTERVAL_SECONDS: u64 = 30;

/// Allows one action per key per interval (e.g. one code resend per email per 30 s).
pub struct PerKeyLimiter {
    interval: Duration,
    last: Mutex<HashMap<String, Instant>>,
}

impl PerKeyLimiter {
    pub fn new(interval: Duration) -> Self {
        PerKeyLimiter { interval, last: Mutex::new(HashMap::new()) }
    }

    /// Records an attempt; `Err(seconds to wait)` when the key acted too recently.
    pub fn try_acquire(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut last = self.last.lock().expect("limiter lock");
        last.retain(|_, t| now.duration_since(*t) < self.interval);
        if let Some(t) = last.get(key) {
            let wait = self.interval.saturating_sub(now.duration_since(*t));
            return Err(wait.as_secs().max(1));
        }
        last.insert(key.to_string(), now);
        Ok(())
    }

    /// Seconds until `key` may act again (0 when it may act now).
    pub fn remaining(&self, key: &str) -> u64 {
        let last = self.last.lock().expect("limiter lock");
        last.get(key).map(|t| self.interval.saturating_sub(t.elapsed()).as_secs()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    #[tokio::test]
    async fn the_keyed_limiter_forgets_recovered_keys() {
        // 60 000 a minute: one cell is 1 ms, so a key that acted once has recovered after it.
        let l: Limiter = limiter(60_000);
        for i in 0..10_000u32 {
            l.check_key(&IpAddr::V4(Ipv4Addr::from(i))).unwrap();
        }
        assert_eq!(l.len(), 10_000);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        prune(&l);
        assert_eq!(l.len(), 0, "memory is bounded by recently active keys");
    }

    #[test]
    fn limiter_allows_once_per_interval_per_key() {
        let l = PerKeyLimiter::new(Duration::from_secs(30));
        assert!(l.try_acquire("a").is_ok());
        let wait = l.try_acquire("a").unwrap_err();
        assert!((1..=30).contains(&wait));
        assert!(l.try_acquire("b").is_ok());
        assert!(l.remaining("a") > 0 && l.remaining("c") == 0);
    }
}
