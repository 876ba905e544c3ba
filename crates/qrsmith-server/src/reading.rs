//! Reading uploaded images: taking the image out of a multipart form or a raw body, and decoding
//! it on the worker pool with the configured limits. Remote URLs are never fetched (a
//! server-side request forgery risk): clients upload the bytes.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use std::time::Duration;

use qrsmith_core::{decode, DecodeOptions, Decoded, Effort};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::metrics::Metrics;
use crate::workers::Workers;

/// Which multipart fields hold the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Only the field named `image` (the reference's form).
    Image,
    /// `image`, `file`, or else the first field that carries a file name.
    AnyFile,
}

/// Takes the uploaded image out of the request: a `multipart/form-data` field, or (when
/// `raw_allowed`) the body itself with an `image/*` or `application/octet-stream` type.
pub async fn upload(req: Request, field: Field, raw_allowed: bool) -> ApiResult<Bytes> {
    let essence = crate::headers::media_type(req.headers());
    let essence = essence.as_str();
    if essence == "multipart/form-data" {
        let mut form = Multipart::from_request(req, &()).await.map_err(|r| {
            ApiError::new(ErrorCode::InvalidMultipart, r.body_text()).with_status(r.status())
        })?;
        while let Some(part) = form.next_field().await? {
            let wanted = match (part.name(), field) {
                (Some("image"), _) => true,
                (Some("file"), Field::AnyFile) => true,
                (_, Field::AnyFile) => part.file_name().is_some(),
                _ => false,
            };
            if wanted {
                return Ok(part.bytes().await?);
            }
        }
        return Err(ApiError::bad_parameter(match field {
            Field::Image => "the form has no field named \"image\"",
            Field::AnyFile => "the form has no image field (name it \"image\")",
        }));
    }
    if raw_allowed && (essence.starts_with("image/") || essence == "application/octet-stream") {
        return Bytes::from_request(req, &()).await.map_err(ApiError::from);
    }
    Err(ApiError::unsupported_media_type(if raw_allowed {
        "send the image as multipart/form-data (field \"image\") or as the body with an image/* or application/octet-stream type"
    } else {
        "send the image as multipart/form-data with a field named \"image\""
    }))
}

/// How an image is read: the pool it runs on, where its outcome is counted, and the
/// configured options (effort and time budget) a request may narrow.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    /// The bounded pool for CPU work.
    pub workers: &'a Workers,
    /// Where the outcome is counted.
    pub metrics: &'a Metrics,
    /// The configured decode options.
    pub configured: &'a DecodeOptions,
}

/// Decodes `image` on the worker pool with the request's effort (or the configured one) and
/// time budget (never more than the configured one), counting the outcome.
pub async fn read(
    reading: Reading<'_>,
    image: Bytes,
    effort: Option<Effort>,
    budget: Option<Duration>,
) -> ApiResult<Decoded> {
    let mut opts = reading.configured.clone();
    if let Some(effort) = effort {
        opts.effort = effort;
    }
    if let Some(budget) = budget {
        opts.limits.max_time = Some(opts.limits.max_time.map_or(budget, |max| max.min(budget)));
    }
    let outcome = reading.workers.run(move || decode(&image, &opts)).await?;
    let label = match &outcome {
        Ok(d) if d.symbols.is_empty() => "none",
        Ok(_) => "found",
        Err(_) => "error",
    };
    reading
        .metrics
        .decode_outcomes
        .with_label_values(&[label])
        .inc();
    outcome.map_err(ApiError::from_decode)
}
