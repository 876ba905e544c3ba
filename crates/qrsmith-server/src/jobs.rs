//! Batch jobs: the runner that takes the next job from the store, runs its items on the worker
//! pool and records each outcome, then writes the result into the store; and the sweep that
//! deletes finished jobs when their time is up.
//!
//! Items wait for room on the pool instead of taking a 429, so interactive requests keep their
//! place; at most `workers` items of a job run at once. While it runs a job, the runner renews
//! its lease on it in the background; a job interrupted by a crash is resumed, once its lease
//! lapses, by the next start or by another replica (its finished items are kept); a graceful
//! stop gives the lease up so that the job resumes at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use qrsmith_core::{decode, DecodeOptions, Format, LabelSheetWriter};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use tokio_util::sync::CancellationToken;

use crate::batch::{self, GenerateZip};
use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::generation::GenerationLimits;
use crate::metrics::Metrics;
use crate::store::{
    unix_now, ItemError, Job, JobKind, JobStatus, JobStore, NewItem, PendingItem, WriteSeek,
};
use crate::workers::Workers;

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
pub(crate) const ERRORS_SHOWN: usize = 20;

/// Batch jobs: their store, and what the runner uses to run them.
#[derive(Debug)]
pub struct Jobs {
    store: Arc<dyn JobStore>,
    workers: Workers,
    metrics: Arc<Metrics>,
    /// The runner, the sweep and the sampler stop when it is cancelled (the service drains).
    stop: CancellationToken,
    wake: Notify,
    ttl: Duration,
    max_open: u64,
    lease: Duration,
    max_result_bytes: u64,
    limits: GenerationLimits,
    decode_options: DecodeOptions,
}

impl Jobs {
    /// The jobs kept in `store`, run on `workers` with `config`'s TTL, bounds, lease and
    /// limits until `stop`.
    pub fn new(
        config: &Config,
        store: Arc<dyn JobStore>,
        workers: Workers,
        metrics: Arc<Metrics>,
        stop: CancellationToken,
    ) -> Jobs {
        Jobs {
            store,
            workers,
            metrics,
            stop,
            wake: Notify::new(),
            ttl: Duration::from_secs(config.job_ttl_secs),
            max_open: config.max_open_jobs,
            lease: config.job_lease(),
            max_result_bytes: config.max_result_bytes,
            limits: GenerationLimits::of(config),
            decode_options: config.decode_options(),
        }
    }

    /// The store itself, for callers already off the async runtime.
    pub fn store(&self) -> &Arc<dyn JobStore> {
        &self.store
    }

    /// Runs `f` on the store off the async runtime ([`crate::store::with_store`]).
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&dyn JobStore) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(crate::store::with_store(&self.store, move |s| f(s)).await?)
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

    /// A job as the API shows it: progress, timestamps (Unix seconds), the first item errors
    /// and, once succeeded, where to download the result.
    pub async fn describe(&self, job: Job) -> Result<JobView, ApiError> {
        let id = job.id.clone();
        let errors = self
            .with_store(move |s| s.item_errors(&id, ERRORS_SHOWN))
            .await?;
        Ok(view(job, &errors))
    }
}

/// A batch job as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Job)]
pub struct JobView {
    /// Its id, in its URL.
    pub id: String,
    /// What it does.
    #[serde(rename = "type")]
    #[schema(schema_with = kind_schema)]
    pub kind: &'static str,
    /// Where it stands.
    #[schema(schema_with = status_schema)]
    pub status: &'static str,
    /// Items in all.
    pub total: u64,
    /// Items finished, failed ones included.
    pub done: u64,
    /// Items that failed.
    pub failed: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, once started.
    #[schema(required)]
    pub started_at: Option<i64>,
    /// Unix seconds, once final.
    #[schema(required)]
    pub finished_at: Option<i64>,
    /// Unix seconds; a finished job and its result are deleted then.
    pub expires_at: i64,
    /// Why the job failed, if it did.
    #[schema(required)]
    pub error: Option<String>,
    /// The first failed items.
    #[schema(inline, max_items = 20)]
    pub errors: Vec<ItemFailure>,
    /// Where to download the result, once succeeded.
    #[schema(required)]
    pub result: Option<String>,
}

