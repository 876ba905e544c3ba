//! The reference service's routes, kept working: `/generate` (sync and async), `/decode`,
//! `/result/{id}`, in process (`tower::ServiceExt::oneshot`).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_server::Config;
use serde_json::Value;

#[tokio::test]
async fn legacy_generate_answers_a_png_that_reads_back() {
    let (app, _) = service(config());
    // Unknown fields are ignored, as the reference ignored them.
    let a = send(
        &app,
        post_json(
            "/generate",
            r#"{"text": "https://example.com/x", "client": "v1"}"#,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), "image/png");
    assert_eq!(decoded_text(&a.body), ["https://example.com/x"]);

    // v1 options are accepted too.
    let svg = send(
        &app,
        post_json("/generate", r#"{"text": "x", "format": "svg", "ec": "L"}"#),
    )
    .await;
    assert_eq!(svg.header("content-type"), "image/svg+xml");
    assert!(svg.body.starts_with(b"<svg"));

    // So is a payload to build: every v1 option is one the legacy route reads, not ignores.
    let built = send(
        &app,
        post_json(
            "/generate",
            r#"{"payload": {"type": "url", "url": "https://example.com/p"}}"#,
        ),
    )
    .await;
    assert_eq!(built.status, StatusCode::OK);
    assert_eq!(decoded_text(&built.body), ["https://example.com/p"]);
}

#[tokio::test]
async fn legacy_generate_errors() {
    let (app, _) = service(config());
    send(&app, post_json("/generate", r#"{"txt": "x"}"#))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    send(&app, post_json("/generate", r#"{"text": 5}"#))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    // A known field of the wrong type is refused, not ignored as an unknown one would be.
    send(
        &app,
        post_json("/generate", r#"{"payload": 0, "data_base64": ""}"#),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    send(&app, post_json("/generate", "{not json"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    send(&app, post_json("/generate", r#"{"text": "x", "parts": 2}"#))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    let text_plain = Request::post("/generate")
        .header("content-type", "text/plain")
        .body(Body::from(r#"{"text": "x"}"#))
        .unwrap();
    send(&app, text_plain)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    // More than a QR code can hold: the client's to fix, so 400 with the library's code.
    let too_much = format!(r#"{{"text": "{}"}}"#, "x".repeat(3000));
    send(&app, post_json("/generate", &too_much))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "data_too_long");
}

#[tokio::test]
async fn legacy_decode_answers_texts() {
    let (app, _) = service(config());
    let a = send(
        &app,
        post_multipart("/decode", "image", &qr_png("hello decode")),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), serde_json::json!({"texts": ["hello decode"]}));

    let none = send(&app, post_multipart("/decode", "image", &blank_png())).await;
    assert_eq!(none.json(), serde_json::json!({"texts": []}));

    send(&app, post_multipart("/decode", "picture", &qr_png("x")))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    let raw = Request::post("/decode")
        .header("content-type", "image/png")
        .body(Body::from(qr_png("x")))
        .unwrap();
    send(&app, raw)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn async_generate_pending_then_success_then_image() {
    let (app, state) = service(Config {
        workers: 1,
        ..config()
    });
    let gates = occupy_workers(&state).await;
    let submit = Request::post("/generate")
        .header("content-type", "application/json")
        .header("prefer", "wait=5, respond-async")
        .body(Body::from(r#"{"text": "later"}"#))
        .unwrap();
    let accepted = send(&app, submit).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let id = accepted.json()["task_id"].as_str().unwrap().to_owned();
    assert_eq!(accepted.header("location"), format!("/result/{id}"));

    // The only worker is busy, so the task is deterministically still pending.
    let pending = send(&app, get(&format!("/result/{id}"))).await;
    assert_eq!(pending.json(), serde_json::json!({"status": "pending"}));
    send(&app, get(&format!("/result/{id}/image")))
        .await
        .assert_error(StatusCode::NOT_FOUND, "result_not_ready");

    drop(gates);
    let mut status = Value::Null;
    for _ in 0..5000 {
        status = send(&app, get(&format!("/result/{id}"))).await.json();
        if status["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(status["status"], "success", "{status}");
    assert_eq!(status["url"], format!("/result/{id}/image"));
    let image = send(&app, get(&format!("/result/{id}/image"))).await;
    assert_eq!(image.header("content-type"), "image/png");
    assert_eq!(decoded_text(&image.body), ["later"]);

    // ?async=true works the same; a request already in the generation cache (filled by the
    // synchronous form) finishes at once.
    let sync = send(&app, post_json("/generate", r#"{"text": "later"}"#)).await;
    assert_eq!(sync.status, StatusCode::OK);
    let again = send(
        &app,
        post_json("/generate?async=true", r#"{"text": "later"}"#),
    )
    .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    let id2 = again.json()["task_id"].as_str().unwrap().to_owned();
    assert_ne!(id, id2);
    let done = send(&app, get(&format!("/result/{id2}"))).await.json();
    assert_eq!(done["status"], "success");

    // An error is a finished task too.
    let bad = send(
        &app,
        post_json(
            "/generate?async=true",
            r#"{"text": "1234567", "version": "M1"}"#,
        ),
    )
    .await;
    let id3 = bad.json()["task_id"].as_str().unwrap().to_owned();
    let mut failed = Value::Null;
    for _ in 0..5000 {
        failed = send(&app, get(&format!("/result/{id3}"))).await.json();
        if failed["status"] != "pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(failed["status"], "error", "{failed}");
    assert!(failed["message"].as_str().unwrap().len() > 5);
    send(&app, get(&format!("/result/{id3}/image")))
        .await
        .assert_error(StatusCode::CONFLICT, "task_failed");
    // The task is a job: the jobs API sees it too.
    let job = send(&app, get(&format!("/api/v1/jobs/{id3}"))).await.json();
    assert_eq!(
        (job["total"].as_u64(), job["failed"].as_u64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn unknown_task_is_404() {
    let (app, _) = service(config());
    send(&app, get("/result/0123456789abcdef"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "task_not_found");
    send(&app, get("/result/0123456789abcdef/image"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "task_not_found");
}

#[tokio::test]
async fn too_many_open_tasks_is_429() {
    let (app, state) = service(Config {
        max_open_jobs: 1,
        ..config()
    });
    // Busy workers keep the first task open.
    let gates = occupy_workers(&state).await;
    let first = send(&app, post_json("/generate?async=true", r#"{"text": "a"}"#)).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let second = send(&app, post_json("/generate?async=true", r#"{"text": "b"}"#)).await;
    second.assert_error(StatusCode::TOO_MANY_REQUESTS, "overloaded");
    assert_eq!(second.header("retry-after"), "1");
    // Batch jobs count against the same bound.
    send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "items": [{"text": "c"}]}"#,
        ),
    )
    .await
    .assert_error(StatusCode::TOO_MANY_REQUESTS, "overloaded");
    drop(gates);
}
