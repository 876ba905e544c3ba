//! Dynamic links: a printed code holds a short URL of the service (`/r/{slug}`), and the service
//! redirects it to a destination its owner may change at any time, counting the scans.
//!
//! This module is the domain: validating links, telling devices and bots apart, counting scans
//! in memory and writing them to the store in batches (every `--link-flush-secs` and at
//! shutdown), and the statistics. No HTTP here; `routes/links.rs` answers requests with it.
//!
//! Privacy: no IP address or user agent is stored. A scan becomes a count (link, UTC hour,
//! device family) and a visitor mark: the first 16 bytes of SHA-256(day key ‖ IP ‖ user agent),
//! where the day key is 32 random bytes made for that UTC day and dropped after it (in process
//! memory with SQLite; in Redis under its own key, expiring after two days), never stored with
//! the marks. Once the day's key is gone, a mark cannot be tied to an IP address by anyone.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest as _, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::ErrorCode;
use crate::metrics::Metrics;
use crate::periodic::spawn_every;
use crate::store::keys::Day;
use crate::store::links::{
    Device, Link, LinkCounts, LinkCreateError, LinkStore, ScanCount, VisitorMark,
};
use crate::store::{unix_now, StoreResult};

/// Longest destination URL accepted, in bytes (browsers and QR scanners handle far longer, but
/// a code for a longer URL would not be a short link's job).
pub const MAX_DESTINATION_LEN: usize = 2048;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// Shortest and longest chosen slug.
pub const SLUG_LEN: std::ops::RangeInclusive<usize> = 3..=64;
/// Characters of a random slug: 48 random bits in URL-safe base64.
pub const RANDOM_SLUG_LEN: usize = 8;
/// Most distinct (link, hour, device) counts and visitor marks held between two flushes: past
/// it, scans are still redirected and counted in totals, but new visitor marks are dropped
/// (memory stays bounded under a flood of distinct clients).
const MAX_PENDING_MARKS: usize = 1_000_000;

/// What the links domain refuses, each with its stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// 400 `invalid_destination`: not an absolute http(s) URL, too long, or with userinfo.
    InvalidDestination(String),
    /// 400 `destination_not_allowed`: the host is not in `--link-allowed-hosts`.
    DestinationNotAllowed(String),
    /// 400 `invalid_slug`.
    InvalidSlug(String),
    /// 409 `slug_taken`.
    SlugTaken(String),
    /// 403 `link_limit_reached`: the key has `--max-links-per-key` links.
    LimitReached(String),
    /// 400 `invalid_parameter`: another field.
    InvalidParameter(String),
}

impl LinkError {
    /// The stable code (which carries the status the API answers with).
    pub fn code(&self) -> ErrorCode {
        match self {
            LinkError::InvalidDestination(_) => ErrorCode::InvalidDestination,
            LinkError::DestinationNotAllowed(_) => ErrorCode::DestinationNotAllowed,
            LinkError::InvalidSlug(_) => ErrorCode::InvalidSlug,
            LinkError::SlugTaken(_) => ErrorCode::SlugTaken,
            LinkError::LimitReached(_) => ErrorCode::LinkLimitReached,
            LinkError::InvalidParameter(_) => ErrorCode::InvalidParameter,
        }
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        match self {
            LinkError::InvalidDestination(m)
            | LinkError::DestinationNotAllowed(m)
            | LinkError::InvalidSlug(m)
            | LinkError::SlugTaken(m)
            | LinkError::LimitReached(m)
            | LinkError::InvalidParameter(m) => m,
        }
    }
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for LinkError {}

/// A failure of a links operation: the request's fault, or the store's.
#[derive(Debug)]
pub enum LinksFailure {
    /// Bad input.
    Invalid(LinkError),
    /// The store failed.
    Store(anyhow::Error),
}

impl From<LinkError> for LinksFailure {
    fn from(e: LinkError) -> Self {
        LinksFailure::Invalid(e)
    }
}

impl From<anyhow::Error> for LinksFailure {
    fn from(e: anyhow::Error) -> Self {
        LinksFailure::Store(e)
    }
}

/// Checks a destination: an absolute `http` or `https` URL with a host, no user name or
/// password (`https://bank.example@evil.example/` deceives), at most [`MAX_DESTINATION_LEN`]
/// bytes, and with a host in `allowed_hosts` when that list is not empty (a host `example.com`
/// there allows its subdomains too). Returns the URL as normalised by the WHATWG parser.
pub fn check_destination(raw: &str, allowed_hosts: &[String]) -> Result<String, LinkError> {
    let bad = |why: &str| LinkError::InvalidDestination(format!("destination {raw:?}: {why}"));
    if raw.len() > MAX_DESTINATION_LEN {
        return Err(LinkError::InvalidDestination(format!(
            "a destination has at most {MAX_DESTINATION_LEN} bytes, not {}",
            raw.len()
        )));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http and https URLs are redirected to"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a user name or password in the URL is refused"));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("the URL has no host"))?
        .to_ascii_lowercase();
    if !allowed_hosts.is_empty()
        && !allowed_hosts.iter().any(|allowed| {
            host == *allowed
                || host
                    .strip_suffix(allowed.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    {
        return Err(LinkError::DestinationNotAllowed(format!(
            "destination host {host:?} is not among the allowed hosts ({})",
            allowed_hosts.join(", ")
        )));
    }
    let normalised = url.to_string();
    if normalised.len() > MAX_DESTINATION_LEN {
        return Err(bad("too long once normalised"));
    }
    Ok(normalised)
}

/// Checks a chosen slug: 3 to 64 ASCII letters, digits, `-` and `_` (no dots or slashes, so no
/// path tricks, and nothing a URL would escape).
pub fn check_slug(slug: &str) -> Result<(), LinkError> {
    if !SLUG_LEN.contains(&slug.len())
        || !slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Err(LinkError::InvalidSlug(format!(
            "slug {slug:?}: a slug has {} to {} characters among ASCII letters, digits, '-' and '_'",
            SLUG_LEN.start(),
            SLUG_LEN.end()
        )));
    }
    Ok(())
}

/// A random slug of [`RANDOM_SLUG_LEN`] URL-safe characters.
pub fn random_slug() -> StoreResult<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// User-agent fragments (lower case) of bots, crawlers, link previewers and scripted clients:
/// their requests are redirected like any other but counted apart, as bot hits. The list covers
/// the previewers of the common messengers and social networks, search engines, monitors and
/// HTTP libraries; anything with "bot", "crawl", "spider" or "preview" in it is a bot too.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "facebookcatalog",
    "whatsapp",
    "skypeuripreview",
    "embedly",
    "vkshare",
    "pinterest",
    "bitlybot",
    "headlesschrome",
    "lighthouse",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "java/",
    "apache-httpclient",
    "libwww-perl",
    "httpie",
    "node-fetch",
    "axios/",
    "postmanruntime",
    "uptime",
    "monitor",
];

