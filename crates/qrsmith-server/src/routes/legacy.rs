//! The reference service's interface, kept working for existing clients: `POST /generate`,
//! `POST /decode`, and the asynchronous form (`Prefer: respond-async` or `?async=true` → 202
//! `{"task_id"}`, then `GET /result/{id}`).

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use qrsmith_core::Format;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::generation::{self, Generated, Generation, QrOptions, QR_OPTION_NAMES};
use crate::reading::{self, Field};
use crate::state::AppState;
use crate::tasks::TaskState;

/// Formats `POST /generate` can answer (one image, no text art).
const FORMATS: &[Format] = &[Format::Png, Format::Svg, Format::Pdf, Format::Eps];

/// The reference's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/generate", post(generate))
        .route("/decode", post(decode))
        .route("/result/{id}", get(result))
        .route("/result/{id}/image", get(result_image))
}

#[derive(Debug, Default, Deserialize)]
struct GenerateQuery {
    #[serde(rename = "async")]
    asynchronous: Option<bool>,
}

/// `POST /generate`: JSON `{"text": …}` plus any option of `POST /api/v1/qr` → the image.
/// Unknown fields are ignored, as the reference did.
async fn generate(
    State(state): State<AppState>,
    query: Result<Query<GenerateQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Response> {
    let Query(query) = query?;
    let Json(body) = body?;
    let Value::Object(mut fields) = body else {
        return Err(ApiError::bad_parameter(
            r#"expected a JSON object such as {"text": "…"}"#,
        ));
    };
    fields.retain(|k, _| QR_OPTION_NAMES.contains(&k.as_str()));
    let options: QrOptions = serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiError::bad_parameter(e.to_string()))?;
    if options.parts.is_some() {
        return Err(ApiError::bad_parameter(
            "parts (structured append) gives several images: use POST /api/v1/qr",
        ));
    }
    let generation = options.normalise(crate::generation_limits(&state.config), FORMATS)?;
    if query.asynchronous.unwrap_or(false) || prefers_async(&headers) {
        return submit(&state, generation);
    }
    let generated = generation::generate(&state, generation).await?;
    Ok(image_response(&generated))
}

/// Whether a `Prefer` header asks for `respond-async` (RFC 7240: comma-separated preferences,
/// tokens case-insensitive, possibly with parameters).
fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| {
            p.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("respond-async"))
        })
}

/// Starts a generation in the background and answers 202 with its task id. The worker queue
/// place is taken now, so a full server answers 429 at once rather than failing the task.
fn submit(state: &AppState, generation: Generation) -> ApiResult<Response> {
    let key = generation.key();
    let cached = state.cache.get(&key);
    let admission = match cached {
        Some(_) => None,
        None => Some(state.workers.admit()?),
    };
    // Created after the admission: a refused task leaves nothing behind.
    let id = state.tasks.create()?;
    if let Some(hit) = cached {
        state.tasks.finish(&id, TaskState::Success(hit));
    } else if let Some(admission) = admission {
        let state = state.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let outcome = match admission.run(move || generation.run()).await {
                Ok(Ok(generated)) => {
                    let generated = Arc::new(generated);
                    state.cache.insert(key, Arc::clone(&generated));
                    TaskState::Success(generated)
                }
                Ok(Err(e)) => TaskState::Failed(ApiError::from_generate(e)),
                Err(e) => TaskState::Failed(e),
            };
            state.tasks.finish(&id, outcome);
        });
    }
    let location = format!("/result/{id}");
    let mut response = (StatusCode::ACCEPTED, Json(json!({"task_id": id}))).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, v);
    }
    headers.insert(
        "preference-applied",
        HeaderValue::from_static("respond-async"),
    );
    Ok(response)
}

/// The first image of a generation as the response body.
fn image_response(generated: &Generated) -> Response {
    let image = &generated.images[0];
    (
        [(header::CONTENT_TYPE, generated.format.mime_type())],
        image.bytes.clone(),
    )
        .into_response()
}

/// `GET /result/{id}`: pending, success (with the image's URL) or error; 404 when unknown.
async fn result(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let body = match state.tasks.get(&id).ok_or_else(|| unknown_task(&id))? {
        TaskState::Pending => json!({"status": "pending"}),
        TaskState::Success(g) => json!({
            "status": "success",
            "url": format!("/result/{id}/image"),
            "content_type": g.format.mime_type(),
        }),
        TaskState::Failed(e) => json!({"status": "error", "code": e.code, "message": e.message}),
    };
    Ok(Json(body))
}

/// `GET /result/{id}/image`: the generated image of a finished task.
async fn result_image(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    match state.tasks.get(&id).ok_or_else(|| unknown_task(&id))? {
        TaskState::Success(g) => Ok(image_response(&g)),
        TaskState::Pending => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "result_not_ready",
            "the task has not finished; poll GET /result/{id}",
        )),
        TaskState::Failed(e) => Err(e),
    }
}

fn unknown_task(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "task_not_found",
        format!("no task {id:?} (unknown, or its result expired)"),
    )
}

/// `POST /decode`: multipart field `image` → `{"texts": [...]}`, empty when nothing is found.
async fn decode(State(state): State<AppState>, req: Request) -> ApiResult<Json<Value>> {
    let image = reading::upload(req, Field::Image, false).await?;
    let decoded = reading::read(&state, image).await?;
    Ok(Json(json!({"texts": crate::json::texts(&decoded)})))
}
