//! The OpenAPI document against the router: every route documented, every documented
//! operation routed, and the document and docs page served.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;

/// The router's routes, read from the route modules' source: every `.route("PATH", get(..)
/// .post(..))` call. Together with the next test this keeps document and router equal.
fn routes_in_source() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // `.route("path", …)`, on one line or as rustfmt breaks it over several.
        for call in source.split(".route(").skip(1) {
            let Some(call) = call.trim_start().strip_prefix('"') else {
                continue;
            };
            let (path, rest) = call.split_once('"').unwrap();
            // The method router ends at the call's closing parenthesis on the same statement.
            let end = rest.find(")\n").unwrap_or(rest.len());
            for method in ["get", "post", "put", "delete", "patch"] {
                if rest[..end].contains(&format!("{method}(")) {
                    // OpenAPI writes a wildcard `{*path}` as `{path}`.
                    routes.push((path.replace("{*", "{"), method.to_owned()));
                }
            }
        }
    }
    routes.sort();
    routes
}

fn documented() -> Vec<(String, String)> {
    let doc = qrsmith_server::api_doc::document();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((path.clone(), method.clone()));
        }
    }
    ops.sort();
    ops
}

#[test]
fn openapi_documents_exactly_the_routes() {
    let source = routes_in_source();
    assert!(
        source.len() >= 14,
        "the parser found the routes: {source:?}"
    );
    assert_eq!(documented(), source);
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let (app, _) = service(config());
    for (path, method) in documented() {
        let uri = path
            .replace("{id}", "0")
            .replace("{slug}", "none")
            .replace("{path}", "app.js");
        let req = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let a = send(&app, req).await;
        // The router's own 404 and 405 are JSON; a routed page (a short link's) may be HTML.
        let routers_answer = a
            .headers
            .get("content-type")
            .is_some_and(|t| t == "application/json");
        if routers_answer
            && (a.status == StatusCode::NOT_FOUND || a.status == StatusCode::METHOD_NOT_ALLOWED)
        {
            let code = a.json()["error"]["code"].clone();
            assert!(
                code != "not_found" && code != "method_not_allowed",
                "{method} {uri} is documented but not routed"
            );
        }
    }
}

#[tokio::test]
async fn openapi_json_and_docs_page() {
    let (app, _) = service(config());
    let a = send(&app, get("/api/v1/openapi.json")).await;
    assert_eq!(a.header("content-type"), "application/json");
    let doc = a.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let page = send(&app, get("/api/v1/docs")).await;
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    assert!(!html.contains("<script"), "no script on the docs page");
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("{}</code>", path.replace('&', "&amp;"))),
            "{path}"
        );
    }
}
