//! The shared backend: every replica that points at the same Redis sees the same state. Keys
//! are namespaced by a prefix (`--redis-prefix`), so several deployments can share one Redis.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;

use super::StoreResult;

mod cache;
mod jobs;
mod keys;
mod links;

/// How long connecting may take: a Redis that does not answer is a startup error, not a hang.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one command may take before the connection is given up (and opened again by the
/// next command): a stalled Redis fails requests rather than holding them forever. Generous
/// for the largest values (results up to `--max-result-bytes`).
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// State kept in Redis.
pub struct RedisStore {
    client: redis::Client,
    /// One blocking connection for the store's blocking methods (they run off the runtime).
    conn: Mutex<redis::Connection>,
    /// One multiplexed connection for the request path, opened on first use (it needs the
    /// runtime) and reconnected by itself.
    async_conn: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
    prefix: String,
    /// The job store's own state (consumer name, lease, scripts).
    jobs: jobs::State,
}

/// A Lua script, hashed once on first use (its SHA-1 is what `EVALSHA` sends) and kept in
/// `cell`, a static beside the call.
fn script(
    cell: &'static std::sync::OnceLock<redis::Script>,
    source: &str,
) -> &'static redis::Script {
    cell.get_or_init(|| redis::Script::new(source))
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
        let mut conn = open(&client)?;
        redis::cmd("PING")
            .query::<String>(&mut conn)
            .context("Redis does not answer PING")?;
        Ok(RedisStore {
            client,
            conn: Mutex::new(conn),
            async_conn: tokio::sync::OnceCell::new(),
            prefix: prefix.to_owned(),
            jobs: jobs::State::new()?,
        })
    }

    /// The same store with running jobs held under leases of `lease` (default
    /// [`crate::store::DEFAULT_LEASE`]).
    pub fn with_lease(mut self, lease: Duration) -> RedisStore {
        self.jobs.lease = lease;
        self
    }

    /// Runs `f` on the blocking connection. After an I/O error or a timeout the connection's
    /// state is unknown (a late reply could be read as the next one's), so it is replaced for
    /// the next call; the error is returned, not retried (the command may have run).
    pub fn run<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.conn();
        match f(&mut conn) {
            Ok(v) => Ok(v),
            Err(e) => {
                if e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_unrecoverable_error()
                {
                    match open(&self.client) {
                        Ok(fresh) => *conn = fresh,
                        Err(reopen) => tracing::warn!(error = %reopen, "cannot reconnect to Redis"),
                    }
                }
                Err(anyhow::Error::new(e).context("Redis"))
            }
        }
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

/// A blocking connection with the timeouts above.
fn open(client: &redis::Client) -> StoreResult<redis::Connection> {
    let conn = client
        .get_connection_with_timeout(CONNECT_TIMEOUT)
        .context("cannot connect to Redis")?;
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    conn.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(conn)
}
