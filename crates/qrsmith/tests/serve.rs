//! `qrsmith serve` as a process under load, stopped with SIGTERM the way Kubernetes stops a pod:
//! `/ready` turns 503 at once, traffic keeps being served through the drain delay until the load
//! balancer (here: the test, polling `/ready`) stops sending, every request sent gets its whole
//! response, and the process exits 0.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

#[path = "../../qrsmith-server/tests/common/redis_server.rs"]
mod redis_server;

use common::scratch;
use common::server::Server;
use redis_server::{unique_prefix, RedisServer};

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

/// `qrsmith serve` with `extra` arguments and a drain delay of `drain_delay_ms`.
fn serve(drain_delay_ms: u64, extra: &[&str]) -> Server {
    Server::start_with_env(
        extra,
        &[("QRSMITH_DRAIN_DELAY_MS", &drain_delay_ms.to_string())],
    )
}

#[test]
fn sigterm_under_load_drains_and_exits_zero() {
    let data = scratch("sigterm-data");
    let mut server = serve(1500, &["--data-dir", data.to_str().unwrap()]);
    let addr = server.addr;
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
                    let outcome = if n % 3 == 0 {
                        request(addr, "POST", "/decode", &decode_type, &decode_body)
                    } else {
                        let body = if n % 3 == 1 {
                            format!(r#"{{"text": "client {client} request {n}"}}"#)
                        } else {
                            format!(r#"{{"text": "client {client} large {n}", "size": 2000}}"#)
                        };
                        request(
                            addr,
                            "POST",
                            "/generate",
                            "application/json",
                            body.as_bytes(),
                        )
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
        .args(["-TERM", &server.child.id().to_string()])
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
        if let Some(status) = server.child.try_wait().expect("wait") {
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

/// The body of a generate job of `n` items, `item-{i}` holding "item {i}".
fn generate_job(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"text": "item {i}", "filename": "item-{i}", "size": 800}}"#))
        .collect();
    format!(r#"{{"type": "generate", "items": [{}]}}"#, items.join(","))
}

/// Submits `body` as a job; returns its id.
fn submit_job(addr: SocketAddr, body: &str) -> String {
    let (status, accepted) = request(
        addr,
        "POST",
        "/api/v1/jobs",
        "application/json",
        body.as_bytes(),
    )
    .expect("submit");
    assert_eq!(status, 202, "{}", String::from_utf8_lossy(&accepted));
    let job: serde_json::Value = serde_json::from_slice(&accepted).unwrap();
    job["id"].as_str().unwrap().to_owned()
}

/// Polls the job on `addr` until it is final; asserts it succeeded with all `items` done.
fn wait_succeeded(addr: SocketAddr, id: &str, items: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let finished = loop {
        let job = job_status(addr, id);
        if job["status"] != "queued" && job["status"] != "running" {
            break job;
        }
        assert!(Instant::now() < deadline, "the job did not finish: {job}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert_eq!(finished["done"], items as u64);
    assert_eq!(finished["failed"], 0);
}

/// Downloads the result of a [`generate_job`] of `items` from `addr`: every image exactly
/// once, the manifest in order, images from before and after `interrupted_at` readable.
fn assert_every_item_once(addr: SocketAddr, id: &str, items: usize, interrupted_at: usize) {
    let (status, zip) = request(
        addr,
        "GET",
        &format!("/api/v1/jobs/{id}/result"),
        "text/plain",
        b"",
    )
    .expect("result");
    assert_eq!(status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a ZIP");
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().to_owned())
        .collect();
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(names.len(), items + 1, "every image once, and the manifest");
    assert_eq!(unique.len(), names.len());
    for i in [0, interrupted_at, items - 1] {
        assert!(unique.contains(&format!("item-{i}.png")), "item-{i}.png");
    }
    let mut manifest = String::new();
    archive
        .by_name("manifest.csv")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let rows: Vec<&str> = manifest.lines().skip(1).collect();
    assert_eq!(rows.len(), items);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(*row, format!("{},item-{i}.png,ok,,", i + 1));
    }
    // One image read back, from before and one from after the interruption.
    for i in [0, items - 1] {
        let mut png = Vec::new();
        archive
            .by_name(&format!("item-{i}.png"))
            .unwrap()
            .read_to_end(&mut png)
            .unwrap();
        let decoded = qrsmith_core::decode(&png, &Default::default()).expect("reads");
        assert_eq!(decoded.symbols[0].text, format!("item {i}"));
    }
}

fn job_status(addr: SocketAddr, id: &str) -> serde_json::Value {
    let (status, body) = request(
        addr,
        "GET",
        &format!("/api/v1/jobs/{id}"),
        "text/plain",
        b"",
    )
    .expect("status");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("JSON")
}

#[test]
fn a_job_survives_kill_9_and_finishes_every_item_exactly_once() {
    const ITEMS: usize = 5000;
    let data = scratch("kill9-data");
    let data_arg = data.to_str().unwrap();
    // A short lease: the restarted process takes the job over once the dead one's lapses.
    let args = ["--data-dir", data_arg, "--job-lease-secs", "2"];
    let mut server = serve(0, &args);
    let addr = server.addr;
    let id = submit_job(addr, &generate_job(ITEMS));

    // Killed without warning in the middle of the job.
    let done_at_kill = kill_when_done(&mut server.child, addr, &id, 200);
    assert!(
        (done_at_kill as usize) < ITEMS,
        "the job finished before it could be interrupted ({done_at_kill} done)"
    );

    // A new process on the same data directory finishes it.
    let mut server = serve(0, &args);
    let addr = server.addr;
    wait_succeeded(addr, &id, ITEMS);
    assert_every_item_once(addr, &id, ITEMS, done_at_kill as usize);
    server.kill9();
}

/// Polls the job's progress on `addr` and SIGKILLs `server` once `done` items are done;
/// returns how many were done then.
fn kill_when_done(server: &mut Child, addr: SocketAddr, id: &str, done: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let done_at_kill = loop {
        let now_done = job_status(addr, id)["done"].as_u64().unwrap();
        if now_done >= done {
            let kill = Command::new("kill")
                .args(["-KILL", &server.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(kill.success());
            break now_done;
        }
        assert!(Instant::now() < deadline, "the job made no progress");
        std::thread::sleep(Duration::from_millis(5));
    };
    server.wait().expect("the killed server is reaped");
    done_at_kill
}

/// Waits for the "job started" log line of job `id` among `replicas`; returns the index of the
/// replica that logged it (the job's holder).
fn holder_of(replicas: &[&Server], id: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for (replica, server) in replicas.iter().enumerate() {
            let started = server.log().iter().any(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .is_ok_and(|e| e["message"] == "job started" && e["job"] == id)
            });
            if started {
                return replica;
            }
        }
        assert!(Instant::now() < deadline, "no replica started the job");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn with_redis_and_two_replicas_the_survivor_finishes_a_killed_replicas_job() {
    const ITEMS: usize = 5000;
    let redis = RedisServer::start();
    let url = redis.url();
    let prefix = unique_prefix();
    let args = [
        "--redis",
        &url,
        "--redis-prefix",
        &prefix,
        "--job-lease-secs",
        "2",
    ];
    let replicas = [serve(0, &args), serve(0, &args)];
    let id = submit_job(replicas[0].addr, &generate_job(ITEMS));
    let holder = holder_of(&replicas.iter().collect::<Vec<_>>(), &id);
    let [first, second] = replicas;
    let (mut killed, mut survivor) = if holder == 0 {
        (first, second)
    } else {
        (second, first)
    };

    // The holder is killed without warning in the middle of the job (progress read from the
    // survivor: the state is shared).
    let done_at_kill = kill_when_done(&mut killed.child, survivor.addr, &id, 200);
    assert!(
        (done_at_kill as usize) < ITEMS,
        "the job finished before it could be interrupted ({done_at_kill} done)"
    );
    // The survivor takes it over once the lease lapses, and finishes it.
    assert_eq!(
        holder_of(&[&survivor], &id),
        0,
        "the survivor takes the job over"
    );
    wait_succeeded(survivor.addr, &id, ITEMS);
    assert_every_item_once(survivor.addr, &id, ITEMS, done_at_kill as usize);
    survivor.kill9();
    drop(killed);
}

#[test]
fn a_redis_that_does_not_answer_stops_serve_with_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "text"])
        // Nothing listens on port 1.
        .args(["--redis", "redis://127.0.0.1:1/"])
        .output()
        .expect("qrsmith serve runs");
    assert!(
        !output.status.success(),
        "serve must not start without its store"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect to Redis"), "{stderr}");
}

/// `qrsmith healthcheck` (the image's HEALTHCHECK) against a real server: 0 while /health
/// answers 200, 1 for any other answer and for a port where nothing listens; never 2, which
/// Docker reserves.
#[test]
fn healthcheck_exit_codes_follow_the_probe() {
    let healthcheck = |listen: &str, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_qrsmith"))
            .args(["healthcheck", "--listen", listen, "--timeout-ms", "5000"])
            .args(extra)
            .env_remove("QRSMITH_LISTEN")
            .output()
            .expect("qrsmith healthcheck runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut server = serve(0, &[]);
    let addr = server.addr;
    let listen = addr.to_string();
    assert_eq!(healthcheck(&listen, &[]), (Some(0), String::new()));
    assert_eq!(healthcheck(&listen, &["--path", "/ready"]).0, Some(0));
    // Listening on every address is probed on loopback: the container's QRSMITH_LISTEN.
    let all = format!("0.0.0.0:{}", addr.port());
    assert_eq!(healthcheck(&all, &[]).0, Some(0));
    let (code, stderr) = healthcheck(&listen, &["--path", "/no-such-probe"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("answered 404"), "{stderr}");
    let (code, _) = healthcheck(&listen, &["--path", "no-slash"]);
    assert_eq!(code, Some(2), "a bad argument is a usage error");
    server.kill9();

    // Nothing listens on a port just released.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, stderr) = healthcheck(&free.to_string(), &[]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot connect"), "{stderr}");
}
