//! Service configuration: every limit is a setting with a safe default.
//!
//! Three sources, highest precedence first: command-line flags, environment variables
//! (`QRSMITH_` + the flag's name in upper snake case), a TOML file given with `--config` (keys are
//! the flag names in snake case), then the defaults below. `qrsmith serve --help` prints each
//! setting with its default and variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::parser::ValueSource;
use serde::{Deserialize, Serialize};

/// The defaults, named so that clap's help, `Default` and the documentation agree.
mod defaults {
    pub const LISTEN: &str = "127.0.0.1:8080";
    pub const MAX_BODY_BYTES: u64 = 16 << 20;
    pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
    pub const DECODE_TIMEOUT_MS: u64 = 10_000;
    pub const MAX_TEXT_BYTES: usize = 8192;
    pub const MAX_OUTPUT_SIDE: u32 = 4096;
    pub const MAX_CONCURRENT_REQUESTS: usize = 1024;
    pub const WORKERS: usize = 0;
    pub const HTTP_THREADS: usize = 0;
    pub const MAX_JOB_ITEMS: usize = 10_000;
    pub const JOB_TTL_SECS: u64 = 86_400;
    pub const REDIS_PREFIX: &str = "qrsmith:";
    pub const JOB_LEASE_SECS: u64 = 30;
    pub const MAX_RESULT_BYTES: u64 = 256 << 20;
    pub const QUEUE_LENGTH: usize = 128;
    pub const REQUEST_TIMEOUT_MS: u64 = 30_000;
    pub const HEADER_TIMEOUT_MS: u64 = 65_000;
    pub const CACHE_BYTES: u64 = 16 << 20;
    pub const CACHE_TTL_SECS: u64 = 24 * 3600;
    pub const HTTP_MAX_AGE_SECS: u64 = 365 * 24 * 3600;
    pub const MAX_OPEN_JOBS: u64 = 1024;
    pub const DRAIN_DELAY_MS: u64 = 5_000;
    pub const SHUTDOWN_GRACE_MS: u64 = 25_000;
    pub const KEY_CACHE_SECS: u64 = 5;
    pub const USAGE_FLUSH_SECS: u64 = 10;
    pub const USAGE_RETENTION_DAYS: u64 = 400;
    pub const LINK_FLUSH_SECS: u64 = 5;
    pub const MAX_LINKS_PER_KEY: u64 = 10_000;
}

fn parse_effort(s: &str) -> Result<qrsmith_core::Effort, String> {
    s.parse().map_err(|e: qrsmith_core::Error| e.to_string())
}

