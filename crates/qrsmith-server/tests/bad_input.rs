//! The bad-input matrix: hostile and broken requests of every kind, each with the status and
//! error code it is documented to get. None may be a 5xx, and the service must stay healthy
//! through all of them (`/health` 200, no 5xx counted in `/metrics`).
//!
//! Slow bodies (slowloris) need a real socket: `slow_body_times_out_with_408` below.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_server::Config;

/// One case of the matrix: what is sent, and what must come back.
struct Case {
    name: &'static str,
    request: Request<Body>,
    status: StatusCode,
    /// The error code; `None` for a success.
    code: Option<&'static str>,
}

fn case(
    name: &'static str,
    request: Request<Body>,
    status: StatusCode,
    code: &'static str,
) -> Case {
    Case {
        name,
        request,
        status,
        code: Some(code),
    }
}

fn ok(name: &'static str, request: Request<Body>) -> Case {
    Case {
        name,
        request,
        status: StatusCode::OK,
        code: None,
    }
}

fn raw(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

/// A QR code image of `text` in `format`, through the image crate's own encoders.
fn encoded(text: &str, format: image::ImageFormat) -> Vec<u8> {
    let png = qr_png(text);
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    match format {
        // WebP is written lossless from RGBA by the image crate.
        image::ImageFormat::WebP => image::DynamicImage::ImageRgb8(img)
            .to_rgba8()
            .write_to(&mut out, format)
            .unwrap(),
        _ => img.write_to(&mut out, format).unwrap(),
    }
    out.into_inner()
}

/// `bytes` with `patch` written at `at`: a real file whose header now claims something else.
fn patched(mut bytes: Vec<u8>, at: usize, patch: &[u8]) -> Vec<u8> {
    bytes[at..at + patch.len()].copy_from_slice(patch);
    bytes
}

/// Offset of the first JPEG start-of-frame marker's height field.
fn jpeg_sof_dimensions(jpeg: &[u8]) -> usize {
    let sof = jpeg
        .windows(2)
        .position(|w| w[0] == 0xFF && matches!(w[1], 0xC0..=0xC2))
        .expect("a JPEG has a start-of-frame");
    sof + 5 // marker (2), length (2), precision (1)
}

/// The header bombs: real images of each format whose header is made to claim billions of
/// pixels. The limit must refuse them from the header, before any pixel is allocated.
fn header_bombs() -> Vec<(&'static str, Vec<u8>)> {
    use image::ImageFormat::*;
    let png = encoded("bomb", Png);
    let jpeg = encoded("bomb", Jpeg);
    let at = jpeg_sof_dimensions(&jpeg);
    let gif = encoded("bomb", Gif);
    let bmp = encoded("bomb", Bmp);
    let webp = encoded("bomb", WebP);
    // VP8L: 14-bit width-1 and height-1 after the signature byte at 20; all ones is 16384².
    assert_eq!(&webp[12..16], b"VP8L", "a lossless WebP");
    vec![
        // IHDR width and height: 100,000 × 100,000.
        (
            "png",
            patched(png, 16, &[0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0]),
        ),
        ("jpeg", patched(jpeg, at, &[0xFF, 0xF0, 0xFF, 0xF0])),
        // Logical screen 65,535 × 65,535.
        ("gif", patched(gif, 6, &[0xFF, 0xFF, 0xFF, 0xFF])),
        // BITMAPINFOHEADER width and height: 1,000,000 × 1,000,000.
        (
            "bmp",
            patched(bmp, 18, &[0x40, 0x42, 0x0F, 0, 0x40, 0x42, 0x0F, 0]),
        ),
        ("webp", patched(webp, 21, &[0xFF, 0xFF, 0xFF, 0x0F])),
    ]
}

fn truncated(bytes: Vec<u8>) -> Vec<u8> {
    let half = bytes.len() / 2;
    bytes[..half].to_vec()
}

/// A configuration with the default limits, but few workers, as on a small machine.
fn matrix_config() -> Config {
    Config {
        max_text_bytes: 4096,
        ..config()
    }
}

fn cases() -> Vec<Case> {
    use image::ImageFormat::*;
    use StatusCode as S;
    let mut cases = Vec::new();

    // Decompression and header bombs: 413 from the header, through both decode routes.
    for (format, bytes) in header_bombs() {
        let name: &'static str = Box::leak(format!("{format} header bomb").into_boxed_str());
        cases.push(case(
            name,
            raw("/api/v1/decode", "application/octet-stream", bytes.clone()),
            S::PAYLOAD_TOO_LARGE,
            "limit_exceeded",
        ));
        cases.push(case(
            name,
            post_multipart("/decode", "image", &bytes),
            S::PAYLOAD_TOO_LARGE,
            "limit_exceeded",
        ));
    }

    // Truncated files of every format: 422, the image is corrupt (the same bytes will fail
    // again, so not a retryable 5xx). JPEG is the exception: like a browser, its decoder shows
    // the part that arrived (a photo cut off below its code still reads), so it is read.
    cases.push(ok(
        "truncated jpeg",
        raw(
            "/api/v1/decode",
            "image/jpeg",
            truncated(encoded("cut", Jpeg)),
        ),
    ));
    for (format, f) in [
        ("png", Png),
        ("gif", Gif),
        ("bmp", Bmp),
        ("webp", WebP),
        ("tiff", Tiff),
    ] {
        let name: &'static str = Box::leak(format!("truncated {format}").into_boxed_str());
        cases.push(case(
            name,
            raw(
                "/api/v1/decode",
                "application/octet-stream",
                truncated(encoded("cut", f)),
            ),
            S::UNPROCESSABLE_ENTITY,
            "corrupt_image",
        ));
    }
    // A valid PNG header (signature and IHDR of a real file) over garbage.
    let mut garbage = encoded("garbage", Png)[..33].to_vec();
    garbage.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    cases.push(case(
        "png header over garbage",
        raw("/api/v1/decode", "image/png", garbage),
        S::UNPROCESSABLE_ENTITY,
        "corrupt_image",
    ));
    cases.push(case(
        "not an image",
        post_multipart("/decode", "image", b"%PDF-1.7 definitely not a picture"),
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_format",
    ));

    // Wrong content types and empty bodies.
    cases.push(case(
        "decode as text/plain",
        raw("/api/v1/decode", "text/plain", qr_png("x")),
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    ));
    cases.push(case(
        "legacy decode without a form",
        raw("/decode", "image/png", qr_png("x")),
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    ));
    cases.push(case(
        "generate as a form",
        raw("/generate", "application/x-www-form-urlencoded", "text=x"),
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    ));
    cases.push(case(
        "decode with an empty body",
        raw("/api/v1/decode", "image/png", ""),
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_format",
    ));
    cases.push(case(
        "generate with an empty body",
        raw("/generate", "application/json", ""),
        S::BAD_REQUEST,
        "invalid_json",
    ));
    cases.push(case(
        "job with an empty body",
        raw("/api/v1/jobs", "application/json", ""),
        S::BAD_REQUEST,
        "invalid_json",
    ));

    // Multipart forms with no file, a broken form, and several files.
    let no_file = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{BOUNDARY}--\r\n");
    let form_type = format!("multipart/form-data; boundary={BOUNDARY}");
    cases.push(case(
        "form without an image",
        raw("/decode", &form_type, no_file.clone()),
        S::BAD_REQUEST,
        "invalid_parameter",
    ));
    cases.push(case(
        "v1 form without an image",
        raw("/api/v1/decode", &form_type, no_file),
        S::BAD_REQUEST,
        "invalid_parameter",
    ));
    cases.push(case(
        "form cut off mid-part",
        raw(
            "/decode",
            &form_type,
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n\u{89}PNG"
            ),
        ),
        S::BAD_REQUEST,
        "invalid_multipart",
    ));
    cases.push(case(
        "form without a boundary",
        raw("/decode", "multipart/form-data", "whatever"),
        S::BAD_REQUEST,
        "invalid_multipart",
    ));
    // Several images: the legacy form reads its "image" field, the first one.
    let mut two = multipart_body("image", &qr_png("first"));
    two.truncate(two.len() - format!("--{BOUNDARY}--\r\n").len());
    two.extend(multipart_body("image", &qr_png("second")));
    cases.push(ok("form with two images", raw("/decode", &form_type, two)));
    cases.push(case(
        "decode job with no file",
        form(&[("type", "decode")], &[]),
        S::BAD_REQUEST,
        "invalid_parameter",
    ));

    // Text: invalid UTF-8, lone surrogates, over capacity, over the length limit.
    cases.push(case(
        "invalid UTF-8 in JSON",
        raw(
            "/generate",
            "application/json",
            &b"{\"text\": \"\xff\xfe\"}"[..],
        ),
        S::BAD_REQUEST,
        "invalid_json",
    ));
    cases.push(case(
        "lone surrogate in JSON",
        post_json("/generate", r#"{"text": "a\ud800b"}"#),
        S::BAD_REQUEST,
        "invalid_json",
    ));
    cases.push(case(
        "lone surrogate in a query",
        get("/api/v1/qr?data=%ED%A0%80"),
        S::BAD_REQUEST,
        "invalid_parameter",
    ));
    cases.push(case(
        "text over QR capacity",
        post_json(
            "/generate",
            &format!(r#"{{"text": "{}"}}"#, "x".repeat(3000)),
        ),
        S::BAD_REQUEST,
        "data_too_long",
    ));
    cases.push(case(
        "text over the length limit",
        post_json(
            "/generate",
            &format!(r#"{{"text": "{}"}}"#, "x".repeat(5000)),
        ),
        S::PAYLOAD_TOO_LARGE,
        "text_too_long",
    ));
    cases.push(case(
        "text of the wrong type",
        post_json("/generate", r#"{"text": ["a"]}"#),
        S::BAD_REQUEST,
        "invalid_parameter",
    ));

    // Absurd sizes, scales, borders and colours: the v1 API reads them, then refuses them (422;
    // the legacy /generate answers 400, as the reference did).
    for (name, uri, status, code) in [
        (
            "size of a billion",
            "/api/v1/qr?data=x&size=1000000000",
            S::UNPROCESSABLE_ENTITY,
            "limit_exceeded",
        ),
        (
            "negative size",
            "/api/v1/qr?data=x&size=-5",
            S::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            "size zero",
            "/api/v1/qr?data=x&size=0",
            S::UNPROCESSABLE_ENTITY,
            "invalid_option",
        ),
        (
            "border of a thousand",
            "/api/v1/qr?data=x&border=1000",
            S::UNPROCESSABLE_ENTITY,
            "invalid_option",
        ),
        (
            "colour that is no colour",
            "/api/v1/qr?data=x&fg=notacolour",
            S::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            "colour of nine digits",
            "/api/v1/qr?data=x&bg=123456789",
            S::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            "unknown format",
            "/api/v1/qr?data=x&format=gif",
            S::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
        (
            "unknown EC level",
            "/api/v1/qr?data=x&ec=Z",
            S::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
        ),
    ] {
        cases.push(case(name, get(uri), status, code));
    }
    cases.push(case(
        "scale of a million",
        post_json("/api/v1/qr", r#"{"text": "x", "scale": 1000000}"#),
        S::UNPROCESSABLE_ENTITY,
        "limit_exceeded",
    ));
    cases.push(case(
        "version 41",
        post_json("/api/v1/qr", r#"{"text": "x", "version": 41}"#),
        S::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
    ));

    // Batches: a ZIP bomb, a ZIP that is not one, a CSV with no text column (read, then
    // refused: 422).
    cases.push(case(
        "ZIP bomb",
        form(&[("type", "decode")], &[("bomb.zip", &zip_bomb())]),
        S::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    ));
    cases.push(case(
        "truncated ZIP",
        form(&[("type", "decode")], &[("cut.zip", &zip_bomb()[..200])]),
        S::UNPROCESSABLE_ENTITY,
        "invalid_zip",
    ));
    cases.push(case(
        "CSV without a text column",
        form(
            &[("type", "generate")],
            &[("rows.csv", b"name,size\nx,3\n")],
        ),
        S::UNPROCESSABLE_ENTITY,
        "invalid_csv",
    ));
    cases
}

/// 64 MiB of zeros deflated to a few tens of KB: more than four request bodies' worth of
/// uncompressed bytes at the test's limit.
fn zip_bomb() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("zeros.png", deflated).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn every_bad_input_gets_its_documented_status_and_the_service_stays_healthy() {
    let (app, _state) = service(Config {
        max_body_bytes: 8 << 20,
        ..matrix_config()
    });
    let mut failures = Vec::new();
    let mut count = 0;
    for Case {
        name,
        request,
        status,
        code,
    } in cases()
    {
        count += 1;
        let answer = send(&app, request).await;
        let body = String::from_utf8_lossy(&answer.body);
        if answer.status != status {
            failures.push(format!(
                "{name}: {} instead of {status}: {body}",
                answer.status
            ));
            continue;
        }
        if let Some(code) = code {
            let got = answer.json()["error"]["code"].clone();
            if got != code {
                failures.push(format!("{name}: code {got} instead of {code:?}: {body}"));
            }
        }
        let health = send(&app, get("/health")).await;
        assert_eq!(health.status, StatusCode::OK, "/health after {name}");
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count >= 40, "the matrix has {count} cases");

    let metrics = String::from_utf8(send(&app, get("/metrics")).await.body.to_vec()).unwrap();
    let server_errors: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("qrsmith_http_requests_total") && l.contains("status=\"5"))
        .collect();
    assert!(server_errors.is_empty(), "5xx answered: {server_errors:?}");
}

/// Zip-slip names in a decode batch are flattened to their last part; payloads that a
/// spreadsheet would run as formulas are written to `results.csv` with a leading `'`.
#[tokio::test]
async fn zip_slip_names_are_flattened_and_formulas_neutralised_in_csv_outputs() {
    let (app, _state) = service(matrix_config());
    let formulas = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)"];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, text) in formulas.iter().enumerate() {
        zip.start_file(
            format!("../../../etc/evil-{i}.png"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&qr_png(text)).unwrap();
    }
    let zipped = zip.finish().unwrap().into_inner();
    let (_, files) = run_to_result(&app, form(&[("type", "decode")], &[("x.zip", &zipped)])).await;
    let csv = String::from_utf8(files["results.csv"].clone()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut texts = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a live formula in results.csv: {cell:?}\n{csv}"
            );
            assert!(!cell.contains("../"), "a path kept: {cell:?}");
        }
        texts.push(
            record
                .iter()
                .find(|c| c.starts_with('\''))
                .map(str::to_owned),
        );
    }
    let mut neutralised: Vec<String> = formulas.iter().map(|f| format!("'{f}")).collect();
    neutralised.sort();
    let mut found: Vec<String> = texts.into_iter().flatten().collect();
    found.sort();
    assert_eq!(found, neutralised, "{csv}");
}

/// Starts `qrsmith_server::run` on a free port with `config`; returns its address and the sender
/// that stops it, once it is ready.
async fn start(
    config: Config,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<qrsmith_server::Shutdown>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = qrsmith_server::AppState::new(config).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<qrsmith_server::Shutdown>();
    let server = tokio::spawn(qrsmith_server::run(listener, state, async move {
        stopped.await.unwrap_or(qrsmith_server::Shutdown::Interrupt)
    }));
    tokio::task::spawn_blocking(move || wait_ready(addr))
        .await
        .unwrap();
    (addr, stop, server)
}

/// Sends `head` on a new connection and reads until the server closes it (or 20 s pass, which
/// fails the caller's assertions rather than hanging the test); returns what came back.
async fn send_and_read(addr: std::net::SocketAddr, head: &'static str) -> String {
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer) {
            Ok(_) => String::from_utf8_lossy(&answer).into_owned(),
            Err(e) => format!("no close: {e}; read {:?}", String::from_utf8_lossy(&answer)),
        }
    })
    .await
    .unwrap()
}