/// User-agent fragments by device family, bots first: [`classify`] answers the first family
/// listed that has a fragment in the user agent, ignoring case.
const DEVICE_MARKERS: &[(Device, &[&str])] = &[
    (Device::Bot, BOT_MARKERS),
    (Device::Ios, &["iphone", "ipad", "ipod"]),
    (Device::Android, &["android"]),
    (
        Device::Desktop,
        &["windows", "macintosh", "x11", "cros", "linux"],
    ),
];

/// Every marker in one automaton, with the index of its family in [`DEVICE_MARKERS`]: a scan's
/// user agent is read once, with no lower-cased copy made per scan.
static MARKERS: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let (mut patterns, mut families) = (Vec::new(), Vec::new());
    for (family, (_, markers)) in DEVICE_MARKERS.iter().enumerate() {
        patterns.extend_from_slice(markers);
        families.resize(patterns.len(), family);
    }
    let automaton = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&patterns)
        .expect("the markers are plain strings");
    (automaton, families)
});

/// The device family of a user agent (a known bot first).
pub fn classify(user_agent: &str) -> Device {
    let (automaton, families) = &*MARKERS;
    automaton
        .find_overlapping_iter(user_agent)
        .map(|m| families[m.pattern().as_usize()])
        .min()
        .map_or(Device::Other, |family| DEVICE_MARKERS[family].0)
}

/// Parses an RFC 3339 time in UTC (`2026-12-06T10:00:00Z`, also `+00:00`, with optional
/// fractional seconds, which are dropped) to Unix seconds.
pub fn parse_utc(s: &str) -> Result<i64, String> {
    let bad = || format!("{s:?} is not a UTC time like 2026-12-06T10:00:00Z");
    let rest = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix('z'))
        .or_else(|| s.strip_suffix("+00:00"))
        .ok_or_else(bad)?;
    let (date, time) = rest.split_once(['T', 't']).ok_or_else(bad)?;
    let day: Day = date.parse().map_err(|_| bad())?;
    let time = time.split_once('.').map_or(time, |(t, frac)| {
        if frac.bytes().all(|b| b.is_ascii_digit()) {
            t
        } else {
            ""
        }
    });
    let parts: Vec<&str> = time.split(':').collect();
    let [h, m, sec] = parts[..] else {
        return Err(bad());
    };
    let num = |p: &str, max: i64| -> Result<i64, String> {
        if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i64 = p.parse().map_err(|_| bad())?;
        if n > max {
            return Err(bad());
        }
        Ok(n)
    };
    Ok(day.0 * 86_400 + num(h, 23)? * 3600 + num(m, 59)? * 60 + num(sec, 59)?)
}