/// The effort level as its name in the TOML file.
mod effort_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(e: &qrsmith_core::Effort, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(e.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<qrsmith_core::Effort, D::Error> {
        let name = String::deserialize(d)?;
        super::parse_effort(&name).map_err(serde::de::Error::custom)
    }
}

/// A secret setting (the admin and metrics keys): shown as `<redacted>` by `Debug`, so that a
/// logged configuration does not leak it. At least 16 characters.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Secret(String);

impl Secret {
    /// Shortest secret accepted: a short one could be guessed by trying.
    pub const MIN_LEN: usize = 16;

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl TryFrom<String> for Secret {
    type Error = String;

    fn try_from(s: String) -> Result<Secret, String> {
        if s.chars().count() < Secret::MIN_LEN {
            return Err(format!(
                "a key given in the configuration needs at least {} characters (e.g. the output \
                 of `openssl rand -base64 32`)",
                Secret::MIN_LEN
            ));
        }
        if s.chars().any(|c| !c.is_ascii_graphic()) {
            return Err("a key given in the configuration holds printable ASCII only".into());
        }
        Ok(Secret(s))
    }
}

impl From<Secret> for String {
    fn from(s: Secret) -> String {
        s.0
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Secret, String> {
        Secret::try_from(s.to_owned())
    }
}

/// An origin allowed to call the API from a browser page (CORS): `scheme://host[:port]` as the
/// browser sends it in `Origin`, or `*` for any origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CorsOrigin(String);

impl CorsOrigin {
    /// The origin as the `Origin` header spells it, or `*`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CorsOrigin {
    type Error = String;

    fn try_from(s: String) -> Result<CorsOrigin, String> {
        if s == "*" {
            return Ok(CorsOrigin(s));
        }
        let bad = || {
            format!(
                "{s:?} is not an origin: write scheme://host[:port] with no path, as the browser \
                 sends it (e.g. https://app.example.com), or * for any"
            )
        };
        let (scheme, rest) = s.split_once("://").ok_or_else(bad)?;
        let host_ok = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !matches!(scheme, "http" | "https") || !host_ok {
            return Err(bad());
        }
        Ok(CorsOrigin(s.to_ascii_lowercase()))
    }
}

impl From<CorsOrigin> for String {
    fn from(o: CorsOrigin) -> String {
        o.0
    }
}

impl std::str::FromStr for CorsOrigin {
    type Err = String;

    fn from_str(s: &str) -> Result<CorsOrigin, String> {
        CorsOrigin::try_from(s.to_owned())
    }
}

/// The service's public base URL, as short links are printed: `http(s)://host[:port][/path]`,
/// kept without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicUrl(String);

impl PublicUrl {
    /// The URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PublicUrl {
    type Error = String;

    fn try_from(s: String) -> Result<PublicUrl, String> {
        let bad = |why: &str| {
            format!("{s:?} is not a public URL ({why}): write http(s)://host[:port][/path], e.g. https://qr.example.com")
        };
        let url = url::Url::parse(&s).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(bad("http or https with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad("no query, fragment or user name"));
        }
        Ok(PublicUrl(url.as_str().trim_end_matches('/').to_owned()))
    }
}

impl From<PublicUrl> for String {
    fn from(u: PublicUrl) -> String {
        u.0
    }
}

impl std::str::FromStr for PublicUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<PublicUrl, String> {
        PublicUrl::try_from(s.to_owned())
    }
}

/// A host dynamic links may redirect to (its subdomains too): a DNS name or an IP address,
/// lower case, no scheme or port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AllowedHost(String);

impl AllowedHost {
    /// The host, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AllowedHost {
    type Error = String;

    fn try_from(s: String) -> Result<AllowedHost, String> {
        let host = s.trim().trim_end_matches('.').to_ascii_lowercase();
        let ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            && !host.starts_with('.');
        if !ok {
            return Err(format!(
                "{s:?} is not a host name: write it without scheme or path, e.g. example.com"
            ));
        }
        Ok(AllowedHost(host))
    }
}

impl From<AllowedHost> for String {
    fn from(h: AllowedHost) -> String {
        h.0
    }
}

impl std::str::FromStr for AllowedHost {
    type Err = String;

    fn from_str(s: &str) -> Result<AllowedHost, String> {
        AllowedHost::try_from(s.to_owned())
    }
}

/// The default `--redis-prefix` (for tools that open the same store, like `qrsmith keys`).
pub const DEFAULT_REDIS_PREFIX: &str = defaults::REDIS_PREFIX;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON when standard error is not a terminal, text when it is.
    Auto,
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Text,
}

/// Everything `qrsmith serve` can be told.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// TOML file with any of the settings below (keys as the flags, in snake_case); flags and
    /// environment variables take precedence over it.
    #[arg(long, env = "QRSMITH_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address and port to listen on (0.0.0.0:8080 to accept connections from outside, e.g. in a
    /// container).
    #[arg(long, env = "QRSMITH_LISTEN", value_name = "ADDR", default_value = defaults::LISTEN)]
    pub listen: SocketAddr,

    /// Largest request body accepted, in bytes (uploads, JSON).
    #[arg(long, env = "QRSMITH_MAX_BODY_BYTES", value_name = "BYTES", default_value_t = defaults::MAX_BODY_BYTES)]
    pub max_body_bytes: u64,

    /// Largest image accepted for decoding, in pixels (width x height), checked from the file
    /// header before any pixel is decoded.
    #[arg(long, env = "QRSMITH_MAX_IMAGE_PIXELS", value_name = "PIXELS", default_value_t = defaults::MAX_IMAGE_PIXELS)]
    pub max_image_pixels: u64,

    /// Time budget for reading one image, in milliseconds (0 = none).
    #[arg(long, env = "QRSMITH_DECODE_TIMEOUT_MS", value_name = "MS", default_value_t = defaults::DECODE_TIMEOUT_MS)]
    pub decode_timeout_ms: u64,

    /// How hard to look for codes when a request does not say (its `effort` parameter): fast
    /// (the main pass only), balanced (escalation when it finds nothing) or thorough (every
    /// stage, merged). Every level is bounded by the decode time budget.
    #[arg(long, env = "QRSMITH_DECODE_EFFORT", value_name = "LEVEL", default_value_t = qrsmith_core::Effort::default(), value_parser = parse_effort)]
    #[serde(with = "effort_name")]
    pub decode_effort: qrsmith_core::Effort,

    /// Longest payload accepted for generation, in bytes.
    #[arg(long, env = "QRSMITH_MAX_TEXT_BYTES", value_name = "BYTES", default_value_t = defaults::MAX_TEXT_BYTES)]
    pub max_text_bytes: usize,

    /// Largest generated image, in pixels per side (quiet zone included).
    #[arg(long, env = "QRSMITH_MAX_OUTPUT_SIDE", value_name = "PX", default_value_t = defaults::MAX_OUTPUT_SIDE)]
    pub max_output_side: u32,

    /// Requests handled at once (probes and metrics excepted); more are answered 429 at once.
    #[arg(long, env = "QRSMITH_MAX_CONCURRENT_REQUESTS", value_name = "N", default_value_t = defaults::MAX_CONCURRENT_REQUESTS)]
    pub max_concurrent_requests: usize,

    /// Threads for CPU work (encode, render, decode); 0 = one per CPU core.
    #[arg(long, env = "QRSMITH_WORKERS", value_name = "N", default_value_t = defaults::WORKERS)]
    pub workers: usize,

    /// Threads of the async runtime that handles connections, parsing and cache hits; 0 = half
    /// the cores, at least one. CPU work runs on the workers, so the runtime needs only a share:
    /// on 2 cores, 1 runtime thread beside 2 workers served the benchmark mix ~7 % faster with
    /// a lower p99 than 2 beside 2.
    #[arg(long, env = "QRSMITH_HTTP_THREADS", value_name = "N", default_value_t = defaults::HTTP_THREADS)]
    pub http_threads: usize,

    /// Jobs that may wait for a worker; when the queue is full the answer is 429 at once.
    #[arg(long, env = "QRSMITH_QUEUE_LENGTH", value_name = "N", default_value_t = defaults::QUEUE_LENGTH)]
    pub queue_length: usize,

    /// Longest time one request may take once its headers are in, in milliseconds: then 408
    /// `request_body_timeout` if the client had not finished sending its body (a stalled
    /// upload), else 503 `request_timeout`.
    #[arg(long, env = "QRSMITH_REQUEST_TIMEOUT_MS", value_name = "MS", default_value_t = defaults::REQUEST_TIMEOUT_MS)]
    pub request_timeout_ms: u64,

    /// Longest time a client may take to send a request's headers, in milliseconds; then the
    /// connection is closed (a client trickling its headers cannot hold a connection). Also
    /// how long an idle keep-alive connection stays open: keep it above the idle timeout of the
    /// load balancer in front (60 s for nginx, ingress-nginx and AWS ALB), so that the balancer
    /// closes idle connections first and never sends a request on one being closed.
    #[arg(long, env = "QRSMITH_HEADER_TIMEOUT_MS", value_name = "MS", default_value_t = defaults::HEADER_TIMEOUT_MS, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_ms: u64,

    /// Memory for the in-process generation cache, in bytes (0 turns the cache off, its Redis
    /// level too).
    #[arg(long, env = "QRSMITH_CACHE_BYTES", value_name = "BYTES", default_value_t = defaults::CACHE_BYTES)]
    pub cache_bytes: u64,

    /// How long a generated image stays in the cache, in seconds.
    #[arg(long, env = "QRSMITH_CACHE_TTL_SECS", value_name = "SECS", default_value_t = defaults::CACHE_TTL_SECS)]
    pub cache_ttl_secs: u64,

    /// `Cache-Control: max-age` of `GET /api/v1/qr` images, in seconds.
    #[arg(long, env = "QRSMITH_HTTP_MAX_AGE_SECS", value_name = "SECS", default_value_t = defaults::HTTP_MAX_AGE_SECS)]
    pub http_max_age_secs: u64,

    /// On SIGTERM, keep accepting connections this long after /ready turns 503, so that load
    /// balancers stop sending traffic first, in milliseconds. Ctrl-C (SIGINT) skips it.
    #[arg(long, env = "QRSMITH_DRAIN_DELAY_MS", value_name = "MS", default_value_t = defaults::DRAIN_DELAY_MS)]
    pub drain_delay_ms: u64,

    /// After the drain delay, how long in-flight requests may take to finish before the process
    /// exits anyway, in milliseconds.
    #[arg(long, env = "QRSMITH_SHUTDOWN_GRACE_MS", value_name = "MS", default_value_t = defaults::SHUTDOWN_GRACE_MS)]
    pub shutdown_grace_ms: u64,

    /// Directory of the embedded database (batch jobs) and of job results, not used with
    /// `--redis` [default: $XDG_DATA_HOME/qrsmith, else ~/.local/share/qrsmith; without either,
    /// jobs are kept in memory only].
    #[arg(long, env = "QRSMITH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Redis to keep the state in instead of the data directory (`redis://[:PASSWORD@]HOST[:PORT][/DB]`,
    /// `rediss://` for TLS, `redis+unix:///PATH`): jobs, results, API keys, rate limits, usage
    /// and the generation cache's second level, shared by every replica that points at it.
    #[arg(long, env = "QRSMITH_REDIS", value_name = "URL")]
    pub redis: Option<String>,

    /// Prefix of every Redis key this service writes, so that several deployments can share one
    /// Redis.
    #[arg(long, env = "QRSMITH_REDIS_PREFIX", value_name = "PREFIX", default_value = defaults::REDIS_PREFIX)]
    pub redis_prefix: String,

    /// Most items one batch job may hold.
    #[arg(long, env = "QRSMITH_MAX_JOB_ITEMS", value_name = "N", default_value_t = defaults::MAX_JOB_ITEMS)]
    pub max_job_items: usize,

    /// Jobs queued or running at once (batch jobs and asynchronous `POST /generate` alike);
    /// more are answered 429.
    #[arg(long, env = "QRSMITH_MAX_OPEN_JOBS", value_name = "N", default_value_t = defaults::MAX_OPEN_JOBS)]
    pub max_open_jobs: u64,

    /// How long a finished batch job (or asynchronous request) and its result are kept, in
    /// seconds.
    #[arg(long, env = "QRSMITH_JOB_TTL_SECS", value_name = "SECS", default_value_t = defaults::JOB_TTL_SECS)]
    pub job_ttl_secs: u64,

    /// How long a replica holds a running job without renewing its lease, in seconds (at
    /// least 1). The holder renews it every third of that while it works; if the holder dies,
    /// another replica (or the next start) takes the job over once the lease has lapsed and
    /// resumes it where it was. Shorter: faster takeover; longer: more tolerance of a stalled
    /// store. A graceful stop gives the lease up at once.
    #[arg(long, env = "QRSMITH_JOB_LEASE_SECS", value_name = "SECS", default_value_t = defaults::JOB_LEASE_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub job_lease_secs: u64,

    /// Largest result (ZIP) one batch job may have, in bytes. A job whose result would be
    /// larger fails with a clear error (nothing is truncated); split it into smaller jobs. With
    /// `--redis` the result is held in Redis's memory until the job expires, and Redis takes
    /// at most 512 MiB per value.
    #[arg(long, env = "QRSMITH_MAX_RESULT_BYTES", value_name = "BYTES", default_value_t = defaults::MAX_RESULT_BYTES)]
    pub max_result_bytes: u64,

    /// Key that unlocks every route and the admin view of `GET /api/v1/usage` (every key's
    /// usage). At least 16 printable ASCII characters; kept in memory only, compared in
    /// constant time; not rate limited, not counted in usage. Prefer the variable to the flag
    /// (a flag shows in the process list).
    #[arg(
        long,
        env = "QRSMITH_ADMIN_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub admin_key: Option<Secret>,

    /// Key required by `/metrics` (as `Authorization: Bearer` or `X-API-Key`; the admin key
    /// works too). Without it `/metrics` is open, whether API keys exist or not.
    #[arg(
        long,
        env = "QRSMITH_METRICS_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub metrics_key: Option<Secret>,

    /// How long API key lookups and the "are there any keys?" answer are cached in each
    /// process, in seconds: a key revoked (or created) takes effect within this delay (0 = ask
    /// the store on every request).
    #[arg(long, env = "QRSMITH_KEY_CACHE_SECS", value_name = "SECS", default_value_t = defaults::KEY_CACHE_SECS)]
    pub key_cache_secs: u64,

    /// Usage counts are kept in memory and written to the store this often, in seconds (and at
    /// shutdown); `GET /api/v1/usage` writes this process's counts first.
    #[arg(long, env = "QRSMITH_USAGE_FLUSH_SECS", value_name = "SECS", default_value_t = defaults::USAGE_FLUSH_SECS)]
    pub usage_flush_secs: u64,

    /// Days of usage statistics kept; older days are deleted.
    #[arg(long, env = "QRSMITH_USAGE_RETENTION_DAYS", value_name = "DAYS", default_value_t = defaults::USAGE_RETENTION_DAYS)]
    pub usage_retention_days: u64,

    /// The service's public base URL, as short links are printed and encoded in their codes
    /// (`{public_url}/r/{slug}`), e.g. `https://qr.example.com`. Default: `http://` and the
    /// listen address, which only suits a service used on this machine.
    #[arg(long, env = "QRSMITH_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<PublicUrl>,

    /// Hosts that dynamic links may redirect to (their subdomains included); repeat the flag or
    /// separate with commas. Empty (the default): any http(s) host, which lets every key holder
    /// use the service as a redirector to any site.
    #[arg(
        long = "link-allowed-hosts",
        env = "QRSMITH_LINK_ALLOWED_HOSTS",
        value_name = "HOST",
        value_delimiter = ','
    )]
    pub link_allowed_hosts: Vec<AllowedHost>,

    /// Scans of dynamic links are counted in memory and written to the store this often, in
    /// seconds, and at shutdown: a process killed without a graceful stop loses at most this
    /// long of counts (the redirects themselves are not affected).
    #[arg(long, env = "QRSMITH_LINK_FLUSH_SECS", value_name = "SECS", default_value_t = defaults::LINK_FLUSH_SECS)]
    pub link_flush_secs: u64,

    /// Most dynamic links one API key may have; creating another answers 403
    /// `link_limit_reached` (the admin key is not limited).
    #[arg(long, env = "QRSMITH_MAX_LINKS_PER_KEY", value_name = "N", default_value_t = defaults::MAX_LINKS_PER_KEY)]
    pub max_links_per_key: u64,

    /// Origins whose pages may call the API from a browser (CORS), e.g.
    /// `https://app.example.com`; repeat the flag or separate with commas; `*` for any origin.
    /// Off by default: only the service's own page (same origin) can call it.
    #[arg(
        long = "cors-origin",
        env = "QRSMITH_CORS_ORIGINS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<CorsOrigin>,

    /// Log line format.
    #[arg(long, env = "QRSMITH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,

    /// Log filter (tracing's `EnvFilter` syntax, e.g. `info` or `qrsmith_server=debug`).
    #[arg(
        long,
        env = "QRSMITH_LOG",
        value_name = "FILTER",
        default_value = "info"
    )]
    pub log: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            config: None,
            listen: defaults::LISTEN.parse().expect("valid default address"),
            max_body_bytes: defaults::MAX_BODY_BYTES,
            max_image_pixels: defaults::MAX_IMAGE_PIXELS,
            decode_timeout_ms: defaults::DECODE_TIMEOUT_MS,
            decode_effort: qrsmith_core::Effort::default(),
            max_text_bytes: defaults::MAX_TEXT_BYTES,
            max_output_side: defaults::MAX_OUTPUT_SIDE,
            max_concurrent_requests: defaults::MAX_CONCURRENT_REQUESTS,
            workers: defaults::WORKERS,
            http_threads: defaults::HTTP_THREADS,
            queue_length: defaults::QUEUE_LENGTH,
            request_timeout_ms: defaults::REQUEST_TIMEOUT_MS,
            header_timeout_ms: defaults::HEADER_TIMEOUT_MS,
            cache_bytes: defaults::CACHE_BYTES,
            cache_ttl_secs: defaults::CACHE_TTL_SECS,
            http_max_age_secs: defaults::HTTP_MAX_AGE_SECS,
            drain_delay_ms: defaults::DRAIN_DELAY_MS,
            shutdown_grace_ms: defaults::SHUTDOWN_GRACE_MS,
            data_dir: None,
            redis: None,
            redis_prefix: defaults::REDIS_PREFIX.into(),
            max_job_items: defaults::MAX_JOB_ITEMS,
            max_open_jobs: defaults::MAX_OPEN_JOBS,
            job_ttl_secs: defaults::JOB_TTL_SECS,
            job_lease_secs: defaults::JOB_LEASE_SECS,
            max_result_bytes: defaults::MAX_RESULT_BYTES,
            admin_key: None,
            metrics_key: None,
            key_cache_secs: defaults::KEY_CACHE_SECS,
            usage_flush_secs: defaults::USAGE_FLUSH_SECS,
            usage_retention_days: defaults::USAGE_RETENTION_DAYS,
            public_url: None,
            link_allowed_hosts: Vec::new(),
            link_flush_secs: defaults::LINK_FLUSH_SECS,
            max_links_per_key: defaults::MAX_LINKS_PER_KEY,
            cors_origins: Vec::new(),
            log_format: LogFormat::Auto,
            log: "info".into(),
        }
    }
}

