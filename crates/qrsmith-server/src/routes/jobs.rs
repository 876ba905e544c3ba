//! Batch jobs: `POST /api/v1/jobs` (202 with a `Location`), `GET /api/v1/jobs/{id}` (progress),
//! `GET /api/v1/jobs/{id}/result` (the ZIP), `DELETE /api/v1/jobs/{id}` (cancel).
//!
//! Generate jobs come as JSON (`{"type": "generate", "items": [{"text": …, "filename": …,
//! …options}], …defaults}`) or as a form with `type=generate`, a CSV in `file` and defaults in
//! further fields. Decode jobs come as a form with `type=decode` and images in `file` fields, or
//! one ZIP of images. A generate job with a `labels` object (a JSON field, or a form field
//! holding the object as JSON text) is a label-sheet job: its result is one PDF.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value};

use crate::batch::{self, GenerateRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::generation::GenerationLimits;
use crate::jobs::{JobView, FORMATS};
use crate::state::AppState;
use crate::store::{ItemError, Job, JobKind, JobStatus, NewItem, ResultBlob};
use tokio_util::io::ReaderStream;

/// The job routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", post(submit))
        .route("/api/v1/jobs/{id}", get(status).delete(cancel))
        .route("/api/v1/jobs/{id}/result", get(result))
}

async fn submit(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    // Parsing a CSV of 10,000 rows or inflating a ZIP takes milliseconds: it runs off the
    // async runtime, whose few threads serve every other request meanwhile.
    let (kind, items) = match crate::headers::media_type(req.headers()).as_str() {
        "application/json" => {
            let body = Bytes::from_request(req, &()).await?;
            let state = state.clone();
            off_runtime(move || {
                let mut body = serde_json::from_slice(&body).map_err(|e| {
                    ApiError::new(
                        ErrorCode::InvalidJson,
                        format!("the body is not valid JSON: {e}"),
                    )
                })?;
                crate::body::integral_numbers_as_integers(&mut body);
                from_json(&state, body)
            })
            .await?
        }
        "multipart/form-data" => {
            let form = Multipart::from_request(req, &()).await.map_err(|r| {
                ApiError::new(ErrorCode::InvalidMultipart, r.body_text()).with_status(r.status())
            })?;
            let form = read_form(&state, form).await?;
            let state = state.clone();
            off_runtime(move || from_form(&state, form)).await?
        }
        _ => {
            return Err(ApiError::unsupported_media_type(
                "send a generate job as application/json, or any job as multipart/form-data",
            ))
        }
    };
    if items.is_empty() {
        // A CSV of headers only, or a ZIP with no image in it: read, then refused.
        return Err(ApiError::refused_parameter("the job has no items"));
    }
    let job = state.jobs.submit(kind, items).await?;
    state
        .metrics
        .jobs_submitted
        .with_label_values(&[kind.name()])
        .inc();
    let location = format!("/api/v1/jobs/{}", job.id);
    let mut response =
        (StatusCode::ACCEPTED, Json(state.jobs.describe(job).await?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `{"type": "generate", "items": [...], ...defaults}`.
fn from_json(state: &AppState, body: Value) -> ApiResult<(JobKind, Vec<NewItem>)> {
    let Value::Object(mut fields) = body else {
        return Err(ApiError::bad_parameter(
            r#"expected a JSON object such as {"type": "generate", "items": [{"text": "…"}]}"#,
        ));
    };
    match fields.remove("type").as_ref().and_then(Value::as_str) {
        Some("generate") => {}
        Some("decode") => return Err(ApiError::bad_parameter(
            "decode jobs take images: send multipart/form-data with type=decode and file fields",
        )),
        _ => {
            return Err(ApiError::bad_parameter(
                r#"type must be "generate" or "decode""#,
            ))
        }
    }
    let Some(Value::Array(items)) = fields.remove("items") else {
        return Err(ApiError::bad_parameter("items must be a list of objects"));
    };
    if items.is_empty() {
        return Err(ApiError::bad_parameter("items: give at least one"));
    }
    // An item that is no object cannot be read as one (400, as the document's type says); an
    // object's options are checked item by item, and a bad one fails only its row.
    if let Some(at) = items.iter().position(|item| !item.is_object()) {
        return Err(ApiError::bad_parameter(format!(
            r#"items[{at}]: expected an object such as {{"text": "…"}}"#
        )));
    }
    if let Some(labels) = fields.remove("labels") {
        let labels = batch::LabelOptions::from_json(labels)?;
        labels.sheet()?;
        let rows = batch::read_label_items(
            &items,
            &fields,
            GenerationLimits::of(&state.config),
            state.config.max_job_items,
            labels.caption_column.as_deref(),
        )?;
        return Ok((JobKind::Labels, label_items(rows, &labels)));
    }
    let rows = batch::read_generate_items(
        &items,
        &fields,
        GenerationLimits::of(&state.config),
        FORMATS,
        state.config.max_job_items,
    )?;
    Ok((JobKind::Generate, generate_items(rows)))
}

/// Runs `parse` on tokio's blocking pool.
async fn off_runtime<T: Send + 'static>(
    parse: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| ApiError::internal(&format!("parse task: {e}")))?
}

/// A job form as received: `type`, the files, and (for generate) defaults from further fields.
struct JobForm {
    kind: Option<String>,
    files: Vec<(String, Bytes)>,
    defaults: Map<String, Value>,
    labels: Option<String>,
}

async fn read_form(state: &AppState, mut form: Multipart) -> ApiResult<JobForm> {
    let mut job = JobForm {
        kind: None,
        files: Vec::new(),
        defaults: Map::new(),
        labels: None,
    };
    while let Some(field) = form.next_field().await? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "type" => job.kind = Some(field.text().await?),
            "labels" => job.labels = Some(field.text().await?),
            "file" | "files" | "image" => {
                let file_name = field.file_name().unwrap_or("").to_owned();
                job.files.push((file_name, field.bytes().await?));
            }
            option => {
                let value = field.text().await?;
                job.defaults
                    .insert(option.to_owned(), batch::option_value(option, &value)?);
            }
        }
        if job.files.len() > state.config.max_job_items {
            return Err(ApiError::too_large(format!(
                "more than {} files, the most one job may hold",
                state.config.max_job_items
            )));
        }
    }
    Ok(job)
}

