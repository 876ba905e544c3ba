//! Probes: `/health` (liveness, checks the engine cheaply) and `/ready` (readiness: 503 while
//! starting or draining). Neither is logged nor shed under load.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use qrsmith_core::{encode_text, render, EncodeOptions, Format, RenderOptions};

use crate::error::{ApiError, ErrorCode};
use crate::state::{AppState, Phase};

/// `/health` and `/ready`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

/// 200 `ok` (the reference's body) while the encoder and renderer work. A version-1 symbol
/// costs a few microseconds, cheap enough to run on the runtime thread for every probe.
async fn health() -> Response {
    let check = encode_text("ok", &EncodeOptions::default())
        .and_then(|code| render(&code, Format::Png, &RenderOptions::default()));
    match check {
        Ok(_) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok").into_response(),
        Err(e) => ApiError::new(
            ErrorCode::EngineError,
            format!("the engine check failed: {e}"),
        )
        .into_response(),
    }
}

/// 200 when ready to take traffic; 503 while starting or draining.
async fn ready(State(state): State<AppState>) -> Response {
    match state.phase() {
        Phase::Ready => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "ready",
        )
            .into_response(),
        Phase::Starting => ApiError::new(ErrorCode::Starting, "the server is starting")
            .retry_after(1)
            .into_response(),
        Phase::Draining => ApiError::shutting_down().into_response(),
    }
}
