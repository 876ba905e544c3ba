//! Batch jobs in process: submitted as JSON, as a CSV form and as images (loose or in a ZIP),
//! run by the runner, downloaded as ZIPs; cancelling; every documented error.

mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use qrsmith_server::Config;
use serde_json::Value;

fn read_text(png: &[u8]) -> String {
    let d = qrsmith_core::decode(png, &Default::default()).unwrap();
    d.symbols[0].text.clone()
}

#[tokio::test]
async fn a_json_generate_job_runs_to_a_zip_with_its_manifest() {
    let (app, _state) = service(config());
    let submitted = submit_job(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "ec": "M", "items": [
                {"text": "one", "filename": "first"},
                {"text": "two", "format": "svg"},
                {"filename": "no text"},
                {"text": "=cmd|' /C calc'!A0", "filename": "../formula"}
            ]}"#,
        ),
    )
    .await;
    let job = submitted.json();
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(submitted.header("location"), format!("/api/v1/jobs/{id}"));
    assert_eq!(job["type"], "generate");
    assert_eq!(job["total"], 4);

    let done = wait_final(&app, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        (done["done"].as_u64(), done["failed"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(done["errors"][0]["row"], 3);
    assert_eq!(done["errors"][0]["code"], "invalid_parameter");
    assert_eq!(done["result"], format!("/api/v1/jobs/{id}/result"));

    let result = send(&app, get(&format!("/api/v1/jobs/{id}/result"))).await;
    assert_eq!(result.status, StatusCode::OK);
    assert_eq!(result.header("content-type"), "application/zip");
    let files = unzip(&result.body);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["_formula.png", "first.png", "manifest.csv", "row-2.svg"]
    );
    assert_eq!(read_text(&files["first.png"]), "one");
    assert_eq!(read_text(&files["_formula.png"]), "=cmd|' /C calc'!A0");
    let manifest = String::from_utf8(files["manifest.csv"].clone()).unwrap();
    let lines: Vec<&str> = manifest.lines().collect();
    assert_eq!(lines[1], "1,first.png,ok,,");
    assert!(
        lines[3].starts_with("3,,error,invalid_parameter,"),
        "{manifest}"
    );
    assert_eq!(lines.len(), 5);
}

#[tokio::test]
async fn a_csv_form_generate_job_takes_defaults_from_fields() {
    let (app, _state) = service(config());
    let csv = b"text,filename\nalpha,a\nbeta,b\n";
    let submit = form(
        &[("type", "generate"), ("format", "svg")],
        &[("rows.csv", csv)],
    );
    let (_, files) = run_to_result(&app, submit).await;
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["a.svg", "b.svg", "manifest.csv"]
    );
}

#[tokio::test]
async fn a_decode_job_reads_loose_images_and_zips_of_them() {
    let (app, _state) = service(config());
    let broken: &[u8] = b"\x89PNG\r\n\x1a\ngarbage";
    let a = qr_png("alpha");
    let b = qr_png("@beta");
    let submit = form(
        &[("type", "decode")],
        &[("a.png", &a), ("b.png", &b), ("broken.png", broken)],
    );
    let (done, files) = run_to_result(&app, submit).await;
    assert_eq!(
        (done["total"].as_u64(), done["failed"].as_u64()),
        (Some(3), Some(1))
    );
    let json: Value = serde_json::from_slice(&files["results.json"]).unwrap();
    assert_eq!(json[0]["file"], "a.png");
    assert_eq!(json[0]["results"][0]["text"], "alpha");
    assert_eq!(json[2]["status"], "error");
    assert_eq!(json[2]["error"]["code"], "corrupt_image");
    let csv = String::from_utf8(files["results.csv"].clone()).unwrap();
    assert!(csv.contains("b.png,found,1,'@beta,QRCode"), "{csv}");

    // The same images in one ZIP, in a folder: names lose the folder.
    let mut zipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [("scans/a.png", &a), ("scans/b.png", &b)] {
        zipped
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zipped.write_all(bytes).unwrap();
    }
    let zipped = zipped.finish().unwrap().into_inner();
    let submit = form(&[("type", "decode")], &[("scans.zip", &zipped)]);
    let (done, files) = run_to_result(&app, submit).await;
    assert_eq!(
        (done["total"].as_u64(), done["failed"].as_u64()),
        (Some(2), Some(0))
    );
    let json: Value = serde_json::from_slice(&files["results.json"]).unwrap();
    assert_eq!(json[1]["file"], "b.png");
}