/// A client that sends its headers and then trickles (or stops sending) the body holds a
/// connection and a request slot; the request timeout ends it with 408, not a hang or a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_times_out_with_408() {
    let (addr, stop, server) = start(Config {
        request_timeout_ms: 500,
        ..matrix_config()
    })
    .await;
    let answer = send_and_read(
        addr,
        "POST /api/v1/decode HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n\
         Content-Length: 100000\r\n\r\n\u{89}PNG",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_body_timeout\""), "{answer}");
    stop.send(qrsmith_server::Shutdown::Interrupt).unwrap();
    server.await.unwrap().unwrap();
}

/// A client that trickles its headers (slowloris) never gets as far as the request timeout:
/// the header timeout closes its connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_get_the_connection_closed() {
    let (addr, stop, server) = start(Config {
        header_timeout_ms: 300,
        ..matrix_config()
    })
    .await;
    let started = std::time::Instant::now();
    let answer = send_and_read(addr, "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
    assert!(!answer.starts_with("no close"), "{answer}");
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The server is still serving others.
    let health = send_and_read(
        addr,
        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    stop.send(qrsmith_server::Shutdown::Interrupt).unwrap();
    server.await.unwrap().unwrap();
}

/// Polls `/ready` until the server answers 200 (it checks its engine first); bounded.
fn wait_ready(addr: std::net::SocketAddr) {
    for _ in 0..400 {
        if let Ok(mut stream) = TcpStream::connect(addr) {
            write!(
                stream,
                "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("{addr} never became ready");
}
