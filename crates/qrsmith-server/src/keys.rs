//! API keys on requests: who is calling, whether they may, how fast, and what they used.
//!
//! - Off while no key exists (the default on one machine): every route is open. Once a key was
//!   made it stays on, even when every key is revoked (revoking a leaked last key must not
//!   open the API to all).
//! - Once a key exists, every route but `/health`, `/ready`, `/metrics`, `/`, `/static/…` and `/r/…`
//!   needs `Authorization: Bearer <key>` or `X-API-Key: <key>`: none is 401
//!   `api_key_required`, an unknown or revoked one 401 `api_key_invalid`, both with
//!   `WWW-Authenticate`.
//! - Each key has a rate and a burst (GCRA, in the store: shared by replicas in Redis mode);
//!   keyed responses carry `RateLimit-Limit` (the burst), `RateLimit-Remaining` and
//!   `RateLimit-Reset` (seconds until the allowance is full); over the rate is 429
//!   `rate_limited` with `Retry-After`.
//! - `/metrics` needs the metrics key (or the admin key) when one is configured.
//! - The admin key (configuration only) passes everywhere, unlimited and uncounted.
//! - Usage is counted per key, UTC day and endpoint (method and route template), in memory,
//!   and written to the store every `usage_flush_secs` and at shutdown.
//!
//! Lookups are cached in process for `key_cache_secs` (and so is "are there any keys?"), so a
//! request costs one SHA-256 and a map look-up; a revoked key keeps working for at most that
//! long, and a new key may be refused (or the API stay open) for as long.
//!
//! Keys are never logged. They are compared by hash: the store is searched by the SHA-256 of
//! the presented key, and the record found is checked against it in constant time. The search
//! itself (an index, a hash map) takes time that depends on the hash's bytes, which tells an
//! attacker about the SHA-256 of their own guesses only — nothing usable about a stored key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::periodic::spawn_every;
use crate::store::keys::{ApiKey, Day, Decision, KeyBackend, KeyHash, UsageCount};

/// `X-API-Key`, the alternative to `Authorization: Bearer`.
pub static X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
static RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// Most distinct presented keys whose lookups are cached (valid or not): a flood of random
/// keys cannot grow memory past this.
const LOOKUP_CACHE_ENTRIES: u64 = 10_000;

/// Who is calling, as the handlers see it (in the request's extensions).
#[derive(Debug, Clone)]
pub enum Caller {
    /// Keys are off (none exists) and no admin key was presented.
    Anonymous,
    /// A valid API key.
    Key(Arc<ApiKey>),
    /// The admin key of the configuration.
    Admin,
}

