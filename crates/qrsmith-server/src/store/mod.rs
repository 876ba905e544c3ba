//! What the service remembers across requests and restarts, behind a trait so that the
//! embedded backend (SQLite, the default) and a shared one can be swapped.
//!
//! - batch jobs and their items: [`JobStore`].
//! - API keys, their rate limits and usage: [`KeyStore`], [`RateLimiter`], [`UsageStore`]
//!   (types in [`keys`]).
//! - dynamic links and their scan counts: [`LinkStore`] (types in [`links`]).
//! - the generation cache's level shared by replicas: [`SharedCache`] (Redis only).
//!
//! Backends: [`SqliteStore`] (embedded, the default: one file in the data directory) and
//! [`RedisStore`] (shared by several replicas).

mod cache;
mod jobs;
pub mod keys;
pub mod links;
mod redis;
mod sqlite;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;

use crate::config::Config;

pub use self::cache::SharedCache;
pub use self::jobs::{
    CappedWriter, FinishedItem, ItemError, Job, JobKind, JobStatus, JobStore, NewItem, PendingItem,
    ResultBlob, ResultTooLarge, WriteResult, WriteSeek, DEFAULT_LEASE,
};
pub use self::keys::{KeyBackend, KeyStore, RateLimiter, UsageStore};
pub use self::links::LinkStore;
pub use self::redis::RedisStore;
pub use self::sqlite::SqliteStore;

/// The backend the configuration chose, opened once at start and shared by every part of the
/// state that remembers something.
#[derive(Debug, Clone)]
pub enum Backend {
    /// `--data-dir` (or memory only, without one).
    Sqlite(Arc<SqliteStore>),
    /// `--redis`.
    Redis(Arc<RedisStore>),
}

impl Backend {
    /// Connects to `--redis` if given, else opens the database in `--data-dir`, else one in
    /// memory. A Redis that does not answer is an error: a replica must not start alone.
    pub fn open(config: &Config) -> StoreResult<Backend> {
        let lease = config.job_lease();
        Ok(match (&config.redis, &config.data_dir) {
            (Some(url), _) => Backend::Redis(Arc::new(
                RedisStore::connect(url, &config.redis_prefix)
                    .context("--redis: cannot use the Redis given")?
                    .with_lease(lease),
            )),
            (None, Some(dir)) => {
                Backend::Sqlite(Arc::new(SqliteStore::open(dir)?.with_lease(lease)))
            }
            (None, None) => Backend::Sqlite(Arc::new(SqliteStore::in_memory()?.with_lease(lease))),
        })
    }

    /// Where batch jobs live.
    pub fn jobs(&self) -> Arc<dyn JobStore> {
        match self {
            Backend::Sqlite(s) => Arc::clone(s) as Arc<dyn JobStore>,
            Backend::Redis(r) => Arc::clone(r) as Arc<dyn JobStore>,
        }
    }

    /// Where API keys, rate limits and usage live.
    pub fn keys(&self) -> Arc<dyn KeyBackend> {
        match self {
            Backend::Sqlite(s) => Arc::clone(s) as Arc<dyn KeyBackend>,
            Backend::Redis(r) => Arc::clone(r) as Arc<dyn KeyBackend>,
        }
    }

    /// Where dynamic links and their scan counts live.
    pub fn links(&self) -> Arc<dyn LinkStore> {
        match self {
            Backend::Sqlite(s) => Arc::clone(s) as Arc<dyn LinkStore>,
            Backend::Redis(r) => Arc::clone(r) as Arc<dyn LinkStore>,
        }
    }

    /// The generation cache's shared level, when state is shared.
    pub fn shared_cache(&self) -> Option<Arc<dyn SharedCache>> {
        match self {
            Backend::Sqlite(_) => None,
            Backend::Redis(r) => Some(Arc::clone(r) as Arc<dyn SharedCache>),
        }
    }
}

/// Why a store call made off the async runtime gave no answer. The store speaks no HTTP: the
/// service answers this with a retryable 503 `storage_unavailable` or a 500
/// (`From<StoreFailure> for ApiError` in `error.rs`).
#[derive(Debug, thiserror::Error)]
pub enum StoreFailure {
    /// The backend failed (SQLite's file, Redis unreachable): not the caller's fault, and
    /// usually passing.
    #[error("store: {0:#}")]
    Unavailable(anyhow::Error),
    /// The call panicked (a bug).
    #[error("store task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Runs `f` with `store` on tokio's blocking pool (store methods block), for handlers on the
/// async runtime.
pub async fn with_store<S, T, F>(store: &Arc<S>, f: F) -> Result<T, StoreFailure>
where
    S: ?Sized + Send + Sync + 'static,
    F: FnOnce(&S) -> anyhow::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(&store))
        .await?
        .map_err(StoreFailure::Unavailable)
}

/// Errors of the storage backend (not of the client's input): the service answers them with
/// 500 and logs them.
pub type StoreResult<T> = anyhow::Result<T>;

/// 128 random bits in hex: unguessable, so one client cannot read another's job.
pub fn new_id() -> StoreResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Now, in Unix milliseconds (leases).
pub fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A name for one store instance (a process, a replica), unique across processes and hosts:
/// it holds leases on running jobs.
pub fn instance_name() -> StoreResult<String> {
    Ok(format!("{}-{}", std::process::id(), &new_id()?[..12]))
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
