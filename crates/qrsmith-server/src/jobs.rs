//! Batch jobs: the runner that takes the next job from the store, runs its items on the worker
//! pool and records each outcome, then writes the result file; and the sweep that deletes
//! finished jobs when their time is up.
//!
//! Items wait for room on the pool instead of taking a 429, so interactive requests keep their
//! place; at most `workers` items of a job run at once. A job interrupted by a stop or a crash
//! is resumed by the next start (its finished items are kept).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use qrsmith_core::{decode, DecodeOptions, Format};
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use crate::batch::{self, GenerateZip};
use crate::config::Config;
use crate::error::ApiError;
use crate::state::{AppState, Phase};
use crate::store::{
    unix_now, ItemError, Job, JobKind, JobStatus, JobStore, NewItem, PendingItem, SqliteStore,
};

/// Formats a generate job can write.
pub const FORMATS: &[Format] = &[
    Format::Png,
    Format::Svg,
    Format::Pdf,
    Format::Eps,
    Format::Txt,
];
/// How often finished jobs past their TTL are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How often the age of the job backlog is read from the store for its metric.
const BACKLOG_SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// Errors listed in a job's status.
const ERRORS_SHOWN: usize = 20;

/// The job store and what the runner needs besides the rest of the state.
#[derive(Debug)]
pub struct Jobs {
    store: Arc<dyn JobStore>,
    results: PathBuf,
    wake: Notify,
    ttl: Duration,
    max_open: u64,
}

impl Jobs {
    /// Opens the store in `config.data_dir` (SQLite), or in memory without one.
    pub fn open(config: &Config) -> anyhow::Result<Jobs> {
        let (store, results): (Arc<dyn JobStore>, PathBuf) = match &config.data_dir {
            Some(dir) => (Arc::new(SqliteStore::open(dir)?), dir.join("results")),
            None => (
                Arc::new(SqliteStore::in_memory()?),
                std::env::temp_dir().join(format!(
                    "qrsmith-results-{}-{}",
                    std::process::id(),
                    crate::store::new_id()?
                )),
            ),
        };
        Ok(Jobs {
            store,
            results,
            wake: Notify::new(),
            ttl: Duration::from_secs(config.job_ttl_secs),
            max_open: config.max_open_jobs,
        })
    }

    /// Runs `f` on the store off the async runtime; a storage failure is a 500.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&dyn JobStore) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| ApiError::internal(&format!("store task: {e}")))?
            .map_err(|e| ApiError::internal(&format!("store: {e:#}")))
    }

    /// Stores a new job and wakes the runner; 429 when `max_open_jobs` are queued or running.
    pub async fn submit(&self, kind: JobKind, items: Vec<NewItem>) -> Result<Job, ApiError> {
        self.submit_with(kind, items, Vec::new()).await
    }

    /// [`Jobs::submit`] with the outcomes of some items already known (a cache hit).
    pub async fn submit_with(
        &self,
        kind: JobKind,
        items: Vec<NewItem>,
        known: Vec<(u64, Result<Vec<u8>, ItemError>)>,
    ) -> Result<Job, ApiError> {
        let (ttl, max_open) = (self.ttl, self.max_open);
        let job = self
            .with_store(move |s| {
                if s.open_jobs()? >= max_open {
                    return Ok(None);
                }
                let job = s.create_job(kind, items, ttl)?;
                if !known.is_empty() {
                    s.finish_items(&job.id, known)?;
                }
                Ok(Some(job))
            })
            .await?
            .ok_or_else(|| {
                ApiError::overloaded(format!(
                    "{max_open} jobs are queued or running, the most this server takes; retry \
                     after the delay in Retry-After"
                ))
            })?;
        self.wake.notify_one();
        Ok(job)
    }
}

