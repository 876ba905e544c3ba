//! The reference service's interface, kept working for existing clients: `POST /generate`,
//! `POST /decode`, and the asynchronous form (`Prefer: respond-async` or `?async=true` → 202
//! `{"task_id"}`, then `GET /result/{id}`). An asynchronous request is a one-item batch job: it
//! is stored, survives a restart, and its id works on `/api/v1/jobs/{id}` too.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use qrsmith_core::Format;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::generation::{
    Generated, Generation, GenerationLimits, QrOptions, IMAGE_FORMATS, QR_OPTION_NAMES,
};
use crate::jobs::TaskStatus;
use crate::query::StrictQuery;
use crate::reading::{self, Field};
use crate::state::AppState;
use crate::store::{JobKind, JobStatus, NewItem};

/// The reference's routes, answering every error code with its usual status (400 where the
/// v1 API says 422: `error::usual_status`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/generate", post(generate))
        .route("/decode", post(decode))
        .route("/result/{id}", get(result))
        .route("/result/{id}/image", get(result_image))
        .layer(axum::middleware::map_response(crate::error::usual_status))
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
    StrictQuery(query): StrictQuery<GenerateQuery>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(mut body) = body?;
    crate::body::integral_numbers_as_integers(&mut body);
    let Value::Object(mut fields) = body else {
        return Err(ApiError::bad_parameter(
            r#"expected a JSON object such as {"text": "…"}"#,
        ));
    };
    fields.retain(|k, _| QR_OPTION_NAMES.contains(&k.as_str()));
    let stored = fields.clone();
    let options: QrOptions = serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiError::bad_parameter(e.to_string()))?;
    if options.parts.is_some() {
        return Err(ApiError::bad_parameter(
            "parts (structured append) gives several images: use POST /api/v1/qr",
        ));
    }
    let generation = options.normalise(GenerationLimits::of(&state.config), IMAGE_FORMATS)?;
    if query.asynchronous.unwrap_or(false)
        || crate::headers::lists(&headers, "prefer", "respond-async")
    {
        return submit(&state, generation, stored).await;
    }
    let generated = state.cache.generate(&state.workers, generation).await?;
    Ok(image_response(&generated))
}

/// Stores the generation as a one-item job and answers 202 with its id; a cached image
/// finishes it at once.
async fn submit(
    state: &AppState,
    generation: Generation,
    options: serde_json::Map<String, Value>,
) -> ApiResult<Response> {
    let name = format!("qr.{}", generation.format.extension());
    let input = serde_json::to_vec(&options).map_err(|e| ApiError::internal(&e.to_string()))?;
    let known = match state.cache.get(&generation.key()).await {
        Some(hit) => vec![(0, Ok(hit.images[0].bytes.to_vec()))],
        None => Vec::new(),
    };
    let item = NewItem {
        name,
        input: Ok(input),
    };
    let job = state
        .jobs
        .submit_with(crate::store::JobKind::Generate, vec![item], known)
        .await?;
    let location = format!("/result/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, Json(json!({"task_id": job.id}))).into_response();
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

/// What became of an asynchronous request: its one item, once finished.
enum Outcome {
    Pending,
    Image { name: String, bytes: Vec<u8> },
    Failed { code: String, message: String },
}

async fn outcome(state: &AppState, id: String) -> ApiResult<Outcome> {
    let shown = id.clone();
    let (job, item) = state
        .jobs
        .with_store(move |s| Ok((s.job(&id)?, s.finished_item(&id, 0)?)))
        .await?;
    // A task is a generate job (POST /generate makes one-item ones): the items of a decode or
    // labels job are not images, so their ids are no tasks here.
    let job = job
        .filter(|job| job.kind == JobKind::Generate)
        .ok_or_else(|| unknown_task(&shown))?;
    Ok(match item {
        Some(item) => match item.output {
            Ok(bytes) => Outcome::Image {
                name: item.name,
                bytes,
            },
            Err(e) => Outcome::Failed {
                code: e.code,
                message: e.message,
            },
        },
        None if job.status.is_final() => Outcome::Failed {
            code: "task_not_run".into(),
            message: match job.status {
                JobStatus::Cancelled => "the task was cancelled".into(),
                _ => job.error.unwrap_or_else(|| "the task did not run".into()),
            },
        },
        None => Outcome::Pending,
    })
}

fn mime_type(name: &str) -> &'static str {
    Format::from_path(name).map_or("application/octet-stream", Format::mime_type)
}

/// `GET /result/{id}`: pending, success (with the image's URL) or error; 404 when unknown.
async fn result(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskStatus>> {
    let body = match outcome(&state, id.clone()).await? {
        Outcome::Pending => TaskStatus::Pending,
        Outcome::Image { name, .. } => TaskStatus::Success {
            url: format!("/result/{id}/image"),
            content_type: mime_type(&name),
        },
        Outcome::Failed { code, message } => TaskStatus::Error { code, message },
    };
    Ok(Json(body))
}

/// `GET /result/{id}/image`: the generated image of a finished task.
async fn result_image(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    match outcome(&state, id).await? {
        Outcome::Image { name, bytes } => {
            Ok(([(header::CONTENT_TYPE, mime_type(&name))], bytes).into_response())
        }
        Outcome::Pending => Err(ApiError::new(
            ErrorCode::ResultNotReady,
            "the task has not finished; poll GET /result/{id}",
        )),
        Outcome::Failed { message, .. } => Err(ApiError::new(
            ErrorCode::TaskFailed,
            format!("the task failed: {message}; GET /result/{{id}} tells why"),
        )),
    }
}

fn unknown_task(id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::TaskNotFound,
        format!("no task {id:?} (unknown, or its result expired)"),
    )
}

/// `POST /decode`: multipart field `image` → `{"texts": [...]}`, empty when nothing is found.
async fn decode(State(state): State<AppState>, req: Request) -> ApiResult<Json<Value>> {
    let image = reading::upload(req, Field::Image, false).await?;
    let decoded = reading::read(state.reading(), image, None, None).await?;
    Ok(Json(json!({"texts": crate::json::texts(&decoded)})))
}