/// Unix seconds as RFC 3339 UTC, `2026-12-06T10:00:00Z`.
pub fn format_utc(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Day::of_unix(unix),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The settings of dynamic links.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// The service's public base URL (short URLs are `{public_url}/r/{slug}`), no trailing `/`.
    pub public_url: String,
    /// Hosts destinations may point to (and their subdomains); empty: any host.
    pub allowed_hosts: Vec<String>,
    /// How often counted scans are written to the store.
    pub flush_every: Duration,
    /// Days of visitor marks kept.
    pub retention_days: u64,
    /// Most links one API key may have (the admin's are not limited).
    pub max_links_per_key: u64,
}

impl LinkSettings {
    /// The settings `config` gives.
    pub fn of(config: &Config) -> LinkSettings {
        LinkSettings {
            public_url: config.public_base_url(),
            allowed_hosts: config
                .link_allowed_hosts
                .iter()
                .map(|h| h.as_str().to_owned())
                .collect(),
            flush_every: Duration::from_secs(config.link_flush_secs.max(1)),
            retention_days: config.usage_retention_days,
            max_links_per_key: config.max_links_per_key,
        }
    }
}

/// Why a redirect was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Its owner disabled it.
    Disabled,
    /// Before its validity window.
    NotYetValid,
    /// After its validity window.
    Expired,
    /// It reached its visit cap.
    CapReached,
}

impl Gone {
    /// A sentence for the page.
    pub fn reason(self) -> &'static str {
        match self {
            Gone::Disabled => "This link was disabled by its owner.",
            Gone::NotYetValid => "This link is not active yet.",
            Gone::Expired => "This link has expired.",
            Gone::CapReached => "This link has reached its limit of visits.",
        }
    }
}

/// What a scan leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Redirect there (the scan was counted).
    Redirect(String),
    /// No such link.
    NotFound,
    /// The link exists but does not redirect now.
    Gone(Gone),
}

/// Counts not yet written to the store.
#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<(String, i64, Device), u64>,
    /// The scans (not bot hits) in `counts` by link, for the visit cap's check on every scan.
    scans: HashMap<String, u64>,
    marks: HashSet<(String, Day, [u8; 16])>,
}

impl Pending {
    fn add(&mut self, (slug, hour, device): (String, i64, Device), n: u64) {
        if device != Device::Bot {
            *self.scans.entry(slug.clone()).or_insert(0) += n;
        }
        *self.counts.entry((slug, hour, device)).or_insert(0) += n;
    }
}

/// The links service: the store, the scans counted since the last flush, the settings.
#[derive(Debug)]
pub struct Links {
    store: Arc<dyn LinkStore>,
    settings: LinkSettings,
    metrics: Arc<Metrics>,
    pending: Mutex<Pending>,
    /// The day's visitor key, fetched from the store once per day.
    visitor_key: Mutex<Option<(Day, [u8; 32])>>,
}

/// A field that may be absent (keep), `null` (clear) or a value (set).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A field that may be absent (keep) or a value (set), but not `null`: a link cannot be without
/// a destination, and `null` for a flag or the note would be a guess.
fn not_null<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A new link as asked for (the body of `POST /api/v1/links`; the CLI's flags); null is the
/// same as absent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// Where scans go: an absolute http or https URL without user name or password (with
    /// `--link-allowed-hosts`, on an allowed host).
    #[schema(format = "uri", max_length = 2048)]
    pub destination: String,
    /// A chosen slug; 8 random URL-safe characters when absent.
    #[schema(pattern = "^[A-Za-z0-9_-]{3,64}$")]
    pub slug: Option<String>,
    /// Where Android devices go instead (a URL as `destination`).
    #[schema(format = "uri", max_length = 2048)]
    pub android: Option<String>,
    /// Where iOS devices go instead (a URL as `destination`).
    #[schema(format = "uri", max_length = 2048)]
    pub ios: Option<String>,
    /// Where desktop browsers go instead (a URL as `destination`).
    #[schema(format = "uri", max_length = 2048)]
    pub desktop: Option<String>,
    /// RFC 3339 in UTC, e.g. 2026-12-24T00:00:00Z.
    #[schema(format = DateTime)]
    pub valid_from: Option<String>,
    /// RFC 3339 in UTC, after `valid_from`.
    #[schema(format = DateTime)]
    pub valid_until: Option<String>,
    /// Scans after which the link answers 410.
    #[schema(minimum = 1, maximum = 18446744073709551615u64)]
    pub max_scans: Option<u64>,
    /// Whether it redirects; default true.
    #[schema(default = true)]
    pub enabled: Option<bool>,
    /// A note for the owner.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A change to a link (the body of `PATCH /api/v1/links/{slug}`): absent fields are kept,
/// null clears the optional ones and is refused for the others.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkChange {
    /// New destination, a URL as a new link's.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, format = "uri", max_length = 2048)]
    pub destination: Option<String>,
    /// New Android destination, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(format = "uri", max_length = 2048)]
    pub android: Option<Option<String>>,
    /// New iOS destination, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(format = "uri", max_length = 2048)]
    pub ios: Option<Option<String>>,
    /// New desktop destination, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(format = "uri", max_length = 2048)]
    pub desktop: Option<Option<String>>,
    /// New start of validity (RFC 3339 in UTC), or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(format = DateTime)]
    pub valid_from: Option<Option<String>>,
    /// New end of validity (RFC 3339 in UTC), or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(format = DateTime)]
    pub valid_until: Option<Option<String>>,
    /// New visit cap, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(minimum = 1, maximum = 18446744073709551615u64)]
    pub max_scans: Option<Option<u64>>,
    /// Enable or disable.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    /// New note.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 500)]
    pub note: Option<String>,
}