fn from_form(state: &AppState, form: JobForm) -> ApiResult<(JobKind, Vec<NewItem>)> {
    let JobForm {
        kind,
        files,
        defaults,
        labels,
    } = form;
    match kind.as_deref().map(str::trim) {
        Some("generate") => {
            let [(_, csv)] = <[_; 1]>::try_from(files).map_err(|_| {
                ApiError::bad_parameter("a generate job takes one CSV in the field \"file\"")
            })?;
            if let Some(labels) = labels {
                let labels = serde_json::from_str(&labels)
                    .map_err(|e| ApiError::bad_parameter(format!("labels: not JSON: {e}")))?;
                let labels = batch::LabelOptions::from_json(labels)?;
                labels.sheet()?;
                let rows = batch::read_label_csv(
                    &csv[..],
                    &defaults,
                    GenerationLimits::of(&state.config),
                    state.config.max_job_items,
                    labels.caption_column.as_deref(),
                )?;
                return Ok((JobKind::Labels, label_items(rows, &labels)));
            }
            let rows = batch::read_generate_csv(
                &csv[..],
                &defaults,
                GenerationLimits::of(&state.config),
                FORMATS,
                state.config.max_job_items,
            )?;
            Ok((JobKind::Generate, generate_items(rows)))
        }
        Some("decode") => {
            if !defaults.is_empty() || labels.is_some() {
                return Err(ApiError::bad_parameter(
                    "a decode job takes only type and file fields",
                ));
            }
            if files.is_empty() {
                return Err(ApiError::bad_parameter(
                    "a decode job takes one or more images or ZIPs in file fields",
                ));
            }
            Ok((JobKind::Decode, decode_items(state, files)?))
        }
        _ => Err(ApiError::bad_parameter(
            r#"the form needs a field type = "generate" or "decode""#,
        )),
    }
}

/// Rows to stored items: the options as JSON, or the row's error.
fn generate_items(rows: Vec<GenerateRow>) -> Vec<NewItem> {
    rows.into_iter()
        .map(|row| NewItem {
            name: row.file_name(),
            input: match row.generation {
                Ok(_) => serde_json::to_vec(&row.options).map_err(|e| ItemError {
                    code: ErrorCode::InvalidParameter.as_str().into(),
                    message: e.to_string(),
                }),
                Err(e) => Err(ItemError {
                    code: e.code.as_str().into(),
                    message: format!("row {}: {}", row.row, e.message),
                }),
            },
        })
        .collect()
}

