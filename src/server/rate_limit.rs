//! The rate-limit mechanisms behind one small trait, `LimitStore`, with two stores: `Memory`
//! (this process: governor's GCRA limiters, pruned so memory stays bounded; the default, and
//! right for one instance) and `dynamodb::DynamoStore` (a table every instance shares, so a
//! limit holds however many instances serve). `limits.store` in `Leptos.toml` chooses. Which
//! request gets which limit is `limits`; the keys name their kind (`ip:`, `email:`, `account:`,
//! `resend:` …), so one store holds them all.

pub mod dynamodb;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Seconds a person waits between two "resend code" requests for the same email.
pub const RESEND_INTERVAL_SECONDS: u64 = 30;

/// The store could not be asked (the shared table did not answer); the detail is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUnavailable;

/// What a store's calls return: `Ok(Err(wait))` when the key is over its limit.
pub type Checked = Result<Result<(), Duration>, StoreUnavailable>;
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the limits count. Every instance that shares a store shares its limits.
pub trait LimitStore: Send + Sync {
    /// Counts one attempt of `key`, allowed `per_minute` times a minute; over it, how long to wait.
    fn hit<'a>(&'a self, key: &'a str, per_minute: u32) -> StoreFuture<'a, Checked>;
    /// Allows one action of `key` per `interval`; within it, how long until the next.
    fn once_per<'a>(&'a self, key: &'a str, interval: Duration) -> StoreFuture<'a, Checked>;
    /// How long until `key` may act again under `once_per` (zero when it may now).
    fn remaining<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Result<Duration, StoreUnavailable>>;
}

/// Whole seconds to wait, at least 1: what a person is told.
pub fn wait_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

type Keyed = DefaultKeyedRateLimiter<String>;

/// The limits of this process only.
#[derive(Default)]
pub struct Memory {
    /// One GCRA limiter per quota (the app has two: per IP and per email/account).
    limiters: Mutex<HashMap<u32, Arc<Keyed>>>,
    /// `once_per`: when each key last acted, and the interval it was given.
    last: Mutex<HashMap<String, (Instant, Duration)>>,
}

impl Memory {
    fn limiter(&self, per_minute: u32) -> Arc<Keyed> {
        let mut limiters = self.limiters.lock().expect("limiter lock");
        limiters
            .entry(per_minute)
            .or_insert_with(|| {
                let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
                Arc::new(RateLimiter::keyed(Quota::per_minute(n)))
            })
            .clone()
    }

    fn check(&self, key: &str, per_minute: u32) -> Result<(), Duration> {
        self.limiter(per_minute)
            .check_key(&key.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn acquire(&self, key: &str, interval: Duration) -> Result<(), Duration> {
        let now = Instant::now();
        let mut last = self.last.lock().expect("limiter lock");
        if let Some((t, i)) = last.get(key)
            && now.duration_since(*t) < *i
        {
            return Err(i.saturating_sub(now.duration_since(*t)));
        }
        last.insert(key.to_string(), (now, interval));
        Ok(())
    }

    fn wait_for(&self, key: &str) -> Duration {
        let last = self.last.lock().expect("limiter lock");
        last.get(key).map(|(t, i)| i.saturating_sub(t.elapsed())).unwrap_or_default()
    }

    /// Forgets keys whose limit has fully recovered, so memory stays bounded by the keys
    /// active in the last minute.
    pub fn prune(&self) {
        let limiters: Vec<_> = self.limiters.lock().expect("limiter lock").values().cloned().collect();
        for l in limiters {
            l.retain_recent();
            l.shrink_to_fit();
        }
        self.last.lock().expect("limiter lock").retain(|_, (t, i)| t.elapsed() < *i);
    }

    /// Keys the limiters remember (for the test that memory stays bounded).
    pub fn len(&self) -> usize {
        let limiters = self.limiters.lock().expect("limiter lock");
        limiters.values().map(|l| l.len()).sum::<usize>() + self.last.lock().expect("limiter lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Prunes every 30 s for the life of the server.
    pub fn spawn_pruner(self: &Arc<Self>) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tick.tick().await;
                match me.upgrade() {
                    Some(m) => m.prune(),
                    None => return,
                }
            }
        });
    }
}

impl LimitStore for Memory {
    fn hit<'a>(&'a self, key: &'a str, per_minute: u32) -> StoreFuture<'a, Checked> {
        Box::pin(std::future::ready(Ok(self.check(key, per_minute))))
    }

    fn once_per<'a>(&'a self, key: &'a str, interval: Duration) -> StoreFuture<'a, Checked> {
        Box::pin(std::future::ready(Ok(self.acquire(key, interval))))
    }

    fn remaining<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Result<Duration, StoreUnavailable>> {
        Box::pin(std::future::ready(Ok(self.wait_for(key))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_forgets_recovered_keys() {
        // 60 000 a minute: one cell is 1 ms, so a key that acted once has recovered after it.
        let m = Memory::default();
        for i in 0..10_000u32 {
            m.hit(&format!("ip:{i}"), 60_000).await.unwrap().unwrap();
        }
        m.once_per("resend:a@example.com", Duration::from_millis(5)).await.unwrap().unwrap();
        assert_eq!(m.len(), 10_001);
        tokio::time::sleep(Duration::from_millis(20)).await;
        m.prune();
        assert!(m.is_empty(), "memory is bounded by recently active keys");
    }

    #[tokio::test]
    async fn a_quota_allows_its_count_then_says_how_long_to_wait() {
        let m = Memory::default();
        for _ in 0..3 {
            m.hit("ip:1", 3).await.unwrap().unwrap();
        }
        let wait = m.hit("ip:1", 3).await.unwrap().unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(m.hit("ip:2", 3).await.unwrap().is_ok(), "another key has its own count");
        assert!(m.hit("ip:1", 10).await.unwrap().is_ok(), "another quota has its own count");
    }

    #[tokio::test]
    async fn once_per_interval_per_key() {
        let m = Memory::default();
        let every = Duration::from_secs(30);
        assert!(m.once_per("a", every).await.unwrap().is_ok());
        let wait = wait_seconds(m.once_per("a", every).await.unwrap().unwrap_err());
        assert!((1..=30).contains(&wait));
        assert!(m.once_per("b", every).await.unwrap().is_ok());
        assert!(m.remaining("a").await.unwrap() > Duration::ZERO);
        assert_eq!(m.remaining("c").await.unwrap(), Duration::ZERO);
    }

    #[test]
    fn a_person_waits_whole_seconds_and_never_zero() {
        assert_eq!(wait_seconds(Duration::from_millis(1)), 1);
        assert_eq!(wait_seconds(Duration::from_millis(29_001)), 30);
        assert_eq!(wait_seconds(Duration::ZERO), 1);
    }
}
