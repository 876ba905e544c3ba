//! The service's one error type: an HTTP status, a stable machine-readable code and a public
//! message, answered as `{"error": {"code": "…", "message": "…"}}`, and [`ErrorCode`], the one
//! list of every code the service answers.
//!
//! Internal details (an engine failure's cause) go to the log, never to the client.

use std::borrow::Cow;

use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use qrsmith_core::ErrorKind;

use crate::store::StoreFailure;
use crate::workers::WorkError;

/// Declares [`ErrorCode`] from one table of variant, wire code and usual status, so that the
/// three cannot drift apart.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $status:ident;)*) => {
        /// Every error code the service answers (in error bodies, in failed job items and in the
        /// access log), with the HTTP status it usually comes with. The OpenAPI document's
        /// `ErrorCode` enum is held to this list by a test.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable snake_case code clients match on.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The status this code is usually answered with: always on the legacy endpoints,
            /// and on the v1 API but for two shifts. A 400 code becomes 422 when the request
            /// was read and then refused for what it asks
            /// ([`ApiError::unprocessable`]), and the library's size and format codes depend
            /// on the direction ([`ApiError::from_decode`]).
            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }
        }
    };
}

/// `ErrorCode` in the OpenAPI document: every wire code, in the table's order.
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "Stable snake_case codes clients can match on, in error bodies and in failed job \
                 items. Each has a usual status (see docs/api.md); limit_exceeded is 413 and \
                 unsupported_format 415 when an upload is the input.",
            ))
            .enum_values(Some(ErrorCode::ALL.iter().map(|code| code.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}

error_codes! {
    /// A query or JSON field has a wrong value.
    InvalidParameter = "invalid_parameter", BAD_REQUEST;
    /// The body is not JSON, or not of the expected shape.
    InvalidJson = "invalid_json", BAD_REQUEST;
    /// The request body could not be read.
    InvalidBody = "invalid_body", BAD_REQUEST;
    /// The multipart form is malformed.
    InvalidMultipart = "invalid_multipart", BAD_REQUEST;
    /// A batch CSV cannot be read.
    InvalidCsv = "invalid_csv", BAD_REQUEST;
    /// A batch ZIP cannot be read.
    InvalidZip = "invalid_zip", BAD_REQUEST;
    /// A payload builder's field is invalid.
    InvalidPayload = "invalid_payload", BAD_REQUEST;
    /// The logo is not a readable image.
    InvalidLogo = "invalid_logo", BAD_REQUEST;
    /// The data does not fit in the symbol asked for.
    DataTooLong = "data_too_long", BAD_REQUEST;
    /// A generation or decoding option is out of range.
    InvalidOption = "invalid_option", BAD_REQUEST;
    /// A size limit of the library (413 when the upload is the input).
    LimitExceeded = "limit_exceeded", BAD_REQUEST;
    /// An unknown output format (415 when it is an upload's format).
    UnsupportedFormat = "unsupported_format", BAD_REQUEST;
    /// A link destination that is not an absolute http(s) URL, is too long, or has userinfo.
    InvalidDestination = "invalid_destination", BAD_REQUEST;
    /// A link destination outside `--link-allowed-hosts`.
    DestinationNotAllowed = "destination_not_allowed", BAD_REQUEST;
    /// A link slug of the wrong length or characters.
    InvalidSlug = "invalid_slug", BAD_REQUEST;
    /// No API key was sent.
    ApiKeyRequired = "api_key_required", UNAUTHORIZED;
    /// The API key is unknown or revoked.
    ApiKeyInvalid = "api_key_invalid", UNAUTHORIZED;
    /// The call needs the admin key.
    AdminKeyRequired = "admin_key_required", FORBIDDEN;
    /// The key has `--max-links-per-key` links.
    LinkLimitReached = "link_limit_reached", FORBIDDEN;
    /// No such route.
    NotFound = "not_found", NOT_FOUND;
    /// No such legacy task (unknown, or its result expired).
    TaskNotFound = "task_not_found", NOT_FOUND;
    /// No such job (unknown, or its result expired).
    JobNotFound = "job_not_found", NOT_FOUND;
    /// No such link among those the key may see.
    LinkNotFound = "link_not_found", NOT_FOUND;
    /// A legacy task has not finished.
    ResultNotReady = "result_not_ready", NOT_FOUND;
    /// The method is not allowed on the route.
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED;
    /// The request body did not arrive in time.
    RequestBodyTimeout = "request_body_timeout", REQUEST_TIMEOUT;
    /// A job's result was asked for before it finished.
    JobNotFinished = "job_not_finished", CONFLICT;
    /// A legacy task failed.
    TaskFailed = "task_failed", CONFLICT;
    /// The chosen slug is in use.
    SlugTaken = "slug_taken", CONFLICT;
    /// A job's result is no longer stored.
    ResultGone = "result_gone", GONE;
    /// The body, the text or an upload is larger than allowed.
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE;
    /// The text exceeds the generation limit.
    TextTooLong = "text_too_long", PAYLOAD_TOO_LARGE;
    /// The logo exceeds its byte limit.
    LogoTooLarge = "logo_too_large", PAYLOAD_TOO_LARGE;
    /// The body's content type is not one the route reads.
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE;
    /// The uploaded image is corrupt or truncated.
    CorruptImage = "corrupt_image", UNPROCESSABLE_ENTITY;
    /// The decode time budget ran out.
    Timeout = "timeout", UNPROCESSABLE_ENTITY;
    /// Structured-append symbols do not form one complete sequence.
    IncompleteSequence = "incomplete_sequence", UNPROCESSABLE_ENTITY;
    /// A styled code that cannot be made to read.
    Unscannable = "unscannable", UNPROCESSABLE_ENTITY;
    /// The worker queue (or another capacity) is full.
    Overloaded = "overloaded", TOO_MANY_REQUESTS;
    /// The key's rate limit is spent.
    RateLimited = "rate_limited", TOO_MANY_REQUESTS;
    /// Not the client's fault; the detail is in the log.
    InternalError = "internal_error", INTERNAL_SERVER_ERROR;
    /// The readiness check of the decoding engine failed.
    EngineError = "engine_error", SERVICE_UNAVAILABLE;
    /// The server has not finished starting.
    Starting = "starting", SERVICE_UNAVAILABLE;
    /// The server is shutting down.
    ShuttingDown = "shutting_down", SERVICE_UNAVAILABLE;
    /// The store (SQLite or Redis) failed.
    StorageUnavailable = "storage_unavailable", SERVICE_UNAVAILABLE;
    /// The request took longer than `--request-timeout`.
    RequestTimeout = "request_timeout", SERVICE_UNAVAILABLE;
}

impl ErrorCode {
    /// The code of a library error kind (the same wire code: the test below holds them equal).
    pub const fn of_kind(kind: ErrorKind) -> ErrorCode {
        match kind {
            ErrorKind::DataTooLong => ErrorCode::DataTooLong,
            ErrorKind::InvalidOption => ErrorCode::InvalidOption,
            ErrorKind::LimitExceeded => ErrorCode::LimitExceeded,
            ErrorKind::UnsupportedFormat => ErrorCode::UnsupportedFormat,
            ErrorKind::CorruptImage => ErrorCode::CorruptImage,
            ErrorKind::Timeout => ErrorCode::Timeout,
            ErrorKind::IncompleteSequence => ErrorCode::IncompleteSequence,
            ErrorKind::Engine => ErrorCode::EngineError,
            ErrorKind::Unscannable => ErrorCode::Unscannable,
            // A kind newer than this table; the test below fails until it is added.
            _ => ErrorCode::InternalError,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A refusal by the domain layer (generation options, payloads, batch files): a code of the
/// registry and a message, with no HTTP in it. The service answers it with the code's status
/// ([`ApiError`]'s `From`); the CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The stable code.
    pub code: ErrorCode,
    /// A human-readable message naming what was wrong.
    pub message: Cow<'static, str>,
}

/// Shorthand for the domain layer's results.
pub type Refused<T> = Result<T, Refusal>;

impl Refusal {
    /// A refusal with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// `invalid_parameter`: a field or cell has a wrong value.
    pub fn parameter(message: impl Into<Cow<'static, str>>) -> Self {
        Refusal::new(ErrorCode::InvalidParameter, message)
    }

    /// `payload_too_large`: more rows, files or bytes than allowed.
    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Self {
        Refusal::new(ErrorCode::PayloadTooLarge, message)
    }

    /// A library error met by a batch row: its kind's code and message.
    pub fn from_library(err: qrsmith_core::Error) -> Self {
        Refusal::new(ErrorCode::of_kind(err.kind()), err.message().to_owned())
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Refusal {}

/// A refusal by the domain layer comes after the request was read, so it is answered as
/// [`ApiError::unprocessable`]: 422 for what would be 400.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::new(refusal.code, refusal.message).unprocessable()
    }
}

impl From<WorkError> for ApiError {
    fn from(err: WorkError) -> Self {
        match err {
            WorkError::Overloaded => ApiError::overloaded(err.to_string()),
            WorkError::Panicked | WorkError::Stopped => ApiError::internal(&err.to_string()),
        }
    }
}

impl From<StoreFailure> for ApiError {
    fn from(failure: StoreFailure) -> Self {
        match failure {
            StoreFailure::Unavailable(_) => ApiError::storage_unavailable(&failure.to_string()),
            StoreFailure::Task(_) => ApiError::internal(&failure.to_string()),
        }
    }
}

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code clients can match on.
    pub code: ErrorCode,
    /// A human-readable message, safe to show to the client.
    pub message: Cow<'static, str>,
    /// Seconds after which a retry may succeed (`Retry-After`), for 429 and 503.
    pub retry_after: Option<u32>,
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with `code`, its usual status, and `message`.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status: code.status(),
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same error answered with `status` instead of the code's usual one (a rejection
    /// that carries its own status, a library code whose status depends on the direction).
    pub fn with_status(self, status: StatusCode) -> Self {
        ApiError { status, ..self }
    }

    /// The same error as a refusal of a request that was read: the v1 API answers 400 when a
    /// request cannot be read as the OpenAPI document's types (JSON that does not parse, a
    /// wrong type, an unknown field, a number beyond its type) and 422, with the same code,
    /// when it was read and then refused (a value the document does not allow, options that
    /// exclude each other, data that does not fit the symbol, a checksum that does not add up,
    /// a logo that is no image). Other statuses (413, 403, 409…) are kept. The legacy endpoints
    /// answer the usual status (`error::usual_status`).
    pub fn unprocessable(self) -> Self {
        if self.status == StatusCode::BAD_REQUEST {
            self.with_status(StatusCode::UNPROCESSABLE_ENTITY)
        } else {
            self
        }
    }

    /// The same error with `Retry-After: secs`.
    pub fn retry_after(self, secs: u32) -> Self {
        ApiError {
            retry_after: Some(secs),
            ..self
        }
    }

    /// 400 `invalid_parameter`: a query or JSON field has a wrong value.
    pub fn bad_parameter(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(ErrorCode::InvalidParameter, message)
    }

    /// 422 `invalid_parameter`: a parameter that was read as its type and then refused (a
    /// range in the wrong order, a bound the document does not give).
    pub fn refused_parameter(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::bad_parameter(message).unprocessable()
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// 413 `payload_too_large`.
    pub fn too_large(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(ErrorCode::PayloadTooLarge, message)
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(ErrorCode::UnsupportedMediaType, message)
    }

    /// 429 `overloaded` with `Retry-After: 1`: the worker queue (or another capacity) is full.
    pub fn overloaded(message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::new(ErrorCode::Overloaded, message).retry_after(1)
    }

    /// 503 `shutting_down` with `Retry-After: 1`.
    pub fn shutting_down() -> Self {
        ApiError::new(ErrorCode::ShuttingDown, "the server is shutting down").retry_after(1)
    }

    /// 503 `storage_unavailable` with `Retry-After: 1`: the store (SQLite or Redis) failed, e.g.
    /// Redis is unreachable. Not the client's fault and usually passing, so retryable rather than
    /// a 500. The detail is logged, not answered.
    pub fn storage_unavailable(detail: &str) -> Self {
        tracing::error!(detail, "storage unavailable");
        ApiError::new(
            ErrorCode::StorageUnavailable,
            "the service's storage is unavailable; retry after the delay in Retry-After",
        )
        .retry_after(1)
    }

    /// An error of the library met while generating: every kind but an engine failure is the
    /// request's fault, met after it was read (too much data for the symbol, an option the
    /// symbol cannot take, a styled code that cannot be made to read), so 422
    /// ([`ApiError::unprocessable`]).
    pub fn from_generate(err: qrsmith_core::Error) -> Self {
        match err.kind() {
            ErrorKind::Engine => ApiError::internal(err.message()),
            kind => ApiError::new(ErrorCode::of_kind(kind), err.message().to_owned())
                .with_status(StatusCode::UNPROCESSABLE_ENTITY),
        }
    }

    /// An error of the library met while decoding an uploaded image. Two codes change status
    /// here because the upload is the input: a size limit is 413 and an unknown format 415.
    /// Corrupt, truncated or too hard for the time budget is 422 (the same image will fail
    /// again, so not a retryable 5xx).
    pub fn from_decode(err: qrsmith_core::Error) -> Self {
        let error = match err.kind() {
            ErrorKind::Engine => return ApiError::internal(err.message()),
            kind => ApiError::new(ErrorCode::of_kind(kind), err.message().to_owned()),
        };
        match err.kind() {
            ErrorKind::LimitExceeded => error.with_status(StatusCode::PAYLOAD_TOO_LARGE),
            ErrorKind::UnsupportedFormat => error.with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            _ => error,
        }
    }

    /// 500 `internal_error`: not the client's fault. The detail is logged, not answered.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "internal error");
        ApiError::new(
            ErrorCode::InternalError,
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

/// The body of every error answer: `{"error": {"code": …, "message": …}}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What went wrong.
    #[schema(inline)]
    pub error: ErrorDetail,
}

/// A refusal's code and message.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// What was wrong, in words.
    #[schema(value_type = String)]
    pub message: Cow<'static, str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        // For the access log.
        response.extensions_mut().insert(self.code);
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

/// The legacy endpoints' statuses: every code with its usual status, as the reference service
/// answered, where the v1 API says 422 for a request it read and refused
/// ([`ApiError::unprocessable`]). A response layer, since it holds for every error those routes
/// answer; the code is read from the response's extensions, where [`ApiError`] puts it.
pub async fn usual_status(mut response: Response) -> Response {
    if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
        if let Some(code) = response.extensions().get::<ErrorCode>() {
            *response.status_mut() = code.status();
        }
    }
    response
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::unsupported_media_type(
                "expected a JSON body with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(r) => r.into(),
            other => ApiError::new(
                ErrorCode::InvalidJson,
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
                ErrorCode::InvalidBody,
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
                ErrorCode::InvalidMultipart,
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
            (e.status, e.code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "data_too_long")
        );
        assert_eq!(
            generate(ErrorKind::LimitExceeded).status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(generate(ErrorKind::Engine).code, "internal_error");
        assert_eq!(
            generate(ErrorKind::Unscannable).status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[tokio::test]
    async fn refusals_are_422_on_v1_and_keep_their_usual_status_on_the_legacy_endpoints() {
        let refused = ApiError::from(Refusal::parameter("logo_size needs a logo"));
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let too_large = ApiError::from(Refusal::too_large("too many rows"));
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
        let legacy = usual_status(refused.into_response()).await;
        assert_eq!(legacy.status(), StatusCode::BAD_REQUEST);
        let unscannable = ApiError::from_generate(Error::new(ErrorKind::Unscannable, "m"));
        let legacy = usual_status(unscannable.into_response()).await;
        assert_eq!(legacy.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn library_kinds_keep_their_wire_codes() {
        for kind in [
            ErrorKind::DataTooLong,
            ErrorKind::InvalidOption,
            ErrorKind::LimitExceeded,
            ErrorKind::UnsupportedFormat,
            ErrorKind::CorruptImage,
            ErrorKind::Timeout,
            ErrorKind::IncompleteSequence,
            ErrorKind::Engine,
            ErrorKind::Unscannable,
        ] {
            assert_eq!(ErrorCode::of_kind(kind).as_str(), kind.code(), "{kind:?}");
        }
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    /// The OpenAPI document lists exactly the codes of the registry.
    #[test]
    fn openapi_lists_every_code() {
        let doc = crate::api_doc::document();
        let listed: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .expect("components.schemas.ErrorCode.enum")
            .iter()
            .map(|v| v.as_str().expect("a string"))
            .collect();
        let registry: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            listed, registry,
            "the document's ErrorCode enum against error.rs"
        );
    }
}
