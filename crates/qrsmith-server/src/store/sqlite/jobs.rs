//! Batch jobs in SQLite: a row per job, a row per item; results as files beside the
//! database. Leases are columns of the job row (holder, until when), so several instances on
//! one database file (tests, or a rolling restart) share jobs like Redis replicas do.

use std::io::{Seek as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{params, Connection, OptionalExtension as _, Row, TransactionBehavior};

use super::SqliteStore;
use crate::store::jobs::valid_id;
use crate::store::{
    unix_now, unix_now_ms, CappedWriter, FinishedItem, ItemError, Job, JobKind, JobStatus,
    JobStore, NewItem, PendingItem, ResultBlob, ResultTooLarge, StoreResult, WriteResult,
};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    total       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    ttl_secs    INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    error       TEXT,
    holder      TEXT,     -- the instance running it
    lease_until INTEGER,  -- Unix ms; the job may be taken over after it
    result_bytes INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
CREATE TABLE IF NOT EXISTS job_items (
    job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,  -- pending | ok | error
    input      BLOB,
    output     BLOB,
    error_code TEXT,
    error      TEXT,
    PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS job_items_by_status ON job_items (job_id, status, idx);
";

/// Columns added since the first schema, added to databases made before them.
const ADDED_COLUMNS: &[(&str, &str)] = &[
    ("holder", "TEXT"),
    ("lease_until", "INTEGER"),
    ("result_bytes", "INTEGER"),
];

/// Brings a database made by an earlier version up to [`SCHEMA`].
pub(super) fn migrate(conn: &Connection) -> StoreResult<()> {
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('jobs')")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, kind) in ADDED_COLUMNS {
        if !columns.iter().any(|c| c == name) {
            conn.execute_batch(&format!("ALTER TABLE jobs ADD COLUMN {name} {kind}"))?;
        }
    }
    Ok(())
}

/// The job row plus its item counts.
fn read_job(conn: &Connection, id: &str) -> StoreResult<Option<Job>> {
    let job = conn
        .query_row(
            "SELECT id, kind, status, total, created_at, started_at, finished_at, expires_at,
                    result_bytes, error
             FROM jobs WHERE id = ?1",
            [id],
            job_from_row,
        )
        .optional()?;
    let Some(mut job) = job else {
        return Ok(None);
    };
    let mut counts = conn.prepare_cached(
        "SELECT status, COUNT(*) FROM job_items WHERE job_id = ?1 AND status != 'pending'
         GROUP BY status",
    )?;
    let rows = counts.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (status, n) = row?;
        let n = u64::try_from(n).unwrap_or(0);
        job.done += n;
        if status == "error" {
            job.failed += n;
        }
    }
    Ok(Some(job))
}

/// A finished item from the columns (idx, name, status, output, error_code, error).
fn finished_from_row(r: &Row<'_>) -> rusqlite::Result<FinishedItem> {
    let status: String = r.get(2)?;
    let output = if status == "ok" {
        Ok(r.get::<_, Option<Vec<u8>>>(3)?.unwrap_or_default())
    } else {
        Err(ItemError {
            code: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            message: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        })
    };
    Ok(FinishedItem {
        index: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
        name: r.get(1)?,
        output,
    })
}

/// An item's bytes or error as its columns: (status, blob, error_code, error), with `ok_status`
/// for bytes and `error` for an error.
fn columns(
    outcome: Result<Vec<u8>, ItemError>,
    ok_status: &'static str,
) -> (
    &'static str,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
) {
    match outcome {
        Ok(bytes) => (ok_status, Some(bytes), None, None),
        Err(e) => ("error", None, Some(e.code), Some(e.message)),
    }
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown job {what}").into(),
        )
    };
    let kind: String = r.get(1)?;
    let status: String = r.get(2)?;
    Ok(Job {
        id: r.get(0)?,
        kind: JobKind::from_name(&kind).ok_or_else(|| bad(1, "kind"))?,
        status: JobStatus::from_name(&status).ok_or_else(|| bad(2, "status"))?,
        total: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
        done: 0,
        failed: 0,
        created_at: r.get(4)?,
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        expires_at: r.get(7)?,
        result_bytes: r
            .get::<_, Option<i64>>(8)?
            .map(|n| u64::try_from(n).unwrap_or(0)),
        error: r.get(9)?,
    })
}

