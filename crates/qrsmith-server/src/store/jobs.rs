//! Batch jobs as stored: a job is its items, each with its input and, once done, its output or
//! error. Items are finished in atomic steps keyed by `(job, index)` where the first outcome
//! wins, so a job interrupted by a crash (or run by two replicas at once after a takeover)
//! resumes with what is left and every item appears exactly once in its result.
//!
//! A running job is held under a lease by the store instance (process, replica) that started
//! it: the holder renews it while it works ([`JobStore::renew`]); when the holder stops renewing
//! (it crashed) the lease lapses and another instance's [`JobStore::start_next`] takes the job
//! over. The job's result is a blob the store keeps ([`JobStore::put_result`]), capped in size.

use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use super::StoreResult;

/// What a job does with its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Each item is a set of generation options (JSON); the output is an image.
    Generate,
    /// Each item is an image; the output is what was read in it (JSON).
    Decode,
    /// Each item is a set of generation options, a caption and the sheet's layout (JSON); the
    /// output is the symbol's matrix; the result is one label-sheet PDF.
    Labels,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 3] = [JobKind::Generate, JobKind::Decode, JobKind::Labels];

    /// The name used in the API and the database.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Generate => "generate",
            JobKind::Decode => "decode",
            JobKind::Labels => "labels",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Accepted, not started.
    Queued,
    /// Items are being processed (or were, when the process stopped: it resumes).
    Running,
    /// Every item finished (some may have failed) and the result is ready.
    Succeeded,
    /// The job could not finish (its result could not be written).
    Failed,
    /// Cancelled by the client; the items not yet done were skipped.
    Cancelled,
}

impl JobStatus {
    /// Every status, in the order a job goes through them.
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// The name used in the API and the database.
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<JobStatus> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.name() == name)
    }

    /// Whether the job will change no more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// Why one item failed: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// Stable snake_case code (the API's error codes).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// An item of a new job: its name (the file name in the result), and its input or the reason
/// it already failed when the job was submitted (a bad CSV row).
#[derive(Debug, Clone)]
pub struct NewItem {
    /// File name in the result, without extension for generate jobs.
    pub name: String,
    /// The input bytes, or why the item cannot run.
    pub input: Result<Vec<u8>, ItemError>,
}

/// A job and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Random hex id.
    pub id: String,
    /// What it does.
    pub kind: JobKind,
    /// Where it stands.
    pub status: JobStatus,
    /// Items in all.
    pub total: u64,
    /// Items finished, failed ones included.
    pub done: u64,
    /// Items that failed.
    pub failed: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, once started.
    pub started_at: Option<i64>,
    /// Unix seconds, once final.
    pub finished_at: Option<i64>,
    /// Unix seconds after which the job and its result are deleted.
    pub expires_at: i64,
    /// Size of the stored result in bytes, once succeeded.
    pub result_bytes: Option<u64>,
    /// Why the job failed, if it did.
    pub error: Option<String>,
}

/// An item still to do.
#[derive(Debug, Clone)]
pub struct PendingItem {
    /// 0-based position in the job.
    pub index: u64,
    /// Its name.
    pub name: String,
    /// Its input.
    pub input: Vec<u8>,
}

/// A finished item, as read back for the result.
#[derive(Debug, Clone)]
pub struct FinishedItem {
    /// 0-based position in the job.
    pub index: u64,
    /// Its name.
    pub name: String,
    /// Its output, or why it failed.
    pub output: Result<Vec<u8>, ItemError>,
}

/// How long a running job's lease lasts without renewal, unless the store is told otherwise.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Somewhere a job's result is written: a file or a buffer (ZIP writers seek back).
pub trait WriteSeek: Write + Seek {}

impl<T: Write + Seek + ?Sized> WriteSeek for T {}

/// A job's stored result, as handed out for the download.
#[derive(Debug)]
pub enum ResultBlob {
    /// A file on disk (embedded backend), already open: streamed, and still readable if the
    /// sweep removes it meanwhile.
    File {
        /// The open file, at its start.
        file: std::fs::File,
        /// Its length in bytes.
        len: u64,
    },
    /// The bytes themselves (Redis).
    Bytes(Vec<u8>),
}

/// A result larger than the cap it was stored under (`--max-result-bytes`): the job fails with
/// this as its reason, nothing is stored, nothing is truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultTooLarge {
    /// The cap, in bytes.
    pub max_bytes: u64,
}

impl std::fmt::Display for ResultTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the result would be larger than {} bytes, the most this server keeps for one job \
             (--max-result-bytes); split the job into smaller ones",
            self.max_bytes
        )
    }
}

impl std::error::Error for ResultTooLarge {}

/// A writer that refuses to grow past `max_bytes` (counting the furthest byte written, seeks
/// included), so an oversized result is stopped while it is written, not after.
#[derive(Debug)]
pub struct CappedWriter<W> {
    inner: W,
    pos: u64,
    end: u64,
    max_bytes: u64,
    exceeded: bool,
}

impl<W: Write + Seek> CappedWriter<W> {
    /// Wraps `inner` (positioned at its start).
    pub fn new(inner: W, max_bytes: u64) -> Self {
        CappedWriter {
            inner,
            pos: 0,
            end: 0,
            max_bytes,
            exceeded: false,
        }
    }

