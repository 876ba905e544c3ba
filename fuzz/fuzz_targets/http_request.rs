//! Raw HTTP requests (`METHOD /path`, header lines, a blank line, the body) to the routes that
//! parse what clients upload: `/decode`, `/generate`, `/api/v1/decode`, `/api/v1/qr` and
//! `/api/v1/jobs` (JSON, multipart forms, CSVs, ZIPs, raw images), driven through the whole
//! router in process. Bad input must get a 4xx with the documented error body, never a 5xx.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::Router;
use http_body_util::BodyExt as _;
use libfuzzer_sys::fuzz_target;
use qrsmith_server::{app, AppState, Config};
use tower::ServiceExt as _;

const ROUTES: &[&str] = &[
    "/decode",
    "/generate",
    "/api/v1/decode",
    "/api/v1/qr",
    "/api/v1/jobs",
];

struct Service {
    runtime: tokio::runtime::Runtime,
    router: Router,
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let config = Config {
            workers: 1,
            queue_length: 64,
            max_body_bytes: 1 << 20,
            max_image_pixels: 4_000_000,
            decode_timeout_ms: 2_000,
            request_timeout_ms: 60_000,
            max_job_items: 100,
            max_open_jobs: 32,
            // No data directory: jobs are kept in memory, and none is run (no runner started).
            data_dir: None,
            ..Config::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let router = {
            let _entered = runtime.enter();
            let state = AppState::new(config).expect("the service starts");
            state.set_ready();
            app(state)
        };
        Service { runtime, router }
    })
}

/// The request the bytes spell, or `None` when its first line or a header cannot be one.
fn parse(data: &[u8]) -> Option<Request<Body>> {
    let split = data.windows(4).position(|w| w == b"\r\n\r\n");
    let (head, body) = match split {
        Some(at) => (&data[..at], data[at + 4..].to_vec()),
        None => (data, Vec::new()),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split("\r\n");
    let (method, uri) = lines.next()?.split_once(' ')?;
    if !ROUTES.iter().any(|route| uri.starts_with(route)) {
        return None;
    }
    let mut request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).ok()?)
        .uri(uri);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        request = request.header(
            HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
            HeaderValue::from_str(value.trim()).ok()?,
        );
    }
    request.body(Body::from(body)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(request) = parse(data) else { return };
    let service = service();
    let (status, body) = service.runtime.block_on(async {
        let response = service
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let body = response.into_body().collect().await.map(|b| b.to_bytes());
        (status, body)
    });
    assert!(!status.is_server_error(), "{status}: {body:?}");
    let body = body.expect("the body is sent whole");
    if status.is_client_error() {
        let error: serde_json::Value =
            serde_json::from_slice(&body).expect("an error body is JSON");
        assert!(error["error"]["code"].is_string(), "{error}");
        assert!(error["error"]["message"].is_string(), "{error}");
    }
});
