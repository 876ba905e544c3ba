//! API keys, their rate limits and their usage, as stored.
//!
//! A key is known to the store only by its SHA-256 ([`KeyHash`]): the key itself is shown once
//! when it is made and never kept. Each key has a name (unique for ever, revoked keys included,
//! so that usage and rate state keyed by name never mix two keys), a rate and a burst.
//!
//! Rate limits are GCRA ("generic cell rate algorithm", a token bucket kept as one timestamp):
//! a key may send `burst` requests at once, then one per `rate` interval. [`gcra`] is the one
//! definition; the Redis backend runs the same arithmetic in a Lua script.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use super::StoreResult;

/// The SHA-256 of an API key: what the store keeps and looks keys up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    /// The hash of `key` as presented by a client (or made by [`new_key`]).
    pub fn of(key: &str) -> KeyHash {
        KeyHash(Sha256::digest(key.as_bytes()).into())
    }

    /// Lower-case hex, as stored in Redis.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses [`KeyHash::to_hex`]'s output.
    pub fn from_hex(hex: &str) -> Option<KeyHash> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(KeyHash(out))
    }

    /// Equality in time independent of where the hashes differ (see `auth` for why hashes
    /// are compared at all).
    pub fn ct_eq(&self, other: &KeyHash) -> bool {
        use subtle::ConstantTimeEq as _;
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A hash is not a secret, but the first bytes are enough to tell two apart in a log.
        write!(f, "KeyHash({}…)", &self.to_hex()[..8])
    }
}

/// The prefix of every key this service makes: recognisable in a leaked file or by a secret
/// scanner.
pub const KEY_PREFIX: &str = "qrsk_";

/// A new API key: [`KEY_PREFIX`] and 256 random bits in URL-safe base64 (43 characters).
pub fn new_key() -> StoreResult<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// Longest key name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// Checks a key name: 1–64 characters among ASCII letters, digits, `-`, `_` and `.` (names go
/// into Redis key names, headers-free JSON and the CLI's table).
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "a key name has 1 to {MAX_NAME_LEN} characters, not {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "a key name may hold ASCII letters, digits, '-', '_' and '.', not {c:?}"
        ));
    }
    Ok(())
}

/// A sustained request rate: `count` requests per `per_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests per period (≥ 1).
    pub count: u32,
    /// The period in seconds: 1, 60 or 3600 as parsed, any ≥ 1 as stored.
    pub per_secs: u32,
}

impl Rate {
    /// Most requests per period accepted by [`Rate::from_str`]: a million a second is far more
    /// than one process serves, so a larger number is a typing error.
    pub const MAX_COUNT: u32 = 1_000_000;

    /// The GCRA emission interval: time between two requests at the sustained rate, in
    /// microseconds (at least 1).
    pub fn interval_us(&self) -> u64 {
        (u64::from(self.per_secs) * 1_000_000 / u64::from(self.count.max(1))).max(1)
    }
}

impl Default for Rate {
    fn default() -> Self {
        Rate {
            count: 50,
            per_secs: 1,
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.per_secs {
            1 => write!(f, "{}/s", self.count),
            60 => write!(f, "{}/min", self.count),
            3600 => write!(f, "{}/h", self.count),
            n => write!(f, "{}/{n}s", self.count),
        }
    }
}

impl FromStr for Rate {
    type Err = String;

    /// `N/s`, `N/min` or `N/h` (also `N/sec`, `N/m`, `N/hour`), N from 1 to a million.
    fn from_str(s: &str) -> Result<Rate, String> {
        let usage = "a rate is N/s, N/min or N/h, e.g. 50/s";
        let (n, unit) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: {usage}"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: {n:?} is not a whole number; {usage}"))?;
        if count == 0 || count > Rate::MAX_COUNT {
            return Err(format!(
                "{s:?}: the count must be 1 to {}; {usage}",
                Rate::MAX_COUNT
            ));
        }
        let per_secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            other => return Err(format!("{s:?}: unknown unit {other:?}; {usage}")),
        };
        Ok(Rate { count, per_secs })
    }
}

/// Largest burst accepted.
pub const MAX_BURST: u32 = 1_000_000;

/// What is stored about a key (never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Unique name (for ever).
    pub name: String,
    /// SHA-256 of the key.
    pub hash: KeyHash,
    /// Sustained rate.
    pub rate: Rate,
    /// Requests allowed at once (≥ 1).
    pub burst: u32,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, once revoked.
    pub revoked_at: Option<i64>,
}

