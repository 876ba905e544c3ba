//! Over a real socket: generate then decode with an HTTP client, and a drain on shutdown in
//! which `/ready` turns 503 first and the in-flight request still completes.

mod common;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use common::{config, multipart_body, occupy_workers, wait_until, BOUNDARY};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use qrsmith_server::{AppState, Config, Phase, Shutdown};
use tokio::net::{TcpListener, TcpStream};

/// One request on a new connection.
async fn http(addr: SocketAddr, req: Request<Full<Bytes>>) -> (StatusCode, Bytes) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let response = sender.send_request(req).await.expect("response");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, body)
}

fn get(addr: SocketAddr, path: &str) -> Request<Full<Bytes>> {
    Request::get(format!("http://{addr}{path}"))
        .header("host", addr.to_string())
        .body(Full::default())
        .unwrap()
}

/// Starts the service on 127.0.0.1:0; returns its address, state, the shutdown trigger and
/// the server task (which yields `run`'s result).
async fn start(
    config: Config,
) -> (
    SocketAddr,
    AppState,
    tokio::sync::oneshot::Sender<Shutdown>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(config).expect("state");
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(qrsmith_server::run(listener, state.clone(), async move {
        rx.await.unwrap_or(Shutdown::Interrupt)
    }));
    // Ready once the engine check has passed.
    wait_until(|| state.phase() == Phase::Ready).await;
    (addr, state, tx, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_then_decode_over_http() {
    let (addr, _state, stop, server) = start(config()).await;
    let (status, ready) = http(addr, get(addr, "/ready")).await;
    assert_eq!((status, &ready[..]), (StatusCode::OK, &b"ready"[..]));

    let generate = Request::post(format!("http://{addr}/generate"))
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(
            br#"{"text": "over the wire"}"#,
        )))
        .unwrap();
    let (status, png) = http(addr, generate).await;
    assert_eq!(status, StatusCode::OK);
    assert!(png.starts_with(b"\x89PNG"));

    let decode = Request::post(format!("http://{addr}/decode"))
        .header("host", addr.to_string())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Full::new(Bytes::from(multipart_body("image", &png))))
        .unwrap();
    let (status, body) = http(addr, decode).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json, serde_json::json!({"texts": ["over the wire"]}));

    stop.send(Shutdown::Interrupt).unwrap();
    server.await.unwrap().expect("clean exit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drain_turns_ready_503_first_and_completes_in_flight_requests() {
    let (addr, state, stop, server) = start(Config {
        workers: 1,
        queue_length: 4,
        // Long enough to probe /ready on a new connection during the delay.
        drain_delay_ms: 300,
        ..config()
    })
    .await;

    // An in-flight request, held in the queue behind a busy worker.
    let gates = occupy_workers(&state).await;
    let in_flight = tokio::spawn(async move {
        let req = Request::post(format!("http://{addr}/generate"))
            .header("host", addr.to_string())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(br#"{"text": "in flight"}"#)))
            .unwrap();
        http(addr, req).await
    });
    wait_until(|| state.metrics.queue_length.get() == 1).await;

    stop.send(Shutdown::Drain).unwrap();
    wait_until(|| state.phase() == Phase::Draining).await;
    let (status, body) = http(addr, get(addr, "/ready")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "shutting_down");

    // After the drain delay the listener closes, but the queued request is still being served
    // and the server waits for it.
    let mut closed = false;
    for _ in 0..5000 {
        if TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert!(closed, "the listener closes after the drain delay");
    assert!(!in_flight.is_finished());
    assert!(!server.is_finished());
    drop(gates);
    let (status, png) = in_flight.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(png.starts_with(b"\x89PNG"));
    server.await.unwrap().expect("exit 0 after draining");
}
