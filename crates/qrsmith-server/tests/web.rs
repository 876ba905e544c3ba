//! The embedded web page: CSP, caching, compression, and its modules at one versioned URL each.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use qrsmith_server::CONTENT_SECURITY_POLICY;

#[tokio::test]
async fn web_page_embedded_with_csp_caching_and_compression() {
    let (app, _) = service(config());
    let page = send(&app, get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        page.header("content-security-policy"),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert_eq!(page.header("cache-control"), "no-cache");
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    // References to embedded assets carry their content hash, so they can be cached for ever.
    let at = html
        .find("/static/app.js?v=")
        .expect("versioned script URL");
    let versioned: String = html[at..]
        .chars()
        .take_while(|c| *c != '"' && *c != '\'')
        .collect();

    let js = send(&app, get(&versioned)).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(
        js.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let plain = send(&app, get("/static/app.js")).await;
    assert_eq!(plain.header("cache-control"), "no-cache");
    let etag = plain.header("etag").to_owned();
    let revalidate = Request::get("/static/app.js")
        .header("if-none-match", etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, revalidate).await.status,
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        send(&app, get("/static/style.css"))
            .await
            .header("content-type"),
        "text/css; charset=utf-8"
    );
    send(&app, get("/static/missing.js"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    for encoding in ["gzip", "br"] {
        let req = Request::get("/")
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .unwrap();
        let c = send(&app, req).await;
        assert_eq!(c.header("content-encoding"), encoding);
    }
}

/// `'./NAME.js'` and `'./NAME.js?v=…'` string literals in a served script: its imports.
fn imports(js: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        for piece in js.split(&format!("{quote}./")).skip(1) {
            let specifier = piece.split(quote).next().unwrap();
            if specifier.split('?').next().unwrap().ends_with(".js") {
                found.push(specifier.to_owned());
            }
        }
    }
    found
}

/// The page's ES modules import each other at versioned URLs, one URL per module (a module
/// under two URLs would run twice, its state split), cached for good; a version is the hash of
/// the bytes served, so a changed module changes the URL of every module importing it too.
#[tokio::test]
async fn web_modules_import_each_other_at_one_versioned_url() {
    use sha2::{Digest as _, Sha256};
    let (app, _) = service(config());
    let html = String::from_utf8(send(&app, get("/")).await.body.to_vec()).unwrap();
    assert!(html.contains(r#"<script type="module" src="/static/app.js?v="#));
    // From the page: the entry and the Links tab's module (imported when the tab opens).
    let mut todo: Vec<String> = ["app.js", "links.js"]
        .iter()
        .map(|name| {
            let at = html.find(&format!("\"/static/{name}?v=")).expect(name) + 9;
            html[at..].split('"').next().unwrap().to_owned()
        })
        .collect();
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    while let Some(url) = todo.pop() {
        let (name, version) = url.split_once("?v=").expect(&url);
        if let Some(known) = seen.get(name) {
            assert_eq!(known, version, "{name} imported under two URLs");
            continue;
        }
        seen.insert(name.to_owned(), version.to_owned());
        let js = send(&app, get(&format!("/static/{url}"))).await;
        assert_eq!(js.status, StatusCode::OK, "{url}");
        assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
        assert_eq!(
            js.header("cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let hash: String = Sha256::digest(&js.body)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            version, hash,
            "{name}: the version is the hash of what is served"
        );
        let text = String::from_utf8(js.body.to_vec()).unwrap();
        assert!(
            !text.contains("// qrsmith web page"),
            "{name} is served minified"
        );
        for import in imports(&text) {
            assert!(
                import.contains("?v="),
                "{name} imports {import} unversioned"
            );
            todo.push(import);
        }
    }
    let names: Vec<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "app.js",
            "batch.js",
            "common.js",
            "decode.js",
            "generate.js",
            "links.js"
        ]
    );
}
