//! The in-process generation cache: rendered images by the SHA-256 of the normalised request,
//! bounded by memory (moka's weighted capacity), each entry living at most the configured TTL.

use std::sync::Arc;
use std::time::Duration;

use crate::generation::Generated;
use crate::metrics::Metrics;

/// A cache key: SHA-256 of the normalised request.
pub type CacheKey = [u8; 32];

/// Bytes counted for an entry besides its images: key, bookkeeping, `Arc`s.
const ENTRY_OVERHEAD: usize = 128;

/// The cache; cheap to clone.
#[derive(Clone)]
pub struct GenerationCache {
    cache: Option<moka::sync::Cache<CacheKey, Arc<Generated>>>,
    metrics: Arc<Metrics>,
}

impl GenerationCache {
    /// A cache holding at most `max_bytes` of images for at most `ttl`; 0 bytes turns it off.
    pub fn new(max_bytes: u64, ttl: Duration, metrics: Arc<Metrics>) -> GenerationCache {
        let cache = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_key: &CacheKey, value: &Arc<Generated>| {
                    u32::try_from(value.weight() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build()
        });
        GenerationCache { cache, metrics }
    }

    /// The entry for `key`, counting a hit or a miss.
    pub fn get(&self, key: &CacheKey) -> Option<Arc<Generated>> {
        let found = self.cache.as_ref().and_then(|c| c.get(key));
        match found {
            Some(_) => self.metrics.cache_hits.inc(),
            None => self.metrics.cache_misses.inc(),
        }
        found
    }

    /// Stores an entry (it may be evicted at once if larger than the whole cache).
    pub fn insert(&self, key: CacheKey, value: Arc<Generated>) {
        if let Some(c) = &self.cache {
            c.insert(key, value);
        }
    }

    /// Brings the size gauge up to date (called when metrics are scraped).
    pub fn update_metrics(&self) {
        if let Some(c) = &self.cache {
            c.run_pending_tasks();
            self.metrics.cache_bytes.set(c.weighted_size() as i64);
        }
    }
}

impl std::fmt::Debug for GenerationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationCache")
            .field("enabled", &self.cache.is_some())
            .finish_non_exhaustive()
    }
}
