//! One module per resource, each with its own `router()`; merged here with the JSON 404 and
//! 405 answers.

use axum::http::{Method, Uri};
use axum::Router;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub mod decode;
pub mod health;
pub mod jobs;
pub mod legacy;
pub mod links;
pub mod metrics;
pub mod openapi;
pub mod qr;
pub mod usage;
pub mod web;

/// Every route of the service.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(metrics::router())
        .merge(legacy::router())
        .merge(qr::router())
        .merge(decode::router())
        .merge(jobs::router())
        .merge(usage::router())
        .merge(links::router())
        .merge(openapi::router())
        .merge(web::router())
}

/// 404 for a path no route matches.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {}", uri.path()))
}

/// 405 for a known path asked with a method it does not serve.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on {}", uri.path()),
    )
}
