//! The embedded backend: one SQLite database (WAL mode) in the data directory; result files
//! beside it. Zero setup, one process.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::Connection;

use super::StoreResult;

mod jobs;
mod keys;

/// The embedded store: one SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Rate-limit state (GCRA arrival times by key name): in process, since SQLite mode is one
    /// process, and a write per request would cost more than the request.
    rate_state: Mutex<HashMap<String, u64>>,
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
        Self::with(conn)
    }

    /// A database in memory, gone with the process: for tests and library use.
    pub fn in_memory() -> StoreResult<SqliteStore> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(conn: Connection) -> StoreResult<SqliteStore> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(jobs::SCHEMA)
            .context("cannot create the database schema")?;
        conn.execute_batch(keys::SCHEMA)
            .context("cannot create the database schema of API keys")?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            rate_state: Mutex::new(HashMap::new()),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-statement leaves SQLite consistent (the transaction rolls back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}