/// Label rows to stored items: each row's options and caption with the sheet's layout, or the
/// row's error.
fn label_items(rows: Vec<GenerateRow>, labels: &batch::LabelOptions) -> Vec<NewItem> {
    let layout = labels.layout();
    rows.into_iter()
        .map(|row| NewItem {
            name: format!("row-{}", row.row),
            input: match row.generation {
                Ok(_) => serde_json::to_vec(&batch::LabelItem {
                    options: row.options,
                    caption: row.caption,
                    sheet: layout.clone(),
                })
                .map_err(|e| ItemError {
                    code: ErrorCode::InvalidParameter.as_str().into(),
                    message: e.to_string(),
                }),
                Err(e) => Err(ItemError {
                    code: e.code.as_str().into(),
                    message: format!("row {}: {}", row.row, e.message),
                }),
            },
        })
        .collect()
}

/// Uploaded images to items; a single ZIP is opened and its files become the items.
fn decode_items(state: &AppState, files: Vec<(String, Bytes)>) -> ApiResult<Vec<NewItem>> {
    let files = match <[_; 1]>::try_from(files) {
        Ok([(_, bytes)]) if bytes.starts_with(b"PK\x03\x04") => unzip(state, &bytes)?,
        Ok(one) => one.to_vec(),
        Err(many) => many,
    };
    let mut names = std::collections::HashSet::new();
    Ok(files
        .into_iter()
        .enumerate()
        .map(|(i, (name, bytes))| {
            let mut name = if name.trim().is_empty() {
                format!("file-{}", i + 1)
            } else {
                name
            };
            if !names.insert(name.clone()) {
                name = format!("{name} ({})", i + 1);
            }
            NewItem {
                name,
                input: Ok(bytes.to_vec()),
            }
        })
        .collect())
}

/// The files of an uploaded ZIP, bounded by the job limits: as many files as a job may hold, and
/// four request bodies' worth of uncompressed bytes.
fn unzip(state: &AppState, bytes: &[u8]) -> ApiResult<Vec<(String, Bytes)>> {
    let files = batch::read_zip(
        bytes,
        state.config.max_job_items,
        state.config.max_body_bytes.saturating_mul(4),
    )?;
    Ok(files
        .into_iter()
        .map(|(name, content)| (name, Bytes::from(content)))
        .collect())
}

async fn find(state: &AppState, id: String) -> ApiResult<Job> {
    let shown = id.clone();
    state
        .jobs
        .with_store(move |s| s.job(&id))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::JobNotFound,
                format!("no job {shown:?} (unknown, or its result expired)"),
            )
        })
}

async fn status(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<JobView>> {
    let job = find(&state, id).await?;
    Ok(Json(state.jobs.describe(job).await?))
}

async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<JobView>> {
    let before = find(&state, id.clone()).await?;
    let job = state
        .jobs
        .with_store(move |s| s.cancel(&id))
        .await?
        .ok_or_else(|| ApiError::not_found("the job expired meanwhile"))?;
    if !before.status.is_final() && job.status == JobStatus::Cancelled {
        state
            .metrics
            .jobs_finished
            .with_label_values(&[job.status.name()])
            .inc();
    }
    Ok(Json(state.jobs.describe(job).await?))
}

async fn result(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = find(&state, id).await?;
    if job.status != JobStatus::Succeeded {
        return Err(ApiError::new(
            ErrorCode::JobNotFinished,
            format!(
                "the job is {}; its result is there once it has succeeded",
                job.status.name()
            ),
        ));
    }
    let id = job.id.clone();
    let blob = state
        .jobs
        .with_store(move |s| s.result(&id))
        .await?
        .ok_or_else(|| {
            // Swept between the two reads, or evicted from Redis under memory pressure.
            ApiError::new(
                ErrorCode::ResultGone,
                "the job's result is no longer stored; submit the job again",
            )
        })?;
    let (media_type, extension) = match job.kind {
        JobKind::Labels => ("application/pdf", "pdf"),
        JobKind::Generate | JobKind::Decode => ("application/zip", "zip"),
    };
    let disposition = format!("attachment; filename=\"qrsmith-{}.{extension}\"", job.id);
    let (body, len) = match blob {
        // Streamed: a large result is not read into memory.
        ResultBlob::File { file, len } => (
            Body::from_stream(ReaderStream::new(tokio::fs::File::from_std(file))),
            len,
        ),
        ResultBlob::Bytes(bytes) => {
            let len = bytes.len() as u64;
            (Body::from(bytes), len)
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(len)),
        ],
        body,
    )
        .into_response())
}