    /// Whether a write was refused for the cap.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// Bytes written (the furthest position reached).
    pub fn len(&self) -> u64 {
        self.end
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// The inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write + Seek> Write for CappedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let after = self.pos.saturating_add(buf.len() as u64);
        if after > self.max_bytes {
            self.exceeded = true;
            return Err(std::io::Error::other(ResultTooLarge {
                max_bytes: self.max_bytes,
            }));
        }
        let n = self.inner.write(buf)?;
        self.pos += n as u64;
        self.end = self.end.max(self.pos);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write + Seek> Seek for CappedWriter<W> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

/// What [`JobStore::put_result`] calls to write the result.
pub type WriteResult<'a> = &'a mut dyn FnMut(&mut dyn WriteSeek) -> anyhow::Result<()>;

/// The storage of batch jobs. Methods block (call them off the async runtime).
///
/// Every backend keeps the same semantics (the conformance suite in
/// `tests/conformance/jobs.rs` checks them on each): the first outcome of an item wins, counts
/// are exact, a job is held by one instance at a time under a lease, final jobs expire.
pub trait JobStore: Send + Sync + std::fmt::Debug {
    /// Stores a new queued job with its items; it expires `ttl` after it finishes.
    fn create_job(&self, kind: JobKind, items: Vec<NewItem>, ttl: Duration) -> StoreResult<Job>;

    /// The job, if known (and not swept).
    fn job(&self, id: &str) -> StoreResult<Option<Job>>;

    /// Claims a job for this store instance and marks it running: first one whose holder let
    /// its lease lapse (the holder stopped: the job resumes where it was), else the oldest
    /// queued one. Never a job whose lease is live, not even this instance's own.
    fn start_next(&self) -> StoreResult<Option<Job>>;

    /// Renews this instance's lease on a running job it holds; `false` when it no longer holds
    /// it (taken over after a lapse, cancelled, finished, gone): the caller stops working on it.
    fn renew(&self, id: &str) -> StoreResult<bool>;

    /// Gives up this instance's lease on a running job it holds (a graceful stop), so that any
    /// instance's [`JobStore::start_next`] takes it at once rather than after the lease.
    fn release(&self, id: &str) -> StoreResult<()>;

    /// Up to `limit` items of the job still to do, in order. Costs O(`limit`) plus the items
    /// finished since the last call, not O(items in the job).
    fn pending_items(&self, id: &str, limit: usize) -> StoreResult<Vec<PendingItem>>;

    /// Records the outcomes of items atomically. An item already finished keeps its first
    /// outcome (and is counted once), whoever finished it.
    fn finish_items(
        &self,
        id: &str,
        outcomes: Vec<(u64, Result<Vec<u8>, ItemError>)>,
    ) -> StoreResult<()>;

    /// Every finished item of the job in order, handed to `visit` one at a time.
    fn visit_items(
        &self,
        id: &str,
        visit: &mut dyn FnMut(FinishedItem) -> anyhow::Result<()>,
    ) -> StoreResult<()>;

    /// One item, once finished (`None` while pending, or for an unknown job or index).
    fn finished_item(&self, id: &str, index: u64) -> StoreResult<Option<FinishedItem>>;

    /// Jobs queued or running.
    fn open_jobs(&self) -> StoreResult<u64>;

    /// When the oldest job still waiting to start was created (Unix seconds), if any: the age
    /// of the backlog, which the `QrsmithJobBacklogOld` alert watches.
    fn oldest_queued_at(&self) -> StoreResult<Option<i64>>;

    /// The first `limit` failed items: index, name and error.
    fn item_errors(&self, id: &str, limit: usize) -> StoreResult<Vec<(u64, String, ItemError)>>;

    /// Stores the job's result, written by `write`, replacing any earlier one; returns its size.
    /// A result over `max_bytes` is refused with a [`ResultTooLarge`] error (the write stops
    /// there) and nothing is kept.
    fn put_result(&self, id: &str, max_bytes: u64, write: WriteResult<'_>) -> StoreResult<u64>;

    /// The job's stored result, if any.
    fn result(&self, id: &str) -> StoreResult<Option<ResultBlob>>;

    /// Ends a running job: succeeded (its result stored with [`JobStore::put_result`] first),
    /// or failed with a reason. A job cancelled meanwhile stays cancelled. Its lease ends.
    fn finish_job(&self, id: &str, outcome: Result<(), String>) -> StoreResult<Option<Job>>;

    /// Cancels a job that is not final; returns it as it now stands. Its holder's next
    /// [`JobStore::renew`] answers `false`.
    fn cancel(&self, id: &str) -> StoreResult<Option<Job>>;

    /// Deletes every final job whose time is up (as of `now`, Unix seconds), with its items and
    /// result, and returns them; each expired job is returned once, even with several instances
    /// sweeping. Jobs not final never expire: they were promised to run.
    fn expire(&self, now: i64) -> StoreResult<Vec<Job>>;
}

/// Whether `id` can be a job id (hex, as [`super::new_id`] makes): anything else is unknown
/// without asking the backend, and never reaches a file name or a key.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}
