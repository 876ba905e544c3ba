//! Security headers and cross-origin access: the headers every answer carries, CORS off by
//! default, and on for exactly the origins configured.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_server::{Config, CorsOrigin};

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri("/api/v1/qr")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, x-api-key")
        .body(Body::empty())
        .unwrap()
}

fn from_origin(origin: &str) -> Request<Body> {
    Request::get("/api/v1/qr?data=cors")
        .header("origin", origin)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (app, _) = service(config());
    for uri in ["/", "/api/v1/qr?data=x", "/api/v1/qr", "/no/such/route"] {
        let answer = send(&app, get(uri)).await;
        assert_eq!(answer.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(answer.header("x-frame-options"), "DENY", "{uri}");
        assert_eq!(answer.header("referrer-policy"), "no-referrer", "{uri}");
        let csp = answer.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
    }
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let (app, _) = service(config());
    let answer = send(&app, from_origin("https://elsewhere.example")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        !answer.headers.contains_key("access-control-allow-origin"),
        "{:?}",
        answer.headers
    );
    let answer = send(&app, preflight("https://elsewhere.example")).await;
    answer.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(!answer.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins() {
    let origin: CorsOrigin = "https://App.Example".parse().unwrap();
    let (app, _) = service(Config {
        cors_origins: vec![origin],
        ..config()
    });
    // Origins compare in lower case, as browsers send them.
    let answer = send(&app, preflight("https://app.example")).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        "https://app.example"
    );
    let allowed = answer.header("access-control-allow-headers").to_owned();
    assert!(allowed.contains("x-api-key"), "{allowed}");
    let answer = send(&app, from_origin("https://app.example")).await;
    assert_eq!(
        answer.header("access-control-allow-origin"),
        "https://app.example"
    );
    assert!(answer
        .header("access-control-expose-headers")
        .contains("etag"));

    let answer = send(&app, from_origin("https://evil.example")).await;
    assert!(!answer.headers.contains_key("access-control-allow-origin"));

    let (app, _) = service(Config {
        cors_origins: vec!["*".parse().unwrap()],
        ..config()
    });
    let answer = send(&app, from_origin("https://any.example")).await;
    assert_eq!(answer.header("access-control-allow-origin"), "*");
}

#[test]
fn cors_origins_are_validated() {
    for bad in [
        "app.example",
        "ftp://app.example",
        "https://app.example/path",
        "https://",
        "",
    ] {
        let err = bad.parse::<CorsOrigin>().unwrap_err();
        assert!(err.contains("not an origin"), "{bad:?}: {err}");
    }
    for good in [
        "http://localhost:3000",
        "https://a.example",
        "*",
        "http://[::1]:8080",
    ] {
        assert!(good.parse::<CorsOrigin>().is_ok(), "{good}");
    }
}
