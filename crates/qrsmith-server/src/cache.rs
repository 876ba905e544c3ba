//! The generation cache: rendered images by the SHA-256 of the normalised request. Two levels:
//! in process (moka, bounded by memory, each entry living at most the configured TTL), then,
//! when the service runs on Redis, a level shared by every replica (Redis keys with the same
//! TTL), so one replica's work answers the others' requests.
//!
//! The shared level is an optimisation, never a dependency: a slow or failed Redis read counts
//! as a miss (and in `qrsmith_cache_shared_errors_total`), and writes happen in the background.

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use qrsmith_core::Format;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::generation::{CacheKey, Generated, GeneratedImage, Generation};
use crate::metrics::Metrics;
use crate::store::SharedCache;
use crate::workers::Workers;

/// Bytes counted for an entry besides its images: key, bookkeeping, `Arc`s.
const ENTRY_OVERHEAD: usize = 128;
/// How long a request waits for the shared level before it generates the image itself: about
/// what a generation costs, so a slow Redis never makes a request slower than a miss.
const SHARED_READ_TIMEOUT: Duration = Duration::from_millis(50);
/// Largest entry written to the shared level; bigger images (huge SVGs, PDFs) stay local.
const SHARED_MAX_ENTRY: usize = 1 << 20;

/// The cache; cheap to clone.
#[derive(Clone)]
pub struct GenerationCache {
    local: Option<moka::sync::Cache<CacheKey, Arc<Generated>>>,
    shared: Option<Arc<dyn SharedCache>>,
    ttl: Duration,
    metrics: Arc<Metrics>,
}

impl GenerationCache {
    /// A cache holding at most `max_bytes` of images in process for at most `ttl`, backed by
    /// `shared` when given; 0 bytes turns the cache off (both levels).
    pub fn new(
        max_bytes: u64,
        ttl: Duration,
        shared: Option<Arc<dyn SharedCache>>,
        metrics: Arc<Metrics>,
    ) -> GenerationCache {
        let local = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_key: &CacheKey, value: &Arc<Generated>| {
                    u32::try_from(value.weight() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build()
        });
        GenerationCache {
            shared: shared.filter(|_| local.is_some()),
            local,
            ttl,
            metrics,
        }
    }

    /// Answers `generation` from the cache, or runs it on `workers` and caches it.
    pub async fn generate(
        &self,
        workers: &Workers,
        generation: Generation,
    ) -> ApiResult<Arc<Generated>> {
        let key = generation.key();
        self.generate_keyed(workers, key, generation).await
    }

    /// [`GenerationCache::generate`] with the key already computed (the `ETag` route needs it
    /// first).
    pub async fn generate_keyed(
        &self,
        workers: &Workers,
        key: CacheKey,
        generation: Generation,
    ) -> ApiResult<Arc<Generated>> {
        if let Some(hit) = self.get(&key).await {
            return Ok(hit);
        }
        let generated = workers
            .run(move || generation.run())
            .await?
            .map_err(ApiError::from_generate)?;
        let generated = Arc::new(generated);
        self.insert(key, Arc::clone(&generated));
        Ok(generated)
    }

    /// The entry for `key` from either level, counting a hit or a miss; a shared hit is kept
    /// locally too.
    pub async fn get(&self, key: &CacheKey) -> Option<Arc<Generated>> {
        let mut found = self.local.as_ref().and_then(|c| c.get(key));
        if found.is_none() {
            if let Some(generated) = self.get_shared(key).await {
                self.metrics.cache_shared_hits.inc();
                let generated = Arc::new(generated);
                if let Some(local) = &self.local {
                    local.insert(*key, Arc::clone(&generated));
                }
                found = Some(generated);
            }
        }
        match found {
            Some(_) => self.metrics.cache_hits.inc(),
            None => self.metrics.cache_misses.inc(),
        }
        found
    }

    /// Stores an entry locally (it may be evicted at once if larger than the whole cache) and,
    /// in the background, in the shared level.
    pub fn insert(&self, key: CacheKey, value: Arc<Generated>) {
        if let Some(local) = &self.local {
            local.insert(key, Arc::clone(&value));
        }
        if let Some(store) = &self.shared {
            let Some(entry) = encode_entry(&value).filter(|e| e.len() <= SHARED_MAX_ENTRY) else {
                return;
            };
            let (store, metrics, ttl) = (Arc::clone(store), Arc::clone(&self.metrics), self.ttl);
            tokio::spawn(async move {
                if let Err(e) = store.put(&key, entry, ttl).await {
                    metrics.cache_shared_errors.inc();
                    tracing::debug!(error = %e, "cannot write to the shared cache");
                }
            });
        }
    }

