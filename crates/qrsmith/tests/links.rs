//! Dynamic links end to end: `qrsmith links` on the store of a real `qrsmith serve`, phones and
//! bots scanning, a destination changed under load, the counts after SIGTERM (exact) and after
//! `kill -9` (at most one flush interval lost), and two replicas on one Redis.

mod common;

#[path = "../../qrsmith-server/tests/common/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use common::server::Server;
use common::{path_str, qrsmith, scratch, stderr, stdout};
use redis_server::{unique_prefix, RedisServer};
use serde_json::Value;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const BOT: &str = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";

/// `qrsmith links …` with `store` (`--data-dir DIR` or `--redis URL --redis-prefix P`) added.
fn links(args: &[&str], store: &[&str]) -> std::process::Output {
    let all: Vec<&str> = ["links"].iter().chain(args).chain(store).copied().collect();
    qrsmith(&all)
}

/// Scans `slug` `n` times with `user_agent`, each answered 302 to `destination`.
fn scan(server: &Server, slug: &str, user_agent: &str, n: u64, destination: &str) {
    for _ in 0..n {
        let r = server.request(
            "GET",
            &format!("/r/{slug}"),
            &[("User-Agent", user_agent)],
            "",
        );
        assert_eq!(r.status, 302, "{r:?}");
        assert_eq!(r.header("location"), destination);
        assert_eq!(r.header("cache-control"), "no-store");
    }
}

/// The link's stored totals, read by the CLI from the store: (scans, bot hits).
fn stored(slug: &str, store: &[&str]) -> (u64, u64) {
    let out = links(&["stats", slug, "--json"], store);
    assert!(out.status.success(), "{}", stderr(&out));
    let stats: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let n = |k: &str| stats["total"][k].as_u64().expect("a count");
    (n("scans"), n("bots"))
}

#[test]
fn scans_survive_sigterm_exactly_and_kill_9_loses_at_most_one_flush() {
    let data = scratch("links-sigterm");
    let store = ["--data-dir", path_str(&data)];
    let made = links(
        &[
            "create",
            "https://example.com/a",
            "--slug",
            "flyer",
            "--public-url",
            "https://qr.example.com",
        ],
        &store,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    assert_eq!(stdout(&made), "https://qr.example.com/r/flyer\n");
    let taken = links(
        &["create", "https://example.com/a", "--slug", "flyer"],
        &store,
    );
    assert_eq!(taken.status.code(), Some(2));
    assert!(stderr(&taken).contains("exists"), "{}", stderr(&taken));
    let refused = links(&["create", "javascript:alert(1)"], &store);
    assert_eq!(refused.status.code(), Some(2));

    // A flush interval of an hour: what is stored after SIGTERM was written by the stop itself.
    let mut server = Server::start(&["--data-dir", path_str(&data), "--link-flush-secs", "3600"]);
    const PHONES: u64 = 12;
    const BOTS: u64 = 4;
    const LATER: u64 = 5;
    scan(&server, "flyer", IPHONE, PHONES, "https://example.com/a");
    scan(&server, "flyer", BOT, BOTS, "https://example.com/a");
    // Changed by the CLI, in the store: the running server follows at once.
    let updated = links(
        &["update", "flyer", "--destination", "https://example.com/b"],
        &store,
    );
    assert!(updated.status.success(), "{}", stderr(&updated));
    scan(&server, "flyer", IPHONE, LATER, "https://example.com/b");
    assert_eq!(
        stored("flyer", &store),
        (0, 0),
        "nothing written before the stop"
    );
    server.sigterm();
    assert_eq!(
        stored("flyer", &store),
        (PHONES + LATER, BOTS),
        "exact after SIGTERM"
    );

    // kill -9: flushed every second, so at most a second of counts is lost.
    let mut server = Server::start(&["--data-dir", path_str(&data), "--link-flush-secs", "1"]);
    let before = PHONES + LATER;
    scan(&server, "flyer", IPHONE, 6, "https://example.com/b");
    let deadline = Instant::now() + Duration::from_secs(20);
    while stored("flyer", &store).0 != before + 6 {
        assert!(
            Instant::now() < deadline,
            "the counts were not flushed within the interval"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    scan(&server, "flyer", IPHONE, 3, "https://example.com/b");
    server.kill9();
    let (after, _) = stored("flyer", &store);
    assert!(
        (before + 6..=before + 9).contains(&after),
        "what was flushed survives kill -9, at most the last interval's 3 scans are lost: {after}"
    );

    let listed = stdout(&links(&["list"], &store));
    assert!(
        listed.contains("flyer") && listed.contains("https://example.com/b"),
        "{listed}"
    );
    let disabled = links(&["update", "flyer", "--disable"], &store);
    assert!(disabled.status.success());
    let server = Server::start(&["--data-dir", path_str(&data)]);
    let gone = server.request("GET", "/r/flyer", &[("User-Agent", IPHONE)], "");
    assert_eq!(gone.status, 410, "{gone:?}");
    assert!(gone.header("content-type").starts_with("text/html"));
    let deleted = links(&["delete", "flyer"], &store);
    assert!(deleted.status.success());
    assert_eq!(server.request("GET", "/r/flyer", &[], "").status, 404);
}

#[test]
fn two_replicas_on_one_redis_serve_each_others_links_and_counts_add_up() {
    let redis = RedisServer::start();
    let url = redis.url();
    let prefix = unique_prefix();
    let store = ["--redis", url.as_str(), "--redis-prefix", prefix.as_str()];
    let mut a = Server::start(&store);
    let mut b = Server::start(&store);
    let json = [("Content-Type", "application/json")];
    let made = a.request(
        "POST",
        "/api/v1/links",
        &json,
        r#"{"destination": "https://example.com/one", "slug": "shared"}"#,
    );
    assert_eq!(made.status, 201, "{made:?}");
    // B serves A's link; a change through B is followed by A at once.
    scan(&b, "shared", IPHONE, 5, "https://example.com/one");
    scan(&a, "shared", IPHONE, 4, "https://example.com/one");
    let changed = b.request(
        "PATCH",
        "/api/v1/links/shared",
        &json,
        r#"{"destination": "https://example.com/two"}"#,
    );
    assert_eq!(changed.status, 200, "{changed:?}");
    scan(&a, "shared", IPHONE, 2, "https://example.com/two");
    scan(&b, "shared", BOT, 3, "https://example.com/two");
    b.sigterm();
    // A writes its own counts before answering; B's were written at its stop.
    let stats = a
        .request("GET", "/api/v1/links/shared/stats", &[], "")
        .json();
    assert_eq!(stats["total"]["scans"], 11, "{stats}");
    assert_eq!(stats["total"]["bots"], 3, "{stats}");
    assert_eq!(stats["devices"]["ios"], 11, "{stats}");
    a.sigterm();
    assert_eq!(
        stored("shared", &store),
        (11, 3),
        "the CLI reads the same store"
    );
}
