//! `POST /api/v1/decode`: raw and multipart uploads, effort levels, and the 413, 415 and 422
//! refusals, in process.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_server::Config;

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
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter");
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
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter");
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
