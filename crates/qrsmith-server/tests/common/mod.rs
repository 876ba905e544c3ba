//! Helpers shared by the service tests.
#![allow(dead_code)] // Each test binary uses its own subset.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use qrsmith_server::{app, AppState, Config};
use serde_json::Value;
use tower::ServiceExt as _;

pub mod redis_server;

/// A ready service with `config`.
pub fn service(config: Config) -> (Router, AppState) {
    let state = AppState::new(config).expect("state");
    state.set_ready();
    qrsmith_server::jobs::start(&state.jobs);
    (app(state.clone()), state)
}

/// A configuration for tests: two workers, small limits where a test does not set its own.
pub fn config() -> Config {
    Config {
        workers: 2,
        ..Config::default()
    }
}

/// An answer, body collected.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// Asserts the documented error shape, exactly `{"error": {"code", "message"}}`, with
    /// `status` and `code`; returns the message.
    pub fn assert_error(&self, status: StatusCode, code: &str) -> String {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(self.header("content-type").starts_with("application/json"));
        let v = self.json();
        let obj = v.as_object().expect("an object");
        assert_eq!(obj.len(), 1, "only the error key: {v}");
        let err = v["error"].as_object().expect("error object");
        assert_eq!(err.len(), 2, "only code and message: {v}");
        assert_eq!(err["code"], code, "{v}");
        let message = err["message"].as_str().expect("message is text");
        assert!(!message.is_empty());
        message.to_owned()
    }
}

/// Sends `req` through the router in process.
pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let response = app.clone().oneshot(req).await.expect("infallible");
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.expect("body").to_bytes(),
    }
}

/// The PNG of one answered image (`{"data_uri": "data:image/png;base64,…"}`).
pub fn png_of(image: &Value) -> Vec<u8> {
    use base64::Engine as _;
    let uri = image["data_uri"].as_str().expect("a data URI");
    let b64 = uri
        .strip_prefix("data:image/png;base64,")
        .unwrap_or_else(|| panic!("not a PNG data URI: {:.40}", uri));
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64")
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, json: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(json.to_owned()))
        .unwrap()
}

pub const BOUNDARY: &str = "qrsmith-test-boundary";

/// A multipart/form-data body with one file field.
pub fn multipart_body(field: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"x.png\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub fn post_multipart(uri: &str, field: &str, bytes: &[u8]) -> Request<Body> {
    Request::post(uri)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart_body(field, bytes)))
        .unwrap()
}

/// A PNG of a QR code holding `text`.
pub fn qr_png(text: &str) -> Vec<u8> {
    let code = qrsmith_core::encode_text(text, &Default::default()).unwrap();
    qrsmith_core::to_png(&code, &Default::default()).unwrap()
}

/// A white PNG with no code in it.
pub fn blank_png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Occupies every worker of `state` until the returned sender is dropped or sent to; returns
/// once all of them are running, so that the pool is deterministically busy.
pub async fn occupy_workers(state: &AppState) -> Vec<std::sync::mpsc::Sender<()>> {
    let mut gates = Vec::new();
    for _ in 0..state.workers.workers() {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let pool = state.workers.clone();
        tokio::spawn(async move {
            pool.run(move || {
                let _ = started_tx.send(());
                let _ = gate.recv();
            })
            .await
        });
        started_rx.await.expect("the job started");
        gates.push(release);
    }
    gates
}

/// Waits (yielding, bounded) until `cond` holds: for state changed by other tasks.
pub async fn wait_until(mut cond: impl FnMut() -> bool) {
    for _ in 0..5000 {
        if cond() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    panic!("condition not reached within ~5 s");
}

/// Polls the job until it is final (or fails the test after 120 s: a thousand codes in a debug
/// build take a while).
pub async fn wait_final(app: &Router, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let job = send(app, get(&format!("/api/v1/jobs/{id}"))).await.json();
        if ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        assert!(Instant::now() < deadline, "job never finished: {job}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Submits a job and asserts it was accepted (`202`); returns the answer.
pub async fn submit_job(app: &Router, submit: Request<Body>) -> Answer {
    let submitted = send(app, submit).await;
    assert_eq!(
        submitted.status,
        StatusCode::ACCEPTED,
        "{:?}",
        submitted.body
    );
    submitted
}

/// Submits a job, waits until it is final, asserts it succeeded; returns its last status and
/// the files of its result.
pub async fn run_to_result(
    app: &Router,
    submit: Request<Body>,
) -> (Value, BTreeMap<String, Vec<u8>>) {
    let id = submit_job(app, submit).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = wait_final(app, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let result = send(app, get(&format!("/api/v1/jobs/{id}/result"))).await;
    assert_eq!(result.status, StatusCode::OK);
    (done, unzip(&result.body))
}

pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().to_owned(), content)
        })
        .collect()
}

/// A multipart form: text fields, then file fields.
pub fn form(texts: &[(&str, &str)], files: &[(&str, &[u8])]) -> Request<Body> {
    let mut body = Vec::new();
    for (name, value) in texts {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    for (filename, bytes) in files {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").unwrap();
    Request::post("/api/v1/jobs")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// The texts our reader finds in `png`.
pub fn decoded_text(png: &[u8]) -> Vec<String> {
    qrsmith_core::decode(png, &qrsmith_core::DecodeOptions::default())
        .unwrap()
        .symbols
        .into_iter()
        .map(|s| s.text)
        .collect()
}
