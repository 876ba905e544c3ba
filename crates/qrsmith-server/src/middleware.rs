//! What wraps every request: request id, load shedding, timeout, security headers, metrics and
//! the access log (one JSON line per request; probes and `/metrics` are not logged).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::CorsOrigin;
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
        let (req, received) = track_body(req);
        match tokio::time::timeout(state.config.request_timeout(), next.run(req)).await {
            Ok(r) => r,
            // The client never finished sending (a slow or stalled upload, slowloris): its
            // fault, and retrying the same way will not help.
            Err(_) if !received.load(Ordering::Relaxed) => ApiError::new(
                ErrorCode::RequestBodyTimeout,
                format!(
                    "the request body did not arrive within {} ms",
                    state.config.request_timeout_ms
                ),
            )
            .into_response(),
            Err(_) => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::RequestTimeout,
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
        let error = response.extensions().get::<ErrorCode>().map(|c| c.as_str());
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
    // For browsers that predate CSP's frame-ancestors: no framing (clickjacking).
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Cross-origin access for the origins configured (`--cors-origin`), or `None` when there are
/// none: then browsers keep other sites' pages from reading the API's answers, and preflight
/// requests get the 405 any unknown method gets. API keys travel in headers, never cookies, so
/// credentials are not allowed.
pub fn cors(origins: &[CorsOrigin]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o.as_str() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.as_str()).ok()),
        )
    };
    let header = |name: &'static str| HeaderName::from_static(name);
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                header("prefer"),
                header("x-api-key"),
                X_REQUEST_ID.clone(),
            ])
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::RETRY_AFTER,
                header("ratelimit-limit"),
                header("ratelimit-remaining"),
                header("ratelimit-reset"),
                X_REQUEST_ID.clone(),
            ])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}

/// Wraps the request's body so that the timeout can tell whether the client finished sending
/// it: the flag is set once the body's end has been read (at once for a body-less request).
fn track_body(req: Request) -> (Request, Arc<AtomicBool>) {
    let received = Arc::new(AtomicBool::new(req.body().is_end_stream()));
    let flag = received.clone();
    let req = req.map(|inner| {
        Body::new(ReceivedBody {
            inner,
            received: flag,
        })
    });
    (req, received)
}

/// A request body that records when its last frame has been read.
struct ReceivedBody {
    inner: Body,
    received: Arc<AtomicBool>,
}

impl HttpBody for ReceivedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.received.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
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
