//! `qrsmith keys` against a real `qrsmith serve` on the same data directory: the printed key
//! works, a revoked one is refused within the documented delay, usage is written at shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use qrsmith_server::store::keys::Day;
use qrsmith_server::store::{SqliteStore, UsageStore};

/// The revocation delay documented for `--key-cache-secs` (its default), in seconds.
const KEY_CACHE_SECS: u64 = 5;

fn qrsmith(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(args)
        .env_remove("QRSMITH_DATA_DIR")
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

/// The server process, killed if the test fails before stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_server(data: &Path) -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--data-dir")
        .arg(data)
        .env("QRSMITH_DRAIN_DELAY_MS", "0")
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
    std::thread::spawn(move || lines.for_each(drop));
    (Server(child), addr)
}

#[test]
fn created_key_works_and_revocation_takes_effect_within_the_cache_delay() {
    let data = scratch("keys-cli-data");
    let dir = data.to_str().unwrap();

    let out = qrsmith(&[
        "keys",
        "create",
        "--name",
        "ci",
        "--rate",
        "100/s",
        "--burst",
        "50",
        "--data-dir",
        dir,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().last().expect("a key line").to_owned();
    assert!(
        key.starts_with("qrsk_") && key.len() == 48 && !key.contains(' '),
        "{stdout:?}"
    );

    // Refusals with reasons.
    let dup = qrsmith(&["keys", "create", "--name", "ci", "--data-dir", dir]);
    assert_eq!(dup.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("exists already"));
    assert!(dup.stdout.is_empty(), "no key printed for a refused name");
    let bad_rate = qrsmith(&[
        "keys",
        "create",
        "--name",
        "x",
        "--rate",
        "5/day",
        "--data-dir",
        dir,
    ]);
    assert_eq!(bad_rate.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_rate.stderr).contains("unknown unit"));
    let bad_name = qrsmith(&["keys", "create", "--name", "a b", "--data-dir", dir]);
    assert!(String::from_utf8_lossy(&bad_name.stderr).contains("key name"));

    let list = qrsmith(&["keys", "list", "--data-dir", dir]);
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(
        listed.contains("ci") && listed.contains("100/s") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&key), "the key is never listed");

    let (mut server, addr) = spawn_server(&data);
    let qr = "/api/v1/qr?data=cli";
    assert_eq!(get(addr, qr, None).0, 401);
    assert_eq!(get(addr, qr, Some(&key)).0, 200);
    let mut served = 1u64;

    let revoke = qrsmith(&["keys", "revoke", "ci", "--data-dir", dir]);
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
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

    let again = qrsmith(&["keys", "revoke", "ci", "--data-dir", dir]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already"));
    let unknown = qrsmith(&["keys", "revoke", "nobody", "--data-dir", dir]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no key named"));
    let listed = String::from_utf8(qrsmith(&["keys", "list", "--data-dir", dir]).stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");

    // SIGTERM: the usage counted in memory is written before the process exits.
    let kill = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    assert!(server.0.wait().unwrap().success());
    let store = SqliteStore::open(&data).unwrap();
    let today = Day::today();
    let usage = store.usage(Some("ci"), Day(today.0 - 1), today).unwrap();
    let counted: u64 = usage.iter().map(|u| u.count).sum();
    assert_eq!(counted, served, "{usage:?}");
    assert!(
        usage.iter().all(|u| u.endpoint == "GET /api/v1/qr"),
        "{usage:?}"
    );
}
