//! qrsmith's HTTP service: the reference-compatible API (`/generate`, `/decode`, `/result/{id}`),
//! the versioned API (`/api/v1/qr`, `/api/v1/decode`, `/api/v1/openapi.json`), the web page,
//! probes and Prometheus metrics, with every limit configurable.
//!
//! CPU work (encode, render, decode) runs on a bounded pool behind a bounded queue
//! ([`Workers`]); a full queue answers 429 at once. Generated images are cached by the SHA-256 of
//! the normalised request. Errors are JSON `{"error": {"code", "message"}}` ([`ApiError`]).
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! // What `qrsmith serve` does: listen on 127.0.0.1:8080 until SIGTERM or Ctrl-C.
//! qrsmith_server::serve(qrsmith_server::Config::default()).await
//! # }
//! ```
//!
//! Tests drive [`app`] in process with `tower::ServiceExt::oneshot`.

use std::future::Future;
use std::io::IsTerminal as _;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

pub use crate::cache::GenerationCache;
pub use crate::config::{
    default_data_dir, AllowedHost, Config, CorsOrigin, LogFormat, PublicUrl, Secret,
    DEFAULT_REDIS_PREFIX,
};
pub use crate::error::{ApiError, ApiResult, ErrorCode, Refusal, Refused};
pub use crate::generation::{
    CacheKey, Generated, GeneratedImage, Generation, GenerationLimits, QrOptions, QR_OPTION_NAMES,
};
pub use crate::metrics::Metrics;
pub use crate::middleware::{RequestId, CONTENT_SECURITY_POLICY};
pub use crate::state::{AppState, Phase};
pub use crate::workers::{Admission, WorkError, Workers};

pub mod api_doc;
pub mod batch;
mod body;
mod cache;
mod config;
mod connections;
mod error;
mod generation;
mod headers;
pub mod jobs;
pub mod json;
pub mod keys;
pub mod links;
mod metrics;
mod middleware;
pub mod payload;
mod periodic;
mod query;
mod reading;
pub mod routes;
mod schema;
mod state;
pub mod store;
mod workers;

/// The whole service as a router, ready for `axum::serve` or `oneshot`.
pub fn app(state: AppState) -> Router {
    let body_limit = usize::try_from(state.config.max_body_bytes).unwrap_or(usize::MAX);
    routes::router()
        // Inside tag_route, so that its refusals are labelled with their route too.
        .route_layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::clone(&state.keys),
            keys::require_key,
        ))
        .route_layer(axum::middleware::from_fn(middleware::tag_route))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::track,
        ))
        // Outside the auth and tracking layers: a preflight carries no key and is answered here.
        .layer(tower::util::option_layer(middleware::cors(
            &state.config.cors_origins,
        )))
        // Outermost, so that error bodies and the page are compressed too; images are skipped
        // by the default predicate (already compressed), as are bodies under 32 bytes.
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// How the process was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// SIGTERM (an orchestrator): `/ready` turns 503, connections are still accepted for the
    /// drain delay so that load balancers notice, then in-flight requests finish.
    Drain,
    /// Ctrl-C (a person): in-flight requests finish, no delay.
    Interrupt,
}