/// What [`KeyStore::create_key`] may refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    /// A key of that name exists (or existed: names of revoked keys stay taken).
    NameTaken,
}

/// The outcome of [`KeyStore::revoke_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// Revoked now.
    Now,
    /// It was revoked before.
    Already,
    /// No key of that name.
    Unknown,
}

/// API key records. Methods block (call them off the async runtime).
pub trait KeyStore: Send + Sync + fmt::Debug {
    /// Stores a new key from its hash; refused when the name is taken.
    fn create_key(&self, key: &ApiKey) -> StoreResult<Result<(), CreateError>>;

    /// Every key, revoked ones included, by name.
    fn list_keys(&self) -> StoreResult<Vec<ApiKey>>;

    /// Revokes the key named `name` (as of `now`, Unix seconds).
    fn revoke_key(&self, name: &str, now: i64) -> StoreResult<Revoked>;

    /// The key with this hash, revoked or not.
    fn key_by_hash(&self, hash: &KeyHash) -> StoreResult<Option<ApiKey>>;

    /// Whether any key was ever created, revoked ones included: while none was, the API is
    /// open. Revoking every key does not open it again (revoking a leaked last key must not
    /// open the API to all).
    fn has_keys(&self) -> StoreResult<bool>;
}

/// A rate-limit decision, with what the `RateLimit-*` headers tell the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead (and was counted).
    pub allowed: bool,
    /// The burst: requests allowed at once (`RateLimit-Limit`).
    pub limit: u32,
    /// Requests that could still be sent at once after this one (`RateLimit-Remaining`).
    pub remaining: u32,
    /// Time until the allowance is full again (`RateLimit-Reset`, rounded up to seconds).
    pub reset: Duration,
    /// When refused, time until one request is allowed (`Retry-After`, rounded up); zero when
    /// allowed.
    pub retry_after: Duration,
}

/// GCRA: given the stored theoretical arrival time `tat_us` (0 when none) and `now_us`, decides
/// one request and returns the new TAT to store (unchanged when refused). All in microseconds.
///
/// The TAT is when the allowance would be full again if no request came; a request is allowed
/// when, after adding one interval, that point is at most `burst` intervals ahead of now.
pub fn gcra(now_us: u64, tat_us: u64, rate: Rate, burst: u32) -> (Decision, u64) {
    let t = rate.interval_us();
    let burst = burst.max(1);
    let window = t.saturating_mul(u64::from(burst));
    let tat = tat_us.max(now_us);
    let new_tat = tat.saturating_add(t);
    // The earliest moment at which this request would fit.
    let allow_at = new_tat.saturating_sub(window);
    if now_us < allow_at {
        let decision = Decision {
            allowed: false,
            limit: burst,
            remaining: 0,
            reset: Duration::from_micros(tat - now_us),
            retry_after: Duration::from_micros(allow_at - now_us),
        };
        return (decision, tat_us);
    }
    let remaining = (now_us + window - new_tat) / t;
    let decision = Decision {
        allowed: true,
        limit: burst,
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        reset: Duration::from_micros(new_tat - now_us),
        retry_after: Duration::ZERO,
    };
    (decision, new_tat)
}

/// A boxed future, so that [`RateLimiter`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Per-key rate limiting. Asynchronous: it runs on every keyed request.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Decides one request of the key named `name` with its rate and burst.
    fn check<'a>(
        &'a self,
        name: &'a str,
        rate: Rate,
        burst: u32,
    ) -> BoxFuture<'a, StoreResult<Decision>>;
}

/// Everything the API key machinery needs from one backend.
pub trait KeyBackend: KeyStore + RateLimiter + UsageStore {}

impl<T: KeyStore + RateLimiter + UsageStore> KeyBackend for T {}

/// A UTC calendar day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

impl Day {
    /// The UTC day of `unix` seconds.
    pub fn of_unix(unix: i64) -> Day {
        Day(unix.div_euclid(86_400))
    }

    /// Today, UTC.
    pub fn today() -> Day {
        Day::of_unix(super::unix_now())
    }