#[tokio::test]
async fn a_queued_job_can_be_cancelled_and_has_no_result() {
    let (app, state) = service(config());
    // Every worker busy: the job stays queued or running with nothing done.
    let gates = occupy_workers(&state).await;
    let submitted = send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "items": [{"text": "x"}, {"text": "y"}]}"#,
        ),
    )
    .await;
    let id = submitted.json()["id"].as_str().unwrap().to_owned();
    let not_yet = send(&app, get(&format!("/api/v1/jobs/{id}/result"))).await;
    not_yet.assert_error(StatusCode::CONFLICT, "job_not_finished");
    let cancelled = send(
        &app,
        Request::delete(format!("/api/v1/jobs/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["status"], "cancelled");
    drop(gates);
    let done = wait_final(&app, &id).await;
    assert_eq!(done["status"], "cancelled");
    send(&app, get(&format!("/api/v1/jobs/{id}/result")))
        .await
        .assert_error(StatusCode::CONFLICT, "job_not_finished");
}

#[tokio::test]
async fn bad_submissions_get_their_documented_errors() {
    let (app, _state) = service(Config {
        max_job_items: 3,
        ..config()
    });
    send(&app, get("/api/v1/jobs/0123456789abcdef"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "job_not_found");
    send(
        &app,
        post_json("/api/v1/jobs", r#"{"type": "print", "items": []}"#),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    send(
        &app,
        post_json("/api/v1/jobs", r#"{"type": "generate", "items": []}"#),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "items": [{"text": "a"}, 660]}"#,
        ),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "items": [{}, {}, {}, {}]}"#,
        ),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    send(
        &app,
        form(&[("type", "generate")], &[("rows.csv", b"colour\nred\n")]),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_csv");
    send(
        &app,
        form(&[("type", "decode")], &[("x.zip", b"PK\x03\x04broken")]),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_zip");
    send(
        &app,
        form(&[("type", "decode"), ("ec", "H")], &[("a.png", b"x")]),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
    let text = Request::post("/api/v1/jobs")
        .header("content-type", "text/plain")
        .body(Body::from("text"))
        .unwrap();
    send(&app, text)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn a_thousand_row_csv_becomes_a_thousand_codes_that_read_back() {
    let (app, _state) = service(config());
    let mut csv = String::from("text,filename,ec\n");
    for i in 0..1000 {
        csv.push_str(&format!("https://example.com/item/{i},code-{i},M\n"));
        // Bad rows among the good ones, each reported on its own row.
        match i {
            100 => csv.push_str(&format!("{},too-long,H\n", "x".repeat(4000))),
            500 => csv.push_str("fine,bad-level,Z\n"),
            _ => {}
        }
    }
    let submit = form(&[("type", "generate")], &[("rows.csv", csv.as_bytes())]);
    let (done, files) = run_to_result(&app, submit).await;
    assert_eq!(
        (done["total"].as_u64(), done["failed"].as_u64()),
        (Some(1002), Some(2))
    );
    let rows: Vec<u64> = done["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [102, 503]);
    assert_eq!(done["errors"][0]["code"], "data_too_long");
    assert_eq!(done["errors"][1]["code"], "invalid_parameter");
    for i in 0..1000 {
        let png = files
            .get(&format!("code-{i}.png"))
            .unwrap_or_else(|| panic!("code-{i}.png is missing"));
        assert_eq!(read_text(png), format!("https://example.com/item/{i}"));
    }
    let manifest = String::from_utf8(files["manifest.csv"].clone()).unwrap();
    assert_eq!(manifest.lines().count(), 1 + 1002);
    assert!(
        manifest.contains("\n102,,error,data_too_long,"),
        "{manifest:.300}"
    );
}

#[tokio::test]
async fn hostile_batches_are_refused_or_fail_per_item_and_the_server_stays_healthy() {
    let (app, _state) = service(config());

    // Ten million rows: far past the body limit, refused before any row is parsed.
    let huge = "a\n".repeat(10_000_000);
    send(
        &app,
        form(&[("type", "generate")], &[("rows.csv", huge.as_bytes())]),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Within the body limit but more rows than a job may hold.
    let many = "text\n".to_owned() + &"a\n".repeat(10_001);
    send(
        &app,
        form(&[("type", "generate")], &[("rows.csv", many.as_bytes())]),
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // A ZIP bomb: 200 MB of zeros in a few hundred KB, past the uncompressed budget.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file(
        "zeros.png",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true),
    )
    .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "the bomb is {} bytes", bomb.len());
    send(&app, form(&[("type", "decode")], &[("bomb.zip", &bomb)]))
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // Zip-slip names and a file that is no image: the names lose their path, the text file
    // fails its own item.
    let mut zipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let code = qr_png("inside");
    for (name, bytes) in [
        ("../../x.png", &code[..]),
        ("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
    ] {
        zipped
            .start_file(
                name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap();
        zipped.write_all(bytes).unwrap();
    }
    let zipped = zipped.finish().unwrap().into_inner();
    let (done, files) =
        run_to_result(&app, form(&[("type", "decode")], &[("slip.zip", &zipped)])).await;
    assert_eq!(
        (done["total"].as_u64(), done["failed"].as_u64()),
        (Some(2), Some(1))
    );
    let json: Value = serde_json::from_slice(&files["results.json"]).unwrap();
    assert_eq!(json[0]["file"], "x.png");
    assert_eq!(json[0]["results"][0]["text"], "inside");
    assert_eq!(json[1]["file"], "passwd");
    assert_eq!(json[1]["error"]["code"], "unsupported_format");
    assert!(files.keys().all(|name| !name.contains("..")), "{files:?}");

    assert_eq!(send(&app, get("/health")).await.status, StatusCode::OK);
}

/// The service with its jobs in a real Redis (kept alive by the returned server).
fn redis_service(tune: impl FnOnce(&mut Config)) -> (Router, redis_server::RedisServer) {
    let server = redis_server::RedisServer::start();
    let mut config = Config {
        redis: Some(server.url()),
        redis_prefix: redis_server::unique_prefix(),
        ..config()
    };
    tune(&mut config);
    let (app, _state) = service(config);
    (app, server)
}

#[tokio::test]
async fn with_redis_jobs_and_async_requests_run_to_their_results() {
    let (app, _redis) = redis_service(|_| {});
    let items: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"text": "redis {i}", "filename": "r{i}"}}"#))
        .collect();
    let body = format!(r#"{{"type": "generate", "items": [{}]}}"#, items.join(","));
    let (done, files) = run_to_result(&app, post_json("/api/v1/jobs", &body)).await;
    assert_eq!(
        (done["done"].as_u64(), done["failed"].as_u64()),
        (Some(30), Some(0))
    );
    assert_eq!(files.len(), 31, "30 images and the manifest");
    assert_eq!(read_text(&files["r17.png"]), "redis 17");

    // The reference's asynchronous form reads the job's one item back.
    let accepted = send(
        &app,
        post_json("/generate?async=true", r#"{"text": "later"}"#),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let task = accepted.json()["task_id"].as_str().unwrap().to_owned();
    wait_final(&app, &task).await;
    let status = send(&app, get(&format!("/result/{task}"))).await.json();
    assert_eq!(status["status"], "success", "{status}");
    let image = send(&app, get(&format!("/result/{task}/image"))).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(read_text(&image.body), "later");
}

#[tokio::test]
async fn a_lost_redis_is_a_retryable_503_and_the_service_stays_up() {
    let (app, redis) = redis_service(|_| {});
    let submitted = send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "items": [{"text": "x"}]}"#,
        ),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED);
    let id = submitted.json()["id"].as_str().unwrap().to_owned();
    drop(redis);
    let lost = send(&app, get(&format!("/api/v1/jobs/{id}"))).await;
    lost.assert_error(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable");
    assert_eq!(lost.header("retry-after"), "1");
    // What needs no storage goes on.
    let image = send(&app, post_json("/generate", r#"{"text": "still here"}"#)).await;
    assert_eq!(read_text(&image.body), "still here");
    assert_eq!(send(&app, get("/health")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_result_over_the_cap_fails_the_job_visibly() {
    for redis in [false, true] {
        let tune = |c: &mut Config| c.max_result_bytes = 2000;
        let (app, _redis) = if redis {
            let (app, server) = redis_service(tune);
            (app, Some(server))
        } else {
            let mut c = config();
            tune(&mut c);
            (service(c).0, None)
        };
        let items: Vec<String> = (0..5)
            .map(|i| format!(r#"{{"text": "big {i}", "size": 600}}"#))
            .collect();
        let body = format!(r#"{{"type": "generate", "items": [{}]}}"#, items.join(","));
        let submitted = send(&app, post_json("/api/v1/jobs", &body)).await;
        let id = submitted.json()["id"].as_str().unwrap().to_owned();
        let done = wait_final(&app, &id).await;
        assert_eq!(done["status"], "failed", "redis={redis}: {done}");
        let why = done["error"].as_str().unwrap();
        assert!(
            why.contains("2000 bytes") && why.contains("--max-result-bytes"),
            "redis={redis}: {why}"
        );
        let result = send(&app, get(&format!("/api/v1/jobs/{id}/result"))).await;
        result.assert_error(StatusCode::CONFLICT, "job_not_finished");
    }
}

#[test]
fn a_redis_that_does_not_answer_is_a_startup_error() {
    let config = Config {
        // Nothing listens on port 1.
        redis: Some("redis://127.0.0.1:1/".into()),
        ..config()
    };
    let err = qrsmith_server::AppState::new(config).unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("--redis") && message.contains("cannot connect to Redis"),
        "{message}"
    );
}

/// `qrsmith_jobs_oldest_queued_age_seconds`: a job that waits behind a running one shows as a
/// backlog that ages, and the backlog is 0 again once everything has started.
#[tokio::test]
async fn the_backlog_age_metric_follows_the_oldest_queued_job() {
    let (app, state) = service(config());
    let gauge = || state.metrics.jobs_oldest_queued_age.get();
    // Every worker busy: the first job starts (the runner takes it) and waits for a worker, so
    // the second stays queued behind it.
    let gates = occupy_workers(&state).await;
    let mut ids = Vec::new();
    for text in ["first", "second"] {
        let submitted = send(
            &app,
            post_json(
                "/api/v1/jobs",
                &format!(r#"{{"type": "generate", "items": [{{"text": "{text}"}}]}}"#),
            ),
        )
        .await;
        assert_eq!(submitted.status, StatusCode::ACCEPTED);
        ids.push(submitted.json()["id"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while gauge() < 1 {
        assert!(
            Instant::now() < deadline,
            "the queued job's age never showed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = String::from_utf8(send(&app, get("/metrics")).await.body.to_vec()).unwrap();
    assert!(
        text.lines().any(|l| l
            .strip_prefix("qrsmith_jobs_oldest_queued_age_seconds ")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|v| v >= 1)),
        "{text}"
    );
    drop(gates);
    for id in &ids {
        assert_eq!(wait_final(&app, id).await["status"], "succeeded");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while gauge() != 0 {
        assert!(
            Instant::now() < deadline,
            "the backlog age stayed at {}",
            gauge()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every code's text read on the pages of `pdf`, rasterised by poppler's `pdftoppm`, and the
/// words of its captions as poppler's `pdftotext` extracts them (scripts/bootstrap installs
/// poppler-utils).
fn read_pdf_pages(pdf: &[u8], name: &str) -> (Vec<String>, String) {
    let dir = std::env::temp_dir().join(format!("qrsmith-jobs-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sheet.pdf"), pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png"])
        .arg(dir.join("sheet.pdf"))
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm is installed (scripts/bootstrap)");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    let texts = pages
        .iter()
        .flat_map(|p| {
            qrsmith_core::decode(&std::fs::read(p).unwrap(), &Default::default())
                .unwrap()
                .symbols
        })
        .map(|s| s.text)
        .collect();
    let words = std::process::Command::new("pdftotext")
        .arg(dir.join("sheet.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext is installed (scripts/bootstrap)");
    let words = String::from_utf8_lossy(&words.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    std::fs::remove_dir_all(&dir).ok();
    (texts, words)
}

#[tokio::test]
async fn a_json_labels_job_makes_one_pdf_of_the_good_rows() {
    let (app, _state) = service(config());
    let submitted = submit_job(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "ec": "M",
                "labels": {"page": "letter", "rows": 2, "columns": 2, "caption_column": "name"},
                "items": [
                    {"text": "label one", "name": "One"},
                    {"text": "label two", "name": "Two", "ec": "Z"},
                    {"text": "label three", "name": "Three (3)"},
                    {"text": "label four"},
                    {"text": "label five", "name": "Five"},
                    {"text": "label six", "name": "Six"}
                ]}"#,
        ),
    )
    .await;
    let job = submitted.json();
    assert_eq!(job["type"], "labels");
    let id = job["id"].as_str().unwrap().to_owned();
    let done = wait_final(&app, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        (done["total"].as_u64(), done["failed"].as_u64()),
        (Some(6), Some(1))
    );
    assert_eq!(done["errors"][0]["row"], 2);

    // A labels job's items are stored labels, not images: its id is no legacy task.
    for legacy in [format!("/result/{id}"), format!("/result/{id}/image")] {
        send(&app, get(&legacy))
            .await
            .assert_error(StatusCode::NOT_FOUND, "task_not_found");
    }

    let result = send(&app, get(&format!("/api/v1/jobs/{id}/result"))).await;
    assert_eq!(result.status, StatusCode::OK);
    assert_eq!(result.header("content-type"), "application/pdf");
    assert!(result.header("content-disposition").ends_with(".pdf\""));
    let pdf = String::from_utf8_lossy(&result.body).into_owned();
    assert!(pdf.contains("/Count 2"), "5 labels, 4 a page");
    let (mut read, captions) = read_pdf_pages(&result.body, "json");
    assert_eq!(captions, "One Three (3) Five Six");
    read.sort();
    assert_eq!(
        read,
        [
            "label five",
            "label four",
            "label one",
            "label six",
            "label three"
        ]
    );
}

#[tokio::test]
async fn a_csv_form_labels_job_takes_its_layout_from_a_field() {
    let (app, _state) = service(config());
    let csv = b"text,caption\nalpha,Alpha\nbeta,Beta\n";
    let submit = form(
        &[
            ("type", "generate"),
            ("labels", r#"{"page": "a4", "rows": 4}"#),
        ],
        &[("rows.csv", csv)],
    );
    let id = submit_job(&app, submit).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(wait_final(&app, &id).await["status"], "succeeded");
    let result = send(&app, get(&format!("/api/v1/jobs/{id}/result"))).await;
    let (mut read, captions) = read_pdf_pages(&result.body, "csv");
    assert_eq!(captions, "Alpha Beta");
    read.sort();
    assert_eq!(read, ["alpha", "beta"]);

    // Every bad layout is refused at submission, with the field named.
    // A field that is not JSON is 400; a layout read and refused is 422.
    for (labels, word, status) in [
        (r#"{"rows": 0}"#, "rows", StatusCode::UNPROCESSABLE_ENTITY),
        (
            r#"{"page": "a3"}"#,
            "page size",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"margin_mm": 200}"#,
            "margin",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"colour": "red"}"#,
            "colour",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("not json", "not JSON", StatusCode::BAD_REQUEST),
    ] {
        let submit = form(
            &[("type", "generate"), ("labels", labels)],
            &[("rows.csv", csv)],
        );
        let answer = send(&app, submit).await;
        answer.assert_error(status, "invalid_parameter");
        let message = answer.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(word), "{labels}: {message}");
    }
    let submit = form(
        &[
            ("type", "generate"),
            ("labels", r#"{"caption_column": "nom"}"#),
        ],
        &[("rows.csv", csv)],
    );
    send(&app, submit)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_csv");

    // A sheet with no good row fails the job, saying why.
    let submitted = send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "labels": {}, "items": [{"text": "x", "ec": "Z"}]}"#,
        ),
    )
    .await;
    let id = submitted.json()["id"].as_str().unwrap().to_owned();
    let done = wait_final(&app, &id).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"].as_str().unwrap().contains("every row failed"),
        "{done}"
    );
}
