//! Dynamic links in process: the API, the redirect with its counts and pages, the refusals, and
//! one key never seeing another's links.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{config, get, post_json, send, service, Answer};
use qrsmith_server::store::keys::{new_key, ApiKey, KeyHash, Rate};
use qrsmith_server::store::unix_now;
use qrsmith_server::{AppState, Config};
use serde_json::{json, Value};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like \
                       Gecko) Chrome/120.0 Mobile Safari/537.36";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const ADMIN: &str = "admin-key-for-link-tests-0123456789";

fn links_config() -> Config {
    Config {
        public_url: Some("https://qr.example.com/".parse().unwrap()),
        ..config()
    }
}

fn request(method: &str, uri: &str, key: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut r = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        r = r.header("x-api-key", k);
    }
    match body {
        Some(b) => r
            .header("content-type", "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => r.body(Body::empty()).unwrap(),
    }
}

async fn scan(app: &Router, path: &str, user_agent: &str) -> Answer {
    send(
        app,
        Request::get(path)
            .header("user-agent", user_agent)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn create(app: &Router, key: Option<&str>, body: Value) -> Answer {
    send(app, request("POST", "/api/v1/links", key, Some(body))).await
}

#[tokio::test]
async fn a_link_redirects_follows_changes_and_counts_scans_and_bots_apart() {
    let (app, _state) = service(links_config());
    let made = create(
        &app,
        None,
        json!({"destination": "https://example.com/spring", "slug": "spring-sale",
               "android": "https://play.example.com/app", "note": "flyers"}),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    assert_eq!(made.header("location"), "/api/v1/links/spring-sale");
    let link = made.json();
    assert_eq!(link["short_url"], "https://qr.example.com/r/spring-sale");
    assert_eq!(link["enabled"], true);
    assert_eq!(link["scans"], 0);
    let png = link["images"]["png"].as_str().unwrap();
    assert!(
        png.starts_with("/api/v1/qr?text=https%3A%2F%2Fqr.example.com%2Fr%2Fspring-sale"),
        "{png}"
    );
    // The image URL serves a code that reads back as the short URL.
    let image = send(&app, get(png)).await;
    assert_eq!(image.status, StatusCode::OK);
    let read = qrsmith_core::decode(&image.body, &Default::default()).unwrap();
    assert_eq!(read.symbols[0].text, "https://qr.example.com/r/spring-sale");

    const PHONE_SCANS: u64 = 7;
    const BOT_HITS: u64 = 3;
    for _ in 0..PHONE_SCANS {
        let a = scan(&app, "/r/spring-sale", IPHONE).await;
        assert_eq!(a.status, StatusCode::FOUND);
        assert_eq!(a.header("location"), "https://example.com/spring");
        assert_eq!(a.header("cache-control"), "no-store");
    }
    for _ in 0..BOT_HITS {
        let a = scan(&app, "/r/spring-sale", GOOGLEBOT).await;
        assert_eq!(a.status, StatusCode::FOUND, "bots are redirected too");
    }
    // Android has its own destination; the query string is forwarded.
    let a = scan(&app, "/r/spring-sale?utm_source=flyer", ANDROID).await;
    assert_eq!(
        a.header("location"),
        "https://play.example.com/app?utm_source=flyer"
    );

    let changed = send(
        &app,
        request(
            "PATCH",
            "/api/v1/links/spring-sale",
            None,
            Some(json!({"destination": "https://example.com/summer", "android": null})),
        ),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.json());
    assert_eq!(changed.json()["android"], Value::Null);
    for ua in [IPHONE, ANDROID] {
        let a = scan(&app, "/r/spring-sale", ua).await;
        assert_eq!(
            a.header("location"),
            "https://example.com/summer",
            "the change takes effect at once"
        );
    }

    let stats = send(&app, get("/api/v1/links/spring-sale/stats")).await;
    assert_eq!(stats.status, StatusCode::OK);
    let stats = stats.json();
    let scans = PHONE_SCANS + 3;
    assert_eq!(
        stats["total"],
        json!({"scans": scans, "bots": BOT_HITS}),
        "{stats}"
    );
    assert_eq!(stats["devices"]["ios"], PHONE_SCANS + 1);
    assert_eq!(stats["devices"]["android"], 2);
    assert_eq!(stats["granularity"], "day");
    let buckets = stats["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 30, "the last 30 days, zeros included");
    assert_eq!(buckets[29]["scans"], scans, "today is the last bucket");
    let visitors = stats["unique_visitors"].as_array().unwrap();
    // One client address in process (none: empty), three user agents that were scans.
    assert_eq!(visitors[29]["visitors"], 2, "{visitors:?}");
    let hourly = send(
        &app,
        get("/api/v1/links/spring-sale/stats?granularity=hour&from=2026-01-01&to=2026-01-02"),
    )
    .await;
    assert_eq!(hourly.json()["buckets"].as_array().unwrap().len(), 48);

    let shown = send(&app, get("/api/v1/links/spring-sale")).await.json();
    assert_eq!(
        shown["scans"], scans,
        "scans of the link, as flushed by stats"
    );
    assert_eq!(shown["note"], "flyers");
}

#[tokio::test]
async fn unknown_disabled_expired_and_capped_links_answer_pages() {
    let (app, state) = service(links_config());
    let unknown = scan(&app, "/r/nothing-here", IPHONE).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.header("content-type").starts_with("text/html"));
    assert!(String::from_utf8_lossy(&unknown.body).contains("Link not found"));
    let bad = scan(&app, "/r/..%2Fetc", IPHONE).await;
    assert_eq!(
        bad.status,
        StatusCode::NOT_FOUND,
        "a slug that cannot exist"
    );

    create(
        &app,
        None,
        json!({"destination": "https://example.com/", "slug": "off", "enabled": false}),
    )
    .await;
    let off = scan(&app, "/r/off", IPHONE).await;
    assert_eq!(off.status, StatusCode::GONE);
    assert!(String::from_utf8_lossy(&off.body).contains("disabled"));

    create(
        &app,
        None,
        json!({"destination": "https://example.com/", "slug": "old",
               "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2020-12-31T23:59:59Z"}),
    )
    .await;
    assert_eq!(scan(&app, "/r/old", IPHONE).await.status, StatusCode::GONE);
    create(
        &app,
        None,
        json!({"destination": "https://example.com/", "slug": "later",
                               "valid_from": "2999-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        scan(&app, "/r/later", IPHONE).await.status,
        StatusCode::GONE
    );

    create(
        &app,
        None,
        json!({"destination": "https://example.com/", "slug": "capped", "max_scans": 2}),
    )
    .await;
    assert_eq!(
        scan(&app, "/r/capped", IPHONE).await.status,
        StatusCode::FOUND
    );
    assert_eq!(
        scan(&app, "/r/capped", GOOGLEBOT).await.status,
        StatusCode::FOUND,
        "bots do not use the cap"
    );
    assert_eq!(
        scan(&app, "/r/capped", IPHONE).await.status,
        StatusCode::FOUND
    );
    assert_eq!(
        scan(&app, "/r/capped", IPHONE).await.status,
        StatusCode::GONE,
        "counted before any flush"
    );

    // HEAD is answered (a link checker's), and counted as a bot.
    let head = send(
        &app,
        Request::head("/r/capped").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(head.status, StatusCode::GONE);
    let metrics = state.metrics.render();
    assert!(
        metrics.contains("qrsmith_link_redirects_total{outcome=\"gone\"} 5"),
        "{metrics}"
    );
    assert!(metrics.contains("qrsmith_link_redirects_total{outcome=\"not_found\"} 2"));
    assert!(metrics.contains("qrsmith_link_scans_total{kind=\"scan\"} 2"));
    assert!(
        metrics.contains("qrsmith_link_redirect_seconds_count 10"),
        "{metrics}"
    );
}

#[tokio::test]
async fn bad_destinations_slugs_and_fields_are_refused_with_codes() {
    let (app, _) = service(links_config());
    for bad in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/relative",
        "https://user:secret@example.com/",
        "ftp://example.com/file",
    ] {
        let a = create(&app, None, json!({"destination": bad})).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(a.json()["error"]["code"], "invalid_destination", "{bad}");
    }
    let a = create(
        &app,
        None,
        json!({"destination": "https://ok.example/", "ios": "javascript:x"}),
    )
    .await;
    assert_eq!(a.json()["error"]["code"], "invalid_destination");
    for slug in ["ab", "a/b", "../x", "has space"] {
        let a = create(
            &app,
            None,
            json!({"destination": "https://ok.example/", "slug": slug}),
        )
        .await;
        assert_eq!(a.json()["error"]["code"], "invalid_slug", "{slug}");
    }
    for (body, what) in [
        (
            json!({"destination": "https://ok.example/", "max_scans": 0}),
            "max_scans",
        ),
        (
            json!({"destination": "https://ok.example/", "valid_until": "tomorrow"}),
            "valid_until",
        ),
        (
            json!({"destination": "https://ok.example/", "valid_from": "2026-02-01T00:00:00Z",
                "valid_until": "2026-01-01T00:00:00Z"}),
            "valid_until",
        ),
        (
            json!({"destination": "https://ok.example/", "note": "x".repeat(501)}),
            "note",
        ),
    ] {
        let a = create(&app, None, body).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = a.json();
        assert_eq!(e["error"]["code"], "invalid_parameter", "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(what),
            "{e}"
        );
    }
    let a = create(
        &app,
        None,
        json!({"destination": "https://ok.example/", "colour": "red"}),
    )
    .await;
    assert_eq!(
        a.json()["error"]["code"],
        "invalid_json",
        "unknown fields are refused"
    );

    let first = create(
        &app,
        None,
        json!({"destination": "https://ok.example/", "slug": "taken"}),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = create(
        &app,
        None,
        json!({"destination": "https://ok.example/", "slug": "taken"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["error"]["code"], "slug_taken");

    // `null` clears an optional field of a link; a link cannot be without a destination, and a
    // null flag or note would be a guess.
    for field in ["destination", "enabled", "note"] {
        let a = send(
            &app,
            request(
                "PATCH",
                "/api/v1/links/taken",
                None,
                Some(json!({ field: null })),
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(a.json()["error"]["code"], "invalid_json", "{field}");
    }
    let kept = send(&app, request("GET", "/api/v1/links/taken", None, None)).await;
    assert_eq!(kept.json()["destination"], "https://ok.example/");
    let nulls = create(
        &app,
        None,
        json!({"destination": "https://ok.example/", "slug": null, "note": null, "enabled": null}),
    )
    .await;
    assert_eq!(
        nulls.status,
        StatusCode::CREATED,
        "null is absent when creating"
    );
    assert_eq!(nulls.json()["enabled"], true);
    let random = create(&app, None, json!({"destination": "https://ok.example/"}))
        .await
        .json();
    assert_eq!(random["slug"].as_str().unwrap().len(), 8, "{random}");

    for (uri, code) in [
        (
            "/api/v1/links/taken/stats?granularity=week",
            "invalid_parameter",
        ),
        (
            "/api/v1/links/taken/stats?from=2026-01-01&to=2026-03-01&granularity=hour",
            "invalid_parameter",
        ),
        (
            "/api/v1/links/taken/stats?from=2026-02-01&to=2026-01-01",
            "invalid_parameter",
        ),
        ("/api/v1/links?limit=0", "invalid_parameter"),
        ("/api/v1/links?limit=201", "invalid_parameter"),
    ] {
        let a = send(&app, get(uri)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(a.json()["error"]["code"], code, "{uri}");
    }
}

#[tokio::test]
async fn the_allowed_hosts_keep_the_service_from_redirecting_anywhere() {
    let (app, _) = service(Config {
        link_allowed_hosts: vec!["example.com".parse().unwrap()],
        ..links_config()
    });
    let ok = create(
        &app,
        None,
        json!({"destination": "https://shop.example.com/x", "slug": "shop"}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    for other in ["https://evil.example.net/", "https://example.com.evil.net/"] {
        let a = create(&app, None, json!({"destination": other})).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{other}");
        assert_eq!(a.json()["error"]["code"], "destination_not_allowed");
    }
    let moved = send(
        &app,
        request(
            "PATCH",
            "/api/v1/links/shop",
            None,
            Some(json!({"destination": "https://evil.example.net/"})),
        ),
    )
    .await;
    assert_eq!(
        moved.json()["error"]["code"],
        "destination_not_allowed",
        "on change too"
    );
}

fn make_key(state: &AppState, name: &str) -> String {
    let key = new_key().unwrap();
    let record = ApiKey {
        name: name.into(),
        hash: KeyHash::of(&key),
        rate: Rate {
            count: 1000,
            per_secs: 1,
        },
        burst: 1000,
        created_at: unix_now(),
        revoked_at: None,
    };
    state.keys.store().create_key(&record).unwrap().unwrap();
    key
}

#[tokio::test]
async fn one_key_cannot_see_change_or_read_another_keys_link() {
    let (app, state) = service(Config {
        key_cache_secs: 0,
        admin_key: Some(ADMIN.parse().unwrap()),
        ..links_config()
    });
    let (a, b) = (make_key(&state, "team-a"), make_key(&state, "team-b"));
    let made = create(
        &app,
        Some(&a),
        json!({"destination": "https://a.example/", "slug": "a-link"}),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert_eq!(made.json()["owner"], "team-a");
    create(
        &app,
        Some(&b),
        json!({"destination": "https://b.example/", "slug": "b-link"}),
    )
    .await;
    assert_eq!(
        create(&app, None, json!({"destination": "https://x.example/"}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    for (method, uri, body) in [
        ("GET", "/api/v1/links/a-link", None),
        (
            "PATCH",
            "/api/v1/links/a-link",
            Some(json!({"destination": "https://b.example/stolen"})),
        ),
        ("GET", "/api/v1/links/a-link/stats", None),
        ("DELETE", "/api/v1/links/a-link", None),
    ] {
        let answer = send(&app, request(method, uri, Some(&b), body)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(answer.json()["error"]["code"], "link_not_found");
    }
    let own = send(&app, request("GET", "/api/v1/links", Some(&b), None))
        .await
        .json();
    assert_eq!(own["total"], 1);
    assert_eq!(own["links"][0]["slug"], "b-link");
    let all = send(&app, request("GET", "/api/v1/links", Some(ADMIN), None))
        .await
        .json();
    assert_eq!(all["total"], 2, "the admin sees every link");

    // The short URL needs no key; the owner still has the link, unchanged.
    let a_scan = scan(&app, "/r/a-link", IPHONE).await;
    assert_eq!(a_scan.header("location"), "https://a.example/");
    let deleted = send(
        &app,
        request("DELETE", "/api/v1/links/a-link", Some(&a), None),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        scan(&app, "/r/a-link", IPHONE).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_key_may_have_so_many_links_and_the_admin_more() {
    let (app, state) = service(Config {
        key_cache_secs: 0,
        admin_key: Some(ADMIN.parse().unwrap()),
        max_links_per_key: 2,
        ..links_config()
    });
    let key = make_key(&state, "small");
    for _ in 0..2 {
        let made = create(
            &app,
            Some(&key),
            json!({"destination": "https://a.example/"}),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);
    }
    let third = create(
        &app,
        Some(&key),
        json!({"destination": "https://a.example/"}),
    )
    .await;
    assert_eq!(third.status, StatusCode::FORBIDDEN);
    assert_eq!(third.json()["error"]["code"], "link_limit_reached");
    let admins = create(
        &app,
        Some(ADMIN),
        json!({"destination": "https://a.example/"}),
    )
    .await;
    assert_eq!(
        admins.status,
        StatusCode::CREATED,
        "the admin is not limited"
    );
}

#[tokio::test]
async fn a_link_made_without_a_public_url_points_at_the_listen_address() {
    let (app, _) = service(config());
    let made = create(
        &app,
        None,
        json!({"destination": "https://example.com/", "slug": "local"}),
    )
    .await;
    assert_eq!(made.json()["short_url"], "http://127.0.0.1:8080/r/local");
    let posted = send(&app, post_json("/api/v1/links", "{\"destination\": 5}")).await;
    assert_eq!(posted.status, StatusCode::BAD_REQUEST);
}
