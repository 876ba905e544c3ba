//! Styled codes, logos and verify-after-generate through `/api/v1/qr`, in process.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::*;
use image::ImageEncoder as _;
use qrsmith_core::{decode, DecodeOptions};
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn read(bytes: &[u8]) -> Vec<String> {
    decode(bytes, &DecodeOptions::default())
        .unwrap()
        .symbols
        .into_iter()
        .map(|s| s.text)
        .collect()
}

/// A dark 64×64 PNG logo.
fn logo_png() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(64, 64, |x, y| {
        if (x / 8 + y / 8) % 2 == 0 {
            image::Rgba([200, 30, 30, 255])
        } else {
            image::Rgba([20, 20, 20, 255])
        }
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), 64, 64, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

fn post(json: Value) -> axum::http::Request<axum::body::Body> {
    post_json("/api/v1/qr", &json.to_string())
}

#[tokio::test]
async fn get_a_styled_png_with_the_scan_margin_header() {
    let (app, _) = service(config());
    let a = send(
        &app,
        get("/api/v1/qr?data=styled&module_shape=dot&eye_shape=circle&eye_color=%23123456"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), "image/png");
    assert_eq!(read(&a.body), ["styled"]);
    let margin = a.header("x-qr-scan-margin");
    assert!(margin.starts_with("5/5 passed=as_generated"), "{margin}");
    assert_eq!(a.header("x-qr-adjustments"), "none");

    // HEAD answers the same headers without the image: the web page reads the margin so.
    let head = send(
        &app,
        axum::http::Request::head(
            "/api/v1/qr?data=styled&module_shape=dot&eye_shape=circle&eye_color=%23123456",
        )
        .body(axum::body::Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("x-qr-scan-margin"), margin);
    assert!(head.body.is_empty());

    // A plain code is not verified unless asked, and then says so too.
    let plain = send(&app, get("/api/v1/qr?data=plain")).await;
    assert!(plain.headers.get("x-qr-scan-margin").is_none());
    let asked = send(&app, get("/api/v1/qr?data=plain&verify=true")).await;
    assert!(asked.header("x-qr-scan-margin").contains("as_generated"));

    // SVG stays one path per colour.
    let svg = send(
        &app,
        get("/api/v1/qr?data=styled&format=svg&module_shape=rounded&eye_color=c00"),
    )
    .await;
    assert_eq!(svg.status, StatusCode::OK);
    let text = std::str::from_utf8(&svg.body).unwrap();
    assert_eq!(text.matches("<path").count(), 2, "{text}");
    assert!(svg.header("x-qr-scan-margin").contains("as_generated"));
}

#[tokio::test]
async fn post_a_logo_reports_margin_and_the_ec_raise_in_json() {
    let (app, _) = service(config());
    let logo = B64.encode(logo_png());
    let a = send(
        &app,
        post(json!({
            "text": "https://example.com/logo",
            "ec": "M",
            "module_shape": "rounded",
            "logo": format!("data:image/png;base64,{logo}"),
            "logo_size": 0.25,
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let body = a.json();
    let image = &body["images"][0];
    assert_eq!(image["ec_level"], "H");
    let scan = &image["scan_margin"];
    assert!(
        scan["passed"]
            .as_array()
            .unwrap()
            .contains(&json!("as_generated")),
        "{scan}"
    );
    assert_eq!(scan["adjustments"][0]["code"], "raised_ec", "{scan}");
    assert!(scan["ms"].as_u64().is_some());
    let png = png_of(image);
    assert_eq!(read(&png), ["https://example.com/logo"]);

    // auto_ec: false keeps the level asked for when the code reads without it.
    let kept = send(
        &app,
        post(json!({"text": "k", "ec": "Q", "logo": logo, "logo_size": 0.1, "auto_ec": false})),
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK, "{:?}", kept.body);
    assert_eq!(kept.json()["images"][0]["ec_level"], "Q");
}

#[tokio::test]
async fn a_too_large_logo_is_repaired_and_reported() {
    let (app, _) = service(config());
    let a = send(
        &app,
        post(json!({
            "text": "https://example.com/too-big",
            "ec": "L",
            "auto_ec": false,
            "logo": B64.encode(logo_png()),
            "logo_size": 0.4,
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let image = &a.json()["images"][0];
    let codes: Vec<&str> = image["scan_margin"]["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"shrank_logo"), "{codes:?}");
    let png = png_of(image);
    assert_eq!(read(&png), ["https://example.com/too-big"]);
}

#[tokio::test]
async fn style_errors_have_stable_codes() {
    let (app, _) = service(config());
    let logo = B64.encode(logo_png());
    let cases = [
        (
            json!({"text": "a", "module_shape": "star"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "eye_shape": "oval"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "eye_color": "blue"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "logo": "!!!"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_logo",
        ),
        (
            json!({"text": "a", "logo": B64.encode(b"GIF89a")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_logo",
        ),
        (
            json!({"text": "a", "logo": logo, "logo_size": 0.9}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "logo_size": 0.2}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "logo": logo, "format": "pdf"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "module_shape": "dot", "parts": 2}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "1", "micro": true, "logo": logo}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            json!({"text": "a", "logo": B64.encode(vec![0u8; qrsmith_core::MAX_LOGO_BYTES + 10])}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "logo_too_large",
        ),
        // Pale on white cannot be repaired by shapes.
        (
            json!({"text": "a", "module_shape": "dot", "fg": "#f4f4e8"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unscannable",
        ),
    ];
    let mut config = config();
    config.max_body_bytes = 4 << 20;
    let (big_app, _) = service(config);
    for (body, status, code) in cases {
        let a = send(&big_app, post(body.clone())).await;
        let message = a.assert_error(status, code);
        assert!(!message.is_empty(), "{body}");
    }
    // The unscannable message says what was tried and what to do.
    let a = send(
        &app,
        post(json!({"text": "a", "module_shape": "dot", "fg": "#f4f4e8"})),
    )
    .await;
    let message = a.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "unscannable");
    assert!(message.contains("square modules"), "{message}");
}

#[tokio::test]
async fn the_cache_key_covers_style_and_logo_bytes() {
    let (app, _) = service(config());
    let etag = |a: &Answer| a.header("etag").to_owned();
    let plain = send(&app, get("/api/v1/qr?data=k")).await;
    let dots = send(&app, get("/api/v1/qr?data=k&module_shape=dot")).await;
    let eyes = send(
        &app,
        get("/api/v1/qr?data=k&module_shape=dot&eye_shape=circle"),
    )
    .await;
    assert_ne!(etag(&plain), etag(&dots));
    assert_ne!(etag(&dots), etag(&eyes));
    assert_ne!(plain.body, dots.body);

    // Two logos of the same length give different images.
    let mut other = logo_png();
    let a = send(&app, post(json!({"text": "k", "logo": B64.encode(&other)}))).await;
    // Flip one pixel's colour in the PNG by re-encoding a different picture of the same size.
    let img = image::RgbaImage::from_pixel(64, 64, image::Rgba([0, 0, 200, 255]));
    other.clear();
    image::codecs::png::PngEncoder::new(&mut other)
        .write_image(img.as_raw(), 64, 64, image::ExtendedColorType::Rgba8)
        .unwrap();
    let b = send(&app, post(json!({"text": "k", "logo": B64.encode(&other)}))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(b.status, StatusCode::OK);
    assert_ne!(
        a.json()["images"][0]["data_uri"],
        b.json()["images"][0]["data_uri"]
    );
}

#[tokio::test]
async fn the_page_has_the_style_group_and_the_scan_line() {
    let (app, _) = service(config());
    let page = send(&app, get("/")).await;
    let html = String::from_utf8_lossy(&page.body);
    for id in [
        "gen-shape",
        "gen-eye",
        "gen-eye-color",
        "gen-logo",
        "gen-logo-size",
        "gen-scan",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let js = send(&app, get("/static/generate.js")).await;
    let js = String::from_utf8_lossy(&js.body);
    assert!(js.contains("x-qr-scan-margin") && js.contains("scan_margin"));
}
