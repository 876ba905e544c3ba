//! Dynamic links: `GET /r/{slug}` (the short URL a printed code holds: open to all) and the
//! keyed API under `/api/v1/links`. A key sees, changes and reads the statistics of its own
//! links only (another key's answer 404, as if absent); the admin key (or anyone while keys are
//! off) sees every link. The domain is [`crate::links`].

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::keys::Caller;
use crate::links::{
    check_slug, classify, now, stats_range, Granularity, LinkChange, LinkError, LinkStats,
    LinkView, LinksFailure, NewLink, Resolution,
};
use crate::query::StrictQuery;
use crate::state::AppState;
use crate::store::links::Link;
use crate::store::with_store;

/// Most links in one page of `GET /api/v1/links`.
pub const MAX_PAGE: u64 = 200;
/// Links in a page when `limit` is not given.
const DEFAULT_PAGE: u64 = 50;

/// `/r/{slug}` and `/api/v1/links…`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/r/{slug}", get(redirect))
        .route("/api/v1/links", get(list).post(create))
        .route(
            "/api/v1/links/{slug}",
            get(show).patch(update).delete(delete),
        )
        .route("/api/v1/links/{slug}/stats", get(stats))
}

/// A link the rules refuse was read first: 422 where the code says 400
/// ([`ApiError::unprocessable`]).
impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        ApiError::new(e.code(), e.message().to_owned()).unprocessable()
    }
}

impl From<LinksFailure> for ApiError {
    fn from(f: LinksFailure) -> Self {
        match f {
            LinksFailure::Invalid(e) => e.into(),
            LinksFailure::Store(e) => ApiError::storage_unavailable(&format!("links: {e:#}")),
        }
    }
}

// ---- the short URL ----

/// The style of the pages below, allowed by its hash in their own CSP (the service's CSP allows
/// style sheets from the service only; a page this small carries its style inline).
const PAGE_STYLE: &str =
    "body{font:18px/1.5 system-ui,sans-serif;margin:3em auto;max-width:30em;padding:0 1em}";

/// The CSP of the pages below: nothing but their own inline style.
fn page_csp() -> &'static HeaderValue {
    static CSP: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(PAGE_STYLE.as_bytes()));
        HeaderValue::from_str(&format!(
            "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'"
        ))
        .expect("an ASCII header value")
    })
}

/// A small HTML page for a scan that goes nowhere: a person holding a phone reads it. Its
/// texts are the service's own (nothing of the request is echoed).
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{PAGE_STYLE}</style><body><h1>{title}</h1><p>{text}</p>\
         </body></html>"
    );
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, page_csp().clone());
    response
}

/// The visitor as the service sees it: the client address (the last `X-Forwarded-For` entry,
/// added by the proxy in front, else the peer) and the user agent. Used only for the visitor
/// mark, never stored.
fn visitor(headers: &HeaderMap, peer: Option<SocketAddr>) -> (String, String) {
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())
        .map(str::to_owned);
    let ip = forwarded
        .or_else(|| peer.map(|p| p.ip().to_string()))
        .unwrap_or_default();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (ip, ua)
}

/// `destination` with the short URL's query string added (after the destination's own).
fn forward_query(destination: &str, query: Option<&str>) -> String {
    match query.filter(|q| !q.is_empty()) {
        None => destination.to_owned(),
        Some(q) => {
            let (base, fragment) = destination
                .split_once('#')
                .map_or((destination, None), |(b, f)| (b, Some(f)));
            let joiner = if base.contains('?') { '&' } else { '?' };
            match fragment {
                Some(f) => format!("{base}{joiner}{q}#{f}"),
                None => format!("{base}{joiner}{q}"),
            }
        }
    }
}

