//! The shared backend: every replica that points at the same Redis sees the same state. Keys
//! are namespaced by a prefix (`--redis-prefix`), so several deployments can share one Redis.

use std::sync::{Mutex, MutexGuard};

use anyhow::Context as _;

use super::StoreResult;

mod keys;

/// State kept in Redis.
pub struct RedisStore {
    client: redis::Client,
    /// One blocking connection for the store's blocking methods (they run off the runtime).
    conn: Mutex<redis::Connection>,
    prefix: String,
    /// The asynchronous connection of the per-request paths (rate limits), made on first use
    /// (it needs the runtime). Multiplexed: requests do not queue behind each other.
    aio: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only the prefix is shown.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` and checks that the server answers; every key starts with `prefix`.
    pub fn connect(url: &str, prefix: &str) -> StoreResult<RedisStore> {
        let client = redis::Client::open(url).context("invalid Redis URL")?;
        let mut conn = client.get_connection().context("cannot connect to Redis")?;
        redis::cmd("PING")
            .query::<String>(&mut conn)
            .context("Redis does not answer PING")?;
        Ok(RedisStore {
            client,
            conn: Mutex::new(conn),
            prefix: prefix.to_owned(),
            aio: tokio::sync::OnceCell::new(),
        })
    }

    /// The client, to open further (e.g. asynchronous) connections.
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The blocking connection.
    pub fn conn(&self) -> MutexGuard<'_, redis::Connection> {
        // A command that panicked mid-way leaves nothing half-written on the server side.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `name` under this store's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}