/// The key store, the caches in front of it, and the usage not yet written.
pub struct Keys {
    store: Arc<dyn KeyBackend>,
    cache_ttl: Duration,
    /// "Any key?" and when it was asked.
    any: Mutex<Option<(Instant, bool)>>,
    /// One refresh of `any` at a time.
    refreshing: tokio::sync::Mutex<()>,
    /// Presented key hash → its record (`None`: no such key).
    lookups: moka::sync::Cache<KeyHash, Option<Arc<ApiKey>>>,
    admin: Option<KeyHash>,
    metrics_key: Option<KeyHash>,
    /// Usage counted since the last flush: (key, day, endpoint) → requests. Bounded by keys ×
    /// routes × days between flushes.
    pending: Mutex<HashMap<(String, Day, String), u64>>,
    retention: Duration,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("store", &self.store)
            .field("cache_ttl", &self.cache_ttl)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Keys on `store` (the backend's: SQLite or Redis) with the settings of `config`.
    pub fn new(config: &Config, store: Arc<dyn KeyBackend>) -> Keys {
        let cache_ttl = Duration::from_secs(config.key_cache_secs);
        Keys {
            store,
            cache_ttl,
            any: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
            lookups: moka::sync::Cache::builder()
                .max_capacity(LOOKUP_CACHE_ENTRIES)
                .time_to_live(cache_ttl.max(Duration::from_millis(1)))
                .build(),
            admin: config.admin_key.as_ref().map(|k| KeyHash::of(k.expose())),
            metrics_key: config.metrics_key.as_ref().map(|k| KeyHash::of(k.expose())),
            pending: Mutex::new(HashMap::new()),
            retention: Duration::from_secs(config.usage_retention_days.saturating_mul(86_400)),
        }
    }

    /// The store (to create keys in tests and tools).
    pub fn store(&self) -> &Arc<dyn KeyBackend> {
        &self.store
    }

    /// Runs `f` on the store off the async runtime ([`crate::store::with_store`]).
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&dyn KeyBackend) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(crate::store::with_store(&self.store, move |s| f(s)).await?)
    }

    /// Whether any key exists (cached for `key_cache_secs`).
    async fn any_key(&self) -> Result<bool, ApiError> {
        let fresh = |cached: Option<(Instant, bool)>| {
            cached.and_then(|(at, any)| (at.elapsed() < self.cache_ttl).then_some(any))
        };
        if let Some(any) = fresh(*self.any.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(any);
        }
        let _one = self.refreshing.lock().await;
        if let Some(any) = fresh(*self.any.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(any);
        }
        let any = self.with_store(|s| s.has_keys()).await?;
        *self.any.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), any));
        Ok(any)
    }

    /// The record of the key with this hash, if any (cached for `key_cache_secs`).
    async fn lookup(&self, hash: KeyHash) -> Result<Option<Arc<ApiKey>>, ApiError> {
        if !self.cache_ttl.is_zero() {
            if let Some(found) = self.lookups.get(&hash) {
                return Ok(found);
            }
        }
        let found = self
            .with_store(move |s| s.key_by_hash(&hash))
            .await?
            // Belt and braces: a record is only taken for the hash it was asked for.
            .filter(|k| k.hash.ct_eq(&hash))
            .map(Arc::new);
        if !self.cache_ttl.is_zero() {
            self.lookups.insert(hash, found.clone());
        }
        Ok(found)
    }

    fn is_admin(&self, hash: &KeyHash) -> bool {
        self.admin.as_ref().is_some_and(|a| a.ct_eq(hash))
    }

    /// Counts one request of `key` to `endpoint` today.
    fn count(&self, key: &str, endpoint: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        *pending
            .entry((key.to_owned(), Day::today(), endpoint))
            .or_insert(0) += 1;
    }

    /// Writes the usage counted so far to the store; on failure the counts are kept for the
    /// next flush.
    pub async fn flush_usage(&self) -> Result<(), ApiError> {
        let batch: Vec<UsageCount> = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *pending)
                .into_iter()
                .map(|((key, day, endpoint), count)| UsageCount {
                    key,
                    day,
                    endpoint,
                    count,
                })
                .collect()
        };
        if batch.is_empty() {
            return Ok(());
        }
        let retention = self.retention;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let outcome = store.add_usage(&batch, retention);
            let _ = tx.send((outcome, batch));
        });
        let (outcome, batch) = rx
            .await
            .map_err(|_| ApiError::internal("usage flush task ended"))?;
        if let Err(e) = outcome {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for u in batch {
                *pending.entry((u.key, u.day, u.endpoint)).or_insert(0) += u.count;
            }
            return Err(ApiError::storage_unavailable(&format!(
                "usage flush: {e:#}"
            )));
        }
        Ok(())
    }
}

/// Starts writing the counted usage every `every`, until `stop`; the last write is the
/// caller's [`Keys::flush_usage`] once requests have drained.
pub fn start_usage_flush(keys: Arc<Keys>, every: Duration, stop: CancellationToken) {
    spawn_every(every, stop, move || {
        let keys = Arc::clone(&keys);
        async move {
            // A failure was logged by ApiError::storage_unavailable; the counts wait for the
            // next tick.
            let _ = keys.flush_usage().await;
        }
    });
}

/// The key presented: `Authorization: Bearer <key>` (scheme case-insensitive), else
/// `X-API-Key`. `Some("")` for a header that is there but holds no usable key.
fn presented(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().unwrap_or("");
        return Some(match v.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => "",
        });
    }
    headers
        .get(&X_API_KEY)
        .map(|v| v.to_str().unwrap_or("").trim())
}

