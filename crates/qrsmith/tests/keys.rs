//! `qrsmith keys` against a real `qrsmith serve` on the same data directory: the printed key
//! works, a revoked one is refused within the documented delay, usage is written at shutdown.

mod common;

#[path = "../../qrsmith-server/tests/common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use common::server::Server;
use common::{qrsmith, scratch, stderr};
use qrsmith_server::store::keys::Day;
use qrsmith_server::store::{SqliteStore, UsageStore};
use redis_server::{unique_prefix, RedisServer};

/// The revocation delay documented for `--key-cache-secs` (its default), in seconds.
const KEY_CACHE_SECS: u64 = 5;

/// GET `path` with `key` (if any): the status and the body.
fn get(server: &Server, path: &str, key: Option<&str>) -> (u16, String) {
    let headers: Vec<(&str, &str)> = key.map(|k| ("X-API-Key", k)).into_iter().collect();
    let r = server.request("GET", path, &headers, "");
    (r.status, r.body)
}

/// Asserts that no log line of `server` holds any of `secrets` (keys are never logged: neither
/// the API keys clients send nor the admin key the server was given).
fn assert_logged_none_of(server: &Server, secrets: &[&str]) {
    let log = server.log();
    assert!(log.len() > 3, "the server logged: {log:?}");
    for line in &log {
        for secret in secrets {
            assert!(!line.contains(secret), "a secret in the log: {line}");
        }
    }
}

/// The admin key of the servers started here (to read usage).
const ADMIN: &str = "admin-key-of-the-cli-test-0123456789";

/// `qrsmith serve` on the store named by `store` (`--data-dir DIR` or `--redis URL`).
fn spawn_server(store: &[&str]) -> Server {
    Server::start_with_env(store, &[("QRSMITH_ADMIN_KEY", ADMIN)])
}

/// `qrsmith` with `args` followed by the store arguments.
fn keys_cmd(args: &[&str], store: &[&str]) -> std::process::Output {
    let all: Vec<&str> = args.iter().chain(store).copied().collect();
    qrsmith(&all)
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

    let server = spawn_server(store);
    let qr = "/api/v1/qr?data=cli";
    assert_eq!(get(&server, qr, None).0, 401);
    assert_eq!(get(&server, qr, Some(&key)).0, 200);
    let mut served = 1u64;

    let revoke = keys_cmd(&["keys", "revoke", "ci"], store);
    assert!(revoke.status.success(), "{}", stderr(&revoke));
    let revoked_at = Instant::now();
    // Polled until refused, for at most the documented delay and a second of slack.
    let deadline = revoked_at + Duration::from_secs(KEY_CACHE_SECS + 1);
    loop {
        let (status, body) = get(&server, qr, Some(&key));
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
    let (status, body) = get(&server, "/api/v1/usage?key=ci", Some(ADMIN));
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
    server.sigterm();
    assert_logged_none_of(&server, &[&key, ADMIN]);
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

#[test]
fn a_key_made_by_the_cli_works_until_revoked_on_redis() {
    let redis = RedisServer::start();
    let url = redis.url();
    let prefix = unique_prefix();
    let store = ["--redis", url.as_str(), "--redis-prefix", prefix.as_str()];
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