impl Config {
    /// Applies the TOML file named by `--config`, if any, to every setting that was not given as
    /// a flag or environment variable. `matches` are the parsed arguments this `Config` came
    /// from (to tell a default from an explicit value).
    pub fn merge_file(self, matches: &clap::ArgMatches) -> anyhow::Result<Config> {
        let Some(path) = self.config.clone() else {
            return Ok(self);
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let file: toml::Table = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        let mut merged = toml::Table::try_from(&self).context("cannot represent the settings")?;
        for (key, value) in file {
            // Only known settings are asked about (clap panics on unknown ids); unknown keys are
            // left for deserialisation to reject by name.
            let explicit = merged.contains_key(&key)
                && matches!(
                    matches.value_source(&key),
                    Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                );
            if !explicit {
                merged.insert(key, value);
            }
        }
        let mut config: Config = merged
            .try_into()
            .with_context(|| format!("invalid setting in {}", path.display()))?;
        config.config = Some(path);
        Ok(config)
    }

    /// The number of worker threads: `workers`, or the number of cores when it is 0.
    pub fn worker_count(&self) -> usize {
        match self.workers {
            0 => cores(),
            n => n,
        }
    }

    /// The number of async runtime threads: `http_threads`, or half the cores (at least one)
    /// when it is 0.
    pub fn http_thread_count(&self) -> usize {
        match self.http_threads {
            0 => cores().div_ceil(2),
            n => n,
        }
    }

    /// The library's decode options for these limits (every decode the service runs).
    pub fn decode_options(&self) -> qrsmith_core::DecodeOptions {
        qrsmith_core::DecodeOptions {
            limits: qrsmith_core::Limits {
                max_bytes: self.max_body_bytes,
                max_pixels: self.max_image_pixels,
                max_time: self.decode_timeout(),
            },
            effort: self.decode_effort,
        }
    }

    /// `decode_timeout_ms` as a budget (`None` for 0).
    pub fn decode_timeout(&self) -> Option<Duration> {
        (self.decode_timeout_ms > 0).then(|| Duration::from_millis(self.decode_timeout_ms))
    }

    /// `job_lease_secs` as a duration (at least a second, whatever a file says).
    pub fn job_lease(&self) -> Duration {
        Duration::from_secs(self.job_lease_secs.max(1))
    }

    /// The public base URL of short links: `public_url`, or `http://` and the listen address.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.as_str().to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// `request_timeout_ms` as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

/// Where `qrsmith serve` keeps its data when `--data-dir` is not given: the XDG data directory.
pub fn default_data_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty());
    xdg.map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .map(|base| base.join("qrsmith"))
}

