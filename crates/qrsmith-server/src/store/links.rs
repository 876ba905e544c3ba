//! Dynamic links and their scan counts, as stored.
//!
//! A link is a slug (the path of its short URL, `/r/{slug}`) and where it redirects to. Scans are
//! kept as counts only, per link, UTC hour and device family (bots apart), and unique visitors
//! as opaque per-day marks (a keyed hash whose key rotates daily and is never stored with them):
//! no IP address or user agent is ever stored.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use super::keys::Day;
use super::StoreResult;

/// A dynamic link as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The short URL's path segment.
    pub slug: String,
    /// Where a scan is sent (an `http`/`https` URL).
    pub destination: String,
    /// Where Android devices are sent instead, if set.
    pub android: Option<String>,
    /// Where iOS devices are sent instead, if set.
    pub ios: Option<String>,
    /// Where desktop browsers are sent instead, if set.
    pub desktop: Option<String>,
    /// The name of the API key that made it; `None` for the admin key (or with keys off).
    pub owner: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
    /// Unix seconds before which the link answers 410.
    pub valid_from: Option<i64>,
    /// Unix seconds after which the link answers 410.
    pub valid_until: Option<i64>,
    /// Scans after which the link answers 410.
    pub max_scans: Option<u64>,
    /// A disabled link answers 410.
    pub enabled: bool,
    /// Free text for the owner.
    pub note: String,
}

/// The device family a scan came from, as told by its user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Device {
    /// iPhone, iPad, iPod.
    Ios,
    /// Android phones and tablets.
    Android,
    /// Windows, macOS, Linux and ChromeOS browsers.
    Desktop,
    /// Anything else, an empty user agent included.
    Other,
    /// A known bot, crawler, link previewer or scripted client: counted apart, not as a scan.
    Bot,
}

impl Device {
    /// Every family, in the order statistics list them.
    pub const ALL: [Device; 5] = [
        Device::Ios,
        Device::Android,
        Device::Desktop,
        Device::Other,
        Device::Bot,
    ];

    /// The stored (and answered) name.
    pub fn name(self) -> &'static str {
        match self {
            Device::Ios => "ios",
            Device::Android => "android",
            Device::Desktop => "desktop",
            Device::Other => "other",
            Device::Bot => "bot",
        }
    }

    /// Parses [`Device::name`].
    pub fn from_name(name: &str) -> Option<Device> {
        Device::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// Scans of one link in one UTC hour from one device family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanCount<'a> {
    /// The link.
    pub slug: &'a str,
    /// Hours since 1970-01-01T00:00Z.
    pub hour: i64,
    /// The family.
    pub device: Device,
    /// Scans.
    pub count: u64,
}

/// One visitor's opaque mark on one link and day (unique visitors are the distinct marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VisitorMark<'a> {
    /// The link.
    pub slug: &'a str,
    /// The UTC day.
    pub day: Day,
    /// A keyed hash of the visitor, with a key of that day only.
    pub mark: [u8; 16],
}

/// What the store knows of a link's scans over a range of hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkCounts {
    /// (hour, device, scans), sorted by hour then device; hours without scans are absent.
    pub hourly: Vec<(i64, Device, u64)>,
    /// (day, distinct visitors), sorted by day; days without visitors are absent.
    pub visitors: Vec<(Day, u64)>,
}

/// What [`LinkStore::create_link`] may refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCreateError {
    /// A link with that slug exists.
    SlugTaken,
}

/// A boxed future, so that [`LinkStore`] can be a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Dynamic links and their counts. Methods block (call them off the async runtime), except
/// [`LinkStore::find_link`], which is on the redirect path.
pub trait LinkStore: Send + Sync + fmt::Debug {
    /// Stores a new link; refused when the slug is taken.
    fn create_link(&self, link: &Link) -> StoreResult<Result<(), LinkCreateError>>;

    /// The link with this slug.
    fn link(&self, slug: &str) -> StoreResult<Option<Link>>;

    /// The link with this slug and its total scans, for a redirect. Asynchronous: it runs on
    /// every scan.
    fn find_link<'a>(&'a self, slug: &'a str) -> BoxFuture<'a, StoreResult<Option<(Link, u64)>>>;

    /// Replaces the stored link of the same slug; `false` when there is none.
    fn update_link(&self, link: &Link) -> StoreResult<bool>;

    /// Deletes the link and its counts; `false` when there is none.
    fn delete_link(&self, slug: &str) -> StoreResult<bool>;

    /// Links of `owner` (every link for `None`), newest first, `limit` from `offset`, with the
    /// number of such links.
    fn list_links(
        &self,
        owner: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Link>, u64)>;

    /// Total scans of each slug (bots not included); slugs without scans may be absent.
    fn scan_totals(&self, slugs: &[&str]) -> StoreResult<Vec<(String, u64)>>;

    /// Adds the counts and marks to the stored ones. Counts of a link deleted meanwhile are
    /// dropped. Marks older than `retention_days` may be dropped by the store meanwhile.
    fn add_scans(
        &self,
        counts: &[ScanCount<'_>],
        marks: &[VisitorMark<'_>],
        retention_days: u64,
    ) -> StoreResult<()>;

    /// The counts of `slug` from hour `from` to hour `to`, both included.
    fn link_counts(&self, slug: &str, from: i64, to: i64) -> StoreResult<LinkCounts>;

    /// The key of today's visitor marks: 32 random bytes made on first use of `day`, shared by
    /// every replica of the store, and gone after the day (never kept with the counts).
    fn visitor_key(&self, day: Day) -> StoreResult<[u8; 32]>;
}

/// 32 random bytes.
pub fn random_key() -> StoreResult<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes)
}
