//! `/api/v1/qr`: `GET` answers one image usable straight in `<img src>`, cacheable forever (its
//! `ETag` is the request hash); `POST` takes every library option as JSON and answers data URIs,
//! or a ZIP with `Accept: application/zip`.

use std::io::Write as _;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::generation::CacheKey;
use crate::generation::{self, Generated, GenerationLimits, QrOptions};
use crate::query::StrictQuery;
use crate::state::AppState;

/// `/api/v1/qr`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/qr", get(get_qr).post(post_qr))
}

/// The strong `ETag` of a request: half the SHA-256 is plenty to tell requests apart.
fn etag(key: &CacheKey) -> String {
    let mut s = String::with_capacity(34);
    s.push('"');
    for b in &key[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('"');
    s
}

/// What `If-None-Match` says of a representation tagged `etag`.
#[derive(Debug, PartialEq, Eq)]
enum IfNoneMatch {
    /// No header, or it lists other tags only.
    Differs,
    /// It lists `etag`; weak validators compare equal too, as RFC 9110 asks for this header.
    Lists,
    /// `*`: any current representation matches, so only a request that succeeds is 304.
    Any,
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> IfNoneMatch {
    let mut answer = IfNoneMatch::Differs;
    for tag in headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
    {
        if tag.trim_start_matches("W/") == etag {
            return IfNoneMatch::Lists;
        }
        if tag == "*" {
            answer = IfNoneMatch::Any;
        }
    }
    answer
}

async fn get_qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    StrictQuery(options): StrictQuery<QrOptions>,
) -> ApiResult<Response> {
    if options.parts.is_some() {
        return Err(ApiError::bad_parameter(
            "parts gives several images: use POST /api/v1/qr",
        ));
    }
    let generation = options.normalise(
        GenerationLimits::of(&state.config),
        generation::IMAGE_FORMATS,
    )?;
    let key = generation.key();
    let tag = etag(&key);
    let cache_control = format!(
        "public, max-age={}, immutable",
        state.config.http_max_age_secs
    );
    let validators = [
        (header::ETAG, tag.clone()),
        (header::CACHE_CONTROL, cache_control),
    ];
    let condition = if_none_match(&headers, &tag);
    if condition == IfNoneMatch::Lists {
        // Nothing is generated: the hash of the request is the validator, handed out only with
        // a successful answer.
        return Ok((StatusCode::NOT_MODIFIED, validators).into_response());
    }
    // For `*`, the request must first prove to have a representation: one that fails (a scale
    // of 0, a size too small for the symbol) is its error, not 304.
    let generated = state
        .cache
        .generate_keyed(&state.workers, key, generation)
        .await?;
    if condition == IfNoneMatch::Any {
        return Ok((StatusCode::NOT_MODIFIED, validators).into_response());
    }
    let format = generated.format;
    let disposition = format!("inline; filename=\"qr.{}\"", format.extension());
    let mut response = (
        validators,
        [
            (header::CONTENT_TYPE, format.mime_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        generated.images[0].bytes.clone(),
    )
        .into_response();
    if let Some(scan) = &generated.images[0].scan {
        scan_headers(response.headers_mut(), scan);
    }
    Ok(response)
}

/// `X-QR-Scan-Margin` and `X-QR-Adjustments` for a verified image (ASCII by construction).
fn scan_headers(headers: &mut HeaderMap, scan: &generation::ScanReport) {
    for (name, value) in [
        ("x-qr-scan-margin", scan.margin_header()),
        ("x-qr-adjustments", scan.adjustments_header()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

async fn post_qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(options): JsonBody<QrOptions>,
) -> ApiResult<Response> {
    let built = options.payload.is_some();
    let generation = options.normalise(
        GenerationLimits::of(&state.config),
        generation::BODY_FORMATS,
    )?;
    // A built payload's text is echoed, so callers see what their code says.
    let payload_text = built.then(|| generation.payload_text()).flatten();
    let generated = state.cache.generate(&state.workers, generation).await?;
    // JSON stays the default for `*/*` and anything else.
    if crate::headers::lists(&headers, "accept", "application/zip") {
        let mut response = zip_response(&generated)?;
        if let [one] = generated.images.as_slice() {
            if let Some(scan) = &one.scan {
                scan_headers(response.headers_mut(), scan);
            }
        }
        return Ok(response);
    }
    let answer = generation::ImagesAnswer::of(&generated, payload_text);
    Ok(Json(answer).into_response())
}

/// The images as a ZIP (stored, not deflated: PNG and PDF are compressed already), named
/// `qr.png` for one symbol and `qr-1.png`, `qr-2.png`, … for a sequence.
fn zip_response(g: &Generated) -> ApiResult<Response> {
    let zip_err = |e: zip::result::ZipError| ApiError::internal(&format!("zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let ext = g.format.extension();
    for (i, img) in g.images.iter().enumerate() {
        let name = match g.images.len() {
            1 => format!("qr.{ext}"),
            _ => format!("qr-{}.{ext}", i + 1),
        };
        zip.start_file(name, opts).map_err(zip_err)?;
        zip.write_all(&img.bytes)
            .map_err(|e| ApiError::internal(&format!("zip: {e}")))?;
    }
    let bytes = zip.finish().map_err(zip_err)?.into_inner();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"qr.zip\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = "\"abc\"";
        let mut h = HeaderMap::new();
        assert_eq!(if_none_match(&h, tag), IfNoneMatch::Differs);
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert_eq!(if_none_match(&h, tag), IfNoneMatch::Lists);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert_eq!(if_none_match(&h, tag), IfNoneMatch::Any);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abcd\""));
        assert_eq!(if_none_match(&h, tag), IfNoneMatch::Differs);
    }
}