fn time_field(name: &str, value: Option<&str>) -> Result<Option<i64>, LinkError> {
    value
        .map(|v| parse_utc(v).map_err(|e| LinkError::InvalidParameter(format!("{name}: {e}"))))
        .transpose()
}

fn note_field(value: String) -> Result<String, LinkError> {
    let chars = value.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(LinkError::InvalidParameter(format!(
            "note: at most {MAX_NOTE_CHARS} characters, not {chars}"
        )));
    }
    Ok(value)
}

/// Checks what is set together: a window that ends before it starts, a cap of 0.
fn check_together(link: &Link) -> Result<(), LinkError> {
    if let (Some(from), Some(until)) = (link.valid_from, link.valid_until) {
        if until <= from {
            return Err(LinkError::InvalidParameter(format!(
                "valid_until ({}) is not after valid_from ({})",
                format_utc(until),
                format_utc(from)
            )));
        }
    }
    if link.max_scans == Some(0) {
        return Err(LinkError::InvalidParameter(
            "max_scans: at least 1 (leave it out for no cap)".into(),
        ));
    }
    Ok(())
}

/// Formats of a link's code offered in its `images` (`GET /api/v1/qr` serves them).
pub const IMAGE_FORMATS: [&str; 4] = ["png", "svg", "pdf", "eps"];

/// A dynamic link: its code holds `short_url`, which redirects to `destination` (or a device's
/// own). Answered by the API and printed by the CLI.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = Link)]
pub struct LinkView {
    /// The short URL's path segment.
    pub slug: String,
    /// Where scans go.
    #[schema(format = "uri")]
    pub destination: String,
    /// Where Android devices go instead.
    #[schema(required, format = "uri", max_length = 2048)]
    pub android: Option<String>,
    /// Where iOS devices go instead.
    #[schema(required, format = "uri", max_length = 2048)]
    pub ios: Option<String>,
    /// Where desktop browsers go instead.
    #[schema(required, format = "uri", max_length = 2048)]
    pub desktop: Option<String>,
    /// The API key that made it; null for the admin.
    #[schema(required)]
    pub owner: Option<String>,
    /// RFC 3339 in UTC, e.g. 2026-12-24T00:00:00Z.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339 in UTC, e.g. 2026-12-24T00:00:00Z.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// RFC 3339 in UTC; null: from its creation.
    #[schema(required, format = DateTime)]
    pub valid_from: Option<String>,
    /// RFC 3339 in UTC; null: for ever.
    #[schema(required, format = DateTime)]
    pub valid_until: Option<String>,
    /// Scans after which it stops redirecting; null: no cap.
    #[schema(required, minimum = 1)]
    pub max_scans: Option<u64>,
    /// Whether it redirects.
    pub enabled: bool,
    /// The owner's note.
    pub note: String,
    /// Scans so far (as written by every server, every `--link-flush-secs`), bots not included.
    pub scans: u64,
    /// `{--public-url}/r/{slug}`: what the printed code holds.
    #[schema(format = "uri")]
    pub short_url: String,
    /// Format → URL of `GET /api/v1/qr` for the link's code, relative to the service.
    #[schema(schema_with = link_images_schema)]
    pub images: std::collections::BTreeMap<&'static str, String>,
}

/// `images`: an object with a URL for each of [`IMAGE_FORMATS`].
fn link_images_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    IMAGE_FORMATS
        .iter()
        .fold(ObjectBuilder::new(), |object, format| {
            object
                .property(*format, ObjectBuilder::new().schema_type(Type::String))
                .required(*format)
        })
        .description(Some(
            "Format → URL of GET /api/v1/qr for the link's code, relative to the service.",
        ))
        .build()
}

/// Statistics of one link over a range, as answered.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LinkStats {
    /// The link.
    pub slug: String,
    /// First day (UTC).
    #[schema(format = Date)]
    pub from: String,
    /// Last day (UTC), included.
    #[schema(format = Date)]
    pub to: String,
    /// One bucket per UTC hour or per UTC day.
    #[schema(schema_with = granularity_schema)]
    pub granularity: &'static str,
    /// Totals over the range.
    #[schema(inline)]
    pub total: Totals,
    /// Every hour or day of the range, in order, zeros included.
    #[schema(inline)]
    pub buckets: Vec<Bucket>,
    /// Distinct visitors per day, counted from a keyed hash of (IP, user agent) whose key
    /// changes daily and is never stored with the counts.
    #[schema(inline)]
    pub unique_visitors: Vec<DayVisitors>,
    /// Scans by device family.
    #[schema(inline)]
    pub devices: Devices,
}