    /// (year, month, day) by Howard Hinnant's `civil_from_days`.
    fn civil(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y, m, d)
    }

    /// The day of (year, month, day), by `days_from_civil`; `None` for a date that does not
    /// exist (30 February).
    pub fn from_civil(y: i64, m: u32, d: u32) -> Option<Day> {
        if !(1..=12).contains(&m) || d == 0 || d > 31 {
            return None;
        }
        let y2 = y - i64::from(m <= 2);
        let era = y2.div_euclid(400);
        let yoe = y2.rem_euclid(400);
        let mp = i64::from((m + 9) % 12);
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let day = Day(era * 146_097 + doe - 719_468);
        // A day past the month's end comes out as next month's: refuse it.
        (day.civil() == (y, m, d)).then_some(day)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Day {
    type Err = String;

    /// `YYYY-MM-DD`, years 1970 to 9999.
    fn from_str(s: &str) -> Result<Day, String> {
        let bad = || format!("{s:?} is not a date YYYY-MM-DD");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if y < 1970 {
            return Err(format!("{s:?}: days before 1970 are not kept"));
        }
        Day::from_civil(i64::from(y), m, d).ok_or_else(bad)
    }
}

/// Requests of one key on one UTC day to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCount {
    /// The key's name.
    pub key: String,
    /// The UTC day.
    pub day: Day,
    /// The endpoint: method and route template, e.g. `GET /api/v1/jobs/{id}`.
    pub endpoint: String,
    /// Requests.
    pub count: u64,
}

/// Usage counters. Methods block (call them off the async runtime).
pub trait UsageStore: Send + Sync + fmt::Debug {
    /// Adds every count of the batch to the stored ones; entries older than `retention` (as of
    /// today) may be dropped by the store meanwhile.
    fn add_usage(&self, batch: &[UsageCount], retention: Duration) -> StoreResult<()>;

    /// The counts of `key` (every key for `None`) from day `from` to day `to`, both included,
    /// sorted by key, day and endpoint.
    fn usage(&self, key: Option<&str>, from: Day, to: Day) -> StoreResult<Vec<UsageCount>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_reject_impossible_dates() {
        assert_eq!(Day(0).to_string(), "1970-01-01");
        assert_eq!(
            "2024-02-29".parse::<Day>().unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(Day::of_unix(1_763_769_600).to_string(), "2025-11-22");
        assert_eq!(Day::from_civil(1967, 4, 7), Some(Day(-1000)));
        for d in [0, 59, 10_000, 20_000, 2_932_896] {
            assert_eq!(Day(d).to_string().parse::<Day>(), Ok(Day(d)));
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
            "1969-12-31",
            "２０２４-01-01",
        ] {
            assert!(bad.parse::<Day>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_parse_and_refuse_with_reasons() {
        assert_eq!(
            "50/s".parse(),
            Ok(Rate {
                count: 50,
                per_secs: 1
            })
        );
        assert_eq!(
            "3000/min".parse(),
            Ok(Rate {
                count: 3000,
                per_secs: 60
            })
        );
        assert_eq!("10/h".parse::<Rate>().unwrap().to_string(), "10/h");
        for (bad, why) in [
            ("50", "N/s"),
            ("0/s", "1 to"),
            ("x/s", "whole number"),
            ("5/day", "unknown unit"),
            ("2000000/s", "1 to"),
        ] {
            let err = bad.parse::<Rate>().unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn gcra_allows_the_burst_then_one_per_interval() {
        let rate = Rate {
            count: 10,
            per_secs: 1,
        }; // one per 100 ms
        let (mut tat, now) = (0, 1_000_000_000);
        for i in 0..5 {
            let (d, t) = gcra(now, tat, rate, 5);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.remaining, 4 - i);
            tat = t;
        }
        let (d, t) = gcra(now, tat, rate, 5);
        assert!(!d.allowed);
        assert_eq!(t, tat, "a refusal changes nothing");
        assert_eq!(d.retry_after, Duration::from_millis(100));
        assert_eq!(d.reset, Duration::from_millis(500));
        let (d, _) = gcra(now + 100_000, tat, rate, 5);
        assert!(d.allowed && d.remaining == 0);
    }

    #[test]
    fn keys_are_prefixed_random_and_hash_to_hex_and_back() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_ne!(a, b);
        assert!(
            a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 43,
            "{a}"
        );
        let h = KeyHash::of(&a);
        assert_eq!(KeyHash::from_hex(&h.to_hex()), Some(h));
        assert!(h.ct_eq(&KeyHash::of(&a)) && !h.ct_eq(&KeyHash::of(&b)));
    }
}