impl JobStore for SqliteStore {
    fn create_job(&self, kind: JobKind, items: Vec<NewItem>, ttl: Duration) -> StoreResult<Job> {
        let id = crate::store::new_id()?;
        let now = unix_now();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO jobs (id, kind, status, total, created_at, ttl_secs, expires_at)
             VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6)",
            params![
                id,
                kind.name(),
                items.len() as i64,
                now,
                ttl,
                now.saturating_add(ttl)
            ],
        )?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO job_items (job_id, idx, name, status, input, error_code, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (idx, item) in items.into_iter().enumerate() {
                let (status, input, code, message) = columns(item.input, "pending");
                insert.execute(params![
                    id, idx as i64, item.name, status, input, code, message
                ])?;
            }
        }
        tx.commit()?;
        read_job(&conn, &id)?.context("the job just stored is missing")
    }

    fn job(&self, id: &str) -> StoreResult<Option<Job>> {
        if !valid_id(id) {
            return Ok(None);
        }
        read_job(&self.conn(), id)
    }

    fn start_next(&self) -> StoreResult<Option<Job>> {
        let mut conn = self.conn();
        // IMMEDIATE: the claim is one writer's, also against other instances on the file.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now_ms = unix_now_ms();
        let id: Option<String> = tx
            .query_row(
                "SELECT id FROM jobs
                 WHERE status = 'queued'
                    OR (status = 'running' AND COALESCE(lease_until, 0) <= ?1)
                 ORDER BY status = 'queued', rowid LIMIT 1",
                [now_ms],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?2),
                    holder = ?3, lease_until = ?4
             WHERE id = ?1",
            params![id, unix_now(), self.holder, self.lease_end(now_ms)],
        )?;
        let job = read_job(&tx, &id)?;
        tx.commit()?;
        Ok(job)
    }

    fn renew(&self, id: &str) -> StoreResult<bool> {
        let changed = self.conn().execute(
            "UPDATE jobs SET lease_until = ?3
             WHERE id = ?1 AND holder = ?2 AND status = 'running'",
            params![id, self.holder, self.lease_end(unix_now_ms())],
        )?;
        Ok(changed == 1)
    }

    fn release(&self, id: &str) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE jobs SET lease_until = 0, holder = NULL
             WHERE id = ?1 AND holder = ?2 AND status = 'running'",
            params![id, self.holder],
        )?;
        Ok(())
    }

    fn pending_items(&self, id: &str, limit: usize) -> StoreResult<Vec<PendingItem>> {
        let conn = self.conn();
        let mut select = conn.prepare_cached(
            "SELECT idx, name, input FROM job_items
             WHERE job_id = ?1 AND status = 'pending' ORDER BY idx LIMIT ?2",
        )?;
        let items = select
            .query_map(params![id, limit as i64], |r| {
                Ok(PendingItem {
                    index: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    name: r.get(1)?,
                    input: r.get::<_, Option<Vec<u8>>>(2)?.unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(items)
    }

    fn finish_items(
        &self,
        id: &str,
        outcomes: Vec<(u64, Result<Vec<u8>, ItemError>)>,
    ) -> StoreResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            // The input is dropped once done: the output is what the result needs.
            let mut update = tx.prepare_cached(
                "UPDATE job_items SET status = ?3, input = NULL, output = ?4, error_code = ?5,
                        error = ?6
                 WHERE job_id = ?1 AND idx = ?2 AND status = 'pending'",
            )?;
            for (idx, outcome) in outcomes {
                let (status, output, code, message) = columns(outcome, "ok");
                update.execute(params![id, idx as i64, status, output, code, message])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn visit_items(
        &self,
        id: &str,
        visit: &mut dyn FnMut(FinishedItem) -> anyhow::Result<()>,
    ) -> StoreResult<()> {
        let conn = self.conn();
        let mut select = conn.prepare_cached(
            "SELECT idx, name, status, output, error_code, error FROM job_items
             WHERE job_id = ?1 AND status != 'pending' ORDER BY idx",
        )?;
        let mut rows = select.query([id])?;
        while let Some(r) = rows.next()? {
            visit(finished_from_row(r)?)?;
        }
        Ok(())
    }

    fn finished_item(&self, id: &str, index: u64) -> StoreResult<Option<FinishedItem>> {
        let item = self
            .conn()
            .query_row(
                "SELECT idx, name, status, output, error_code, error FROM job_items
                 WHERE job_id = ?1 AND idx = ?2 AND status != 'pending'",
                params![id, index as i64],
                finished_from_row,
            )
            .optional()?;
        Ok(item)
    }

    fn open_jobs(&self) -> StoreResult<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn oldest_queued_at(&self) -> StoreResult<Option<i64>> {
        // The (status, created_at) index answers this without a scan.
        Ok(self.conn().query_row(
            "SELECT MIN(created_at) FROM jobs WHERE status = 'queued'",
            [],
            |r| r.get(0),
        )?)
    }

    fn item_errors(&self, id: &str, limit: usize) -> StoreResult<Vec<(u64, String, ItemError)>> {
        let conn = self.conn();
        let mut select = conn.prepare_cached(
            "SELECT idx, name, error_code, error FROM job_items
             WHERE job_id = ?1 AND status = 'error' ORDER BY idx LIMIT ?2",
        )?;
        let errors = select
            .query_map(params![id, limit as i64], |r| {
                Ok((
                    u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    r.get(1)?,
                    ItemError {
                        code: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        message: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(errors)
    }

    fn put_result(&self, id: &str, max_bytes: u64, write: WriteResult<'_>) -> StoreResult<u64> {
        if self.job(id)?.is_none() {
            anyhow::bail!("no job {id} to keep a result for");
        }
        std::fs::create_dir_all(&self.results).with_context(|| {
            format!(
                "cannot create the results directory {}",
                self.results.display()
            )
        })?;
        let path = self.result_path(id);
        // Written beside the final name, then renamed: a reader never sees half a result.
        let partial = path.with_extension("zip.partial");
        let file = std::fs::File::create(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        let mut out = CappedWriter::new(std::io::BufWriter::new(file), max_bytes);
        let written = write(&mut out).and_then(|()| Ok(out.flush()?));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            if out.exceeded() {
                return Err(ResultTooLarge { max_bytes }.into());
            }
            return Err(e);
        }
        let len = out.len();
        let file = out.into_inner().into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        std::fs::rename(&partial, &path)?;
        self.conn().execute(
            "UPDATE jobs SET result_bytes = ?2 WHERE id = ?1",
            params![id, i64::try_from(len).unwrap_or(i64::MAX)],
        )?;
        Ok(len)
    }

    fn result(&self, id: &str) -> StoreResult<Option<ResultBlob>> {
        if self.job(id)?.is_none() {
            return Ok(None);
        }
        let mut file = match std::fs::File::open(self.result_path(id)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let len = file.seek(std::io::SeekFrom::End(0))?;
        file.rewind()?;
        Ok(Some(ResultBlob::File { file, len }))
    }

    fn finish_job(&self, id: &str, outcome: Result<(), String>) -> StoreResult<Option<Job>> {
        let conn = self.conn();
        let now = unix_now();
        let (status, error) = match outcome {
            Ok(()) => ("succeeded", None),
            Err(e) => ("failed", Some(e)),
        };
        conn.execute(
            "UPDATE jobs SET status = ?2, error = ?3, finished_at = ?4,
                    expires_at = ?4 + ttl_secs, holder = NULL, lease_until = NULL
             WHERE id = ?1 AND status = 'running'",
            params![id, status, error, now],
        )?;
        read_job(&conn, id)
    }

    fn cancel(&self, id: &str) -> StoreResult<Option<Job>> {
        let conn = self.conn();
        conn.execute(
            "UPDATE jobs SET status = 'cancelled', finished_at = ?2, expires_at = ?2 + ttl_secs,
                    holder = NULL, lease_until = NULL
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id, unix_now()],
        )?;
        read_job(&conn, id)
    }

    fn expire(&self, now: i64) -> StoreResult<Vec<Job>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let ids: Vec<String> = tx
            .prepare(
                "SELECT id FROM jobs
                 WHERE expires_at <= ?1 AND status IN ('succeeded', 'failed', 'cancelled')",
            )?
            .query_map([now], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut expired = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(job) = read_job(&tx, id)? {
                expired.push(job);
            }
            tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        for job in &expired {
            match std::fs::remove_file(self.result_path(&job.id)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    tracing::warn!(job = %job.id, error = %e, "cannot remove an expired result");
                }
                _ => {}
            }
        }
        Ok(expired)
    }
}

impl SqliteStore {
    /// Where the result of job `id` is kept (`id` is checked to be hex first by every caller
    /// that got it from a client: it went through the database).
    fn result_path(&self, id: &str) -> PathBuf {
        debug_assert!(valid_id(id));
        self.results.join(format!("{id}.zip"))
    }

    /// When a lease taken or renewed at `now_ms` ends.
    fn lease_end(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    //! SQLite-only behaviour; what every backend shares is in `tests/conformance/jobs.rs`.

    use super::*;

    fn item(name: &str, input: &[u8]) -> NewItem {
        NewItem {
            name: name.into(),
            input: Ok(input.to_vec()),
        }
    }

    const DAY: Duration = Duration::from_secs(86_400);

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "qrsmith-store-{name}-{}",
            crate::store::instance_name().unwrap()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn jobs_and_results_survive_reopening_the_database() {
        let dir = scratch("reopen");
        let (id, done) = {
            let store = SqliteStore::open(&dir).unwrap();
            let job = store
                .create_job(JobKind::Generate, vec![item("a", b"x")], DAY)
                .unwrap();
            let done = store
                .create_job(JobKind::Generate, vec![item("b", b"y")], DAY)
                .unwrap();
            store.start_next().unwrap();
            // The process stops gracefully: its lease is given up.
            store.release(&job.id).unwrap();
            store
                .put_result(&done.id, 100, &mut |w| Ok(w.write_all(b"zip")?))
                .unwrap();
            (job.id, done.id)
        };
        let store = SqliteStore::open(&dir).unwrap();
        let job = store.start_next().unwrap().unwrap();
        assert_eq!(
            (job.id.as_str(), job.status),
            (id.as_str(), JobStatus::Running)
        );
        assert_eq!(store.pending_items(&id, 5).unwrap()[0].input, b"x");
        let Some(ResultBlob::File { len, .. }) = store.result(&done).unwrap() else {
            panic!("the result file is kept beside the database");
        };
        assert_eq!(len, 3);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_database_of_the_first_schema_is_brought_up_to_date() {
        let dir = scratch("migrate");
        std::fs::create_dir_all(&dir).unwrap();
        {
            let conn = Connection::open(dir.join("qrsmith.sqlite3")).unwrap();
            conn.execute_batch(
                "CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
                    total INTEGER NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER,
                    finished_at INTEGER, ttl_secs INTEGER NOT NULL, expires_at INTEGER NOT NULL,
                    result_path TEXT, error TEXT);
                 INSERT INTO jobs VALUES ('ab', 'decode', 'running', 0, 1, 1, NULL, 60, 61,
                    NULL, NULL);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&dir).unwrap();
        let job = store
            .start_next()
            .unwrap()
            .expect("the old running job resumes");
        assert_eq!(job.id, "ab");
        assert!(store.renew("ab").unwrap());
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_in_memory_store_removes_its_results_when_dropped() {
        let store = SqliteStore::in_memory().unwrap();
        let job = store
            .create_job(JobKind::Decode, vec![item("a", b"")], DAY)
            .unwrap();
        store
            .put_result(&job.id, 100, &mut |w| Ok(w.write_all(b"zip")?))
            .unwrap();
        let dir = store.results.clone();
        assert!(dir.exists());
        drop(store);
        assert!(!dir.exists());
    }
}
