//! The shared generation cache in Redis: `cache:{sha256 hex}` strings with Redis TTLs.

use std::time::Duration;

use super::RedisStore;
use crate::store::keys::BoxFuture;
use crate::store::{SharedCache, StoreResult};

impl RedisStore {
    fn cache_key(&self, key: &[u8; 32]) -> String {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.key(&format!("cache:{hex}"))
    }
}

impl SharedCache for RedisStore {
    fn get<'a>(&'a self, key: &'a [u8; 32]) -> BoxFuture<'a, StoreResult<Option<Vec<u8>>>> {
        Box::pin(async move {
            let mut conn = self.async_conn().await?;
            Ok(redis::cmd("GET")
                .arg(self.cache_key(key))
                .query_async(&mut conn)
                .await?)
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a [u8; 32],
        entry: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            let mut conn = self.async_conn().await?;
            redis::cmd("SET")
                .arg(self.cache_key(key))
                .arg(entry)
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .query_async::<()>(&mut conn)
                .await?;
            Ok(())
        })
    }
}