/// `granularity`: the name of a [`Granularity`].
fn granularity_schema() -> utoipa::openapi::schema::Object {
    let mut schema = crate::schema::one_of_names(Granularity::ALL.map(Granularity::name));
    schema.description = Some("One bucket per UTC hour or per UTC day.".into());
    schema
}

/// Scans and bot hits.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Totals {
    /// Scans by people (bots not included).
    pub scans: u64,
    /// Hits by known bots, crawlers and link previewers.
    pub bots: u64,
}

/// One hour or day.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Bucket {
    /// Its start, RFC 3339 in UTC, e.g. 2026-12-24T00:00:00Z.
    #[schema(format = DateTime)]
    pub start: String,
    /// Scans by people.
    pub scans: u64,
    /// Bot hits.
    pub bots: u64,
}

/// Distinct visitors of one day.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DayVisitors {
    /// The day, UTC.
    #[schema(format = Date)]
    pub day: String,
    /// Distinct visitors (by IP address and user agent) that day.
    pub visitors: u64,
}

/// Scans by device family.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Devices {
    /// iPhone, iPad.
    pub ios: u64,
    /// Android.
    pub android: u64,
    /// Desktop browsers.
    pub desktop: u64,
    /// Other or unknown.
    pub other: u64,
}

/// Bucket size of statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One bucket per UTC hour.
    Hour,
    /// One bucket per UTC day.
    Day,
}

impl Granularity {
    /// Every granularity.
    pub const ALL: [Granularity; 2] = [Granularity::Hour, Granularity::Day];

    /// `hour` or `day`.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
        }
    }

    /// Parses [`Granularity::name`].
    pub fn from_name(name: &str) -> Result<Granularity, LinkError> {
        Granularity::ALL
            .into_iter()
            .find(|g| g.name() == name)
            .ok_or_else(|| {
                LinkError::InvalidParameter(format!("granularity: hour or day, not {name:?}"))
            })
    }

    /// The longest range asked at once, in days: 31 by hour (744 buckets), a year and a day
    /// by day.
    pub fn max_days(self) -> i64 {
        match self {
            Granularity::Hour => 31,
            Granularity::Day => 367,
        }
    }
}

/// Days of statistics when `from` is not given: the last 30, today included.
pub const DEFAULT_STATS_DAYS: i64 = 30;

/// The range of days `from` to `to` (`YYYY-MM-DD`, both included; by default the last
/// [`DEFAULT_STATS_DAYS`] to today), checked against the granularity's longest range.
pub fn stats_range(
    from: Option<&str>,
    to: Option<&str>,
    granularity: Granularity,
) -> Result<(Day, Day), LinkError> {
    let day = |name: &str, value: Option<&str>| {
        value
            .map(|v| {
                v.parse::<Day>()
                    .map_err(|e| LinkError::InvalidParameter(format!("{name}: {e}")))
            })
            .transpose()
    };
    let to = day("to", to)?.unwrap_or_else(Day::today);
    let from = day("from", from)?.unwrap_or(Day(to.0 - (DEFAULT_STATS_DAYS - 1)));
    if from > to {
        return Err(LinkError::InvalidParameter(format!(
            "from ({from}) is after to ({to})"
        )));
    }
    let days = to.0 - from.0 + 1;
    if days > granularity.max_days() {
        return Err(LinkError::InvalidParameter(format!(
            "at most {} days at once by {}; {from} to {to} is {days} days",
            granularity.max_days(),
            granularity.name()
        )));
    }
    Ok((from, to))
}

impl Links {
    /// The service on `store`.
    pub fn new(store: Arc<dyn LinkStore>, settings: LinkSettings, metrics: Arc<Metrics>) -> Links {
        Links {
            store,
            settings,
            metrics,
            pending: Mutex::new(Pending::default()),
            visitor_key: Mutex::new(None),
        }
    }

