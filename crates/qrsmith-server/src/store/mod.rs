//! What the service remembers across requests and restarts, behind a trait so that the
//! embedded backend (SQLite, the default) and a shared one can be swapped.
//!
//! - batch jobs and their items: [`JobStore`].
//!
//! Backends: [`SqliteStore`] (embedded, the default: one file in the data directory) and
//! [`RedisStore`] (shared by several replicas).

mod jobs;
mod redis;
mod sqlite;

use std::time::{SystemTime, UNIX_EPOCH};

pub use self::jobs::{
    CappedWriter, FinishedItem, ItemError, Job, JobKind, JobStatus, JobStore, NewItem, PendingItem,
    ResultBlob, ResultTooLarge, WriteResult, WriteSeek, DEFAULT_LEASE,
};
pub use self::redis::RedisStore;
pub use self::sqlite::SqliteStore;

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