/// The CPU cores this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches, Parser};

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Config {
        let matches = Cli::command().try_get_matches_from(args).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        cli.config.merge_file(&matches).unwrap()
    }

    #[test]
    fn clap_defaults_equal_default_impl() {
        let mut parsed = parse(&["serve"]);
        // The environment of the test process may set QRSMITH_CONFIG etc.; defaults only.
        parsed.config = None;
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn file_fills_defaults_but_flags_win() {
        let dir = std::env::temp_dir().join(format!("qrsmith-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("serve.toml");
        std::fs::write(
            &path,
            "workers = 3\nqueue_length = 7\nlisten = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let c = parse(&[
            "serve",
            "--config",
            path.to_str().unwrap(),
            "--queue-length",
            "9",
        ]);
        assert_eq!(c.workers, 3);
        assert_eq!(c.queue_length, 9, "the flag wins over the file");
        assert_eq!(c.listen, "0.0.0.0:9000".parse().unwrap());

        std::fs::write(&path, "no_such_setting = 1\n").unwrap();
        let matches = Cli::command()
            .try_get_matches_from(["serve", "--config", path.to_str().unwrap()])
            .unwrap();
        let err = Cli::from_arg_matches(&matches)
            .unwrap()
            .config
            .merge_file(&matches)
            .unwrap_err();
        assert!(format!("{err:#}").contains("no_such_setting"), "{err:#}");
    }

    #[test]
    fn help_shows_defaults_and_variables() {
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "[default: 127.0.0.1:8080]",
            "QRSMITH_LISTEN",
            "[default: 16777216]",
            "QRSMITH_QUEUE_LENGTH",
            "[default: 86400]",
            "QRSMITH_REDIS",
            "[default: qrsmith:]",
            "QRSMITH_JOB_LEASE_SECS",
            "[default: 30]",
            "QRSMITH_MAX_RESULT_BYTES",
            "[default: 268435456]",
            "QRSMITH_ADMIN_KEY",
            "QRSMITH_METRICS_KEY",
            "QRSMITH_KEY_CACHE_SECS",
            "QRSMITH_USAGE_RETENTION_DAYS",
        ] {
            assert!(help.contains(needle), "help lacks {needle}:\n{help}");
        }
    }
}