    /// The store (blocking methods: call them off the runtime).
    pub fn store(&self) -> &Arc<dyn LinkStore> {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &LinkSettings {
        &self.settings
    }

    /// The short URL of `slug`.
    pub fn short_url(&self, slug: &str) -> String {
        format!("{}/r/{slug}", self.settings.public_url)
    }

    /// A device-specific destination, checked like the main one.
    fn device_url(&self, name: &str, value: Option<&str>) -> Result<Option<String>, LinkError> {
        value
            .map(|v| {
                self.check_destination(v).map_err(|e| match e {
                    LinkError::InvalidDestination(m) => {
                        LinkError::InvalidDestination(format!("{name}: {m}"))
                    }
                    other => other,
                })
            })
            .transpose()
    }

    /// The link `new` asks for, owned by `owner`, made at `now` (its slug empty when random:
    /// [`Links::create`] draws it).
    pub fn build(&self, new: NewLink, owner: Option<String>, now: i64) -> Result<Link, LinkError> {
        if let Some(slug) = &new.slug {
            check_slug(slug)?;
        }
        let link = Link {
            slug: new.slug.unwrap_or_default(),
            destination: self.check_destination(&new.destination)?,
            android: self.device_url("android", new.android.as_deref())?,
            ios: self.device_url("ios", new.ios.as_deref())?,
            desktop: self.device_url("desktop", new.desktop.as_deref())?,
            owner,
            created_at: now,
            updated_at: now,
            valid_from: time_field("valid_from", new.valid_from.as_deref())?,
            valid_until: time_field("valid_until", new.valid_until.as_deref())?,
            max_scans: new.max_scans,
            enabled: new.enabled.unwrap_or(true),
            note: note_field(new.note.unwrap_or_default())?,
        };
        check_together(&link)?;
        Ok(link)
    }

    /// Applies `change` to `link` at `now`; on error `link` may be half changed (drop it).
    pub fn apply(&self, link: &mut Link, change: LinkChange, now: i64) -> Result<(), LinkError> {
        if let Some(d) = change.destination {
            link.destination = self.check_destination(&d)?;
        }
        if let Some(v) = change.android {
            link.android = self.device_url("android", v.as_deref())?;
        }
        if let Some(v) = change.ios {
            link.ios = self.device_url("ios", v.as_deref())?;
        }
        if let Some(v) = change.desktop {
            link.desktop = self.device_url("desktop", v.as_deref())?;
        }
        if let Some(v) = change.valid_from {
            link.valid_from = time_field("valid_from", v.as_deref())?;
        }
        if let Some(v) = change.valid_until {
            link.valid_until = time_field("valid_until", v.as_deref())?;
        }
        if let Some(v) = change.max_scans {
            link.max_scans = v;
        }
        if let Some(v) = change.enabled {
            link.enabled = v;
        }
        if let Some(v) = change.note {
            link.note = note_field(v)?;
        }
        check_together(link)?;
        link.updated_at = now;
        Ok(())
    }

    /// `link` as answered, with `scans` stored so far.
    pub fn view(&self, link: &Link, scans: u64) -> LinkView {
        let short_url = self.short_url(&link.slug);
        let text: String = url::form_urlencoded::byte_serialize(short_url.as_bytes()).collect();
        LinkView {
            slug: link.slug.clone(),
            destination: link.destination.clone(),
            android: link.android.clone(),
            ios: link.ios.clone(),
            desktop: link.desktop.clone(),
            owner: link.owner.clone(),
            created_at: format_utc(link.created_at),
            updated_at: format_utc(link.updated_at),
            valid_from: link.valid_from.map(format_utc),
            valid_until: link.valid_until.map(format_utc),
            max_scans: link.max_scans,
            enabled: link.enabled,
            note: link.note.clone(),
            scans,
            images: IMAGE_FORMATS
                .iter()
                .map(|f| (*f, format!("/api/v1/qr?text={text}&format={f}")))
                .collect(),
            short_url,
        }
    }

    /// Checks a destination against the settings (see [`check_destination`]).
    pub fn check_destination(&self, raw: &str) -> Result<String, LinkError> {
        check_destination(raw, &self.settings.allowed_hosts)
    }

    /// Creates `link` (its slug random when empty; retried on the rare collision), unless its
    /// owner has [`LinkSettings::max_links_per_key`] links already. Blocking.
    pub fn create(&self, mut link: Link) -> Result<Link, LinksFailure> {
        if let Some(owner) = &link.owner {
            let (_, owned) = self.store.list_links(Some(owner), 0, 0)?;
            let max = self.settings.max_links_per_key;
            if owned >= max {
                return Err(LinkError::LimitReached(format!(
                    "key {owner:?} has {owned} links, the most allowed (--max-links-per-key \
                     {max}); delete some first"
                ))
                .into());
            }
        }
        let chosen = !link.slug.is_empty();
        for _ in 0..8 {
            if !chosen {
                link.slug = random_slug()?;
            }
            match self.store.create_link(&link)? {
                Ok(()) => return Ok(link),
                Err(LinkCreateError::SlugTaken) if chosen => {
                    return Err(LinkError::SlugTaken(format!(
                        "a link with slug {:?} exists; choose another or leave it out for a \
                         random one",
                        link.slug
                    ))
                    .into())
                }
                Err(LinkCreateError::SlugTaken) => {}
            }
        }
        Err(anyhow::anyhow!("no free random slug after 8 tries").into())
    }

    /// What a scan of `slug` at `now` (Unix seconds) from `device` leads to; a redirect is
    /// counted (in memory until the next flush), with the visitor's mark.
    pub async fn resolve(
        &self,
        slug: &str,
        device: Device,
        visitor: (&str, &str),
        now: i64,
    ) -> StoreResult<Resolution> {
        let Some((link, stored_scans)) = self.store.find_link(slug).await? else {
            return Ok(Resolution::NotFound);
        };
        let gone = if !link.enabled {
            Some(Gone::Disabled)
        } else if link.valid_from.is_some_and(|t| now < t) {
            Some(Gone::NotYetValid)
        } else if link.valid_until.is_some_and(|t| now > t) {
            Some(Gone::Expired)
        } else if link
            .max_scans
            .is_some_and(|cap| stored_scans + self.pending_scans(slug) >= cap)
        {
            Some(Gone::CapReached)
        } else {
            None
        };
        if let Some(g) = gone {
            return Ok(Resolution::Gone(g));
        }
        let destination = match device {
            Device::Ios => link.ios.as_ref(),
            Device::Android => link.android.as_ref(),
            Device::Desktop => link.desktop.as_ref(),
            Device::Other | Device::Bot => None,
        }
        .unwrap_or(&link.destination)
        .clone();
        let mark = if device == Device::Bot {
            None
        } else {
            self.mark(visitor, Day::of_unix(now)).await
        };
        self.count(slug, now.div_euclid(3600), device, mark);
        Ok(Resolution::Redirect(destination))
    }

    /// The visitor's mark for `day`, or none when the day's key cannot be had (the scan is
    /// still counted; only its visitor is not).
    async fn mark(&self, (ip, user_agent): (&str, &str), day: Day) -> Option<(Day, [u8; 16])> {
        let cached = *self.visitor_key.lock().unwrap_or_else(|e| e.into_inner());
        let key = match cached {
            Some((d, k)) if d == day => k,
            _ => {
                let store = Arc::clone(&self.store);
                let key = tokio::task::spawn_blocking(move || store.visitor_key(day))
                    .await
                    .ok()?
                    .map_err(|e| tracing::warn!(error = %format!("{e:#}"), "no visitor key"))
                    .ok()?;
                *self.visitor_key.lock().unwrap_or_else(|e| e.into_inner()) = Some((day, key));
                key
            }
        };
        let mut h = Sha256::new();
        h.update(key);
        h.update(ip.as_bytes());
        h.update([0]);
        h.update(user_agent.as_bytes());
        let digest = h.finalize();
        let mut mark = [0u8; 16];
        mark.copy_from_slice(&digest[..16]);
        Some((day, mark))
    }

    fn count(&self, slug: &str, hour: i64, device: Device, mark: Option<(Day, [u8; 16])>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.add((slug.to_owned(), hour, device), 1);
        if let Some((day, mark)) = mark {
            if pending.marks.len() < MAX_PENDING_MARKS {
                pending.marks.insert((slug.to_owned(), day, mark));
            }
        }
        drop(pending);
        let kind = if device == Device::Bot { "bot" } else { "scan" };
        self.metrics.link_scans.with_label_values(&[kind]).inc();
    }

    /// Scans of `slug` counted here and not yet written.
    fn pending_scans(&self, slug: &str) -> u64 {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.scans.get(slug).copied().unwrap_or(0)
    }

    /// Writes the scans counted so far to the store; on failure they are kept for the next
    /// flush. Blocking.
    pub fn flush(&self) -> StoreResult<()> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if taken.counts.is_empty() && taken.marks.is_empty() {
            return Ok(());
        }
        let counts: Vec<ScanCount<'_>> = taken
            .counts
            .iter()
            .map(|((slug, hour, device), count)| ScanCount {
                slug,
                hour: *hour,
                device: *device,
                count: *count,
            })
            .collect();
        let marks: Vec<VisitorMark<'_>> = taken
            .marks
            .iter()
            .map(|(slug, day, mark)| VisitorMark {
                slug,
                day: *day,
                mark: *mark,
            })
            .collect();
        let outcome = self
            .store
            .add_scans(&counts, &marks, self.settings.retention_days);
        if outcome.is_err() {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (k, n) in taken.counts {
                pending.add(k, n);
            }
            pending.marks.extend(taken.marks);
        }
        outcome
    }

