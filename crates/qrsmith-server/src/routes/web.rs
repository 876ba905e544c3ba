//! The web page: the files of `crates/qrsmith-server/web/`, embedded in the binary at build time.
//!
//! `/` is `index.html`, always revalidated (`no-cache` + `ETag`) so a new release shows at once.
//! `/static/{file}` serves every file; `index.html`'s references to `"/static/NAME"` and the
//! scripts' imports of each other (ES modules, `'./NAME.js'`) are rewritten at start-up to
//! `?v=HASH` URLs, and such versioned URLs are cached for a year as immutable. Every reference to
//! a module is then the same URL, so the browser runs each module once. Scripts and style sheets
//! are served minified (comments and spacing removed, names kept), so the page stays readable in
//! the repository and small as served. Compression (gzip, br) is applied by the app's compression
//! layer.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest as _, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

#[derive(rust_embed::Embed)]
#[folder = "web/"]
struct Web;

/// One embedded file, ready to answer.
struct Asset {
    bytes: Bytes,
    mime: &'static str,
    etag: String,
    version: String,
}

/// Every embedded file by name, as served (references already versioned).
fn assets() -> &'static HashMap<String, Asset> {
    static ASSETS: OnceLock<HashMap<String, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let files: HashMap<String, Vec<u8>> = Web::iter()
            .filter_map(|name| {
                let data = Web::get(&name)?.data.into_owned();
                Some((name.to_string(), minified(&name, data)))
            })
            .collect();
        let mut done = HashMap::new();
        for name in files.keys() {
            build(name, &files, &mut done, &mut Vec::new());
        }
        done
    })
}

/// Puts `name` into `done` as served, and returns its version. What it references is built
/// first: `index.html`'s `"/static/NAME"` and a script's `'./NAME.js'` get the versions of those
/// files. A version is the hash of the bytes served, so it changes when anything a file imports
/// changes (a browser keeping the importer for a year would otherwise keep its old imports).
/// `open` holds the files being built: an import cycle is left unversioned, with a warning.
fn build(
    name: &str,
    files: &HashMap<String, Vec<u8>>,
    done: &mut HashMap<String, Asset>,
    open: &mut Vec<String>,
) -> Option<String> {
    if let Some(asset) = done.get(name) {
        return Some(asset.version.clone());
    }
    if open.iter().any(|n| n == name) {
        tracing::warn!(file = name, "import cycle: this import is left unversioned");
        return None;
    }
    let mut bytes = files.get(name)?.clone();
    // How a file names the others: the page names every file, a script imports scripts.
    let prefix = match name {
        "index.html" => Some("/static/"),
        _ if name.ends_with(".js") => Some("./"),
        _ => None,
    };
    if let (Some(prefix), Ok(source)) = (prefix, std::str::from_utf8(&bytes)) {
        let mut text = source.to_owned();
        open.push(name.to_owned());
        let others = files.keys().filter(|n| {
            *n != name && *n != "index.html" && (name == "index.html" || n.ends_with(".js"))
        });
        for other in others {
            for quote in ['"', '\''] {
                let plain = format!("{quote}{prefix}{other}{quote}");
                if !text.contains(&plain) {
                    continue;
                }
                if let Some(version) = build(other, files, done, open) {
                    text = text.replace(
                        &plain,
                        &format!("{quote}{prefix}{other}?v={version}{quote}"),
                    );
                }
            }
        }
        open.pop();
        bytes = text.into_bytes();
    }
    let hash = Sha256::digest(&bytes);
    let version: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    let asset = Asset {
        bytes: Bytes::from(bytes),
        mime: mime_for(name),
        etag: format!("\"{version}\""),
        version: version.clone(),
    };
    done.insert(name.to_owned(), asset);
    Some(version)
}

/// A script or style sheet without comments and spacing; anything else as it is. A file the
/// minifier cannot handle is served as written.
fn minified(name: &str, source: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&source) else {
        return source;
    };
    let result = if name.ends_with(".js") {
        minifier::js::minify(text).map(|js| js.to_string())
    } else if name.ends_with(".css") {
        minifier::css::minify(text).map(|css| css.to_string())
    } else {
        return source;
    };
    match result {
        Ok(small) => small.into_bytes(),
        Err(e) => {
            tracing::warn!(file = name, error = e, "served unminified");
            source
        }
    }
}

/// `/` and `/static/{*path}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/static/{*path}", get(file))
}

async fn index(headers: HeaderMap) -> Response {
    match assets().get("index.html") {
        Some(asset) => answer(asset, &headers, "no-cache"),
        None => ApiError::not_found("the web page is not built into this binary").into_response(),
    }
}

async fn file(Path(path): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let Some(asset) = assets().get(path.as_str()) else {
        return ApiError::not_found(format!("no static file {path:?}")).into_response();
    };
    // Only a URL carrying the current version may be cached forever: an old page asking for
    // an old version must not pin this content under that name.
    let versioned = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == format!("v={}", asset.version)));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    answer(asset, &headers, cache)
}

fn answer(asset: &Asset, headers: &HeaderMap, cache_control: &'static str) -> Response {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == asset.etag)
        });
    let common = [
        (header::ETAG, asset.etag.clone()),
        (header::CACHE_CONTROL, cache_control.to_owned()),
    ];
    if matches {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, asset.mime)],
        asset.bytes.clone(),
    )
        .into_response()
}

fn mime_for(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
