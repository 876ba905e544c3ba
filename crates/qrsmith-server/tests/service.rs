//! What every route shares: probes through the lifecycle, 404 and 405, the full queue and the
//! in-flight limit (429), the request timeout (503), metrics and request ids, in process.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_server::Config;

#[tokio::test]
async fn health_and_ready_through_the_lifecycle() {
    let state = qrsmith_server::AppState::new(config()).expect("state");
    let app = qrsmith_server::app(state.clone());

    let health = send(&app, get("/health")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(&health.body[..], b"ok");

    send(&app, get("/ready"))
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "starting");
    state.set_ready();
    let ready = send(&app, get("/ready")).await;
    assert_eq!(ready.status, StatusCode::OK);

    state.begin_drain();
    let draining = send(&app, get("/ready")).await;
    draining.assert_error(StatusCode::SERVICE_UNAVAILABLE, "shutting_down");
    assert_eq!(draining.header("retry-after"), "1");
    // Liveness is unaffected: the process is healthy while it drains.
    assert_eq!(send(&app, get("/health")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_route_404_and_wrong_method_405() {
    let (app, _) = service(config());
    send(&app, get("/no/such/route"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    send(&app, get("/generate"))
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let delete = Request::delete("/api/v1/qr").body(Body::empty()).unwrap();
    send(&app, delete)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    send(&app, post_json("/health", "{}"))
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn full_queue_is_429_at_once() {
    let (app, state) = service(Config {
        workers: 1,
        queue_length: 0,
        ..config()
    });
    let gates = occupy_workers(&state).await;
    let busy = send(
        &app,
        post_multipart("/api/v1/decode", "image", &qr_png("x")),
    )
    .await;
    busy.assert_error(StatusCode::TOO_MANY_REQUESTS, "overloaded");
    assert_eq!(busy.header("retry-after"), "1");
    send(&app, post_json("/generate", r#"{"text": "not cached"}"#))
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "overloaded");
    // Probes still answer while the pool is saturated.
    assert_eq!(send(&app, get("/health")).await.status, StatusCode::OK);
    assert_eq!(send(&app, get("/ready")).await.status, StatusCode::OK);
    let metrics = String::from_utf8(send(&app, get("/metrics")).await.body.to_vec()).unwrap();
    assert!(metrics.contains("qrsmith_workers_active 1"), "{metrics}");
    assert!(
        metrics.contains("qrsmith_worker_queue_rejections_total 2"),
        "{metrics}"
    );
    drop(gates);
    wait_until(|| state.workers.admitted() == 0).await;
    let ok = send(
        &app,
        post_multipart("/api/v1/decode", "image", &qr_png("x")),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn too_many_requests_in_flight_is_429() {
    let (app, state) = service(Config {
        workers: 1,
        queue_length: 4,
        max_concurrent_requests: 1,
        ..config()
    });
    let gates = occupy_workers(&state).await;
    let waiting = tokio::spawn({
        let app = app.clone();
        async move {
            send(
                &app,
                post_multipart("/api/v1/decode", "image", &qr_png("w")),
            )
            .await
        }
    });
    wait_until(|| state.metrics.in_flight.get() == 1).await;
    send(&app, get("/api/v1/qr?data=x"))
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "overloaded");
    assert_eq!(state.metrics.shed.get(), 1);
    drop(gates);
    assert_eq!(waiting.await.unwrap().status, StatusCode::OK);
}

#[tokio::test]
async fn request_timeout_is_503() {
    let (app, state) = service(Config {
        workers: 1,
        queue_length: 4,
        request_timeout_ms: 50,
        ..config()
    });
    let gates = occupy_workers(&state).await;
    let late = send(
        &app,
        post_json("/generate", r#"{"text": "waits in the queue"}"#),
    )
    .await;
    late.assert_error(StatusCode::SERVICE_UNAVAILABLE, "request_timeout");
    drop(gates);
}

#[tokio::test]
async fn metrics_count_routes_statuses_and_cache() {
    let (app, _) = service(config());
    for _ in 0..3 {
        send(&app, post_json("/generate", r#"{"text": "cached"}"#)).await;
    }
    send(&app, get("/nope")).await;
    let m = send(&app, get("/metrics")).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.header("content-type").starts_with("text/plain"));
    let text = String::from_utf8(m.body.to_vec()).unwrap();
    for needle in [
        r#"qrsmith_http_requests_total{method="POST",route="/generate",status="200"} 3"#,
        r#"qrsmith_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"qrsmith_http_request_duration_seconds_count{route="/generate"} 3"#,
        "qrsmith_cache_hits_total 2",
        "qrsmith_cache_misses_total 1",
        "qrsmith_worker_queue_length 0",
        "qrsmith_workers 2",
        "qrsmith_http_requests_in_flight 1",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    let cache_bytes: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("qrsmith_cache_bytes "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(cache_bytes > 0.0);
}

#[tokio::test]
async fn request_id_is_kept_or_added() {
    let (app, _) = service(config());
    let given = Request::get("/health")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, given).await.header("x-request-id"), "abc-123");
    let a = send(&app, get("/api/v1/openapi.json")).await;
    let b = send(&app, get("/api/v1/openapi.json")).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}