    /// The statistics of `link` from day `from` to day `to`. Blocking.
    pub fn stats(
        &self,
        slug: &str,
        from: Day,
        to: Day,
        granularity: Granularity,
    ) -> StoreResult<LinkStats> {
        let (first_hour, last_hour) = (from.0 * 24, to.0 * 24 + 23);
        let LinkCounts { hourly, visitors } =
            self.store.link_counts(slug, first_hour, last_hour)?;
        let bucket_hours = match granularity {
            Granularity::Hour => 1,
            Granularity::Day => 24,
        };
        let n = usize::try_from((last_hour - first_hour + 1) / bucket_hours).unwrap_or(0);
        let mut buckets: Vec<Bucket> = (0..n)
            .map(|i| Bucket {
                start: format_utc((first_hour + i as i64 * bucket_hours) * 3600),
                scans: 0,
                bots: 0,
            })
            .collect();
        let (mut total, mut devices) = (Totals::default(), Devices::default());
        for (hour, device, count) in hourly {
            let Some(bucket) = usize::try_from((hour - first_hour) / bucket_hours)
                .ok()
                .and_then(|i| buckets.get_mut(i))
            else {
                continue;
            };
            if device == Device::Bot {
                bucket.bots += count;
                total.bots += count;
                continue;
            }
            bucket.scans += count;
            total.scans += count;
            *match device {
                Device::Ios => &mut devices.ios,
                Device::Android => &mut devices.android,
                Device::Desktop => &mut devices.desktop,
                Device::Other | Device::Bot => &mut devices.other,
            } += count;
        }
        let by_day: HashMap<Day, u64> = visitors.into_iter().collect();
        let unique_visitors = (from.0..=to.0)
            .map(|d| DayVisitors {
                day: Day(d).to_string(),
                visitors: by_day.get(&Day(d)).copied().unwrap_or(0),
            })
            .collect();
        Ok(LinkStats {
            slug: slug.to_owned(),
            from: from.to_string(),
            to: to.to_string(),
            granularity: granularity.name(),
            total,
            buckets,
            unique_visitors,
            devices,
        })
    }
}