/// A failed item of a job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemFailure {
    /// 1-based position (a CSV's data row).
    pub row: u64,
    /// Its name (the file name in the result).
    pub name: String,
    /// Why it failed.
    #[schema(value_type = crate::error::ErrorCode)]
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
}

/// A reference-compatible task (a one-item generate job made by `POST /generate` with
/// `async`), as `GET /result/{id}` answers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum TaskStatus {
    /// Not finished yet.
    Pending,
    /// The image is ready.
    Success {
        /// Where to download it: `/result/{id}/image`.
        url: String,
        /// Its media type.
        content_type: &'static str,
    },
    /// It could not be made.
    Error {
        /// Why.
        #[schema(value_type = crate::error::ErrorCode)]
        code: String,
        /// What went wrong, in words.
        message: String,
    },
}

fn kind_schema() -> utoipa::openapi::schema::Object {
    crate::schema::one_of_names(JobKind::ALL.map(JobKind::name))
}

fn status_schema() -> utoipa::openapi::schema::Object {
    crate::schema::one_of_names(JobStatus::ALL.map(JobStatus::name))
}

fn view(job: Job, errors: &[(u64, String, ItemError)]) -> JobView {
    JobView {
        kind: job.kind.name(),
        status: job.status.name(),
        total: job.total,
        done: job.done,
        failed: job.failed,
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
        expires_at: job.expires_at,
        errors: errors
            .iter()
            .map(|(index, name, e)| ItemFailure {
                row: index + 1,
                name: name.clone(),
                code: e.code.clone(),
                message: e.message.clone(),
            })
            .collect(),
        result: (job.status == JobStatus::Succeeded)
            .then(|| format!("/api/v1/jobs/{}/result", job.id)),
        error: job.error,
        id: job.id,
    }
}

/// Starts the runner, the sweep and the backlog sampler; they stop with the jobs' stop token.
pub fn start(jobs: &Arc<Jobs>) {
    tokio::spawn(run(Arc::clone(jobs)));
    tokio::spawn(sweep(Arc::clone(jobs)));
    tokio::spawn(sample_backlog(Arc::clone(jobs)));
}

/// Waits for the next tick of `every`; `false` once `stop` is cancelled.
async fn tick_or_stop(every: &mut tokio::time::Interval, stop: &CancellationToken) -> bool {
    tokio::select! {
        () = stop.cancelled() => false,
        _ = every.tick() => true,
    }
}

/// Sets `qrsmith_jobs_oldest_queued_age_seconds` from the store every few seconds. A sampler
/// rather than a scrape-time query: a slow store must not slow `/metrics` down; with a shared
/// store every replica reports the same backlog, and the alert takes the maximum.
async fn sample_backlog(jobs: Arc<Jobs>) {
    let mut every = tokio::time::interval(BACKLOG_SAMPLE_EVERY);
    while tick_or_stop(&mut every, &jobs.stop).await {
        match jobs.with_store(|s| s.oldest_queued_at()).await {
            Ok(oldest) => {
                let age = oldest.map_or(0, |created| (unix_now() - created).max(0));
                jobs.metrics.jobs_oldest_queued_age.set(age);
            }
            // Left at its last value: the store's failure shows in the requests' errors.
            Err(e) => tracing::warn!(error = %e.message, "job backlog sample"),
        }
    }
}

