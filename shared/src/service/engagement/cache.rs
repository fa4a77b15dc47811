//! A short-lived, bounded memory of Meta's insight answers. Dashboards ask for the same
//! account's last 30 days on every page view; Meta counts each call against the app's and
//! the account's rate limits, and its numbers move at most every few minutes. Entries are
//! keyed by tenant and account, so one tenant's answers are never another's.

use crate::ports::MetricValue;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer is reused, and how many are kept.
#[derive(Debug)]
pub struct InsightCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, (Instant, Vec<MetricValue>)>>,
}

impl Default for InsightCache {
    /// Two minutes, 10,000 answers (a few MB at most).
    fn default() -> Self {
        Self::new(Duration::from_secs(120), 10_000)
    }
}

impl InsightCache {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The answer stored under `key`, unless it is older than the TTL.
    pub fn get(&self, key: &str) -> Option<Vec<MetricValue>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// Stores an answer. When full, expired answers go first, then everything (a cache
    /// this short-lived loses little by starting over, and never grows without bound).
    pub fn put(&self, key: String, value: Vec<MetricValue>) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: i64) -> Vec<MetricValue> {
        vec![MetricValue {
            name: "reach".into(),
            value: v,
        }]
    }

    #[test]
    fn answers_are_reused_until_they_expire() {
        let cache = InsightCache::new(Duration::from_secs(60), 10);
        cache.put("a".into(), value(1));
        assert_eq!(cache.get("a"), Some(value(1)));
        assert_eq!(cache.get("b"), None);
        let expired = InsightCache::new(Duration::from_nanos(1), 10);
        expired.put("a".into(), value(1));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(expired.get("a"), None);
    }

    #[test]
    fn the_cache_never_outgrows_its_capacity() {
        let cache = InsightCache::new(Duration::from_secs(60), 3);
        for i in 0..10 {
            cache.put(format!("k{i}"), value(i));
        }
        let len = cache.entries.lock().unwrap().len();
        assert!(len <= 3, "{len}");
        assert_eq!(cache.get("k9"), Some(value(9)));
    }
}
