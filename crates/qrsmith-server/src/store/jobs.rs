//! Batch jobs as stored: a job is its items, each with its input and, once done, its output or
//! error. Items are finished one by one in transactions keyed by `(job, index)`, so a job
//! interrupted by a crash resumes with what is left and every item appears exactly once in its
//! result.

use std::path::PathBuf;
use std::time::Duration;

use super::StoreResult;

/// What a job does with its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Each item is a set of generation options (JSON); the output is an image.
    Generate,
    /// Each item is an image; the output is what was read in it (JSON).
    Decode,
}

impl JobKind {
    /// The name used in the API and the database.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Generate => "generate",
            JobKind::Decode => "decode",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<JobKind> {
        match name {
            "generate" => Some(JobKind::Generate),
            "decode" => Some(JobKind::Decode),
            _ => None,
        }
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
        Some(match name {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            _ => return None,
        })
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
    /// The result file, once succeeded.
    pub result: Option<PathBuf>,
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

/// The storage of batch jobs. Methods block (call them off the async runtime).
pub trait JobStore: Send + Sync + std::fmt::Debug {
    /// Stores a new queued job with its items; it expires `ttl` after it finishes.
    fn create_job(&self, kind: JobKind, items: Vec<NewItem>, ttl: Duration) -> StoreResult<Job>;

    /// The job, if known (and not expired).
    fn job(&self, id: &str) -> StoreResult<Option<Job>>;

    /// The oldest job that is queued, or was left running by a process that stopped, now
    /// marked running.
    fn start_next(&self) -> StoreResult<Option<Job>>;

    /// Up to `limit` items of the job still to do, in order.
    fn pending_items(&self, id: &str, limit: usize) -> StoreResult<Vec<PendingItem>>;

    /// Records the outcomes of items, in one transaction. An item already finished keeps its
    /// first outcome.
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

    /// Ends a running job: succeeded with its result file, or failed with a reason. A job
    /// cancelled meanwhile stays cancelled.
    fn finish_job(&self, id: &str, outcome: Result<PathBuf, String>) -> StoreResult<Option<Job>>;

    /// Cancels a job that is not final; returns it as it now stands.
    fn cancel(&self, id: &str) -> StoreResult<Option<Job>>;

    /// Deletes every job whose time is up (as of `now`, Unix seconds) and returns them, so that
    /// their result files can be removed.
    fn expire(&self, now: i64) -> StoreResult<Vec<Job>>;
}