    async fn get_shared(&self, key: &CacheKey) -> Option<Generated> {
        let store = self.shared.as_ref()?;
        let read = store.get(key);
        match tokio::time::timeout(SHARED_READ_TIMEOUT, read).await {
            Ok(Ok(entry)) => entry.and_then(|e| decode_entry(&e)),
            Ok(Err(e)) => {
                self.metrics.cache_shared_errors.inc();
                tracing::debug!(error = %e, "cannot read the shared cache");
                None
            }
            Err(_) => {
                self.metrics.cache_shared_errors.inc();
                None
            }
        }
    }

    /// Brings the size gauge up to date (called when metrics are scraped).
    pub fn update_metrics(&self) {
        if let Some(c) = &self.local {
            c.run_pending_tasks();
            self.metrics.cache_bytes.set(c.weighted_size() as i64);
        }
    }
}

impl std::fmt::Debug for GenerationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationCache")
            .field("local", &self.local.is_some())
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

/// What a shared entry says besides the images' bytes, which follow it.
#[derive(Serialize, Deserialize)]
struct EntryHeader {
    format: String,
    images: Vec<ImageHeader>,
}

#[derive(Serialize, Deserialize)]
struct ImageHeader {
    len: usize,
    version: String,
    ec_level: String,
    mask: u8,
    modules: usize,
    sequence: Option<(u8, u8, u8)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scan: Option<crate::generation::ScanReport>,
}

/// A shared entry: a JSON header, a newline, then every image's bytes in order (no base64:
/// entries are mostly PNG bytes).
fn encode_entry(generated: &Generated) -> Option<Vec<u8>> {
    let header = EntryHeader {
        format: generated.format.name().to_owned(),
        images: generated
            .images
            .iter()
            .map(|i| ImageHeader {
                len: i.bytes.len(),
                version: i.version.clone(),
                ec_level: i.ec_level.to_owned(),
                mask: i.mask,
                modules: i.modules,
                sequence: i.sequence,
                scan: i.scan.clone(),
            })
            .collect(),
    };
    let mut entry = serde_json::to_vec(&header).ok()?;
    entry.push(b'\n');
    for image in &generated.images {
        entry.extend_from_slice(&image.bytes);
    }
    Some(entry)
}

/// The entry back; `None` for anything malformed (another version's entry, a truncated value),
/// which then counts as a miss.
fn decode_entry(entry: &[u8]) -> Option<Generated> {
    let split = entry.iter().position(|&b| b == b'\n')?;
    let header: EntryHeader = serde_json::from_slice(&entry[..split]).ok()?;
    let mut rest = &entry[split + 1..];
    let mut images = Vec::with_capacity(header.images.len());
    for image in header.images {
        if image.len > rest.len() {
            return None;
        }
        let (bytes, tail) = rest.split_at(image.len);
        rest = tail;
        images.push(GeneratedImage {
            bytes: Bytes::copy_from_slice(bytes),
            version: image.version,
            ec_level: ["L", "M", "Q", "H"]
                .into_iter()
                .find(|l| *l == image.ec_level)?,
            mask: image.mask,
            modules: image.modules,
            sequence: image.sequence,
            scan: image.scan,
        });
    }
    if !rest.is_empty() || images.is_empty() {
        return None;
    }
    Some(Generated {
        format: Format::from_str(&header.format).ok()?,
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> Generated {
        Generated {
            format: Format::Svg,
            images: vec![
                GeneratedImage {
                    bytes: Bytes::from_static(b"<svg>1</svg>\n"),
                    version: "M3".into(),
                    ec_level: "M",
                    mask: 2,
                    modules: 15,
                    sequence: Some((0, 2, 7)),
                    scan: None,
                },
                GeneratedImage {
                    bytes: Bytes::from_static(b"<svg>two</svg>"),
                    version: "4".into(),
                    ec_level: "H",
                    mask: 5,
                    modules: 33,
                    sequence: Some((1, 2, 7)),
                    scan: None,
                },
            ],
        }
    }

    #[test]
    fn shared_entries_round_trip_and_reject_damage() {
        let entry = encode_entry(&generated()).unwrap();
        let back = decode_entry(&entry).unwrap();
        assert_eq!(back.format, Format::Svg);
        assert_eq!(back.images.len(), 2);
        assert_eq!(&back.images[0].bytes[..], b"<svg>1</svg>\n");
        assert_eq!(&back.images[1].bytes[..], b"<svg>two</svg>");
        assert_eq!(
            (back.images[1].version.as_str(), back.images[1].ec_level),
            ("4", "H")
        );
        assert_eq!(back.images[0].sequence, Some((0, 2, 7)));

        assert!(
            decode_entry(&entry[..entry.len() - 1]).is_none(),
            "truncated"
        );
        let mut longer = entry.clone();
        longer.push(b'x');
        assert!(decode_entry(&longer).is_none(), "trailing bytes");
        assert!(decode_entry(b"not json\n").is_none());
        assert!(decode_entry(b"no newline").is_none());
        let bad_level = String::from_utf8_lossy(&entry).replace("\"H\"", "\"X\"");
        assert!(decode_entry(bad_level.as_bytes()).is_none());
    }
}
