//! The shared backend: every replica that points at the same Redis sees the same state. Keys
//! are namespaced by a prefix (`--redis-prefix`), so several deployments can share one Redis.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;

use super::StoreResult;

/// State kept in Redis.
pub struct RedisStore {
    client: redis::Client,
    /// One blocking connection for the store's blocking methods (they run off the runtime).
    conn: Mutex<redis::Connection>,
    /// One multiplexed connection for the request path, opened on first use (it needs the
    /// runtime) and reconnected by itself.
    async_conn: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
    prefix: String,
}

/// How long a command on the request path may wait for Redis before it counts as failed.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

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
            async_conn: tokio::sync::OnceCell::new(),
            prefix: prefix.to_owned(),
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

    /// The shared asynchronous connection (cheap to clone), for commands on the request path.
    pub async fn async_conn(&self) -> StoreResult<redis::aio::ConnectionManager> {
        let conn = self
            .async_conn
            .get_or_try_init(|| {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(RESPONSE_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT));
                redis::aio::ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .context("cannot connect to Redis")?;
        Ok(conn.clone())
    }

    /// `name` under this store's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}
