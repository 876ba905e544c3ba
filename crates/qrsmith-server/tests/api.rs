//! Every route and every documented error status, in process (`tower::ServiceExt::oneshot`).

mod common;

use std::io::Read as _;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_core::{decode, DecodeOptions};
use qrsmith_server::{Config, CONTENT_SECURITY_POLICY};
use serde_json::Value;

fn decoded_text(png: &[u8]) -> Vec<String> {
    decode(png, &DecodeOptions::default())
        .unwrap()
        .symbols
        .into_iter()
        .map(|s| s.text)
        .collect()
}

// ---- probes -------------------------------------------------------------------------------

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

// ---- reference-compatible routes -----------------------------------------------------------

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

// ---- /api/v1/qr ----------------------------------------------------------------------------

#[tokio::test]
async fn get_qr_with_etag_and_304() {
    let (app, state) = service(config());
    let uri = "/api/v1/qr?data=etag%20me&size=300x300&ecc=Q&margin=2&color=10-20-30&bg=fff";
    let a = send(&app, get(uri)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), "image/png");
    assert_eq!(
        a.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = a.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    assert_eq!(decoded_text(&a.body), ["etag me"]);

    let misses = state.metrics.cache_misses.get();
    let conditional = Request::get(uri)
        .header("if-none-match", etag.clone())
        .body(Body::empty())
        .unwrap();
    let b = send(&app, conditional).await;
    assert_eq!(b.status, StatusCode::NOT_MODIFIED);
    assert!(b.body.is_empty());
    assert_eq!(b.header("etag"), etag);
    assert_eq!(
        state.metrics.cache_misses.get(),
        misses,
        "a 304 generates nothing"
    );

    // `If-None-Match: *` is 304 only for a request that has an image; a bad one gets its error.
    let any = |uri: &str| {
        Request::get(uri)
            .header("if-none-match", "*")
            .body(Body::empty())
            .unwrap()
    };
    let c = send(&app, any(uri)).await;
    assert_eq!(c.status, StatusCode::NOT_MODIFIED);
    assert_eq!(c.header("etag"), etag);
    send(&app, any("/api/v1/qr?data=x&scale=0"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_option");

    // Same request again: the same tag, answered from the cache.
    let hits = state.metrics.cache_hits.get();
    let c = send(&app, get(uri)).await;
    assert_eq!(c.header("etag"), etag);
    assert_eq!(c.body, a.body);
    assert_eq!(state.metrics.cache_hits.get(), hits + 1);

    // Another option, another tag.
    let d = send(&app, get("/api/v1/qr?data=etag%20me&format=svg")).await;
    assert_eq!(d.header("content-type"), "image/svg+xml");
    assert_ne!(d.header("etag"), etag);
    for (format, mime) in [
        ("pdf", "application/pdf"),
        ("eps", "application/postscript"),
    ] {
        let r = send(&app, get(&format!("/api/v1/qr?data=x&format={format}"))).await;
        assert_eq!(r.header("content-type"), mime);
    }
}

#[tokio::test]
async fn replicas_on_one_redis_share_generated_images() {
    let redis = common::redis_server::RedisServer::start();
    let prefix = common::redis_server::unique_prefix();
    let replica = || {
        service(Config {
            redis: Some(redis.url()),
            redis_prefix: prefix.clone(),
            ..config()
        })
    };
    let ((a, _), (b, b_state)) = (replica(), replica());
    let request = || post_json("/generate", r#"{"text": "made once, served twice"}"#);
    let made = send(&a, request()).await;
    assert_eq!(made.status, StatusCode::OK);

    // A writes the entry in the background: wait until it is in Redis.
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}cache:*"))
            .query(&mut conn)
            .unwrap();
        if keys.len() == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no cache entry: {keys:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let served = send(&b, request()).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, made.body);
    let m = &b_state.metrics;
    assert_eq!((m.cache_shared_hits.get(), m.cache_misses.get()), (1, 0));
    // Kept locally too: the next one does not ask Redis.
    send(&b, request()).await;
    assert_eq!((m.cache_hits.get(), m.cache_shared_hits.get()), (2, 1));

    // Without Redis, generation goes on; the shared level's failures are counted.
    drop(redis);
    let alone = send(&b, post_json("/generate", r#"{"text": "redis is gone"}"#)).await;
    assert_eq!(alone.status, StatusCode::OK);
    assert_eq!(decoded_text(&alone.body), ["redis is gone"]);
    assert!(m.cache_shared_errors.get() >= 1);
}

#[tokio::test]
async fn get_qr_bad_parameters_are_400() {
    let (app, _) = service(config());
    for uri in [
        "/api/v1/qr",
        "/api/v1/qr?data=x&ec=Z",
        "/api/v1/qr?data=x&format=gif",
        "/api/v1/qr?data=x&format=txt",
        "/api/v1/qr?data=x&size=abc",
        "/api/v1/qr?data=x&fg=nope",
        "/api/v1/qr?data=x&scale=notanumber",
        "/api/v1/qr?data=x&unknown=1",
        "/api/v1/qr?data=x&parts=2",
    ] {
        let m = send(&app, get(uri))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
        assert!(!m.is_empty(), "{uri}");
    }
    // Library-level checks keep the library's code.
    send(&app, get("/api/v1/qr?data=x&border=1000"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_option");
    send(&app, get("/api/v1/qr?data=x&scale=1000"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "limit_exceeded");
}

#[tokio::test]
async fn post_qr_data_uris_sequences_and_zip() {
    let (app, _) = service(config());
    let a = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"data_base64": "AAEC/w==", "ec": "M", "scale": 4}"#,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    assert_eq!(v["format"], "png");
    let img = &v["images"][0];
    assert_eq!(img["ec_level"], "M");
    assert_eq!(img["version"], "1");
    let png = png_of(img);
    let read = decode(&png, &DecodeOptions::default()).unwrap();
    assert_eq!(read.symbols[0].bytes, [0, 1, 2, 255]);

    let seq = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "structured append across three symbols", "parts": 3}"#,
        ),
    )
    .await
    .json();
    let images = seq["images"].as_array().unwrap();
    assert_eq!(images.len(), 3);
    for (i, img) in images.iter().enumerate() {
        assert_eq!(img["structured_append"]["index"], i);
        assert_eq!(img["structured_append"]["count"], 3);
    }

    let zip_req = Request::post("/api/v1/qr")
        .header("content-type", "application/json")
        .header("accept", "application/zip")
        .body(Body::from(
            r#"{"text": "zip me", "parts": 2, "format": "svg"}"#,
        ))
        .unwrap();
    let z = send(&app, zip_req).await;
    assert_eq!(z.status, StatusCode::OK);
    assert_eq!(z.header("content-type"), "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(z.body.to_vec())).unwrap();
    assert_eq!(archive.len(), 2);
    let mut first = String::new();
    archive
        .by_name("qr-1.svg")
        .unwrap()
        .read_to_string(&mut first)
        .unwrap();
    assert!(first.starts_with("<svg"));

    let micro = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "12345", "micro": true, "format": "txt"}"#,
        ),
    )
    .await
    .json();
    assert_eq!(micro["images"][0]["version"], "M1");

    let rmqr = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "12345", "rmqr": true, "format": "txt"}"#,
        ),
    )
    .await
    .json();
    assert_eq!(rmqr["images"][0]["version"], "R11x27");
    let sized = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "12345", "version": "R7x43", "ec": "M", "format": "txt"}"#,
        ),
    )
    .await
    .json();
    assert_eq!(sized["images"][0]["version"], "R7x43");
    // PNG (the default format), 10 px per module, with rMQR's 2-module quiet zone.
    let drawn = send(
        &app,
        post_json("/api/v1/qr", r#"{"text": "12345", "rmqr": true}"#),
    )
    .await
    .json();
    let png = png_of(&drawn["images"][0]);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), ((27 + 4) * 10, (11 + 4) * 10));
    let read = decode(&png, &DecodeOptions::default()).unwrap();
    assert_eq!(read.symbols[0].text, "12345");
    assert_eq!(read.symbols[0].version, "R11x27");
    // Styled: the same rectangle, dots and a coloured eye, still read as rMQR.
    let styled = send(
        &app,
        post_json(
            "/api/v1/qr",
            r##"{"text": "12345", "rmqr": true, "module_shape": "dot", "eye_color": "#b71c1c"}"##,
        ),
    )
    .await
    .json();
    let png = png_of(&styled["images"][0]);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), ((27 + 4) * 10, (11 + 4) * 10));
    let read = decode(&png, &DecodeOptions::default()).unwrap();
    assert_eq!(read.symbols[0].version, "R11x27");
    for bad in [
        r#"{"text": "12345", "rmqr": true, "ec": "Q", "format": "txt"}"#,
        r#"{"text": "12345", "rmqr": true, "eye_shape": "circle"}"#,
    ] {
        send(&app, post_json("/api/v1/qr", bad))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_option");
    }
    send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "12345", "version": "R9x27", "format": "txt"}"#,
        ),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
}

