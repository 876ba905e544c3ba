//! `qrsmith serve` as a process under load, stopped with SIGTERM the way Kubernetes stops a pod:
//! `/ready` turns 503 at once, traffic keeps being served through the drain delay until the load
//! balancer (here: the test, polling `/ready`) stops sending, every request sent gets its whole
//! response, and the process exits 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request on its own connection (`Connection: close`), so that each request meets the
/// listener. Returns the status and body; an incomplete response is an error.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let incomplete = |why: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, why);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| incomplete("no end of headers"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| incomplete("no status"))?;
    let body = response[split + 4..].to_vec();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| incomplete("no content-length"))?;
    if body.len() != length {
        return Err(incomplete("body shorter than its content-length"));
    }
    Ok((status, body))
}

fn multipart(image: &[u8]) -> (String, Vec<u8>) {
    let boundary = "qrsmithSigtermTest";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"qr.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(image);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Starts `qrsmith serve` on a free port and returns the child and its address once the
/// "listening" log line is out. Later log lines are drained so that the pipe never fills.
fn spawn_server(drain_delay_ms: u64) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .env("QRSMITH_DRAIN_DELAY_MS", drain_delay_ms.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qrsmith serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server logs before it exits")
            .expect("a log line");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if event["message"] == "listening" {
            break event["addr"]
                .as_str()
                .expect("the address is logged")
                .parse()
                .expect("a socket address");
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

#[test]
fn sigterm_under_load_drains_and_exits_zero() {
    let (mut server, addr) = spawn_server(1500);
    let (status, png) = request(
        addr,
        "POST",
        "/generate",
        "application/json",
        br#"{"text": "drain test"}"#,
    )
    .expect("generate");
    assert_eq!(status, 200);
    let (decode_type, decode_body) = multipart(&png);

    // Whether the "load balancer" still routes traffic to this server.
    let routing = Arc::new(AtomicBool::new(true));
    let terminated = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let served_after_term = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let (routing, terminated, served, served_after_term, failures) = (
                Arc::clone(&routing),
                Arc::clone(&terminated),
                Arc::clone(&served),
                Arc::clone(&served_after_term),
                Arc::clone(&failures),
            );
            let (decode_type, decode_body) = (decode_type.clone(), decode_body.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while routing.load(Ordering::SeqCst) {
                    n += 1;
                    let sent_after_term = terminated.load(Ordering::SeqCst);
                    // Unique texts, so that generation is real work on the pool, not a cache hit;
                    // every third request a large image keeps a worker busy for longer.
                    let outcome = match n % 3 {
                        0 => request(addr, "POST", "/decode", &decode_type, &decode_body),
                        1 => {
                            let body = format!(r#"{{"text": "client {client} request {n}"}}"#);
                            request(
                                addr,
                                "POST",
                                "/generate",
                                "application/json",
                                body.as_bytes(),
                            )
                        }
                        _ => {
                            let body =
                                format!(r#"{{"text": "client {client} large {n}", "size": 2000}}"#);
                            request(
                                addr,
                                "POST",
                                "/generate",
                                "application/json",
                                body.as_bytes(),
                            )
                        }
                    };
                    match outcome {
                        Ok((200, _)) => {
                            served.fetch_add(1, Ordering::SeqCst);
                            if sent_after_term {
                                served_after_term.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        Ok((status, body)) => failures.lock().unwrap().push(format!(
                            "status {status}: {}",
                            String::from_utf8_lossy(&body)
                        )),
                        Err(e) => failures.lock().unwrap().push(format!("transport: {e}")),
                    }
                }
            })
        })
        .collect();

    // Under load first.
    let deadline = Instant::now() + Duration::from_secs(30);
    while served.load(Ordering::SeqCst) < 200 {
        assert!(Instant::now() < deadline, "the server never got under load");
        std::thread::sleep(Duration::from_millis(10));
    }
    terminated.store(true, Ordering::SeqCst);
    let kill = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());

    // `/ready` says 503 at once, while the server still takes connections (the drain delay).
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let (status, _) = request(addr, "GET", "/ready", "text/plain", b"").expect("/ready");
        if status == 503 {
            break;
        }
        assert_eq!(status, 200);
        assert!(Instant::now() < deadline, "/ready never turned 503");
        std::thread::sleep(Duration::from_millis(5));
    }

    // A load balancer takes a probe period or two to act on it: meanwhile requests keep
    // arriving and are served. Then it stops routing; requests in flight must still complete.
    while served_after_term.load(Ordering::SeqCst) < 20 {
        assert!(
            Instant::now() < deadline + Duration::from_secs(1),
            "no requests served during the drain"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    routing.store(false, Ordering::SeqCst);

    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    for client in clients {
        client.join().expect("client thread");
    }
    assert_eq!(exit.code(), Some(0), "exit status {exit}");
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}