async fn redirect(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    let started = Instant::now();
    let (ip, ua) = visitor(&headers, peer.map(|Extension(ConnectInfo(p))| p));
    // A HEAD is a link checker's, not a person's: answered like a GET, counted as a bot.
    let device = if method == axum::http::Method::HEAD {
        crate::store::links::Device::Bot
    } else {
        classify(&ua)
    };
    let resolution = if check_slug(&slug).is_err() {
        Ok(Resolution::NotFound)
    } else {
        state.links.resolve(&slug, device, (&ip, &ua), now()).await
    };
    let (outcome, response) = match resolution {
        Ok(Resolution::Redirect(destination)) => {
            let location = forward_query(&destination, query.as_deref());
            let response = match HeaderValue::from_str(&location) {
                Ok(location) => (
                    StatusCode::FOUND,
                    [
                        (header::LOCATION, location),
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                        (
                            header::REFERRER_POLICY,
                            HeaderValue::from_static("no-referrer"),
                        ),
                    ],
                )
                    .into_response(),
                // The query string made the location unusable as a header.
                Err(_) => page(
                    StatusCode::BAD_REQUEST,
                    "Bad link",
                    "The address of this link cannot be used with that query.",
                ),
            };
            ("redirect", response)
        }
        Ok(Resolution::NotFound) => (
            "not_found",
            page(
                StatusCode::NOT_FOUND,
                "Link not found",
                "No link has this address. Check the code or ask whoever printed it.",
            ),
        ),
        Ok(Resolution::Gone(why)) => (
            "gone",
            page(StatusCode::GONE, "Link unavailable", why.reason()),
        ),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "link lookup failed");
            let mut response = page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "The service cannot look this link up right now. Please try again in a moment.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            ("error", response)
        }
    };
    let m = &state.metrics;
    m.link_redirects.with_label_values(&[outcome]).inc();
    m.link_redirect_seconds
        .observe(started.elapsed().as_secs_f64());
    response
}

// ---- the API ----

/// The owner a new link gets, and which links a caller may see: `Some(name)` for a key (its
/// own only), `None` for the admin key or with keys off (every link).
fn owner_of(caller: Option<Extension<Caller>>) -> Option<String> {
    match caller.map(|Extension(c)| c) {
        Some(Caller::Key(key)) => Some(key.name.clone()),
        Some(Caller::Admin | Caller::Anonymous) | None => None,
    }
}

fn not_found(slug: &str) -> ApiError {
    ApiError::new(
        ErrorCode::LinkNotFound,
        format!("no link {slug:?} (among the links this key may see)"),
    )
}

/// The link `slug` if `viewer` may see it.
async fn visible_link(state: &AppState, viewer: &Option<String>, slug: &str) -> ApiResult<Link> {
    check_slug(slug).map_err(|_| not_found(slug))?;
    let owned = slug.to_owned();
    let link = with_store(state.links.store(), move |s| s.link(&owned)).await?;
    match link {
        Some(link) if viewer.is_none() || link.owner == *viewer => Ok(link),
        _ => Err(not_found(slug)),
    }
}

async fn create(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(new): JsonBody<NewLink>,
) -> ApiResult<Response> {
    let links = &state.links;
    let link = links.build(new, owner_of(caller), now())?;
    let created = with_store(links, move |l| Ok(l.create(link))).await??;
    let body = links.view(&created, 0);
    let location = format!("/api/v1/links/{}", created.slug);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u64>,
    offset: Option<u64>,
}

async fn list(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    StrictQuery(query): StrictQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::refused_parameter(format!(
            "limit: 1 to {MAX_PAGE}, not {limit}"
        )));
    }
    let offset = query.offset.unwrap_or(0);
    let owner = owner_of(caller);
    let (links, total, totals) = with_store(state.links.store(), move |s| {
        let (links, total) = s.list_links(owner.as_deref(), offset, limit)?;
        let slugs: Vec<&str> = links.iter().map(|l| l.slug.as_str()).collect();
        let totals = s.scan_totals(&slugs)?;
        Ok((links, total, totals))
    })
    .await?;
    let totals: std::collections::HashMap<String, u64> = totals.into_iter().collect();
    let items: Vec<LinkView> = links
        .iter()
        .map(|l| {
            state
                .links
                .view(l, totals.get(&l.slug).copied().unwrap_or(0))
        })
        .collect();
    Ok(Json(json!({
        "links": items,
        "total": total,
        "limit": limit,
        "offset": offset,
    })))
}

