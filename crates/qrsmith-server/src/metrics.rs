//! Every metric the service exports: all names and help texts live in this one file.
//!
//! Each [`Metrics`] has its own registry (no global state), so tests can run several services in
//! one process and read exact values. `GET /metrics` answers the Prometheus text format.

use std::sync::Mutex;

use prometheus::{
    Counter, Encoder as _, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, Opts, Registry, TextEncoder,
};

/// Latency buckets in seconds: fine below 10 ms, where the service is expected to answer.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    /// Requests answered, by matched route, method and status.
    pub requests: IntCounterVec,
    /// Request latency, by matched route.
    pub latency: HistogramVec,
    /// Requests being handled now.
    pub in_flight: IntGauge,
    /// Requests refused because `max_concurrent_requests` were in flight.
    pub shed: IntCounter,
    /// CPU jobs waiting for a worker.
    pub queue_length: IntGauge,
    /// Workers running a job now.
    pub workers_active: IntGauge,
    /// Workers configured.
    pub workers_total: IntGauge,
    /// Total time workers spent on jobs; its rate divided by `workers_total` is the utilisation.
    pub worker_busy_seconds: Counter,
    /// Jobs refused because the queue was full.
    pub queue_rejections: IntCounter,
    /// Decodes by outcome: `found`, `none` or `error`.
    pub decode_outcomes: IntCounterVec,
    /// Generation cache hits.
    pub cache_hits: IntCounter,
    /// Generation cache misses.
    pub cache_misses: IntCounter,
    /// Hits found in the shared (Redis) level, a subset of `cache_hits`.
    pub cache_shared_hits: IntCounter,
    /// Reads or writes of the shared level that failed (counted as misses; Redis down).
    pub cache_shared_errors: IntCounter,
    /// Bytes held by the generation cache.
    pub cache_bytes: IntGauge,
    /// Batch jobs accepted, by type.
    pub jobs_submitted: IntCounterVec,
    /// Batch job items finished, by outcome: `ok` or `error`.
    pub job_items: IntCounterVec,
    /// Batch jobs finished, by final status.
    pub jobs_finished: IntCounterVec,
    /// Finished jobs deleted with their results when their time was up.
    pub jobs_expired: IntCounter,
    /// Scans of dynamic links counted, by kind (`scan` or `bot`).
    pub link_scans: IntCounterVec,
    /// Answers of `/r/{slug}`, by outcome (`redirect`, `not_found`, `gone`, `error`).
    pub link_redirects: IntCounterVec,
    /// Time to answer `/r/{slug}`, store lookup included.
    pub link_redirect_seconds: Histogram,
    /// Seconds the oldest job still waiting to start has waited (0: none waiting), sampled from
    /// the store by the job runner.
    pub jobs_oldest_queued_age: IntGauge,
    process_rss: IntGauge,
    process_cpu: Counter,
    /// Serialises the read-modify-write of the CPU counter between concurrent scrapes.
    cpu_lock: Mutex<()>,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let m = Metrics {
            requests: IntCounterVec::new(
                Opts::new(
                    "qrsmith_http_requests_total",
                    "HTTP requests answered, by matched route, method and status.",
                ),
                &["route", "method", "status"],
            )
            .expect("valid metric"),
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "qrsmith_http_request_duration_seconds",
                    "Time from receiving a request to answering it, by matched route.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["route"],
            )
            .expect("valid metric"),
            in_flight: IntGauge::new(
                "qrsmith_http_requests_in_flight",
                "HTTP requests being handled now.",
            )
            .expect("valid metric"),
            shed: IntCounter::new(
                "qrsmith_http_requests_shed_total",
                "Requests answered 429 because max_concurrent_requests were in flight.",
            )
            .expect("valid metric"),
            queue_length: IntGauge::new(
                "qrsmith_worker_queue_length",
                "CPU jobs (encode, render, decode) waiting for a worker.",
            )
            .expect("valid metric"),
            workers_active: IntGauge::new(
                "qrsmith_workers_active",
                "Workers running a CPU job now.",
            )
            .expect("valid metric"),
            workers_total: IntGauge::new("qrsmith_workers", "Workers configured.")
                .expect("valid metric"),
            worker_busy_seconds: Counter::new(
                "qrsmith_worker_busy_seconds_total",
                "Time workers spent on jobs; rate / qrsmith_workers = utilisation.",
            )
            .expect("valid metric"),
            queue_rejections: IntCounter::new(
                "qrsmith_worker_queue_rejections_total",
                "CPU jobs refused (429) because the worker queue was full.",
            )
            .expect("valid metric"),
            decode_outcomes: IntCounterVec::new(
                Opts::new(
                    "qrsmith_decode_outcomes_total",
                    "Images read, by outcome: found (at least one symbol), none, error.",
                ),
                &["outcome"],
            )
            .expect("valid metric"),
            cache_hits: IntCounter::new(
                "qrsmith_cache_hits_total",
                "Generation requests answered from the cache.",
            )
            .expect("valid metric"),
            cache_misses: IntCounter::new(
                "qrsmith_cache_misses_total",
                "Generation requests that had to encode and render.",
            )
            .expect("valid metric"),
            cache_shared_hits: IntCounter::new(
                "qrsmith_cache_shared_hits_total",
                "Cache hits found in the shared Redis level (a subset of qrsmith_cache_hits_total).",
            )
            .expect("valid metric"),
            cache_shared_errors: IntCounter::new(
                "qrsmith_cache_shared_errors_total",
                "Reads or writes of the shared Redis cache level that failed or timed out.",
            )
            .expect("valid metric"),
            cache_bytes: IntGauge::new(
                "qrsmith_cache_bytes",
                "Bytes of images held by the generation cache.",
            )
            .expect("valid metric"),
            jobs_submitted: IntCounterVec::new(
                Opts::new(
                    "qrsmith_jobs_submitted_total",
                    "Batch jobs accepted, by type.",
                ),
                &["type"],
            )
            .expect("valid metric"),
            job_items: IntCounterVec::new(
                Opts::new(
                    "qrsmith_job_items_total",
                    "Batch job items finished, by outcome (ok or error).",
                ),
                &["outcome"],
            )
            .expect("valid metric"),
            jobs_finished: IntCounterVec::new(
                Opts::new(
                    "qrsmith_jobs_finished_total",
                    "Batch jobs finished, by final status.",
                ),
                &["status"],
            )
            .expect("valid metric"),
            jobs_expired: IntCounter::new(
                "qrsmith_jobs_expired_total",
                "Finished batch jobs deleted with their results by the TTL sweep.",
            )
            .expect("valid metric"),
            link_scans: IntCounterVec::new(
                Opts::new(
                    "qrsmith_link_scans_total",
                    "Scans of dynamic links, by kind (scan: a person; bot: a known bot, crawler \
                     or link previewer).",
                ),
                &["kind"],
            )
            .expect("valid metric"),
            link_redirects: IntCounterVec::new(
                Opts::new(
                    "qrsmith_link_redirects_total",
                    "Answers of /r/{slug}, by outcome (redirect, not_found, gone, error).",
                ),
                &["outcome"],
            )
            .expect("valid metric"),
            link_redirect_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "qrsmith_link_redirect_seconds",
                    "Time to answer /r/{slug}, the store lookup included.",
                )
                .buckets(vec![
                    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                ]),
            )
            .expect("valid metric"),
            jobs_oldest_queued_age: IntGauge::new(
                "qrsmith_jobs_oldest_queued_age_seconds",
                "Seconds the oldest batch job still waiting to start has waited (0 when none waits), \
                 as the shared store sees it; sampled every few seconds.",
            )
            .expect("valid metric"),
            process_rss: IntGauge::new(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
            )
            .expect("valid metric"),
            process_cpu: Counter::new(
                "process_cpu_seconds_total",
                "Total user and system CPU time spent in seconds.",
            )
            .expect("valid metric"),
            registry,
            cpu_lock: Mutex::new(()),
        };
        let collectors: [Box<dyn prometheus::core::Collector>; 25] = [
            Box::new(m.requests.clone()),
            Box::new(m.latency.clone()),
            Box::new(m.in_flight.clone()),
            Box::new(m.shed.clone()),
            Box::new(m.queue_length.clone()),
            Box::new(m.workers_active.clone()),
            Box::new(m.workers_total.clone()),
            Box::new(m.worker_busy_seconds.clone()),
            Box::new(m.queue_rejections.clone()),
            Box::new(m.decode_outcomes.clone()),
            Box::new(m.cache_hits.clone()),
            Box::new(m.cache_misses.clone()),
            Box::new(m.cache_shared_hits.clone()),
            Box::new(m.cache_shared_errors.clone()),
            Box::new(m.cache_bytes.clone()),
            Box::new(m.jobs_submitted.clone()),
            Box::new(m.job_items.clone()),
            Box::new(m.jobs_finished.clone()),
            Box::new(m.jobs_expired.clone()),
            Box::new(m.jobs_oldest_queued_age.clone()),
            Box::new(m.link_scans.clone()),
            Box::new(m.link_redirects.clone()),
            Box::new(m.link_redirect_seconds.clone()),
            Box::new(m.process_rss.clone()),
            Box::new(m.process_cpu.clone()),
        ];
        for c in collectors {
            m.registry.register(c).expect("metric names are unique");
        }
        for kind in ["scan", "bot"] {
            m.link_scans.with_label_values(&[kind]);
        }
        for outcome in ["redirect", "not_found", "gone", "error"] {
            m.link_redirects.with_label_values(&[outcome]);
        }
        for outcome in ["found", "none", "error"] {
            // Present from the start, so that rates are defined before the first decode.
            m.decode_outcomes.with_label_values(&[outcome]);
        }
        m
    }

    /// The Prometheus text exposition of every metric, with process figures read now.
    pub fn render(&self) -> String {
        self.sample_process();
        let mut out = Vec::with_capacity(8192);
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding cannot fail on valid metrics");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    /// Reads resident memory and CPU time from /proc (Linux); elsewhere they stay at 0.
    fn sample_process(&self) {
        if let Some(rss) = read_rss_bytes() {
            self.process_rss.set(rss as i64);
        }
        if let Some(cpu) = read_cpu_seconds() {
            let _guard = self.cpu_lock.lock().unwrap_or_else(|e| e.into_inner());
            let delta = cpu - self.process_cpu.get();
            if delta > 0.0 {
                self.process_cpu.inc_by(delta);
            }
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// `VmRSS` from /proc/self/status, exact in kB whatever the page size.
fn read_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// utime + stime from /proc/self/stat, in seconds.
fn read_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces; the fields after its closing ')' are plain.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every architecture Linux supports in practice (proc(5)); reading it
    // would need sysconf through unsafe FFI, which this workspace forbids.
    Some(ticks as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_every_metric() {
        let m = Metrics::new();
        m.requests
            .with_label_values(&["/health", "GET", "200"])
            .inc();
        m.latency.with_label_values(&["/health"]).observe(0.001);
        let text = m.render();
        for name in [
            "qrsmith_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1",
            "qrsmith_http_request_duration_seconds_bucket",
            "qrsmith_worker_queue_length 0",
            "qrsmith_workers_active 0",
            "qrsmith_decode_outcomes_total{outcome=\"none\"} 0",
            "qrsmith_cache_hits_total 0",
            "qrsmith_jobs_oldest_queued_age_seconds 0",
            "process_resident_memory_bytes",
            "process_cpu_seconds_total",
        ] {
            assert!(text.contains(name), "missing {name} in\n{text}");
        }
        #[cfg(target_os = "linux")]
        assert!(read_rss_bytes().unwrap() > 1 << 20);
    }
}