async fn run(jobs: Arc<Jobs>) {
    // After an error the runner waits a second (or for the stop) before it asks again.
    let pause = || async {
        tokio::select! {
            () = jobs.stop.cancelled() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    };
    while !jobs.stop.is_cancelled() {
        match jobs.with_store(|s| s.start_next()).await {
            Ok(Some(job)) => {
                tracing::info!(job = %job.id, total = job.total, done = job.done, "job started");
                if let Err(e) = run_job(&jobs, &job).await {
                    tracing::error!(job = %job.id, error = %e.message, "job runner");
                    pause().await;
                }
            }
            Ok(None) => {
                // Woken by a submission or the stop; the timeout also catches a job another
                // replica queued, or one whose lease lapsed.
                tokio::select! {
                    () = jobs.stop.cancelled() => {}
                    () = jobs.wake.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
            Err(_) => pause().await,
        }
    }
}

/// Renews the lease on job `id` every third of the lease until dropped; `lost` turns true
/// when the store says this process no longer holds the job.
struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
    lost: Arc<AtomicBool>,
}

impl Heartbeat {
    fn start(jobs: &Arc<Jobs>, id: &str) -> Heartbeat {
        let lost = Arc::new(AtomicBool::new(false));
        let every = (jobs.lease / 3).max(Duration::from_millis(10));
        let (jobs, id, flag) = (Arc::clone(jobs), id.to_owned(), Arc::clone(&lost));
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await; // the first tick is now: the lease was just taken
            loop {
                tick.tick().await;
                let id = id.clone();
                match jobs.with_store(move |s| s.renew(&id)).await {
                    Ok(true) => {}
                    Ok(false) => {
                        flag.store(true, Ordering::Release);
                        return;
                    }
                    // A failed renewal is retried; if the store stays away the lease lapses
                    // and another replica may take the job over, which is what it is for.
                    Err(e) => tracing::warn!(error = %e.message, "cannot renew a job's lease"),
                }
            }
        });
        Heartbeat { task, lost }
    }

    fn lost(&self) -> bool {
        self.lost.load(Ordering::Acquire)
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run_job(jobs: &Arc<Jobs>, job: &Job) -> Result<(), ApiError> {
    let batch = jobs.workers.workers();
    let heartbeat = Heartbeat::start(jobs, &job.id);
    loop {
        if jobs.stop.is_cancelled() {
            // Left running, its lease given up: another replica, or the next start, resumes it
            // at once.
            drop(heartbeat);
            let id = job.id.clone();
            jobs.with_store(move |s| s.release(&id)).await?;
            tracing::info!(job = %job.id, "job left to resume (draining)");
            return Ok(());
        }
        if heartbeat.lost() {
            tracing::warn!(job = %job.id, "job no longer held by this process (lease lapsed, or cancelled)");
            return Ok(());
        }
        let id = job.id.clone();
        let (current, items) = jobs
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
            running.spawn(run_item(Arc::clone(jobs), job.kind, item));
        }
        let mut outcomes = Vec::with_capacity(batch);
        while let Some(done) = running.join_next().await {
            let (index, outcome) =
                done.map_err(|e| ApiError::internal(&format!("job item task: {e}")))?;
            let label = if outcome.is_ok() { "ok" } else { "error" };
            jobs.metrics.job_items.with_label_values(&[label]).inc();
            outcomes.push((index, outcome));
        }
        let id = job.id.clone();
        jobs.with_store(move |s| s.finish_items(&id, outcomes))
            .await?;
    }
    let (id, kind, max_bytes) = (job.id.clone(), job.kind, jobs.max_result_bytes);
    let finished = jobs
        .with_store(move |s| {
            let outcome = s
                .put_result(&id, max_bytes, &mut |out| write_result(s, &id, kind, out))
                .map(drop)
                .map_err(|e| {
                    tracing::error!(job = %id, error = %format!("{e:#}"), "cannot store the job's result");
                    match e.downcast_ref::<crate::store::ResultTooLarge>() {
                        Some(too_large) => too_large.to_string(),
                        None => format!("the result could not be stored: {e:#}"),
                    }
                });
            s.finish_job(&id, outcome)
        })
        .await?;
    drop(heartbeat);
    if let Some(job) = finished {
        jobs.metrics
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
    jobs: Arc<Jobs>,
    kind: JobKind,
    item: PendingItem,
) -> (u64, Result<Vec<u8>, ItemError>) {
    let index = item.index;
    let (limits, decode_options) = (jobs.limits, jobs.decode_options.clone());
    let admission = loop {
        match jobs.workers.admit() {
            Ok(admission) => break admission,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let work = move || match kind {
        JobKind::Generate => generate_item(&item.input, limits),
        JobKind::Decode => decode_item(&item, &decode_options),
        JobKind::Labels => label_item(&item.input, limits),
    };
    let outcome = admission
        .run(work)
        .await
        .unwrap_or_else(|e| Err(item_error(e)));
    (index, outcome)
}

fn item_error(e: impl Into<ApiError>) -> ItemError {
    let e = e.into();
    ItemError {
        code: e.code.as_str().to_owned(),
        message: e.message.to_string(),
    }
}

fn generate_item(
    input: &[u8],
    limits: crate::generation::GenerationLimits,
) -> Result<Vec<u8>, ItemError> {
    let options: Map<String, Value> = serde_json::from_slice(input).map_err(|e| ItemError {
        code: ErrorCode::InternalError.as_str().into(),
        message: format!("stored options unreadable: {e}"),
    })?;
    let generation = batch::normalise(&options, limits, FORMATS).map_err(item_error)?;
    let generated = generation
        .run()
        .map_err(|e| item_error(ApiError::from_generate(e)))?;
    Ok(generated.images[0].bytes.to_vec())
}

/// One label: the row's symbol (its matrix), its caption and the sheet's layout.
fn label_item(
    input: &[u8],
    limits: crate::generation::GenerationLimits,
) -> Result<Vec<u8>, ItemError> {
    let internal = |message: String| ItemError {
        code: ErrorCode::InternalError.as_str().into(),
        message,
    };
    let item: batch::LabelItem = serde_json::from_slice(input)
        .map_err(|e| internal(format!("stored label unreadable: {e}")))?;
    let generation = batch::normalise(&item.options, limits, &Format::ALL).map_err(item_error)?;
    let code =
        batch::encode_label(&generation).map_err(|e| item_error(ApiError::from_generate(e)))?;
    serde_json::to_vec(&batch::StoredLabel::new(item.sheet, item.caption, &code))
        .map_err(|e| internal(e.to_string()))
}

/// What was read in one image, as its `results.json` entry; an unreadable image fails the item
/// (its entry is written from the error when the result is put together).
fn decode_item(item: &PendingItem, opts: &DecodeOptions) -> Result<Vec<u8>, ItemError> {
    match decode(&item.input, opts) {
        Ok(d) => serde_json::to_vec(&batch::decode_file_json(&item.name, Ok(&d))).map_err(|e| {
            ItemError {
                code: ErrorCode::InternalError.as_str().into(),
                message: e.to_string(),
            }
        }),
        Err(e) => Err(ItemError {
            code: e.kind().code().into(),
            message: e.to_string(),
        }),
    }
}

/// Writes the job's result ZIP from its finished items into `out` (the store's).
fn write_result(
    store: &dyn JobStore,
    id: &str,
    kind: JobKind,
    out: &mut dyn WriteSeek,
) -> anyhow::Result<()> {
    match kind {
        JobKind::Generate => {
            let mut zip = GenerateZip::new(out)?;
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
            batch::write_decode_zip(out, &files)?.flush()?;
        }
        JobKind::Labels => {
            // Labels in row order; a failed row has no label (its error is in the job's status).
            let mut sheet: Option<LabelSheetWriter> = None;
            store.visit_items(id, &mut |item| {
                let Ok(bytes) = item.output else {
                    return Ok(());
                };
                let label: batch::StoredLabel = serde_json::from_slice(&bytes)?;
                let writer = match &mut sheet {
                    Some(writer) => writer,
                    None => {
                        let layout = label
                            .sheet
                            .sheet()
                            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                        sheet.insert(LabelSheetWriter::new(layout)?)
                    }
                };
                let matrix = label.matrix().map_err(anyhow::Error::msg)?;
                writer.add_matrix(
                    label.width,
                    label.height(),
                    &matrix,
                    label.caption.as_deref(),
                )?;
                Ok(())
            })?;
            let sheet =
                sheet.ok_or_else(|| anyhow::anyhow!("no label to print: every row failed"))?;
            out.write_all(&sheet.finish()?)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Deletes finished jobs past their TTL, and their results, every minute.
async fn sweep(jobs: Arc<Jobs>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    while tick_or_stop(&mut every, &jobs.stop).await {
        match jobs.with_store(|s| s.expire(unix_now())).await {
            Ok(expired) => jobs.metrics.jobs_expired.inc_by(expired.len() as u64),
            Err(e) => tracing::error!(error = %e.message, "job sweep"),
        }
    }
}
