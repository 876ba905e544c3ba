//! The bounded pool for CPU work (encode, render, decode), in front of which sits a bounded
//! queue: the imgproxy pattern. A job is *admitted* only while fewer than `workers +
//! queue_length` jobs are admitted; otherwise the caller gets 429 `overloaded` at once instead of
//! a growing wait. Admitted jobs wait in FIFO order for one of `workers` threads of our own, off
//! the async runtime.
//!
//! Threads of our own rather than tokio's blocking pool: that pool starts a new thread whenever
//! none is idle at the moment of the call, so under load it grows to a dozen threads for two
//! jobs at a time, each with its own allocator caches (measured: 101 MB RSS against 24 MB).
//!
//! The pool speaks no HTTP: it answers [`WorkError`], which the service turns into 429
//! `overloaded` or 500 (`From<WorkError> for ApiError` in `error.rs`).
//!
//! A job keeps its place until it has finished, even when the request that asked for it was
//! cancelled (a client gone, a timeout): the engine cannot be interrupted, so the bound must
//! count the work actually running.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Sender;

use crate::metrics::Metrics;

/// Why the pool did not give a job's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    /// Every place in the queue is taken: come back later.
    #[error("the server is at capacity; retry after the delay in Retry-After")]
    Overloaded,
    /// The job panicked (a bug); its worker thread lives on.
    #[error("a worker job failed")]
    Panicked,
    /// The pool's threads are gone.
    #[error("worker pool stopped")]
    Stopped,
}

/// Work for a pool thread.
type Job = Box<dyn FnOnce() + Send>;

/// A handle to the pool; cheap to clone. The threads stop when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct Workers {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    jobs: Sender<Job>,
    workers: usize,
    capacity: usize,
    admitted: AtomicUsize,
    metrics: Arc<Metrics>,
}

impl Workers {
    /// A pool of `workers` threads (at least 1) with room for `queue_length` waiting jobs.
    pub fn new(workers: usize, queue_length: usize, metrics: Arc<Metrics>) -> Workers {
        let workers = workers.max(1);
        metrics.workers_total.set(workers as i64);
        // Unbounded as a channel: admission bounds it.
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        for n in 0..workers {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("qrsmith-worker-{n}"))
                .spawn(move || {
                    for job in queue {
                        job();
                    }
                });
            if let Err(e) = spawned {
                // Fewer threads than asked is degraded, not broken: jobs still run.
                tracing::error!(error = %e, "cannot start worker thread {n}");
            }
        }
        Workers {
            inner: Arc::new(Inner {
                jobs,
                workers,
                capacity: workers.saturating_add(queue_length),
                admitted: AtomicUsize::new(0),
                metrics,
            }),
        }
    }

    /// Reserves a place for one job, or [`WorkError::Overloaded`] when the queue is full.
    pub fn admit(&self) -> Result<Admission, WorkError> {
        let inner = &self.inner;
        let previous = inner.admitted.fetch_add(1, Ordering::AcqRel);
        if previous >= inner.capacity {
            inner.admitted.fetch_sub(1, Ordering::AcqRel);
            inner.metrics.queue_rejections.inc();
            return Err(WorkError::Overloaded);
        }
        inner.metrics.queue_length.inc();
        Ok(Admission {
            inner: Arc::clone(inner),
            running: false,
        })
    }

    /// Admits and runs `job` on a worker; [`WorkError::Overloaded`] when the queue is full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, WorkError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.admit()?.run(job).await
    }

    /// Jobs admitted and not finished (running or waiting).
    pub fn admitted(&self) -> usize {
        self.inner.admitted.load(Ordering::Acquire)
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.inner.workers
    }
}

/// A reserved place in the queue; dropping it unused gives the place back.
#[derive(Debug)]
pub struct Admission {
    inner: Arc<Inner>,
    running: bool,
}

impl Admission {
    /// Queues `job` for a worker and waits for its output.
    pub async fn run<T, F>(mut self, job: F) -> Result<T, WorkError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (reply, output) = tokio::sync::oneshot::channel();
        let jobs = self.inner.jobs.clone();
        let task: Job = Box::new(move || {
            self.running = true;
            let metrics = Arc::clone(&self.inner.metrics);
            metrics.queue_length.dec();
            metrics.workers_active.inc();
            let started = Instant::now();
            // A bug in one job must not take a worker thread with it.
            let result = std::panic::catch_unwind(AssertUnwindSafe(job));
            metrics
                .worker_busy_seconds
                .inc_by(started.elapsed().as_secs_f64());
            // The place is given back before the answer leaves, so that whoever gets the
            // answer sees the pool without this job.
            drop(self);
            // The requester may be gone (a cancelled request): nobody to tell.
            let _ = reply.send(result);
        });
        jobs.send(task).map_err(|_| WorkError::Stopped)?;
        match output.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_panic)) => Err(WorkError::Panicked),
            Err(_) => Err(WorkError::Stopped),
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let metrics = &self.inner.metrics;
        if self.running {
            metrics.workers_active.dec();
        } else {
            metrics.queue_length.dec();
        }
        self.inner.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn full_queue_is_refused_at_once_and_places_come_back() {
        let metrics = Arc::new(Metrics::new());
        let pool = Workers::new(1, 1, Arc::clone(&metrics));
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let running = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    started_tx.send(()).unwrap();
                    gate.recv().unwrap();
                    7
                })
                .await
            }
        });
        started_rx.await.unwrap();
        assert_eq!(metrics.workers_active.get(), 1);
        let queued = pool.admit().expect("one place in the queue");
        assert_eq!(metrics.queue_length.get(), 1);
        let refused = pool.admit().unwrap_err();
        assert_eq!(refused, WorkError::Overloaded);
        assert_eq!(metrics.queue_rejections.get(), 1);
        drop(queued);
        assert_eq!(metrics.queue_length.get(), 0);
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap().unwrap(), 7);
        assert_eq!(metrics.workers_active.get(), 0);
        assert_eq!(pool.admitted(), 0);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_frees_its_place() {
        let metrics = Arc::new(Metrics::new());
        let pool = Workers::new(1, 0, Arc::clone(&metrics));
        let err = pool.run(|| -> () { panic!("job bug") }).await.unwrap_err();
        assert_eq!(err, WorkError::Panicked);
        assert_eq!(pool.admitted(), 0);
        assert_eq!(metrics.workers_active.get(), 0);
        assert_eq!(pool.run(|| 1).await.unwrap(), 1);
    }
}
