//! `GET` and `POST /api/v1/qr`: images, `ETag`s, sequences, ZIPs, the shared cache and every
//! refusal, in process.

mod common;

use std::io::Read as _;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_core::{decode, DecodeOptions};
use qrsmith_server::Config;

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
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_option");

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
async fn get_qr_bad_parameters_are_400_and_refused_values_422() {
    let (app, _) = service(config());
    // A query that cannot be read as the document's types is 400; one read and then refused
    // is 422 with the same code.
    let (unreadable, refused) = (StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY);
    for (uri, status) in [
        ("/api/v1/qr?data=x&scale=notanumber", unreadable),
        ("/api/v1/qr?data=x&unknown=1", unreadable),
        ("/api/v1/qr?data=x&parts=2", unreadable),
        ("/api/v1/qr", refused),
        ("/api/v1/qr?data=x&ec=Z", refused),
        ("/api/v1/qr?data=x&format=gif", refused),
        ("/api/v1/qr?data=x&format=txt", refused),
        ("/api/v1/qr?data=x&size=abc", refused),
        ("/api/v1/qr?data=x&fg=nope", refused),
    ] {
        let m = send(&app, get(uri))
            .await
            .assert_error(status, "invalid_parameter");
        assert!(!m.is_empty(), "{uri}");
    }
    // Library-level checks keep the library's code.
    send(&app, get("/api/v1/qr?data=x&border=1000"))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_option");
    send(&app, get("/api/v1/qr?data=x&scale=1000"))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "limit_exceeded");
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
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_option");
    }
    send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "12345", "version": "R9x27", "format": "txt"}"#,
        ),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter");
}

/// In generation options a null field is the same as a left-out one (the document marks every
/// optional field nullable); where a field has no "absent" (a list, wifi's `hidden`), null is
/// refused as the wrong type.
#[tokio::test]
async fn post_qr_reads_null_as_absent() {
    let (app, _) = service(config());
    let nulls = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"text": "x", "data_base64": null, "payload": null, "format": null, "ec": null,
                "mask": null, "fg": null, "logo": null, "verify": null}"#,
        ),
    )
    .await;
    assert_eq!(nulls.status, StatusCode::OK);
    assert_eq!(nulls.json()["format"], "png");
    let wifi = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"payload": {"type": "wifi", "ssid": "home", "password": null, "auth": null}}"#,
        ),
    )
    .await;
    assert_eq!(wifi.status, StatusCode::OK);
    assert_eq!(wifi.json()["payload_text"], "WIFI:T:nopass;S:home;;");
    send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"payload": {"type": "wifi", "ssid": "home", "hidden": null}}"#,
        ),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
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
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_option");
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
