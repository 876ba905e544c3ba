//! The service's one error type: an HTTP status, a stable machine-readable code and a public
//! message, answered as `{"error": {"code": "…", "message": "…"}}`.
//!
//! Internal details (an engine failure's cause) go to the log, never to the client.

use std::borrow::Cow;

use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use qrsmith_core::ErrorKind;
use serde_json::json;

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable snake_case code clients can match on.
    pub code: &'static str,
    /// A human-readable message, safe to show to the client.
    pub message: Cow<'static, str>,
    /// Seconds after which a retry may succeed (`Retry-After`), for 429 and 503.
    pub retry_after: Option<u32>,
}

/// The code of an error response, kept in the response's extensions for the access log.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `invalid_parameter`: a query or JSON field has a wrong value.
    pub fn bad_parameter(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 413 `payload_too_large`.
    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    }

    /// 429 `overloaded` with `Retry-After: 1`: the worker queue (or another capacity) is full.
    pub fn overloaded(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "overloaded", message)
        }
    }

    /// 503 `shutting_down` with `Retry-After: 1`.
    pub fn shutting_down() -> Self {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the server is shutting down",
            )
        }
    }

    /// 503 `storage_unavailable` with `Retry-After: 1`: the store (SQLite or Redis) failed, e.g.
    /// Redis is unreachable. Not the client's fault and usually passing, so retryable rather than
    /// a 500. The detail is logged, not answered.
    pub fn storage_unavailable(detail: &str) -> Self {
        tracing::error!(detail, "storage unavailable");
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the service's storage is unavailable; retry after the delay in Retry-After",
            )
        }
    }

    /// An error of the library met while generating: every kind but an engine failure is the
    /// request's fault, so 400.
    pub fn from_generate(err: qrsmith_core::Error) -> Self {
        let status = match err.kind() {
            ErrorKind::Engine => return ApiError::internal(err.message()),
            // A styled code that cannot be made to read: the request is well-formed but its
            // look cannot work.
            ErrorKind::Unscannable => StatusCode::UNPROCESSABLE_ENTITY,
            // Too much data for the symbol asked for, an output larger than allowed, an unknown
            // format name: all are parameters the client can change.
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, err.kind().code(), err.message().to_owned())
    }

    /// An error of the library met while decoding an uploaded image.
    pub fn from_decode(err: qrsmith_core::Error) -> Self {
        let status = match err.kind() {
            ErrorKind::LimitExceeded => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Engine => return ApiError::internal(err.message()),
            ErrorKind::InvalidOption => StatusCode::BAD_REQUEST,
            // Corrupt, truncated, or so hard that the time budget ran out: the same image will
            // fail again, so 422 rather than a retryable 5xx.
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(status, err.kind().code(), err.message().to_owned())
    }

    /// 500 `internal_error`: not the client's fault. The detail is logged, not answered.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error; the request may be retried",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, axum::Json(body)).into_response();
        // For the access log.
        response.extensions_mut().insert(ErrorCode(self.code));
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // Errors are never cached: a 429 now may be a 200 in a second.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::unsupported_media_type(
                "expected a JSON body with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(r) => r.into(),
            other => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("invalid JSON body: {}", other.body_text()),
            ),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large("the request body exceeds the configured limit")
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("cannot read the request body: {}", rejection.body_text()),
            )
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_parameter(format!(
            "invalid query string: {}",
            // axum prefixes its own wording; keep only the cause.
            rejection
                .body_text()
                .trim_start_matches("Failed to deserialize query string: ")
        ))
    }
}

impl From<MultipartError> for ApiError {
    fn from(err: MultipartError) -> Self {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large("the request body exceeds the configured limit")
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_multipart",
                format!("invalid multipart body: {}", err.body_text()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrsmith_core::Error;

    #[test]
    fn library_kinds_map_to_client_statuses() {
        let decode = |k| ApiError::from_decode(Error::new(k, "m")).status;
        assert_eq!(
            decode(ErrorKind::LimitExceeded),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            decode(ErrorKind::UnsupportedFormat),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            decode(ErrorKind::CorruptImage),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(decode(ErrorKind::Timeout), StatusCode::UNPROCESSABLE_ENTITY);
        let generate = |k| ApiError::from_generate(Error::new(k, "m"));
        let e = generate(ErrorKind::DataTooLong);
        assert_eq!(
            (e.status, e.code),
            (StatusCode::BAD_REQUEST, "data_too_long")
        );
        assert_eq!(
            generate(ErrorKind::LimitExceeded).status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(generate(ErrorKind::Engine).code, "internal_error");
    }
}
