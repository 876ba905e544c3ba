//! The embedded backend: one SQLite database (WAL mode) in the data directory; result files
//! beside it. Zero setup, one process. Jobs, keys and links each have a file of their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::Connection;

use super::StoreResult;

mod jobs;
mod keys;
mod links;

/// The embedded store: one SQLite database, result files in a directory beside it.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Rate-limit state (GCRA arrival times by key name): in process, since SQLite mode is one
    /// process, and a write per request would cost more than the request.
    rate_state: Mutex<HashMap<String, u64>>,
    /// Where job results are kept (`{id}.zip`).
    results: PathBuf,
    /// Whether `results` is this instance's own temporary directory, removed on drop.
    temporary: bool,
    /// This instance's name, holding leases on the jobs it runs.
    holder: String,
    lease: Duration,
    /// Today's key of the links' visitor marks: in memory only, never written.
    visitor_key: Mutex<Option<(crate::store::keys::Day, [u8; 32])>>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.results);
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/qrsmith.sqlite3`.
    pub fn open(dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        let path = dir.join("qrsmith.sqlite3");
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        // WAL: readers do not wait for the writer. synchronous=NORMAL: every commit survives
        // the process being killed (only an OS crash may lose the last ones).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::with(conn, dir.join("results"), false)
    }

    /// A database in memory, gone with the process, results in a temporary directory removed
    /// on drop: for tests and library use.
    pub fn in_memory() -> StoreResult<SqliteStore> {
        let results = std::env::temp_dir().join(format!(
            "qrsmith-results-{}",
            crate::store::instance_name()?
        ));
        Self::with(Connection::open_in_memory()?, results, true)
    }

    /// The same store with running jobs held under leases of `lease` (default
    /// [`crate::store::DEFAULT_LEASE`]).
    pub fn with_lease(mut self, lease: Duration) -> SqliteStore {
        self.lease = lease;
        self
    }

    fn with(conn: Connection, results: PathBuf, temporary: bool) -> StoreResult<SqliteStore> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(jobs::SCHEMA)
            .context("cannot create the database schema")?;
        conn.execute_batch(keys::SCHEMA)
            .context("cannot create the database schema of API keys")?;
        conn.execute_batch(links::SCHEMA)
            .context("cannot create the database schema of links")?;
        jobs::migrate(&conn).context("cannot update the database schema")?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            results,
            temporary,
            holder: crate::store::instance_name()?,
            lease: crate::store::DEFAULT_LEASE,
            rate_state: Mutex::new(HashMap::new()),
            visitor_key: Mutex::new(None),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-statement leaves SQLite consistent (the transaction rolls back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}
