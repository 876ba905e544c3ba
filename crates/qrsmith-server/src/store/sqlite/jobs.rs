//! Batch jobs in SQLite: a row per job, a row per item.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{params, Connection, OptionalExtension as _, Row};

use super::SqliteStore;
use crate::store::{
    unix_now, FinishedItem, ItemError, Job, JobKind, JobStatus, JobStore, NewItem, PendingItem,
    StoreResult,
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
    result_path TEXT,
    error       TEXT
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

/// The job row plus its item counts.
fn read_job(conn: &Connection, id: &str) -> StoreResult<Option<Job>> {
    let job = conn
        .query_row(
            "SELECT id, kind, status, total, created_at, started_at, finished_at, expires_at,
                    result_path, error
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
        result: r.get::<_, Option<String>>(8)?.map(PathBuf::from),
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
        read_job(&self.conn(), id)
    }

    fn start_next(&self) -> StoreResult<Option<Job>> {
        let conn = self.conn();
        let id: Option<String> = conn
            .query_row(
                "SELECT id FROM jobs WHERE status IN ('running', 'queued')
                 ORDER BY status = 'queued', rowid LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        conn.execute(
            "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?2)
             WHERE id = ?1",
            params![id, unix_now()],
        )?;
        read_job(&conn, &id)
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

    fn finish_job(&self, id: &str, outcome: Result<PathBuf, String>) -> StoreResult<Option<Job>> {
        let conn = self.conn();
        let now = unix_now();
        let (status, path, error) = match outcome {
            Ok(path) => ("succeeded", Some(path.to_string_lossy().into_owned()), None),
            Err(e) => ("failed", None, Some(e)),
        };
        conn.execute(
            "UPDATE jobs SET status = ?2, result_path = ?3, error = ?4, finished_at = ?5,
                    expires_at = ?5 + ttl_secs
             WHERE id = ?1 AND status = 'running'",
            params![id, status, path, error, now],
        )?;
        read_job(&conn, id)
    }

    fn cancel(&self, id: &str) -> StoreResult<Option<Job>> {
        let conn = self.conn();
        conn.execute(
            "UPDATE jobs SET status = 'cancelled', finished_at = ?2, expires_at = ?2 + ttl_secs
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
        Ok(expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, input: &[u8]) -> NewItem {
        NewItem {
            name: name.into(),
            input: Ok(input.to_vec()),
        }
    }

    fn bad(name: &str) -> NewItem {
        NewItem {
            name: name.into(),
            input: Err(ItemError {
                code: "invalid_parameter".into(),
                message: "no text".into(),
            }),
        }
    }

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn a_job_runs_item_by_item_and_counts() {
        let store = SqliteStore::in_memory().unwrap();
        let job = store
            .create_job(
                JobKind::Generate,
                vec![item("a", b"1"), bad("b"), item("c", b"3")],
                DAY,
            )
            .unwrap();
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!((job.total, job.done, job.failed), (3, 1, 1));

        let started = store.start_next().unwrap().unwrap();
        assert_eq!(
            (started.id.as_str(), started.status),
            (job.id.as_str(), JobStatus::Running)
        );
        let pending = store.pending_items(&job.id, 10).unwrap();
        assert_eq!(pending.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 2]);
        store
            .finish_items(&job.id, vec![(0, Ok(b"out a".to_vec()))])
            .unwrap();
        // A second outcome for the same item (a retry after a crash) is not recorded twice.
        store
            .finish_items(
                &job.id,
                vec![
                    (0, Ok(b"again".to_vec())),
                    (
                        2,
                        Err(ItemError {
                            code: "x".into(),
                            message: "y".into(),
                        }),
                    ),
                ],
            )
            .unwrap();
        let job = store.job(&job.id).unwrap().unwrap();
        assert_eq!((job.done, job.failed), (3, 2));
        assert!(store.pending_items(&job.id, 10).unwrap().is_empty());

        let mut seen = Vec::new();
        store
            .visit_items(&job.id, &mut |i| {
                seen.push((i.index, i.name, i.output.map_err(|e| e.code)));
                Ok(())
            })
            .unwrap();
        assert_eq!(
            seen,
            [
                (0, "a".to_owned(), Ok(b"out a".to_vec())),
                (1, "b".to_owned(), Err("invalid_parameter".to_owned())),
                (2, "c".to_owned(), Err("x".to_owned())),
            ]
        );
        let errors = store.item_errors(&job.id, 1).unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 1);

        let done = store
            .finish_job(&job.id, Ok(PathBuf::from("/r.zip")))
            .unwrap()
            .unwrap();
        assert_eq!(done.status, JobStatus::Succeeded);
        assert_eq!(done.result, Some(PathBuf::from("/r.zip")));
        assert!(store.start_next().unwrap().is_none());
    }

    #[test]
    fn interrupted_jobs_resume_before_queued_ones() {
        let store = SqliteStore::in_memory().unwrap();
        let first = store
            .create_job(JobKind::Decode, vec![item("a", b"")], DAY)
            .unwrap();
        let second = store
            .create_job(JobKind::Decode, vec![item("b", b"")], DAY)
            .unwrap();
        assert_eq!(store.start_next().unwrap().unwrap().id, first.id);
        // The process stops here; on the next start the running job comes first again.
        assert_eq!(store.start_next().unwrap().unwrap().id, first.id);
        store.cancel(&first.id).unwrap();
        assert_eq!(store.start_next().unwrap().unwrap().id, second.id);
    }

    #[test]
    fn a_cancelled_job_stays_cancelled_and_final_jobs_expire() {
        let store = SqliteStore::in_memory().unwrap();
        let job = store
            .create_job(JobKind::Decode, vec![item("a", b"")], DAY)
            .unwrap();
        store.start_next().unwrap();
        let cancelled = store.cancel(&job.id).unwrap().unwrap();
        assert_eq!(cancelled.status, JobStatus::Cancelled);
        let after = store
            .finish_job(&job.id, Ok(PathBuf::from("x")))
            .unwrap()
            .unwrap();
        assert_eq!(
            after.status,
            JobStatus::Cancelled,
            "finishing does not undo a cancel"
        );

        let running = store
            .create_job(JobKind::Decode, vec![item("b", b"")], DAY)
            .unwrap();
        let far = unix_now() + 2 * 86_400;
        let expired = store.expire(far).unwrap();
        assert_eq!(expired.iter().map(|j| &j.id).collect::<Vec<_>>(), [&job.id]);
        assert!(store.job(&job.id).unwrap().is_none());
        // A job not finished is never swept: it was promised to run.
        assert!(store.job(&running.id).unwrap().is_some());
    }

    #[test]
    fn jobs_survive_reopening_the_database() {
        let dir = std::env::temp_dir().join(format!("qrsmith-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let id = {
            let store = SqliteStore::open(&dir).unwrap();
            let job = store
                .create_job(JobKind::Generate, vec![item("a", b"x")], DAY)
                .unwrap();
            store.start_next().unwrap();
            job.id
        };
        let store = SqliteStore::open(&dir).unwrap();
        let job = store.start_next().unwrap().unwrap();
        assert_eq!(
            (job.id.as_str(), job.status),
            (id.as_str(), JobStatus::Running)
        );
        assert_eq!(store.pending_items(&id, 5).unwrap()[0].input, b"x");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
