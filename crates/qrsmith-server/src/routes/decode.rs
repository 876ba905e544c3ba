//! `POST /api/v1/decode`: an image as multipart (field `image`, `file` or any file field) or as
//! the raw body → every symbol with all its metadata (the shapes of [`crate::json`]).

use axum::extract::{Request, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::json::DecodeAnswer;
use crate::query::StrictQuery;
use crate::reading::{self, Field};
use crate::state::AppState;

/// The query parameters of `POST /api/v1/decode`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecodeQuery {
    /// fast, balanced or thorough (default: the service's `--decode-effort`).
    effort: Option<String>,
    /// A time budget for this image in milliseconds, at most the service's own
    /// (`--decode-timeout-ms`), which applies without it.
    timeout_ms: Option<u64>,
}

/// `/api/v1/decode`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/decode", post(decode))
}

async fn decode(
    State(state): State<AppState>,
    StrictQuery(query): StrictQuery<DecodeQuery>,
    req: Request,
) -> ApiResult<Json<DecodeAnswer>> {
    let effort = query
        .effort
        .map(|e| {
            e.parse()
                .map_err(|e: qrsmith_core::Error| ApiError::refused_parameter(e.to_string()))
        })
        .transpose()?;
    let budget = match query.timeout_ms {
        Some(0) => return Err(ApiError::refused_parameter("timeout_ms must be at least 1")),
        Some(ms) => Some(std::time::Duration::from_millis(ms)),
        None => None,
    };
    let image = reading::upload(req, Field::AnyFile, true).await?;
    let decoded = reading::read(state.reading(), image, effort, budget).await?;
    Ok(Json(DecodeAnswer::of(&decoded)))
}
