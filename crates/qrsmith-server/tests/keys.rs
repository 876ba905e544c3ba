//! API keys in process: 401 without or with a bad key, 429 over the rate with every header,
//! usage that matches the requests made, the admin and metrics keys.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{config, get, send, service, Answer};
use qrsmith_server::store::keys::{new_key, ApiKey, KeyHash, Rate};
use qrsmith_server::store::unix_now;
use qrsmith_server::{AppState, Config};

const ADMIN: &str = "admin-key-for-tests-0123456789";
const METRICS: &str = "metrics-key-for-tests-0123456789";

/// Keys looked up on every request (no cache), so that a test sees its changes at once.
fn keyed_config() -> Config {
    Config {
        key_cache_secs: 0,
        admin_key: Some(ADMIN.parse().unwrap()),
        ..config()
    }
}

/// Creates a key named `name` in the service's store; returns the key.
fn create(state: &AppState, name: &str, rate: Rate, burst: u32) -> String {
    let key = new_key().unwrap();
    let record = ApiKey {
        name: name.into(),
        hash: KeyHash::of(&key),
        rate,
        burst,
        created_at: unix_now(),
        revoked_at: None,
    };
    state.keys.store().create_key(&record).unwrap().unwrap();
    key
}

fn with_key(uri: &str, key: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .unwrap()
}

async fn get_with(app: &Router, uri: &str, key: &str) -> Answer {
    send(app, with_key(uri, key)).await
}

const QR: &str = "/api/v1/qr?data=hello";
const PLENTY: Rate = Rate {
    count: 1000,
    per_secs: 1,
};

#[tokio::test]
async fn open_while_no_key_exists_then_every_api_route_needs_one() {
    let (app, state) = service(keyed_config());
    let a = send(&app, get(QR)).await;
    assert_eq!(a.status, StatusCode::OK, "no keys: open");
    assert!(a.headers.get("ratelimit-limit").is_none());

    let key = create(&state, "alpha", PLENTY, 100);
    let a = send(&app, get(QR)).await;
    a.assert_error(StatusCode::UNAUTHORIZED, "api_key_required");
    assert_eq!(a.header("www-authenticate"), "Bearer realm=\"qrsmith\"");
    let a = get_with(&app, QR, "qrsk_not-a-key").await;
    a.assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid");
    assert!(a.header("www-authenticate").contains("invalid_token"));
    // Another scheme is not a key.
    let basic = Request::get(QR)
        .header("authorization", "Basic YWxwaGE6eA==")
        .body(Body::empty())
        .unwrap();
    send(&app, basic)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid");
    for uri in ["/api/v1/jobs/0", "/api/v1/openapi.json", "/api/v1/usage"] {
        let a = send(&app, get(uri)).await;
        a.assert_error(StatusCode::UNAUTHORIZED, "api_key_required");
    }

    let a = get_with(&app, QR, &key).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), "image/png");
    assert_eq!(a.header("ratelimit-limit"), "100");
    assert_eq!(a.header("ratelimit-remaining"), "99");
    let by_header = Request::get(QR)
        .header("x-api-key", &key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, by_header).await.status, StatusCode::OK);

    // Probes, the page and metrics stay open.
    for uri in ["/health", "/ready", "/", "/static/app.js", "/metrics"] {
        assert_eq!(send(&app, get(uri)).await.status, StatusCode::OK, "{uri}");
    }
    // The admin key passes, unlimited (no rate headers).
    let a = get_with(&app, QR, ADMIN).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.headers.get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn a_revoked_key_is_refused() {
    let (app, state) = service(keyed_config());
    let key = create(&state, "alpha", PLENTY, 100);
    let _other = create(&state, "beta", PLENTY, 100);
    assert_eq!(get_with(&app, QR, &key).await.status, StatusCode::OK);
    let revoked = state.keys.store().revoke_key("alpha", unix_now()).unwrap();
    assert_eq!(revoked, qrsmith_server::store::keys::Revoked::Now);
    get_with(&app, QR, &key)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid");
    // Revoking every key does not open the API again.
    state.keys.store().revoke_key("beta", unix_now()).unwrap();
    send(&app, get(QR))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_required");
}