/// A job as the API shows it: progress, timestamps (Unix seconds), the first item errors and,
/// once succeeded, where to download the result.
pub async fn describe(state: &AppState, job: Job) -> Result<Value, ApiError> {
    let id = job.id.clone();
    let errors = state
        .jobs
        .with_store(move |s| s.item_errors(&id, ERRORS_SHOWN))
        .await?;
    Ok(json!({
        "id": job.id,
        "type": job.kind.name(),
        "status": job.status.name(),
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "error": job.error,
        "errors": errors.iter().map(|(index, name, e)| json!({
            "row": index + 1,
            "name": name,
            "code": e.code,
            "message": e.message,
        })).collect::<Vec<_>>(),
        "result": (job.status == JobStatus::Succeeded)
            .then(|| format!("/api/v1/jobs/{}/result", job.id)),
    }))
}

/// Starts the runner, the sweep and the backlog sampler; they stop when the service drains.
pub fn start(state: &AppState) {
    tokio::spawn(run(state.clone()));
    tokio::spawn(sweep(state.clone()));
    tokio::spawn(sample_backlog(state.clone()));
}

/// Sets `qrsmith_jobs_oldest_queued_age_seconds` from the store every few seconds. A sampler
/// rather than a scrape-time query: a slow store must not slow `/metrics` down; with a shared
/// store every replica reports the same backlog, and the alert takes the maximum.
async fn sample_backlog(state: AppState) {
    let mut every = tokio::time::interval(BACKLOG_SAMPLE_EVERY);
    while state.phase() != Phase::Draining {
        every.tick().await;
        match state.jobs.with_store(|s| s.oldest_queued_at()).await {
            Ok(oldest) => {
                let age = oldest.map_or(0, |created| (unix_now() - created).max(0));
                state.metrics.jobs_oldest_queued_age.set(age);
            }
            // Left at its last value: the store's failure shows in the requests' errors.
            Err(e) => tracing::warn!(error = %e.message, "job backlog sample"),
        }
    }
}

