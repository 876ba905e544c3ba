//! `qrsmith keys` against a real `qrsmith serve` on the same data directory: the printed key
//! works, a revoked one is refused within the documented delay, usage is written at shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qrsmith_server::store::keys::Day;
use qrsmith_server::store::{SqliteStore, UsageStore};

/// The revocation delay documented for `--key-cache-secs` (its default), in seconds.
const KEY_CACHE_SECS: u64 = 5;

fn qrsmith(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(args)
        .env_remove("QRSMITH_DATA_DIR")
        .env_remove("QRSMITH_REDIS")
        .output()
        .expect("qrsmith runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// GET `path` with `key` (if any) on a connection of its own: the status and the body.
fn get(addr: SocketAddr, path: &str, key: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let auth = key.map_or(String::new(), |k| format!("X-API-Key: {k}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// The server process, killed if the test fails before stopping it, and the log lines it wrote.
struct Server(Child, Arc<Mutex<Vec<String>>>);

impl Server {
    /// Asserts that no log line holds any of `secrets` (keys are never logged: neither the
    /// API keys clients send nor the admin key the server was given).
    fn assert_logged_none_of(&self, secrets: &[&str]) {
        let log = self.1.lock().unwrap();
        assert!(log.len() > 3, "the server logged: {log:?}");
        for line in log.iter() {
            for secret in secrets {
                assert!(!line.contains(secret), "a secret in the log: {line}");
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The admin key of the servers started here (to read usage).
const ADMIN: &str = "admin-key-of-the-cli-test-0123456789";

/// `qrsmith serve` on the store named by `store` (`--data-dir DIR` or `--redis URL`).
fn spawn_server(store: &[&str]) -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(store)
        .env("QRSMITH_DRAIN_DELAY_MS", "0")
        .env("QRSMITH_ADMIN_KEY", ADMIN)
        .env_remove("QRSMITH_KEY_CACHE_SECS")
        .stderr(Stdio::piped())
        .spawn()
        .expect("qrsmith serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("a log line").expect("readable");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if event["message"] == "listening" {
            break event["addr"].as_str().unwrap().parse().unwrap();
        }
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        lines
            .map_while(Result::ok)
            .for_each(|l| kept.lock().unwrap().push(l))
    });
    (Server(child, log), addr)
}

/// `qrsmith` with `args` followed by the store arguments.
fn keys_cmd(args: &[&str], store: &[&str]) -> Output {
    let all: Vec<&str> = args.iter().chain(store).copied().collect();
    qrsmith(&all)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The whole life of a key on the store named by `store`: made by the CLI, used on a server,
/// revoked, refused within the documented delay, its usage read back through the API. Returns
/// the running server, the number of requests it served with the key, and the key.
fn key_life(store: &[&str]) -> (Server, u64, String) {
    let out = keys_cmd(
        &[
            "keys", "create", "--name", "ci", "--rate", "100/s", "--burst", "50",
        ],
        store,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().last().expect("a key line").to_owned();
    assert!(
        key.starts_with("qrsk_") && key.len() == 48 && !key.contains(' '),
        "{stdout:?}"
    );

    // Refusals with reasons.
    let dup = keys_cmd(&["keys", "create", "--name", "ci"], store);
    assert_eq!(dup.status.code(), Some(2));
    assert!(stderr(&dup).contains("exists already"), "{}", stderr(&dup));
    assert!(dup.stdout.is_empty(), "no key printed for a refused name");
    let bad_rate = keys_cmd(&["keys", "create", "--name", "x", "--rate", "5/day"], store);
    assert_eq!(bad_rate.status.code(), Some(2));
    assert!(
        stderr(&bad_rate).contains("unknown unit"),
        "{}",
        stderr(&bad_rate)
    );
    let bad_name = keys_cmd(&["keys", "create", "--name", "a b"], store);
    assert!(
        stderr(&bad_name).contains("key name"),
        "{}",
        stderr(&bad_name)
    );

    let listed = String::from_utf8(keys_cmd(&["keys", "list"], store).stdout).unwrap();
    assert!(
        listed.contains("ci") && listed.contains("100/s") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "the key is never listed");

    let (server, addr) = spawn_server(store);
    let qr = "/api/v1/qr?data=cli";
    assert_eq!(get(addr, qr, None).0, 401);
    assert_eq!(get(addr, qr, Some(&key)).0, 200);
    let mut served = 1u64;

    let revoke = keys_cmd(&["keys", "revoke", "ci"], store);
    assert!(revoke.status.success(), "{}", stderr(&revoke));
    let revoked_at = Instant::now();
    // Polled until refused, for at most the documented delay and a second of slack.
    let deadline = revoked_at + Duration::from_secs(KEY_CACHE_SECS + 1);
    loop {
        let (status, body) = get(addr, qr, Some(&key));
        if status == 401 {
            assert!(body.contains("api_key_invalid"), "{body}");
            break;
        }
        assert_eq!(status, 200, "{body}");
        served += 1;
        assert!(
            Instant::now() < deadline,
            "the revoked key still works {:?} after revocation",
            revoked_at.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("revocation took effect after {:?}", revoked_at.elapsed());

    let again = keys_cmd(&["keys", "revoke", "ci"], store);
    assert!(again.status.success());
    assert!(stderr(&again).contains("already"));
    let unknown = keys_cmd(&["keys", "revoke", "nobody"], store);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no key named"));
    let listed = String::from_utf8(keys_cmd(&["keys", "list"], store).stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");

    // The usage the server counted, read with the admin key.
    let (status, body) = get(addr, "/api/v1/usage?key=ci", Some(ADMIN));
    assert_eq!(status, 200, "{body}");
    let usage: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(usage["total"], served, "{usage}");
    (server, served, key)
}

#[test]
fn a_key_made_by_the_cli_works_until_revoked_on_sqlite() {
    let data = scratch("keys-cli-data");
    let store = ["--data-dir", data.to_str().unwrap()];
    let (mut server, served, key) = key_life(&store);

    // SIGTERM: the usage counted since is written before the process exits.
    stop(&mut server);
    server.assert_logged_none_of(&[&key, ADMIN]);
    let sqlite = SqliteStore::open(&data).unwrap();
    let today = Day::today();
    let usage = sqlite.usage(Some("ci"), Day(today.0 - 1), today).unwrap();
    let counted: u64 = usage.iter().map(|u| u.count).sum();
    assert_eq!(counted, served, "{usage:?}");
    assert!(
        usage.iter().all(|u| u.endpoint == "GET /api/v1/qr"),
        "{usage:?}"
    );
}

/// Stops the server with SIGTERM and waits for its exit code 0.
fn stop(server: &mut Server) {
    let kill = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    assert!(server.0.wait().unwrap().success());
}

/// A real `redis-server` on a Unix socket, killed on drop.
struct Redis(Child, PathBuf);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

#[test]
fn a_key_made_by_the_cli_works_until_revoked_on_redis() {
    let dir = scratch("keys-cli-redis");
    let socket = dir.join("redis.sock");
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--save",
            "",
            "--appendonly",
            "no",
            "--unixsocket",
        ])
        .arg(&socket)
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server starts (scripts/bootstrap installs it)");
    let _redis = Redis(child, dir.clone());
    let url = format!("redis+unix://{}", socket.display());
    let store = ["--redis", url.as_str(), "--redis-prefix", "clitest:"];
    // Polled until Redis answers (the CLI connects and PINGs).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !keys_cmd(&["keys", "list"], &store).status.success() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_server, served, _key) = key_life(&store);
    assert!(served >= 1);
    // Another prefix is another store.
    let other = keys_cmd(
        &[
            "keys",
            "revoke",
            "ci",
            "--redis",
            url.as_str(),
            "--redis-prefix",
            "other:",
        ],
        &[],
    );
    assert!(
        stderr(&other).contains("no key named"),
        "{}",
        stderr(&other)
    );
}