#[tokio::test]
async fn over_the_rate_is_429_with_every_header() {
    let (app, state) = service(keyed_config());
    // A burst of 3, then one a minute: the test cannot earn a fourth.
    let key = create(
        &state,
        "slow",
        Rate {
            count: 1,
            per_secs: 60,
        },
        3,
    );
    for remaining in ["2", "1", "0"] {
        let a = get_with(&app, QR, &key).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.header("ratelimit-limit"), "3");
        assert_eq!(a.header("ratelimit-remaining"), remaining);
    }
    let a = get_with(&app, QR, &key).await;
    let message = a.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(message.contains("1/min"), "{message}");
    let retry: u64 = a.header("retry-after").parse().unwrap();
    assert!((55..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(a.header("ratelimit-limit"), "3");
    assert_eq!(a.header("ratelimit-remaining"), "0");
    let reset: u64 = a.header("ratelimit-reset").parse().unwrap();
    assert!((175..=180).contains(&reset), "RateLimit-Reset {reset}");
    // Other keys have their own allowance.
    let other = create(&state, "other", PLENTY, 10);
    assert_eq!(get_with(&app, QR, &other).await.status, StatusCode::OK);
}

#[tokio::test]
async fn usage_counts_match_the_requests_made() {
    let (app, state) = service(keyed_config());
    let a = create(&state, "alpha", PLENTY, 100);
    let b = create(
        &state,
        "beta",
        Rate {
            count: 1,
            per_secs: 60,
        },
        2,
    );
    for _ in 0..5 {
        assert_eq!(get_with(&app, QR, &a).await.status, StatusCode::OK);
    }
    for id in ["x", "y"] {
        let uri = format!("/api/v1/jobs/{id}");
        assert_eq!(get_with(&app, &uri, &a).await.status, StatusCode::NOT_FOUND);
    }
    // beta: 2 served, 1 refused (not counted).
    for _ in 0..2 {
        assert_eq!(get_with(&app, QR, &b).await.status, StatusCode::OK);
    }
    assert_eq!(
        get_with(&app, QR, &b).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A refused request is not counted either.
    send(&app, get(QR))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_required");

    let today = qrsmith_server::store::keys::Day::today().to_string();
    let own = get_with(&app, "/api/v1/usage", &a).await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    let v = own.json();
    assert_eq!(v["to"], today.as_str());
    let mut rows: Vec<(String, String, u64)> = v["usage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["day"], today.as_str());
            (
                r["key"].as_str().unwrap().to_owned(),
                r["endpoint"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    let expected = [
        ("alpha", "GET /api/v1/jobs/{id}", 2),
        ("alpha", "GET /api/v1/qr", 5),
        ("alpha", "GET /api/v1/usage", 1),
    ]
    .map(|(k, e, n)| (k.to_owned(), e.to_owned(), n));
    assert_eq!(rows, expected, "{v}");
    assert_eq!(v["total"], 8);

    // A key sees only its own; the admin sees all, or one.
    get_with(&app, "/api/v1/usage?key=beta", &a)
        .await
        .assert_error(StatusCode::FORBIDDEN, "admin_key_required");
    let all = get_with(&app, "/api/v1/usage", ADMIN).await.json();
    assert_eq!(all["total"], 8 + 2 + 1, "{all}");
    let beta = get_with(&app, "/api/v1/usage?key=beta", ADMIN).await.json();
    assert_eq!(beta["total"], 2, "{beta}");
    assert_eq!(beta["usage"][0]["endpoint"], "GET /api/v1/qr");

    // Days are validated: an unknown parameter is 400, a day or range refused is 422.
    for (query, needle, status) in [
        ("from=2026-02-30", "from", StatusCode::UNPROCESSABLE_ENTITY),
        ("to=yesterday", "to", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "from=2025-01-01&to=2024-01-01",
            "after",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "from=2020-01-01&to=2024-01-01",
            "at most",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("since=2024-01-01", "since", StatusCode::BAD_REQUEST),
    ] {
        let a = get_with(&app, &format!("/api/v1/usage?{query}"), ADMIN).await;
        let message = a.assert_error(status, "invalid_parameter");
        assert!(message.contains(needle), "{query}: {message}");
    }
    let range = get_with(&app, "/api/v1/usage?from=2024-01-01&to=2024-01-31", &a)
        .await
        .json();
    assert_eq!(range["total"], 0, "{range}");
}

#[tokio::test]
async fn usage_needs_a_key_even_while_keys_are_off() {
    let (app, _state) = service(keyed_config());
    send(&app, get("/api/v1/usage"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_required");
    let a = get_with(&app, "/api/v1/usage", ADMIN).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["total"], 0);
}

#[tokio::test]
async fn metrics_key_protects_metrics_only() {
    let (app, _state) = service(Config {
        metrics_key: Some(METRICS.parse().unwrap()),
        ..keyed_config()
    });
    send(&app, get("/metrics"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_required");
    get_with(&app, "/metrics", "wrong-key")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_invalid");
    for key in [METRICS, ADMIN] {
        let a = get_with(&app, "/metrics", key).await;
        assert_eq!(a.status, StatusCode::OK, "{key}");
        assert!(String::from_utf8_lossy(&a.body).contains("qrsmith_"));
    }
    // No API key exists: the API stays open.
    assert_eq!(send(&app, get(QR)).await.status, StatusCode::OK);
}

#[test]
fn short_or_odd_configured_keys_are_refused_and_never_shown() {
    let err = "short".parse::<qrsmith_server::Secret>().unwrap_err();
    assert!(err.contains("16"), "{err}");
    assert!("has a space in it 0123"
        .parse::<qrsmith_server::Secret>()
        .is_err());
    let config = Config {
        admin_key: Some(ADMIN.parse().unwrap()),
        ..Config::default()
    };
    assert!(!format!("{config:?}").contains(ADMIN));
}
