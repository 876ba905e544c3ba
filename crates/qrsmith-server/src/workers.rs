//! The bounded pool for CPU work (encode, render, decode), in front of which sits a bounded
//! queue: the imgproxy pattern. A job is *admitted* only while fewer than `workers +
//! queue_length` jobs are admitted; otherwise the caller gets 429 `overloaded` at once instead of
//! a growing wait. Admitted jobs wait (in FIFO order) for one of `workers` permits, then run on
//! tokio's blocking threads, off the async runtime.
//!
//! A job keeps its permit and its place until it has finished, even when the request that asked
//! for it was cancelled (a client gone, a timeout): the engine cannot be interrupted, so the
//! bound must count the work actually running.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::metrics::Metrics;

/// A handle to the pool; cheap to clone.
#[derive(Debug, Clone)]
pub struct Workers {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    permits: Arc<Semaphore>,
    workers: usize,
    capacity: usize,
    admitted: AtomicUsize,
    metrics: Arc<Metrics>,
}

impl Workers {
    /// A pool of `workers` (at least 1) with room for `queue_length` waiting jobs.
    pub fn new(workers: usize, queue_length: usize, metrics: Arc<Metrics>) -> Workers {
        let workers = workers.max(1);
        metrics.workers_total.set(workers as i64);
        Workers {
            inner: Arc::new(Inner {
                permits: Arc::new(Semaphore::new(workers)),
                workers,
                capacity: workers.saturating_add(queue_length),
                admitted: AtomicUsize::new(0),
                metrics,
            }),
        }
    }

    /// Reserves a place for one job, or answers 429 `overloaded` when the queue is full.
    pub fn admit(&self) -> Result<Admission, ApiError> {
        let inner = &self.inner;
        let previous = inner.admitted.fetch_add(1, Ordering::AcqRel);
        if previous >= inner.capacity {
            inner.admitted.fetch_sub(1, Ordering::AcqRel);
            inner.metrics.queue_rejections.inc();
            return Err(ApiError::overloaded(
                "the server is at capacity; retry after the delay in Retry-After",
            ));
        }
        inner.metrics.queue_length.inc();
        Ok(Admission {
            inner: Arc::clone(inner),
            running: false,
        })
    }

    /// Admits and runs `job` on a worker; 429 when the queue is full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, ApiError>
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
    /// Waits for a worker and runs `job` on it.
    pub async fn run<T, F>(mut self, job: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            // The semaphore is never closed.
            .map_err(|_| ApiError::internal("worker pool closed"))?;
        self.running = true;
        self.inner.metrics.queue_length.dec();
        self.inner.metrics.workers_active.inc();
        let handle = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            // Moved in so that the permit and the place are held until the job is done, even if
            // the awaiting request is dropped.
            let admission = self;
            let _permit = permit;
            let output = job();
            let m = &admission.inner.metrics;
            m.worker_busy_seconds
                .inc_by(started.elapsed().as_secs_f64());
            output
        });
        handle
            .await
            .map_err(|e| ApiError::internal(&format!("worker job failed: {e}")))
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
    use axum::http::StatusCode;

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
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.retry_after, Some(1));
        assert_eq!(metrics.queue_rejections.get(), 1);
        drop(queued);
        assert_eq!(metrics.queue_length.get(), 0);
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap().unwrap(), 7);
        assert_eq!(metrics.workers_active.get(), 0);
        assert_eq!(pool.admitted(), 0);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error_and_frees_its_place() {
        let metrics = Arc::new(Metrics::new());
        let pool = Workers::new(1, 0, Arc::clone(&metrics));
        let err = pool.run(|| -> () { panic!("job bug") }).await.unwrap_err();
        assert_eq!(err.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(pool.admitted(), 0);
        assert_eq!(metrics.workers_active.get(), 0);
        assert_eq!(pool.run(|| 1).await.unwrap(), 1);
    }
}
