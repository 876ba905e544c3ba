//! Batch jobs in Redis, shared by every replica.
//!
//! Keys (after the prefix):
//! - `jobs:queue` — a Stream with one entry per job not yet final (`job` = id), read by the
//!   consumer group `runners`; each store instance is a consumer of its own name. The entry
//!   stays pending (unacknowledged) while its job runs; the holder renews its claim (XCLAIM
//!   resets the idle time) every third of the lease; an entry idle for longer than the lease
//!   belongs to a holder that died and is taken over with XAUTOCLAIM. XACK + XDEL when final.
//! - `job:{id}` — a hash: kind, status, total, done, failed, timestamps, ttl_secs, error, holder,
//!   `entry` (its stream entry) and `low` (every item below it is finished: the cursor that
//!   keeps finding pending items O(batch), not O(job)).
//! - `job:{id}:items` — a hash: `n{i}` name, `i{i}` input (deleted once done), `o{i}` outcome
//!   (`o` + output, or `e` + code + `\n` + message), written with HSETNX in a script that also
//!   counts, so that the first outcome wins and counts stay exact with replicas racing.
//! - `job:{id}:errors` — a sorted set of failed item indices (the first ones are shown).
//! - `job:{id}:result` — the result ZIP (a string, at most `--max-result-bytes`).
//! - `jobs:open` — a set of the ids queued or running (the 429 bound).
//! - `jobs:expiry` — a sorted set of final job ids by expiry time: the sweep.
//!
//! Open jobs never expire. A final job's four keys get a TTL of its own TTL plus
//! [`SAFETY_GRACE_SECS`]: the sweep deletes them at their time (and counts them); the Redis
//! TTL only cleans up if no replica sweeps. Not for Redis Cluster (the scripts derive job keys
//! from the id).

use std::collections::HashMap;
use std::io::Cursor;
use std::time::Duration;

use anyhow::Context as _;
use redis::Script;

use super::RedisStore;
use crate::store::jobs::valid_id;
use crate::store::{
    unix_now, CappedWriter, FinishedItem, ItemError, Job, JobKind, JobStatus, JobStore, NewItem,
    PendingItem, ResultBlob, ResultTooLarge, StoreResult, WriteResult, DEFAULT_LEASE,
};

/// The consumer group of every replica's runner.
const GROUP: &str = "runners";
/// Added to a final job's TTL for the keys' own Redis TTL (see the module's documentation).
pub const SAFETY_GRACE_SECS: u64 = 3600;
/// Items read per round trip when the result is put together.
const VISIT_CHUNK: u64 = 512;
/// Most expired jobs one sweep deletes (the next sweep takes the rest).
const SWEEP_BATCH: usize = 1000;

/// The job store's part of a [`RedisStore`].
pub(super) struct State {
    /// This instance's consumer name in the group.
    consumer: String,
    pub(super) lease: Duration,
    create: Script,
    start: Script,
    renew: Script,
    pending: Script,
    finish_items: Script,
    end: Script,
    expire: Script,
    oldest: Script,
}

impl State {
    pub(super) fn new() -> StoreResult<State> {
        Ok(State {
            consumer: crate::store::instance_name()?,
            lease: DEFAULT_LEASE,
            create: Script::new(CREATE),
            start: Script::new(START),
            renew: Script::new(RENEW),
            pending: Script::new(PENDING),
            finish_items: Script::new(FINISH_ITEMS),
            end: Script::new(END),
            expire: Script::new(EXPIRE),
            oldest: Script::new(OLDEST_QUEUED),
        })
    }
}

/// KEYS: job, items, errors, open, queue. ARGV: id, kind, now, ttl, total, then per item:
/// name, `i` (input) or `e` (failed already: outcome), bytes.
const CREATE: &str = include_str!("lua/jobs_create.lua");

/// KEYS: queue. ARGV: group, consumer, lease ms, now, key prefix. Claims an entry whose holder
/// let it idle past the lease, else a new one; skips (and acknowledges) entries of jobs that
/// are final or gone. Returns the job id, or nil.
const START: &str = include_str!("lua/jobs_start.lua");

