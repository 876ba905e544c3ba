//! `POST /api/v1/decode`: an image as multipart (field `image`, `file` or any file field) or as
//! the raw body → every symbol with all its metadata (the shapes of [`crate::json`]).

use axum::extract::{Request, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::error::ApiResult;
use crate::reading::{self, Field};
use crate::state::AppState;

/// `/api/v1/decode`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/decode", post(decode))
}

async fn decode(State(state): State<AppState>, req: Request) -> ApiResult<Json<Value>> {
    let image = reading::upload(req, Field::AnyFile, true).await?;
    let decoded = reading::read(&state, image).await?;
    let mut body = crate::json::decoded(&decoded);
    body["texts"] = crate::json::texts(&decoded).into();
    Ok(Json(body))
}