#[tokio::test]
async fn post_qr_errors() {
    let (app, _) = service(Config {
        max_text_bytes: 10,
        ..config()
    });
    send(
        &app,
        post_json("/api/v1/qr", r#"{"text": "x", "colour": "red"}"#),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    send(&app, post_json("/api/v1/qr", r#"{"text": "x", "mask": 9}"#))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_option");
    send(
        &app,
        post_json("/api/v1/qr", r#"{"text": "more than ten bytes"}"#),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "text_too_long");
    let no_type = Request::post("/api/v1/qr")
        .body(Body::from(r#"{"text": "x"}"#))
        .unwrap();
    send(&app, no_type)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

// ---- /api/v1/decode ------------------------------------------------------------------------

#[tokio::test]
async fn v1_decode_raw_and_multipart_with_metadata() {
    let (app, state) = service(config());
    let raw = Request::post("/api/v1/decode")
        .header("content-type", "image/png")
        .body(Body::from(qr_png("metadata")))
        .unwrap();
    let a = send(&app, raw).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    let s = &v["results"][0];
    assert_eq!(s["text"], "metadata");
    assert_eq!(s["format"], "QRCode");
    assert_eq!(s["ec_level"], "H");
    assert_eq!(s["corners"].as_array().unwrap().len(), 4);
    assert_eq!(s["inverted"], false);
    assert_eq!(s["mirrored"], false);
    assert!(s["structured_append"].is_null());
    assert_eq!(v["texts"], serde_json::json!(["metadata"]));

    let form = send(
        &app,
        post_multipart("/api/v1/decode", "file", &qr_png("form")),
    )
    .await;
    assert_eq!(form.json()["results"][0]["text"], "form");

    let none = send(
        &app,
        post_multipart("/api/v1/decode", "image", &blank_png()),
    )
    .await;
    assert_eq!(none.json()["results"], serde_json::json!([]));

    let m = &state.metrics.decode_outcomes;
    assert_eq!(m.with_label_values(&["found"]).get(), 2);
    assert_eq!(m.with_label_values(&["none"]).get(), 1);
}

#[tokio::test]
async fn v1_decode_effort_levels_and_a_bad_one() {
    let (app, _) = service(config());
    for effort in ["fast", "balanced", "thorough", "Thorough"] {
        let req = Request::post(format!("/api/v1/decode?effort={effort}"))
            .header("content-type", "image/png")
            .body(Body::from(qr_png(effort)))
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::OK, "{effort}");
        assert_eq!(r.json()["results"][0]["text"], effort);
    }
    let bad = Request::post("/api/v1/decode?effort=maximum")
        .header("content-type", "image/png")
        .body(Body::from(qr_png("x")))
        .unwrap();
    let r = send(&app, bad).await;
    r.assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("fast, balanced or thorough"));

    // A request's own time budget: 1 ms is spent before a 1,500 × 1,500 picture of noise is
    // searched through (the main pass alone takes longer), so nothing found is 422 timeout.
    let noise = image::GrayImage::from_fn(1500, 1500, |x, y| {
        image::Luma([((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 7) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    noise.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let req = Request::post("/api/v1/decode?effort=thorough&timeout_ms=1")
        .header("content-type", "image/png")
        .body(Body::from(png.into_inner()))
        .unwrap();
    send(&app, req)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "timeout");
    let zero = Request::post("/api/v1/decode?timeout_ms=0")
        .header("content-type", "image/png")
        .body(Body::from(qr_png("x")))
        .unwrap();
    send(&app, zero)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
}

#[tokio::test]
async fn v1_decode_errors_415_422_413() {
    let (app, state) = service(Config {
        max_body_bytes: 64 * 1024,
        ..config()
    });
    let wrong_type = Request::post("/api/v1/decode")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    send(&app, wrong_type)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    let not_an_image = Request::post("/api/v1/decode")
        .header("content-type", "application/octet-stream")
        .body(Body::from("just some text, not an image"))
        .unwrap();
    send(&app, not_an_image)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_format");

    let mut truncated = qr_png("cut short");
    truncated.truncate(truncated.len() / 2);
    send(&app, post_multipart("/api/v1/decode", "image", &truncated))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "corrupt_image");

    let huge_body = Request::post("/api/v1/decode")
        .header("content-type", "image/png")
        .body(Body::from(vec![0u8; 65 * 1024]))
        .unwrap();
    send(&app, huge_body)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    send(
        &app,
        post_multipart("/decode", "image", &vec![0u8; 65 * 1024]),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    assert_eq!(
        state
            .metrics
            .decode_outcomes
            .with_label_values(&["error"])
            .get(),
        2
    );

    // 330 x 330 px > a 10,000-pixel limit: refused from the header, before decoding.
    let (small, _) = service(Config {
        max_image_pixels: 100 * 100,
        ..config()
    });
    send(
        &small,
        post_multipart("/api/v1/decode", "image", &qr_png("big")),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "limit_exceeded");
}

// ---- router-level errors -------------------------------------------------------------------

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

// ---- back-pressure -------------------------------------------------------------------------

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

// ---- metrics, logging, request ids ---------------------------------------------------------

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

// ---- web page ------------------------------------------------------------------------------

#[tokio::test]
async fn web_page_embedded_with_csp_caching_and_compression() {
    let (app, _) = service(config());
    let page = send(&app, get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        page.header("content-security-policy"),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert_eq!(page.header("cache-control"), "no-cache");
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    // References to embedded assets carry their content hash, so they can be cached for ever.
    let at = html
        .find("/static/app.js?v=")
        .expect("versioned script URL");
    let versioned: String = html[at..]
        .chars()
        .take_while(|c| *c != '"' && *c != '\'')
        .collect();

    let js = send(&app, get(&versioned)).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(
        js.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let plain = send(&app, get("/static/app.js")).await;
    assert_eq!(plain.header("cache-control"), "no-cache");
    let etag = plain.header("etag").to_owned();
    let revalidate = Request::get("/static/app.js")
        .header("if-none-match", etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, revalidate).await.status,
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        send(&app, get("/static/style.css"))
            .await
            .header("content-type"),
        "text/css; charset=utf-8"
    );
    send(&app, get("/static/missing.js"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    for encoding in ["gzip", "br"] {
        let req = Request::get("/")
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .unwrap();
        let c = send(&app, req).await;
        assert_eq!(c.header("content-encoding"), encoding);
    }
}

/// `'./NAME.js'` and `'./NAME.js?v=…'` string literals in a served script: its imports.
fn imports(js: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        for piece in js.split(&format!("{quote}./")).skip(1) {
            let specifier = piece.split(quote).next().unwrap();
            if specifier.split('?').next().unwrap().ends_with(".js") {
                found.push(specifier.to_owned());
            }
        }
    }
    found
}

/// The page's ES modules import each other at versioned URLs, one URL per module (a module
/// under two URLs would run twice, its state split), cached for good; a version is the hash of
/// the bytes served, so a changed module changes the URL of every module importing it too.
#[tokio::test]
async fn web_modules_import_each_other_at_one_versioned_url() {
    use sha2::{Digest as _, Sha256};
    let (app, _) = service(config());
    let html = String::from_utf8(send(&app, get("/")).await.body.to_vec()).unwrap();
    assert!(html.contains(r#"<script type="module" src="/static/app.js?v="#));
    // From the page: the entry and the Links tab's module (imported when the tab opens).
    let mut todo: Vec<String> = ["app.js", "links.js"]
        .iter()
        .map(|name| {
            let at = html.find(&format!("\"/static/{name}?v=")).expect(name) + 9;
            html[at..].split('"').next().unwrap().to_owned()
        })
        .collect();
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    while let Some(url) = todo.pop() {
        let (name, version) = url.split_once("?v=").expect(&url);
        if let Some(known) = seen.get(name) {
            assert_eq!(known, version, "{name} imported under two URLs");
            continue;
        }
        seen.insert(name.to_owned(), version.to_owned());
        let js = send(&app, get(&format!("/static/{url}"))).await;
        assert_eq!(js.status, StatusCode::OK, "{url}");
        assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
        assert_eq!(
            js.header("cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let hash: String = Sha256::digest(&js.body)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            version, hash,
            "{name}: the version is the hash of what is served"
        );
        let text = String::from_utf8(js.body.to_vec()).unwrap();
        assert!(
            !text.contains("// qrsmith web page"),
            "{name} is served minified"
        );
        for import in imports(&text) {
            assert!(
                import.contains("?v="),
                "{name} imports {import} unversioned"
            );
            todo.push(import);
        }
    }
    let names: Vec<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "app.js",
            "batch.js",
            "common.js",
            "decode.js",
            "generate.js",
            "links.js"
        ]
    );
}

// ---- OpenAPI -------------------------------------------------------------------------------

/// The router's routes, read from the route modules' source: every `.route("PATH", get(..)
/// .post(..))` call. Together with the next test this keeps document and router equal.
fn routes_in_source() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // `.route("path", …)`, on one line or as rustfmt breaks it over several.
        for call in source.split(".route(").skip(1) {
            let Some(call) = call.trim_start().strip_prefix('"') else {
                continue;
            };
            let (path, rest) = call.split_once('"').unwrap();
            // The method router ends at the call's closing parenthesis on the same statement.
            let end = rest.find(")\n").unwrap_or(rest.len());
            for method in ["get", "post", "put", "delete", "patch"] {
                if rest[..end].contains(&format!("{method}(")) {
                    // OpenAPI writes a wildcard `{*path}` as `{path}`.
                    routes.push((path.replace("{*", "{"), method.to_owned()));
                }
            }
        }
    }
    routes.sort();
    routes
}

fn documented() -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(qrsmith_server::routes::openapi::OPENAPI_JSON).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((path.clone(), method.clone()));
        }
    }
    ops.sort();
    ops
}

#[test]
fn openapi_documents_exactly_the_routes() {
    let source = routes_in_source();
    assert!(
        source.len() >= 14,
        "the parser found the routes: {source:?}"
    );
    assert_eq!(documented(), source);
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let (app, _) = service(config());
    for (path, method) in documented() {
        let uri = path
            .replace("{id}", "0")
            .replace("{slug}", "none")
            .replace("{path}", "app.js");
        let req = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let a = send(&app, req).await;
        // The router's own 404 and 405 are JSON; a routed page (a short link's) may be HTML.
        let routers_answer = a
            .headers
            .get("content-type")
            .is_some_and(|t| t == "application/json");
        if routers_answer
            && (a.status == StatusCode::NOT_FOUND || a.status == StatusCode::METHOD_NOT_ALLOWED)
        {
            let code = a.json()["error"]["code"].clone();
            assert!(
                code != "not_found" && code != "method_not_allowed",
                "{method} {uri} is documented but not routed"
            );
        }
    }
}

#[tokio::test]
async fn openapi_json_and_docs_page() {
    let (app, _) = service(config());
    let a = send(&app, get("/api/v1/openapi.json")).await;
    assert_eq!(a.header("content-type"), "application/json");
    let doc = a.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let page = send(&app, get("/api/v1/docs")).await;
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    assert!(!html.contains("<script"), "no script on the docs page");
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("{}</code>", path.replace('&', "&amp;"))),
            "{path}"
        );
    }
}