/// Runs `qrsmith serve`: sets up logging, binds `config.listen`, serves until SIGTERM or
/// Ctrl-C, then drains (see [`Shutdown`]) and returns `Ok` for exit code 0.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    // Held to the end: dropping it writes out the lines still queued.
    let _log_writer = init_logging(&config)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let mut config = config;
    if config.public_url.is_none() && config.listen.ip().is_unspecified() {
        tracing::warn!(
            listen = %config.listen,
            "no --public-url: dynamic links' short URLs will be http://{} and will not open on \
             phones; set --public-url to the address clients reach the service at",
            config.listen
        );
    }
    if config.redis.is_some() {
        // The URL may hold a password: only the prefix is logged.
        tracing::info!(prefix = %config.redis_prefix, "storage: Redis");
    } else {
        if config.data_dir.is_none() {
            config.data_dir = config::default_data_dir();
        }
        match &config.data_dir {
            Some(dir) => tracing::info!(data_dir = %dir.display(), "storage: SQLite"),
            None => tracing::warn!("no data directory (neither XDG_DATA_HOME nor HOME is set): batch jobs are kept in memory only"),
        }
    }
    run(listener, AppState::new(config)?, signals()).await
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains. The engine is checked
/// (one encode and decode on the pool) before `/ready` answers 200.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = Shutdown> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    // Serving from the start, so that probes get their 503 `starting` during the engine check
    // rather than a refused connection; it stops accepting only when told to (below).
    let server = tokio::spawn(connections::serve(
        listener,
        app(state.clone()),
        Duration::from_millis(state.config.header_timeout_ms),
        async move {
            let _ = stop_rx.await;
        },
    ));
    warm_up(&state).await?;
    state.set_ready();
    state.start_background();
    tracing::info!(%addr, workers = state.workers.workers(), "listening");

    let how = shutdown.await;
    state.begin_drain();
    let delay = match how {
        Shutdown::Drain => Duration::from_millis(state.config.drain_delay_ms),
        Shutdown::Interrupt => Duration::ZERO,
    };
    tracing::info!(?how, delay_ms = delay.as_millis() as u64, "draining");
    // Keep serving (new connections included) while load balancers take the pod out.
    tokio::time::sleep(delay).await;
    let _ = stop_tx.send(());
    let grace = Duration::from_millis(state.config.shutdown_grace_ms);
    let drained = tokio::time::timeout(grace, server).await;
    // The usage of the requests just served (a failure was logged), and their scans.
    let _ = state.keys.flush_usage().await;
    let links = std::sync::Arc::clone(&state.links);
    match tokio::task::spawn_blocking(move || links.flush()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "last link scans flush failed"),
        Err(e) => tracing::error!(error = %e, "last link scans flush failed"),
    }
    match drained {
        Ok(served) => {
            served.map_err(|e| anyhow::anyhow!("the connection loop failed: {e}"))?;
            tracing::info!("drained; exiting");
            Ok(())
        }
        Err(_) => {
            tracing::warn!(
                grace_ms = grace.as_millis() as u64,
                "requests still running after the grace period; exiting anyway"
            );
            Ok(())
        }
    }
}

/// Checks that the encoder, renderer and reader work before taking traffic: a symbol is
/// generated and read back on the worker pool (which also loads the reader's code).
async fn warm_up(state: &AppState) -> anyhow::Result<()> {
    use qrsmith_core::{decode, encode_text, render, DecodeOptions, EncodeOptions, Format};
    let texts = state
        .workers
        .run(|| -> qrsmith_core::Result<Vec<String>> {
            let code = encode_text("qrsmith", &EncodeOptions::default())?;
            let png = render(&code, Format::Png, &Default::default())?;
            let decoded = decode(&png, &DecodeOptions::default())?;
            Ok(decoded.symbols.into_iter().map(|s| s.text).collect())
        })
        .await
        .map_err(|e| anyhow::anyhow!("engine check: {e}"))??;
    anyhow::ensure!(
        texts == ["qrsmith"],
        "engine check: read back {texts:?} instead of [\"qrsmith\"]"
    );
    Ok(())
}

/// Resolves on SIGTERM ([`Shutdown::Drain`]) or Ctrl-C ([`Shutdown::Interrupt`]).
async fn signals() -> Shutdown {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => Shutdown::Interrupt,
        () = term => Shutdown::Drain,
    }
}

/// JSON lines when standard error is not a terminal (or when asked), text otherwise.
///
/// Lines go to standard error through a writer thread that batches them (a `BufWriter`, flushed
/// whenever its queue runs empty): one `write` per line from the request threads was ~8 % of
/// the async thread's time under the benchmark. Should the queue ever hold 128,000 lines, new
/// ones are dropped rather than stalling requests.
fn init_logging(config: &Config) -> anyhow::Result<tracing_appender::non_blocking::WorkerGuard> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .map_err(|e| anyhow::anyhow!("invalid --log filter {:?}: {e}", config.log))?;
    let json = match config.log_format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let (writer, guard) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    // A subscriber may already be set (tests, embedding programs): keep theirs.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    } else {
        builder.try_init()
    };
    Ok(guard)
}