/// Writes the counted scans every `flush_every` until `stop`; the last flush is
/// [`Links::flush`] once requests have drained.
pub fn start_flush(links: Arc<Links>, stop: CancellationToken) {
    let every = links.settings.flush_every.max(Duration::from_millis(100));
    spawn_every(every, stop, move || {
        let links = Arc::clone(&links);
        async move {
            match tokio::task::spawn_blocking(move || links.flush()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = %format!("{e:#}"), "link scans flush failed; kept for the next")
                }
                Err(e) => tracing::error!(error = %e, "link scans flush task failed"),
            }
        }
    });
}

/// The current time in Unix seconds (a function so that the handlers read one clock).
pub fn now() -> i64 {
    unix_now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_http_urls_without_userinfo() {
        assert_eq!(
            check_destination("https://Example.com/a?b=1", &[]).unwrap(),
            "https://example.com/a?b=1"
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "/relative/path",
            "ftp://example.com/",
            "https://user:pass@example.com/",
            "https://bank.example@evil.example/",
            "http://",
        ] {
            let e = check_destination(bad, &[]).unwrap_err();
            assert_eq!(e.code(), "invalid_destination", "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_DESTINATION_LEN));
        assert_eq!(
            check_destination(&long, &[]).unwrap_err().code(),
            "invalid_destination"
        );
        let allowed = vec!["example.com".to_owned()];
        assert!(check_destination("https://shop.example.com/x", &allowed).is_ok());
        assert!(check_destination("https://example.com/x", &allowed).is_ok());
        for other in [
            "https://evil.com/",
            "https://notexample.com/",
            "https://example.com.evil.com/",
        ] {
            assert_eq!(
                check_destination(other, &allowed).unwrap_err().code(),
                "destination_not_allowed",
                "{other}"
            );
        }
    }

    #[test]
    fn slugs_are_url_safe_and_bounded() {
        for good in ["abc", "spring-sale_2026", &"a".repeat(64)] {
            assert!(check_slug(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "../x",
            "a/b",
            "a.b",
            "a%2F",
            "ünï",
            &"a".repeat(65),
            "",
        ] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
        let s = random_slug().unwrap();
        assert_eq!(s.len(), RANDOM_SLUG_LEN);
        assert!(check_slug(&s).is_ok(), "{s}");
    }

    #[test]
    fn user_agents_are_told_apart() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like \
                       Gecko) Chrome/120.0 Mobile Safari/537.36";
        let desktop = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0";
        assert_eq!(classify(iphone), Device::Ios);
        assert_eq!(classify(android), Device::Android);
        assert_eq!(classify(desktop), Device::Desktop);
        assert_eq!(classify(""), Device::Other);
        for bot in [
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
            "facebookexternalhit/1.1",
            "WhatsApp/2.23.20.0",
            "Slackbot-LinkExpanding 1.0",
            "curl/8.5.0",
            "Mozilla/5.0 (Linux; Android 6.0.1) AppleWebKit (compatible; Googlebot/2.1)",
        ] {
            assert_eq!(classify(bot), Device::Bot, "{bot}");
        }
    }

    #[test]
    fn utc_times_parse_and_format() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Ok(0));
        let t = parse_utc("2026-12-06T10:20:30Z").unwrap();
        assert_eq!(format_utc(t), "2026-12-06T10:20:30Z");
        assert_eq!(parse_utc("2026-12-06T10:20:30.250+00:00"), Ok(t));
        for bad in [
            "2026-12-06",
            "2026-12-06T25:00:00Z",
            "2026-12-06T10:00:00+02:00",
            "x",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }
}