/// Routes open to all whatever the keys: probes, the page and its files, the short links that
/// printed codes hold (and `/metrics`, which has its own key).
fn is_open(route: &str) -> bool {
    matches!(
        route,
        "/health" | "/ready" | "/" | "/static/{*path}" | "/r/{slug}"
    )
}

fn unauthorized(code: ErrorCode, message: &'static str) -> Response {
    let mut response = ApiError::new(code, message).into_response();
    let challenge = if code == ErrorCode::ApiKeyRequired {
        "Bearer realm=\"qrsmith\""
    } else {
        "Bearer realm=\"qrsmith\", error=\"invalid_token\""
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn rate_headers(headers: &mut HeaderMap, d: &Decision) {
    headers.insert(RATELIMIT_LIMIT.clone(), HeaderValue::from(d.limit));
    headers.insert(RATELIMIT_REMAINING.clone(), HeaderValue::from(d.remaining));
    headers.insert(
        RATELIMIT_RESET.clone(),
        HeaderValue::from(ceil_secs(d.reset)),
    );
}

/// The middleware (a route layer: it sees the matched route). See the module documentation.
pub async fn require_key(State(keys): State<Arc<Keys>>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("", |m| m.as_str());
    if is_open(route) {
        return next.run(req).await;
    }
    let hash = presented(req.headers()).map(KeyHash::of);
    if route == "/metrics" {
        if keys.metrics_key.is_none() {
            return next.run(req).await;
        }
        return match hash {
            None => unauthorized(ErrorCode::ApiKeyRequired, "/metrics needs the metrics key"),
            Some(h) if keys.is_admin(&h) || keys.metrics_key.is_some_and(|m| m.ct_eq(&h)) => {
                next.run(req).await
            }
            Some(_) => unauthorized(ErrorCode::ApiKeyInvalid, "this is not the metrics key"),
        };
    }
    if hash.as_ref().is_some_and(|h| keys.is_admin(h)) {
        req.extensions_mut().insert(Caller::Admin);
        return next.run(req).await;
    }
    let any = match keys.any_key().await {
        Ok(any) => any,
        Err(e) => return e.into_response(),
    };
    if !any {
        req.extensions_mut().insert(Caller::Anonymous);
        return next.run(req).await;
    }
    let Some(hash) = hash else {
        return unauthorized(
            ErrorCode::ApiKeyRequired,
            "an API key is required: send it as Authorization: Bearer <key> or X-API-Key",
        );
    };
    let key = match keys.lookup(hash).await {
        Ok(Some(key)) if key.revoked_at.is_none() => key,
        Ok(_) => {
            return unauthorized(
                ErrorCode::ApiKeyInvalid,
                "the API key is unknown or revoked",
            )
        }
        Err(e) => return e.into_response(),
    };
    let decision = match keys.store.check(&key.name, key.rate, key.burst).await {
        Ok(d) => d,
        Err(e) => {
            return ApiError::storage_unavailable(&format!("rate limit: {e:#}")).into_response()
        }
    };
    if !decision.allowed {
        let mut response = ApiError {
            retry_after: Some(
                u32::try_from(ceil_secs(decision.retry_after).max(1)).unwrap_or(u32::MAX),
            ),
            ..ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "this key may send {} requests at once, then {}; retry after the delay in \
                     Retry-After",
                    key.burst, key.rate
                ),
            )
        }
        .into_response();
        rate_headers(response.headers_mut(), &decision);
        return response;
    }
    keys.count(&key.name, format!("{} {route}", req.method()));
    req.extensions_mut().insert(Caller::Key(key));
    let mut response = next.run(req).await;
    rate_headers(response.headers_mut(), &decision);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_from_either_header() {
        let mut h = HeaderMap::new();
        assert_eq!(presented(&h), None);
        h.insert(&X_API_KEY, HeaderValue::from_static(" k1 "));
        assert_eq!(presented(&h), Some("k1"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer k2"));
        assert_eq!(presented(&h), Some("k2"), "Authorization comes first");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic a2V5"),
        );
        assert_eq!(presented(&h), Some(""), "another scheme is no key");
    }
}
