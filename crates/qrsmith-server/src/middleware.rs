//! What wraps every request: request id, load shedding, timeout, security headers, metrics and
//! the access log (one JSON line per request; probes and `/metrics` are not logged).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The request id header, taken from the client or added.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The Content-Security-Policy of every response: nothing inline, nothing from elsewhere.
/// `img-src data: blob:` lets the page show generated images and uploads; `media-src blob:` and
/// `mediastream:` the camera preview.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; \
    connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The request id of a request, in its extensions for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

/// Copies the matched route into the response, where [`track`] (which runs before routing)
/// can read it: metrics are labelled by route pattern, a bounded set, never by raw path.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(m) = matched {
        response.extensions_mut().insert(m);
    }
    response
}

/// Paths that are neither logged nor shed: probes must answer even under overload.
fn is_quiet(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

/// Decrements the in-flight gauge when the request ends, however it ends (a dropped
/// connection drops the future).
struct InFlight<'a>(&'a prometheus::IntGauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The outer middleware: see the module documentation.
pub async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let quiet = is_quiet(req.uri().path());
    let method = method_label(req.method());
    let path = if quiet {
        String::new()
    } else {
        req.uri().path().to_owned()
    };
    let request_id = request_id(req.headers());
    req.extensions_mut().insert(RequestId(request_id.clone()));

    let metrics = &state.metrics;
    metrics.in_flight.inc();
    let in_flight = InFlight(&metrics.in_flight);
    let over_limit =
        !quiet && metrics.in_flight.get() as u64 > state.config.max_concurrent_requests as u64;
    let mut response = if over_limit {
        metrics.shed.inc();
        ApiError::overloaded("too many requests in flight; retry after the delay in Retry-After")
            .into_response()
    } else {
        match tokio::time::timeout(state.config.request_timeout(), next.run(req)).await {
            Ok(r) => r,
            Err(_) => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "request_timeout",
                    format!(
                        "the request took longer than {} ms",
                        state.config.request_timeout_ms
                    ),
                )
            }
            .into_response(),
        }
    };
    drop(in_flight);

    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str());
    let status = response.status();
    let elapsed = started.elapsed();
    metrics
        .requests
        .with_label_values(&[route, method, status.as_str()])
        .inc();
    metrics
        .latency
        .with_label_values(&[route])
        .observe(elapsed.as_secs_f64());
    if !quiet {
        let error = response.extensions().get::<ErrorCode>().map(|c| c.0);
        tracing::info!(
            target: "qrsmith::access",
            request_id = request_id.to_str().unwrap_or(""),
            method,
            path,
            route,
            status = status.as_u16(),
            ms = (elapsed.as_secs_f64() * 1e5).round() / 100.0,
            error,
        );
    }

    let headers = response.headers_mut();
    headers.insert(X_REQUEST_ID.clone(), request_id);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Known methods by name; anything else as `other`, so a client cannot grow the label set.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The client's `X-Request-Id` when it is a sane token (1–128 visible ASCII characters), else a
/// new one: a per-process random prefix and a counter, unique without a syscall per request.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    if let Some(v) = headers.get(&X_REQUEST_ID) {
        let b = v.as_bytes();
        if (1..=128).contains(&b.len()) && b.iter().all(|c| c.is_ascii_graphic()) {
            return v.clone();
        }
    }
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let mut b = [0u8; 8];
        // Without randomness the ids are still unique within the process.
        let _ = getrandom::fill(&mut b);
        u64::from_le_bytes(b)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{prefix:016x}-{n:x}")).expect("hex is a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_kept_when_sane_and_made_otherwise() {
        let mut h = HeaderMap::new();
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(request_id(&h), "abc-123");
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("has space"));
        let made = request_id(&h);
        assert_ne!(made, "has space");
        assert_ne!(request_id(&HeaderMap::new()), made, "ids are unique");
    }
}