/// KEYS: queue. ARGV: group, key prefix. The `created_at` of the first job in the stream after
/// the group's last delivered entry (not yet taken by any runner) that is still queued (a
/// cancelled one waits there until a runner skips it), looking at most 100 entries ahead; false
/// when none waits.
const OLDEST_QUEUED: &str = include_str!("lua/jobs_oldest_queued.lua");

/// KEYS: queue, job. ARGV: group, consumer, and for a release the idle time to set (ms).
/// Returns 1 when this consumer holds the running job (and renewed or released it), else 0.
const RENEW: &str = include_str!("lua/jobs_renew.lua");

/// KEYS: job, items. ARGV: limit. Moves the `low` cursor past finished items, then returns up
/// to `limit` pending items as index, name, input triples.
const PENDING: &str = include_str!("lua/jobs_pending.lua");

/// KEYS: job, items, errors. ARGV: index, outcome pairs. First outcome wins (HSETNX); counts
/// move only for outcomes recorded. Returns how many were.
const FINISH_ITEMS: &str = include_str!("lua/jobs_finish_items.lua");

/// KEYS: job, items, errors, result, open, expiry, queue. ARGV: id, new status, error (empty:
/// none), now, group, grace secs, `finish` (only from running) or `cancel` (from queued or
/// running). Makes the job final: expiry set, out of the open set and of the queue.
const END: &str = include_str!("lua/jobs_end.lua");

/// KEYS: job, items, errors, result, expiry. ARGV: id. Deletes the job if this call is the one
/// that takes it out of the expiry set (so that one sweep counts it); returns its hash.
const EXPIRE: &str = include_str!("lua/jobs_expire.lua");

/// The keys of one job.
struct JobKeys {
    job: String,
    items: String,
    errors: String,
    result: String,
}

impl RedisStore {
    fn job_keys(&self, id: &str) -> JobKeys {
        let job = self.key(&format!("job:{id}"));
        JobKeys {
            items: format!("{job}:items"),
            errors: format!("{job}:errors"),
            result: format!("{job}:result"),
            job,
        }
    }

    fn queue_key(&self) -> String {
        self.key("jobs:queue")
    }