async fn run(state: AppState) {
    while state.phase() != Phase::Draining {
        match state.jobs.with_store(|s| s.start_next()).await {
            Ok(Some(job)) => {
                if let Err(e) = run_job(&state, &job).await {
                    tracing::error!(job = %job.id, error = %e.message, "job runner");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            Ok(None) => {
                // Woken by a submission; the timeout also notices a drain.
                let _ =
                    tokio::time::timeout(Duration::from_secs(1), state.jobs.wake.notified()).await;
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

async fn run_job(state: &AppState, job: &Job) -> Result<(), ApiError> {
    let batch = state.workers.workers();
    loop {
        if state.phase() == Phase::Draining {
            // Left running: the next start resumes it.
            return Ok(());
        }
        let id = job.id.clone();
        let (current, items) = state
            .jobs
            .with_store(move |s| Ok((s.job(&id)?, s.pending_items(&id, batch)?)))
            .await?;
        if current.is_none_or(|j| j.status != JobStatus::Running) {
            return Ok(()); // cancelled or expired meanwhile
        }
        if items.is_empty() {
            break;
        }
        let mut running = tokio::task::JoinSet::new();
        for item in items {
            running.spawn(run_item(state.clone(), job.kind, item));
        }
        let mut outcomes = Vec::with_capacity(batch);
        while let Some(done) = running.join_next().await {
            let (index, outcome) =
                done.map_err(|e| ApiError::internal(&format!("job item task: {e}")))?;
            let label = if outcome.is_ok() { "ok" } else { "error" };
            state.metrics.job_items.with_label_values(&[label]).inc();
            outcomes.push((index, outcome));
        }
        let id = job.id.clone();
        state
            .jobs
            .with_store(move |s| s.finish_items(&id, outcomes))
            .await?;
    }
    let (id, kind, dir) = (job.id.clone(), job.kind, state.jobs.results.clone());
    let finished = state
        .jobs
        .with_store(move |s| {
            let outcome = write_result(s, &id, kind, &dir).map_err(|e| {
                tracing::error!(job = %id, error = %e, "cannot write the job's result");
                format!("the result could not be written: {e}")
            });
            s.finish_job(&id, outcome)
        })
        .await?;
    if let Some(job) = finished {
        state
            .metrics
            .jobs_finished
            .with_label_values(&[job.status.name()])
            .inc();
        tracing::info!(job = %job.id, status = job.status.name(), total = job.total,
            failed = job.failed, "job finished");
    }
    Ok(())
}

/// Runs one item on the worker pool, waiting for room rather than being refused.
async fn run_item(
    state: AppState,
    kind: JobKind,
    item: PendingItem,
) -> (u64, Result<Vec<u8>, ItemError>) {
    let index = item.index;
    let limits = crate::generation_limits(&state.config);
    let decode_options = state.config.decode_options();
    let admission = loop {
        match state.workers.admit() {
            Ok(admission) => break admission,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let work = move || match kind {
        JobKind::Generate => generate_item(&item.input, limits),
        JobKind::Decode => decode_item(&item, &decode_options),
    };
    let outcome = admission
        .run(work)
        .await
        .unwrap_or_else(|e| Err(item_error(&e)));
    (index, outcome)
}

fn item_error(e: &ApiError) -> ItemError {
    ItemError {
        code: e.code.to_owned(),
        message: e.message.to_string(),
    }
}

fn generate_item(
    input: &[u8],
    limits: crate::generation::GenerationLimits,
) -> Result<Vec<u8>, ItemError> {
    let options: Map<String, Value> = serde_json::from_slice(input).map_err(|e| ItemError {
        code: "internal_error".into(),
        message: format!("stored options unreadable: {e}"),
    })?;
    let generation = batch::normalise(&options, limits, FORMATS).map_err(|e| item_error(&e))?;
    let generated = generation
        .run()
        .map_err(|e| item_error(&ApiError::from_generate(e)))?;
    Ok(generated.images[0].bytes.to_vec())
}

/// What was read in one image, as its `results.json` entry; an unreadable image fails the item
/// (its entry is written from the error when the result is put together).
fn decode_item(item: &PendingItem, opts: &DecodeOptions) -> Result<Vec<u8>, ItemError> {
    match decode(&item.input, opts) {
        Ok(d) => serde_json::to_vec(&batch::decode_file_json(&item.name, Ok(&d))).map_err(|e| {
            ItemError {
                code: "internal_error".into(),
                message: e.to_string(),
            }
        }),
        Err(e) => Err(ItemError {
            code: e.kind().code().into(),
            message: e.to_string(),
        }),
    }
}

/// Writes the job's result file from its finished items: beside the target, then renamed.
fn write_result(
    store: &dyn JobStore,
    id: &str,
    kind: JobKind,
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{id}.zip"));
    let partial = dir.join(format!("{id}.zip.partial"));
    let file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
    match kind {
        JobKind::Generate => {
            let mut zip = GenerateZip::new(file)?;
            store.visit_items(id, &mut |item| {
                let row = usize::try_from(item.index)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                match item.output {
                    Ok(bytes) => zip.add_file(row, &item.name, &bytes)?,
                    Err(e) => zip.add_error(row, &e.code, &e.message)?,
                }
                Ok(())
            })?;
            zip.finish()?.flush()?;
        }
        JobKind::Decode => {
            let mut files = Vec::new();
            store.visit_items(id, &mut |item| {
                files.push(match item.output {
                    Ok(bytes) => serde_json::from_slice(&bytes)?,
                    Err(e) => batch::decode_file_json(&item.name, Err((&e.code, &e.message))),
                });
                Ok(())
            })?;
            batch::write_decode_zip(file, &files)?.flush()?;
        }
    }
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// Deletes finished jobs past their TTL, and their result files, every minute.
async fn sweep(state: AppState) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    while state.phase() != Phase::Draining {
        every.tick().await;
        match state.jobs.with_store(|s| s.expire(unix_now())).await {
            Ok(expired) => {
                for job in &expired {
                    if let Some(path) = &job.result {
                        let _ = std::fs::remove_file(path);
                    }
                }
                state.metrics.jobs_expired.inc_by(expired.len() as u64);
            }
            Err(e) => tracing::error!(error = %e.message, "job sweep"),
        }
    }
}