/// The stored scans of `slug` (as of the last flush).
async fn scans_of(state: &AppState, slug: &str) -> ApiResult<u64> {
    let owned = slug.to_owned();
    let totals = with_store(state.links.store(), move |s| s.scan_totals(&[&owned])).await?;
    Ok(totals.first().map_or(0, |(_, n)| *n))
}

async fn show(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(slug): Path<String>,
) -> ApiResult<Json<LinkView>> {
    let link = visible_link(&state, &owner_of(caller), &slug).await?;
    let scans = scans_of(&state, &slug).await?;
    Ok(Json(state.links.view(&link, scans)))
}

async fn update(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(slug): Path<String>,
    JsonBody(change): JsonBody<LinkChange>,
) -> ApiResult<Json<LinkView>> {
    let mut link = visible_link(&state, &owner_of(caller), &slug).await?;
    let links = &state.links;
    links.apply(&mut link, change, now())?;
    let stored = link.clone();
    if !with_store(links.store(), move |s| s.update_link(&stored)).await? {
        // Deleted meanwhile.
        return Err(not_found(&slug));
    }
    let scans = scans_of(&state, &slug).await?;
    Ok(Json(links.view(&link, scans)))
}

async fn delete(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    visible_link(&state, &owner_of(caller), &slug).await?;
    let owned = slug.clone();
    if !with_store(state.links.store(), move |s| s.delete_link(&owned)).await? {
        return Err(not_found(&slug));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
}

async fn stats(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(slug): Path<String>,
    StrictQuery(query): StrictQuery<StatsQuery>,
) -> ApiResult<Json<LinkStats>> {
    visible_link(&state, &owner_of(caller), &slug).await?;
    let granularity = Granularity::from_name(query.granularity.as_deref().unwrap_or("day"))?;
    let (from, to) = stats_range(query.from.as_deref(), query.to.as_deref(), granularity)?;
    // This process's counts first, so that the answer includes the scans just made.
    let stats = with_store(&state.links, move |l| {
        l.flush()?;
        l.stats(&slug, from, to, granularity)
    })
    .await?;
    Ok(Json(stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_forwarded_before_the_fragment() {
        assert_eq!(
            forward_query("https://a.example/", None),
            "https://a.example/"
        );
        assert_eq!(
            forward_query("https://a.example/p", Some("utm=1")),
            "https://a.example/p?utm=1"
        );
        assert_eq!(
            forward_query("https://a.example/p?x=2#top", Some("utm=1")),
            "https://a.example/p?x=2&utm=1#top"
        );
    }

    #[test]
    fn the_pages_csp_allows_their_style_and_nothing_else() {
        let page = page(StatusCode::GONE, "Gone", "Gone.");
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        // The SHA-256 of PAGE_STYLE, as `openssl dgst -sha256 -binary | base64` gives it.
        assert!(
            csp.starts_with(
                "default-src 'none'; style-src 'sha256-DnbfzGJpDznd2grdqWaldA92sgTK4KdsevSj0j6f23Q='"
            ),
            "{csp}"
        );
        assert!(!csp.contains("unsafe") && !csp.contains("script"), "{csp}");
    }

    #[test]
    fn the_visitor_is_the_last_forwarded_address() {
        let mut h = HeaderMap::new();
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        assert_eq!(visitor(&h, Some(peer)).0, "10.0.0.9");
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 203.0.113.7"),
        );
        h.insert(header::USER_AGENT, HeaderValue::from_static("ua"));
        assert_eq!(visitor(&h, Some(peer)), ("203.0.113.7".into(), "ua".into()));
    }
}
