//! The web page: the files of `crates/qrsmith-server/web/`, embedded in the binary at build time.
//!
//! `/` is `index.html`, always revalidated (`no-cache` + `ETag`) so a new release shows at once.
//! `/static/{file}` serves every file; `index.html`'s references to `"/static/NAME"` are rewritten
//! at start-up to `"/static/NAME?v=HASH"`, and such versioned URLs are cached for a year as
//! immutable. Scripts and style sheets are served minified (comments and spacing removed, names
//! kept), so the page stays readable in the repository and small as served. Compression (gzip,
//! br) is applied by the app's compression layer.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

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

/// Every embedded file by name (`index.html` already rewritten).
fn assets() -> &'static HashMap<String, Asset> {
    static ASSETS: OnceLock<HashMap<String, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let mut map: HashMap<String, Asset> = Web::iter()
            .filter_map(|name| {
                let file = Web::get(&name)?;
                let hash = file.metadata.sha256_hash();
                let version: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
                let bytes = minified(&name, file.data.into_owned());
                Some((
                    name.to_string(),
                    Asset {
                        bytes: Bytes::from(bytes),
                        mime: mime_for(&name),
                        etag: format!("\"{version}\""),
                        version,
                    },
                ))
            })
            .collect();
        let versions: Vec<(String, String)> = map
            .iter()
            .filter(|(name, _)| name.as_str() != "index.html")
            .map(|(name, a)| (name.clone(), a.version.clone()))
            .collect();
        if let Some(index) = map.get_mut("index.html") {
            let mut html = String::from_utf8_lossy(&index.bytes).into_owned();
            for (name, version) in versions {
                for quote in ['"', '\''] {
                    html = html.replace(
                        &format!("{quote}/static/{name}{quote}"),
                        &format!("{quote}/static/{name}?v={version}{quote}"),
                    );
                }
            }
            index.bytes = Bytes::from(html);
        }
        map
    })
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