    /// The lease in milliseconds, as Redis wants idle times.
    fn lease_ms(&self) -> u64 {
        u64::try_from(self.jobs.lease.as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs RENEW, with `idle_ms` for a release.
    fn renew_or_release(&self, id: &str, idle_ms: Option<u64>) -> StoreResult<bool> {
        if !valid_id(id) {
            return Ok(false);
        }
        let keys = self.job_keys(id);
        let mut call = self.jobs.renew.key(self.queue_key());
        call.key(&keys.job).arg(GROUP).arg(&self.jobs.consumer);
        if let Some(idle) = idle_ms {
            call.arg(idle);
        }
        let held: i64 = self.run(|c| call.invoke(c))?;
        Ok(held == 1)
    }

    /// Ends a job (END): `finish` or `cancel`.
    fn end(&self, id: &str, status: JobStatus, error: &str, mode: &str) -> StoreResult<()> {
        let keys = self.job_keys(id);
        let mut call = self.jobs.end.key(&keys.job);
        call.key(&keys.items)
            .key(&keys.errors)
            .key(&keys.result)
            .key(self.key("jobs:open"))
            .key(self.key("jobs:expiry"))
            .key(self.queue_key())
            .arg(id)
            .arg(status.name())
            .arg(error)
            .arg(unix_now())
            .arg(GROUP)
            .arg(SAFETY_GRACE_SECS)
            .arg(mode);
        let _: i64 = self.run(|c| call.invoke(c))?;
        Ok(())
    }
}

/// An outcome as stored: `o` + output, or `e` + code + `\n` + message.
fn encode(outcome: Result<Vec<u8>, ItemError>) -> Vec<u8> {
    match outcome {
        Ok(mut bytes) => {
            bytes.insert(0, b'o');
            bytes
        }
        Err(e) => format!("e{}\n{}", e.code, e.message).into_bytes(),
    }
}

fn decode(mut stored: Vec<u8>) -> Result<Vec<u8>, ItemError> {
    match stored.first() {
        Some(b'o') => {
            stored.remove(0);
            Ok(stored)
        }
        _ => {
            let text = String::from_utf8_lossy(stored.get(1..).unwrap_or_default());
            let (code, message) = text.split_once('\n').unwrap_or(("internal_error", &text));
            Err(ItemError {
                code: code.to_owned(),
                message: message.to_owned(),
            })
        }
    }
}

/// A job from its hash (`None` for an empty hash: no such job).
fn job_from_hash(id: &str, h: &HashMap<String, String>) -> StoreResult<Option<Job>> {
    if h.is_empty() {
        return Ok(None);
    }
    let int = |name: &str| -> StoreResult<i64> {
        h.get(name)
            .with_context(|| format!("job {id} has no {name}"))?
            .parse()
            .with_context(|| format!("job {id}: {name} is not a number"))
    };
    let opt = |name: &str| h.get(name).and_then(|v| v.parse::<i64>().ok());
    let count = |name: &str| int(name).map(|n| u64::try_from(n).unwrap_or(0));
    let kind = h.get("kind").map(String::as_str).unwrap_or_default();
    let status = h.get("status").map(String::as_str).unwrap_or_default();
    Ok(Some(Job {
        id: id.to_owned(),
        kind: JobKind::from_name(kind).with_context(|| format!("job {id}: kind {kind:?}"))?,
        status: JobStatus::from_name(status)
            .with_context(|| format!("job {id}: status {status:?}"))?,
        total: count("total")?,
        done: count("done")?,
        failed: count("failed")?,
        created_at: int("created_at")?,
        started_at: opt("started_at"),
        finished_at: opt("finished_at"),
        expires_at: int("expires_at")?,
        result_bytes: opt("result_bytes").map(|n| u64::try_from(n).unwrap_or(0)),
        error: h.get("error").cloned(),
    }))
}

impl JobStore for RedisStore {
    fn create_job(&self, kind: JobKind, items: Vec<NewItem>, ttl: Duration) -> StoreResult<Job> {
        let id = crate::store::new_id()?;
        let keys = self.job_keys(&id);
        let mut call = self.jobs.create.key(&keys.job);
        call.key(&keys.items)
            .key(&keys.errors)
            .key(self.key("jobs:open"))
            .key(self.queue_key())
            .arg(&id)
            .arg(kind.name())
            .arg(unix_now())
            .arg(ttl.as_secs())
            .arg(items.len());
        for item in items {
            call.arg(item.name);
            match item.input {
                Ok(input) => call.arg("i").arg(input),
                Err(e) => call.arg("e").arg(encode(Err(e))),
            };
        }
        let _entry: String = self.run(|c| call.invoke(c))?;
        self.job(&id)?.context("the job just stored is missing")
    }

    fn job(&self, id: &str) -> StoreResult<Option<Job>> {
        if !valid_id(id) {
            return Ok(None);
        }
        let key = self.job_keys(id).job;
        let hash: HashMap<String, String> =
            self.run(|c| redis::cmd("HGETALL").arg(&key).query(c))?;
        job_from_hash(id, &hash)
    }

    fn start_next(&self) -> StoreResult<Option<Job>> {
        let mut call = self.jobs.start.key(self.queue_key());
        call.arg(GROUP)
            .arg(&self.jobs.consumer)
            .arg(self.lease_ms())
            .arg(unix_now())
            .arg(self.key(""));
        let id: Option<String> = self.run(|c| call.invoke(c))?;
        match id {
            Some(id) => self.job(&id),
            None => Ok(None),
        }
    }

    fn renew(&self, id: &str) -> StoreResult<bool> {
        self.renew_or_release(id, None)
    }

    fn release(&self, id: &str) -> StoreResult<()> {
        // Idle for longer than any lease: the next XAUTOCLAIM, anyone's, takes it.
        let idle = self.lease_ms().saturating_add(1000);
        self.renew_or_release(id, Some(idle)).map(drop)
    }

    fn pending_items(&self, id: &str, limit: usize) -> StoreResult<Vec<PendingItem>> {
        if !valid_id(id) || limit == 0 {
            return Ok(Vec::new());
        }
        let keys = self.job_keys(id);
        let mut call = self.jobs.pending.key(&keys.job);
        call.key(&keys.items).arg(limit);
        let flat: Vec<Vec<u8>> = self.run(|c| call.invoke(c))?;
        let mut items = Vec::with_capacity(flat.len() / 3);
        let mut parts = flat.into_iter();
        while let (Some(index), Some(name), Some(input)) =
            (parts.next(), parts.next(), parts.next())
        {
            items.push(PendingItem {
                index: String::from_utf8_lossy(&index)
                    .parse()
                    .context("pending item index")?,
                name: String::from_utf8_lossy(&name).into_owned(),
                input,
            });
        }
        Ok(items)
    }

    fn finish_items(
        &self,
        id: &str,
        outcomes: Vec<(u64, Result<Vec<u8>, ItemError>)>,
    ) -> StoreResult<()> {
        if !valid_id(id) || outcomes.is_empty() {
            return Ok(());
        }
        let keys = self.job_keys(id);
        let mut call = self.jobs.finish_items.key(&keys.job);
        call.key(&keys.items).key(&keys.errors);
        for (index, outcome) in outcomes {
            call.arg(index).arg(encode(outcome));
        }
        let _recorded: i64 = self.run(|c| call.invoke(c))?;
        Ok(())
    }

    fn visit_items(
        &self,
        id: &str,
        visit: &mut dyn FnMut(FinishedItem) -> anyhow::Result<()>,
    ) -> StoreResult<()> {
        let Some(job) = self.job(id)? else {
            return Ok(());
        };
        let items = self.job_keys(id).items;
        let mut start = 0;
        while start < job.total {
            let end = (start + VISIT_CHUNK).min(job.total);
            let mut cmd = redis::cmd("HMGET");
            cmd.arg(&items);
            for i in start..end {
                cmd.arg(format!("n{i}")).arg(format!("o{i}"));
            }
            // Fetched, then visited without the connection held: the visitor may be slow.
            let fields: Vec<Option<Vec<u8>>> = self.run(|c| cmd.query(c))?;
            let mut fields = fields.into_iter();
            for index in start..end {
                let (name, outcome) = (fields.next().flatten(), fields.next().flatten());
                if let Some(outcome) = outcome {
                    visit(FinishedItem {
                        index,
                        name: String::from_utf8_lossy(&name.unwrap_or_default()).into_owned(),
                        output: decode(outcome),
                    })?;
                }
            }
            start = end;
        }
        Ok(())
    }

    fn finished_item(&self, id: &str, index: u64) -> StoreResult<Option<FinishedItem>> {
        if !valid_id(id) {
            return Ok(None);
        }
        let items = self.job_keys(id).items;
        let (name, outcome): (Option<Vec<u8>>, Option<Vec<u8>>) = self.run(|c| {
            redis::cmd("HMGET")
                .arg(&items)
                .arg(format!("n{index}"))
                .arg(format!("o{index}"))
                .query(c)
        })?;
        Ok(outcome.map(|outcome| FinishedItem {
            index,
            name: String::from_utf8_lossy(&name.unwrap_or_default()).into_owned(),
            output: decode(outcome),
        }))
    }

    fn open_jobs(&self) -> StoreResult<u64> {
        let key = self.key("jobs:open");
        self.run(|c| redis::cmd("SCARD").arg(&key).query(c))
    }

    fn oldest_queued_at(&self) -> StoreResult<Option<i64>> {
        let mut call = self.jobs.oldest.key(self.queue_key());
        call.arg(GROUP).arg(self.key(""));
        let created: Option<String> = self.run(|c| call.invoke(c))?;
        created
            .map(|t| t.parse().context("a job's created_at"))
            .transpose()
    }

    fn item_errors(&self, id: &str, limit: usize) -> StoreResult<Vec<(u64, String, ItemError)>> {
        if !valid_id(id) || limit == 0 {
            return Ok(Vec::new());
        }
        let keys = self.job_keys(id);
        let indices: Vec<u64> = self.run(|c| {
            redis::cmd("ZRANGE")
                .arg(&keys.errors)
                .arg(0)
                .arg(limit - 1)
                .query(c)
        })?;
        if indices.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(&keys.items);
        for i in &indices {
            cmd.arg(format!("n{i}")).arg(format!("o{i}"));
        }
        let fields: Vec<Option<Vec<u8>>> = self.run(|c| cmd.query(c))?;
        let mut fields = fields.into_iter();
        let mut errors = Vec::with_capacity(indices.len());
        for index in indices {
            let (name, outcome) = (fields.next().flatten(), fields.next().flatten());
            if let Some(Err(e)) = outcome.map(decode) {
                let name = String::from_utf8_lossy(&name.unwrap_or_default()).into_owned();
                errors.push((index, name, e));
            }
        }
        Ok(errors)
    }

    fn put_result(&self, id: &str, max_bytes: u64, write: WriteResult<'_>) -> StoreResult<u64> {
        let job = self
            .job(id)?
            .with_context(|| format!("no job {id} to keep a result for"))?;
        let mut out = CappedWriter::new(Cursor::new(Vec::new()), max_bytes);
        if let Err(e) = write(&mut out) {
            if out.exceeded() {
                return Err(ResultTooLarge { max_bytes }.into());
            }
            return Err(e);
        }
        let bytes = out.into_inner().into_inner();
        let len = bytes.len() as u64;
        // A TTL already, in case the job never gets to be final (it is reset when it does).
        let ttl = u64::try_from(job.expires_at.saturating_sub(job.created_at))
            .unwrap_or(0)
            .saturating_add(SAFETY_GRACE_SECS);
        let keys = self.job_keys(id);
        self.run(|c| {
            redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(&keys.result)
                .arg(bytes)
                .arg("EX")
                .arg(ttl)
                .ignore()
                .cmd("HSET")
                .arg(&keys.job)
                .arg("result_bytes")
                .arg(len)
                .ignore()
                .query::<()>(c)
        })?;
        Ok(len)
    }

    fn result(&self, id: &str) -> StoreResult<Option<ResultBlob>> {
        if !valid_id(id) {
            return Ok(None);
        }
        let key = self.job_keys(id).result;
        let bytes: Option<Vec<u8>> = self.run(|c| redis::cmd("GET").arg(&key).query(c))?;
        Ok(bytes.map(ResultBlob::Bytes))
    }

    fn finish_job(&self, id: &str, outcome: Result<(), String>) -> StoreResult<Option<Job>> {
        if !valid_id(id) {
            return Ok(None);
        }
        let (status, error) = match &outcome {
            Ok(()) => (JobStatus::Succeeded, ""),
            Err(e) => (JobStatus::Failed, e.as_str()),
        };
        self.end(id, status, error, "finish")?;
        self.job(id)
    }

    fn cancel(&self, id: &str) -> StoreResult<Option<Job>> {
        if !valid_id(id) {
            return Ok(None);
        }
        self.end(id, JobStatus::Cancelled, "", "cancel")?;
        self.job(id)
    }

    fn expire(&self, now: i64) -> StoreResult<Vec<Job>> {
        let expiry = self.key("jobs:expiry");
        let ids: Vec<String> = self.run(|c| {
            redis::cmd("ZRANGEBYSCORE")
                .arg(&expiry)
                .arg("-inf")
                .arg(now)
                .arg("LIMIT")
                .arg(0)
                .arg(SWEEP_BATCH)
                .query(c)
        })?;
        let mut expired = Vec::with_capacity(ids.len());
        for id in ids {
            let keys = self.job_keys(&id);
            let mut call = self.jobs.expire.key(&keys.job);
            call.key(&keys.items)
                .key(&keys.errors)
                .key(&keys.result)
                .key(&expiry)
                .arg(&id);
            let hash: Option<HashMap<String, String>> = self.run(|c| call.invoke(c))?;
            // None: another replica's sweep took it. An empty hash: Redis's own TTL was first
            // (no sweep for an hour); nothing left to count.
            if let Some(job) = hash.map(|h| job_from_hash(&id, &h)).transpose()?.flatten() {
                expired.push(job);
            }
        }
        Ok(expired)
    }
}
