//! The generation cache's shared level: opaque entries by key, each with a time to live. Only
//! shared backends have one; with SQLite the service is one process and its in-process cache
//! is all there is.

use std::time::Duration;

use super::keys::BoxFuture;
use super::StoreResult;

/// Entries every replica can read. Both methods are asynchronous: they run on the request path.
pub trait SharedCache: Send + Sync + std::fmt::Debug {
    /// The entry stored under `key`, if present and not expired.
    fn get<'a>(&'a self, key: &'a [u8; 32]) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>>;

    /// Stores `entry` under `key` for `ttl` (at least a second), replacing any other.
    fn put<'a>(
        &'a self,
        key: &'a [u8; 32],
        entry: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, StoreResult<()>>;
}
