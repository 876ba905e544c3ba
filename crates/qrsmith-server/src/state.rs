//! The one state every handler shares: it builds the services, each handed what it uses, and
//! holds the one stop signal that every background task obeys.

use std::ops::Deref;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use qrsmith_core::DecodeOptions;
use tokio_util::sync::CancellationToken;

use crate::cache::GenerationCache;
use crate::config::Config;
use crate::jobs::Jobs;
use crate::keys::Keys;
use crate::links::{LinkSettings, Links};
use crate::metrics::Metrics;
use crate::reading::Reading;
use crate::store::Backend;
use crate::workers::Workers;

/// Where the process is in its life; `/ready` answers 200 only in [`Phase::Ready`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not yet checked the engine.
    Starting,
    /// Serving.
    Ready,
    /// A shutdown was asked for: finishing in-flight requests.
    Draining,
}

/// Shared by every handler; one reference count to clone per request.
#[derive(Debug, Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

/// What [`AppState`] points to.
#[derive(Debug)]
pub struct Shared {
    /// The configuration the service runs with.
    pub config: Config,
    /// Every metric.
    pub metrics: Arc<Metrics>,
    /// The bounded pool for CPU work.
    pub workers: Workers,
    /// Generated images by request hash.
    pub cache: GenerationCache,
    /// Batch jobs: their store and their runner.
    pub jobs: Arc<Jobs>,
    /// API keys, rate limits and usage.
    pub keys: Arc<Keys>,
    /// Dynamic links and their scan counts.
    pub links: Arc<Links>,
    /// The configured decode options (a request may narrow them).
    decode_options: DecodeOptions,
    /// Cancelled when the service drains: the background tasks (job runner, sweeps, flushes)
    /// stop; what they hold is written by the drain itself.
    stop: CancellationToken,
    phase: AtomicU8,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl AppState {
    /// Builds the state for `config`, in [`Phase::Starting`]; opens the job store in
    /// `config.data_dir` (in memory without one).
    pub fn new(config: Config) -> anyhow::Result<AppState> {
        let backend = Backend::open(&config)?;
        let metrics = Arc::new(Metrics::new());
        let workers = Workers::new(
            config.worker_count(),
            config.queue_length,
            Arc::clone(&metrics),
        );
        let cache = GenerationCache::new(
            config.cache_bytes,
            Duration::from_secs(config.cache_ttl_secs),
            backend.shared_cache(),
            Arc::clone(&metrics),
        );
        let stop = CancellationToken::new();
        let jobs = Arc::new(Jobs::new(
            &config,
            backend.jobs(),
            workers.clone(),
            Arc::clone(&metrics),
            stop.clone(),
        ));
        let keys = Arc::new(Keys::new(&config, backend.keys()));
        let links = Arc::new(Links::new(
            backend.links(),
            LinkSettings::of(&config),
            Arc::clone(&metrics),
        ));
        let decode_options = config.decode_options();
        Ok(AppState {
            shared: Arc::new(Shared {
                config,
                metrics,
                workers,
                cache,
                jobs,
                keys,
                links,
                decode_options,
                stop,
                phase: AtomicU8::new(Phase::Starting as u8),
            }),
        })
    }
}

impl Shared {
    /// The current phase.
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::Starting,
            1 => Phase::Ready,
            _ => Phase::Draining,
        }
    }

    /// Marks the service ready (after the engine check). A draining service stays draining.
    pub fn set_ready(&self) {
        let _ = self.phase.compare_exchange(
            Phase::Starting as u8,
            Phase::Ready as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// Marks the service draining: `/ready` answers 503 from now on, and the background tasks
    /// stop.
    pub fn begin_drain(&self) {
        self.phase.store(Phase::Draining as u8, Ordering::Release);
        self.stop.cancel();
    }

    /// Starts the background tasks: the job runner, sweep and sampler, and the periodic writes
    /// of usage and link scans. All stop at [`Shared::begin_drain`].
    pub fn start_background(&self) {
        crate::jobs::start(&self.jobs);
        crate::keys::start_usage_flush(
            Arc::clone(&self.keys),
            Duration::from_secs(self.config.usage_flush_secs.max(1)),
            self.stop.clone(),
        );
        crate::links::start_flush(Arc::clone(&self.links), self.stop.clone());
    }

    /// How uploaded images are read: the pool, the metrics and the configured options.
    pub fn reading(&self) -> Reading<'_> {
        Reading {
            workers: &self.workers,
            metrics: &self.metrics,
            configured: &self.decode_options,
        }
    }
}
