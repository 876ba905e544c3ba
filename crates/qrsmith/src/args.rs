//! Command-line arguments: every flag documented here is what `--help` prints.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use qrsmith_core::{EcLevel, Mode, Version};

/// QR code generation and reading.
#[derive(Debug, Parser)]
#[command(name = "qrsmith", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Encode text or bytes as a QR code and render it (exit 0 written, 2 error).
    Encode(EncodeArgs),
    /// Read every QR, Micro QR and rMQR code in images (exit 0 found, 1 none, 2 error).
    Decode(DecodeArgs),
    /// Many codes at once, in parallel over the cores: CSV rows to a ZIP of images, or
    /// directories of images to one table of results.
    Batch(BatchArgs),
    /// API keys of the service: create, list, revoke. While no key exists the API is open;
    /// once one was made (revoked ones count), every API route needs a key.
    Keys(KeysArgs),
    /// Dynamic links: short URLs on the service (/r/SLUG) whose destination can change after
    /// their codes are printed, with scan statistics; on the service's store, as `keys` is.
    Links(LinksArgs),
    /// Run the HTTP service: API, web page, metrics (exit 0 after a clean shutdown).
    ///
    /// Every setting can also be given as an environment variable or in a TOML file (--config).
    Serve(Box<qrsmith_server::Config>),
    /// Ask a running service whether it is healthy, for container health checks that have no
    /// curl (the image has nothing but this binary): exit 0 when the probe answers 200, 1
    /// otherwise (Docker's HEALTHCHECK reserves 2).
    Healthcheck(HealthcheckArgs),
    /// Measure reading accuracy: generate the hard-case set, or read sets of images with
    /// expected results through the pipeline and the plain engine side by side.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The service's address, as given to `serve --listen` (the same variable, so a container's
    /// setting serves both); an unspecified address (`0.0.0.0`, `[::]`) is probed on loopback.
    #[arg(
        long,
        env = "QRSMITH_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: std::net::SocketAddr,
    /// The path probed: /health (alive) or /ready (taking traffic).
    #[arg(long, value_name = "PATH", default_value = "/health", value_parser = parse_probe_path)]
    pub path: String,
    /// Time allowed for connecting and for the whole answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub timeout_ms: u64,
}

/// An absolute path with nothing that could break the request line.
fn parse_probe_path(path: &str) -> Result<String, String> {
    if !path.starts_with('/')
        || path
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err("expected an absolute path without spaces, such as /health".into());
    }
    Ok(path.to_owned())
}

/// A value parsed by the library's own `FromStr` (names in either case), so that the CLI and
/// the service accept the same spellings and say the same thing about a wrong one.
fn library_value<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr<Err = qrsmith_core::Error>,
{
    s.parse()
        .map_err(|e: qrsmith_core::Error| e.message().to_owned())
}

/// Output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// PNG image (1-bit or palette).
    Png,
    /// SVG, one path.
    Svg,
    /// PDF, vector.
    Pdf,
    /// Encapsulated PostScript, vector.
    Eps,
    /// Module matrix: one line per row, 1 dark, 0 light.
    Txt,
    /// Unicode half blocks with ANSI colours.
    Term,
}

#[derive(Debug, Args)]
// The options are global so that they may follow a payload type (`encode wifi … -o x.png`).
#[command(mut_args = global_unless_positional)]
pub struct EncodeArgs {
    /// The payload; `-` or nothing reads standard input (bytes kept exactly, trailing newline
    /// included). Valid UTF-8 is encoded as text, anything else as raw bytes.
    pub text: Option<String>,
    /// Build the payload from typed fields instead (`qrsmith encode wifi --help`).
    #[command(subcommand)]
    pub payload: Option<crate::payload_args::PayloadCommand>,
    /// Write to this file; the format follows its extension unless --format is given.
    /// Without it the code is drawn in the terminal, or written to stdout in --format.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format [default: from the file extension, else term].
    #[arg(short, long, value_enum, ignore_case = true)]
    pub format: Option<FormatArg>,
    /// Error-correction level: L, M, Q or H, in either case [default: H for QR, L for Micro QR].
    #[arg(long, value_name = "L|M|Q|H", value_parser = library_value::<EcLevel>)]
    pub ec: Option<EcLevel>,
    /// Raise the error-correction level as far as the chosen version still holds the data.
    #[arg(long)]
    pub boost_ec: bool,
    /// Force a version: 1-40, M1-M4 for Micro QR, or an rMQR size R7x43 ... R17x139
    /// [default: smallest that fits].
    #[arg(long, value_name = "N|MN|RHxW", value_parser = library_value::<Version>)]
    pub version: Option<Version>,
    /// Force a mask pattern: 0-7 (QR) or 0-3 (Micro QR) [default: lowest penalty].
    #[arg(long, value_name = "N")]
    pub mask: Option<u8>,
    /// Force one encoding mode for the whole payload: numeric, alphanumeric, byte or kanji
    /// [default: shortest mix of modes].
    #[arg(long, value_name = "MODE", value_parser = library_value::<Mode>)]
    pub mode: Option<Mode>,
    /// Make a Micro QR symbol (M1-M4).
    #[arg(long, conflicts_with = "rmqr")]
    pub micro: bool,
    /// Make an rMQR (rectangular Micro QR) symbol, the one with the fewest modules that fits:
    /// levels M and H; every format and label sheets; styles with square eyes and no logo.
    #[arg(long)]
    pub rmqr: bool,
    /// Start with an ECI designator: UTF-8 (26) when given alone, or the number given.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "26")]
    pub eci: Option<u32>,
    /// Split the payload over N structured-append symbols (2-16); files get -1, -2, ...
    /// suffixes.
    #[arg(long, value_name = "N")]
    pub parts: Option<u8>,
    /// Pixels per module [default: 10].
    #[arg(long, value_name = "N", conflicts_with = "size")]
    pub scale: Option<u32>,
    /// Target width in pixels, quiet zone included (largest whole module size that fits).
    #[arg(long, value_name = "PX")]
    pub size: Option<u32>,
    /// Quiet zone in modules [default: 4; 2 for rMQR, as its standard asks].
    #[arg(long, value_name = "N")]
    pub border: Option<u32>,
    /// Dark colour: #rgb, #rrggbb or #rrggbbaa.
    #[arg(long, value_name = "HEX", default_value = "#000000")]
    pub fg: String,
    /// Light colour: #rgb, #rrggbb, #rrggbbaa or `transparent`.
    #[arg(long, value_name = "HEX", default_value = "#ffffff")]
    pub bg: String,
    /// Print resolution, written to PNG and used for the physical size of PDF/EPS.
    #[arg(long, value_name = "DPI")]
    pub dpi: Option<u32>,
    #[command(flatten)]
    pub style: StyleArgs,
}

/// Styled codes (PNG and SVG): shapes, eye colours, a logo, and verification.
#[derive(Debug, Args)]
pub struct StyleArgs {
    /// Shape of the dark modules: square, dot, rounded or gapped.
    #[arg(long, value_name = "SHAPE", help_heading = "Style (PNG, SVG)")]
    pub module_shape: Option<String>,
    /// Shape of the finder eyes: square, rounded or circle.
    #[arg(long, value_name = "SHAPE", help_heading = "Style (PNG, SVG)")]
    pub eye_shape: Option<String>,
    /// Colour of the finder eyes: #rgb, #rrggbb or #rrggbbaa [default: --fg].
    #[arg(long, value_name = "HEX", help_heading = "Style (PNG, SVG)")]
    pub eye_color: Option<String>,
    /// A logo for the centre: PNG, JPEG or SVG file (at most 1 MiB, 4 MP). Raises the
    /// error-correction level to H unless --no-auto-ec.
    #[arg(long, value_name = "FILE", help_heading = "Style (PNG, SVG)")]
    pub logo: Option<PathBuf>,
    /// The logo's width as a fraction of the symbol's, 0.05-0.4 [default: 0.2].
    #[arg(
        long,
        value_name = "FRACTION",
        requires = "logo",
        help_heading = "Style (PNG, SVG)"
    )]
    pub logo_size: Option<f32>,
    /// Modules kept light around the logo, 0-4 [default: 1].
    #[arg(
        long,
        value_name = "N",
        requires = "logo",
        help_heading = "Style (PNG, SVG)"
    )]
    pub logo_margin: Option<u32>,
    /// Never raise the error-correction level on my behalf (for a logo or a repair).
    #[arg(long, help_heading = "Style (PNG, SVG)")]
    pub no_auto_ec: bool,
    /// Read the code back under degradations and print its scan margin to stderr (on by
    /// default for styled codes, which are then repaired if they do not read).
    #[arg(long, conflicts_with = "no_verify", help_heading = "Style (PNG, SVG)")]
    pub verify: bool,
    /// Do not verify a styled code (it is written as asked, untested).
    #[arg(long, help_heading = "Style (PNG, SVG)")]
    pub no_verify: bool,
}

/// Makes an option global (usable after a subcommand); positionals stay the command's own.
fn global_unless_positional(arg: clap::Arg) -> clap::Arg {
    if arg.is_positional() {
        arg
    } else {
        arg.global(true)
    }
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Image files (PNG, JPEG, GIF, BMP, WebP, TIFF) or directories, whose images (by extension,
    /// directly inside) are read in name order; `-` reads standard input.
    #[arg(required = true, value_name = "IMAGE|DIR")]
    pub images: Vec<PathBuf>,
    /// Print JSON Lines: one object per image with every symbol's metadata.
    #[arg(long)]
    pub json: bool,
    /// Read with zxing-cpp alone — its try-harder read (every rotation, inverted codes, its own
    /// downscaling) — and nothing of the pipeline (no fast path, no escalation, not our own
    /// reader), for comparing readers on the same images. --effort does not apply.
    #[arg(long)]
    pub plain: bool,
    #[command(flatten)]
    pub limits: ReadLimits,
}

/// Limits on each image read.
#[derive(Debug, Args)]
pub struct ReadLimits {
    /// Largest file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_bytes: u64,
    /// Largest image accepted, in pixels (width x height), checked before decoding.
    #[arg(long, value_name = "PIXELS", default_value_t = 50_000_000)]
    pub max_pixels: u64,
    /// Time budget per image in milliseconds (0 = none).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// How hard to look: fast (the main pass only), balanced (further passes over prepared
    /// copies of the image when the main pass finds nothing) or thorough (every stage, merged).
    #[arg(long, value_name = "LEVEL", default_value_t = qrsmith_core::Effort::default())]
    pub effort: qrsmith_core::Effort,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    #[command(subcommand)]
    pub command: BatchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// A code for every row of a CSV, written to a ZIP with manifest.csv (row, filename,
    /// status, error), or with --pdf to a label sheet (codes in a grid, with captions). Exit 0
    /// every row written, 1 some rows failed (the rest is written), 2 error (nothing written).
    Generate(BatchGenerateArgs),
    /// Read every image given, and every image in the directories given (not recursively);
    /// print results.json (default) or results.csv, or write a ZIP with both. Exit 0 some code
    /// found, 1 none, 2 some files could not be read.
    Decode(BatchDecodeArgs),
}

#[derive(Debug, Args)]
pub struct BatchGenerateArgs {
    /// The CSV (`-` reads standard input): a header row naming `text` (or `data`, or
    /// `data_base64`), optionally `filename`, and any option of the service's
    /// `POST /api/v1/qr` as further columns: format, ec, version, micro, mask, mode, eci,
    /// boost_ec, scale, size, border, fg, bg, dpi, parts. An empty cell takes the default.
    #[arg(value_name = "CSV")]
    pub csv: PathBuf,
    /// The ZIP to write (replaced only once it is complete).
    #[arg(short, long, value_name = "ZIP", required_unless_present = "pdf")]
    pub output: Option<PathBuf>,
    /// Write a label-sheet PDF instead of a ZIP: every good row's code in a grid, in row order,
    /// with a caption each (see the label options); failed rows are listed on standard error.
    #[arg(long, value_name = "PDF", conflicts_with = "output")]
    pub pdf: Option<PathBuf>,
    #[command(flatten)]
    pub labels: LabelArgs,
    /// A default for rows that leave the column empty, e.g. `--set format=svg --set ec=M`
    /// (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub defaults: Vec<String>,
    /// Most rows accepted.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_rows: usize,
    /// Threads [default: one per core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// The layout of `batch generate --pdf`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Label sheet (with --pdf)")]
pub struct LabelArgs {
    /// Page size: a4, letter, or WIDTHxHEIGHT in millimetres [default: a4].
    #[arg(long, value_name = "SIZE", requires = "pdf")]
    pub page: Option<String>,
    /// Rows of labels per page, 1-20 [default: 8].
    #[arg(long, value_name = "N", requires = "pdf")]
    pub rows: Option<u32>,
    /// Columns of labels per page, 1-20 [default: 3].
    #[arg(long, value_name = "N", requires = "pdf")]
    pub columns: Option<u32>,
    /// Page margin on every side, in millimetres [default: 10].
    #[arg(long, value_name = "MM", requires = "pdf")]
    pub margin_mm: Option<f64>,
    /// Space between labels, in millimetres [default: 3].
    #[arg(long, value_name = "MM", requires = "pdf")]
    pub gap_mm: Option<f64>,
    /// Quiet zone around each code, in modules [default: 4].
    #[arg(long, value_name = "N", requires = "pdf")]
    pub quiet_zone: Option<u32>,
    /// Caption font size in points, 4-36 [default: 8].
    #[arg(long, value_name = "PT", requires = "pdf")]
    pub caption_pt: Option<f64>,
    /// The CSV column whose cells are the captions [default: caption, if the CSV has one].
    /// Captions are Helvetica in the Windows-1252 character set; other characters print as '?'.
    #[arg(long, value_name = "NAME", requires = "pdf")]
    pub caption_column: Option<String>,
}

#[derive(Debug, Args)]
pub struct BatchDecodeArgs {
    /// Image files, and directories whose images (by extension) are all read.
    #[arg(required = true, value_name = "DIR|IMAGE")]
    pub inputs: Vec<PathBuf>,
    /// Print results.csv (one line per symbol) instead of results.json.
    #[arg(long, conflicts_with = "output")]
    pub csv: bool,
    /// Write a ZIP holding results.csv and results.json instead of printing.
    #[arg(short, long, value_name = "ZIP")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub limits: ReadLimits,
    /// Threads [default: one per core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new key and print it once, alone on the last line of standard output (only its
    /// SHA-256 is stored: a lost key cannot be shown again; revoke it and make another).
    Create(KeysCreateArgs),
    /// Every key with its rate, burst, creation time and state (never the key itself).
    List(KeyStoreArgs),
    /// Revoke a key: servers refuse it within their --key-cache-secs (5 s by default). Its name
    /// stays taken, so its usage statistics stay its own.
    Revoke(KeysRevokeArgs),
}

/// Where the keys are kept: the service's store, named as `qrsmith serve` names it.
#[derive(Debug, Args)]
pub struct KeyStoreArgs {
    /// The service's data directory (as `qrsmith serve --data-dir`), when it runs on SQLite
    /// [default: $XDG_DATA_HOME/qrsmith, else ~/.local/share/qrsmith].
    #[arg(
        long,
        env = "QRSMITH_DATA_DIR",
        value_name = "DIR",
        conflicts_with = "redis"
    )]
    pub data_dir: Option<PathBuf>,
    /// The service's Redis (as `qrsmith serve --redis`), when it runs on Redis: keys made here
    /// are seen by every replica.
    #[arg(long, env = "QRSMITH_REDIS", value_name = "URL")]
    pub redis: Option<String>,
    /// The service's `--redis-prefix`.
    #[arg(long, env = "QRSMITH_REDIS_PREFIX", value_name = "PREFIX", default_value = qrsmith_server::DEFAULT_REDIS_PREFIX)]
    pub redis_prefix: String,
}

#[derive(Debug, Args)]
pub struct KeysCreateArgs {
    /// The key's name: 1-64 ASCII letters, digits, '-', '_' or '.'; unique (names of revoked
    /// keys stay taken).
    #[arg(long, value_name = "NAME", value_parser = parse_key_name)]
    pub name: String,
    /// Sustained request rate: N/s, N/min or N/h (N from 1 to 1,000,000).
    #[arg(long, value_name = "N/UNIT", default_value = "50/s", value_parser = parse_rate)]
    pub rate: qrsmith_server::store::keys::Rate,
    /// Requests allowed at once above the rate (1 to 1,000,000).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub burst: u32,
    #[command(flatten)]
    pub store: KeyStoreArgs,
}

#[derive(Debug, Args)]
pub struct KeysRevokeArgs {
    /// The key's name (as `keys list` shows it).
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub store: KeyStoreArgs,
}

fn parse_rate(s: &str) -> Result<qrsmith_server::store::keys::Rate, String> {
    s.parse()
}

fn parse_key_name(s: &str) -> Result<String, String> {
    qrsmith_server::store::keys::validate_name(s).map(|()| s.to_owned())
}

#[derive(Debug, Args)]
pub struct LinksArgs {
    #[command(subcommand)]
    pub command: LinksCommand,
}

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// Make a link (owned by the admin, or by --owner) and print its short URL alone on
    /// standard output.
    Create(LinksCreateArgs),
    /// Links, newest first: slug, scans, state, destination.
    List(LinksListArgs),
    /// One link in full, as JSON (the API's representation).
    Show(LinksSlugArgs),
    /// Change a link: only the options given change; servers use the change at once.
    Update(LinksUpdateArgs),
    /// Delete a link and its statistics: its short URL answers 404 from now on.
    Delete(LinksSlugArgs),
    /// Scans per day (or hour), bot hits, unique visitors and devices. Counts reach the store
    /// every --link-flush-secs (5 s by default) from each server.
    Stats(LinksStatsArgs),
}

/// What every `links` subcommand needs: the store, and how short URLs are written.
#[derive(Debug, Args)]
pub struct LinksStoreArgs {
    #[command(flatten)]
    pub store: KeyStoreArgs,
    /// The service's public base URL (as `qrsmith serve --public-url`), for the short URLs
    /// printed [default: http://127.0.0.1:8080].
    #[arg(long, env = "QRSMITH_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<qrsmith_server::PublicUrl>,
    /// Hosts destinations may point to (as `qrsmith serve --link-allowed-hosts`).
    #[arg(
        long = "link-allowed-hosts",
        env = "QRSMITH_LINK_ALLOWED_HOSTS",
        value_name = "HOST",
        value_delimiter = ','
    )]
    pub link_allowed_hosts: Vec<qrsmith_server::AllowedHost>,
}

/// A link's destinations and limits, as `create` and `update` take them.
#[derive(Debug, Args)]
pub struct LinkFields {
    /// Where Android devices go instead of the destination.
    #[arg(long, value_name = "URL")]
    pub android: Option<String>,
    /// Where iPhones and iPads go instead of the destination.
    #[arg(long, value_name = "URL")]
    pub ios: Option<String>,
    /// Where desktop browsers go instead of the destination.
    #[arg(long, value_name = "URL")]
    pub desktop: Option<String>,
    /// Start of validity, RFC 3339 UTC (2026-12-24T00:00:00Z): before it the link answers 410.
    #[arg(long, value_name = "TIME")]
    pub valid_from: Option<String>,
    /// End of validity, RFC 3339 UTC: after it the link answers 410.
    #[arg(long, value_name = "TIME")]
    pub valid_until: Option<String>,
    /// Scans after which the link answers 410.
    #[arg(long, value_name = "N")]
    pub max_scans: Option<u64>,
    /// A note for the owner (at most 500 characters).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct LinksCreateArgs {
    /// Where scans go: an http or https URL.
    pub destination: String,
    /// The short URL's path segment: 3-64 ASCII letters, digits, '-' or '_' [default: 8 random
    /// characters].
    #[arg(long, value_name = "SLUG")]
    pub slug: Option<String>,
    /// The API key (by name) that owns the link and sees it through the API [default: the
    /// admin].
    #[arg(long, value_name = "NAME", value_parser = parse_key_name)]
    pub owner: Option<String>,
    /// Make it disabled (answering 410) until enabled.
    #[arg(long)]
    pub disabled: bool,
    #[command(flatten)]
    pub fields: LinkFields,
    #[command(flatten)]
    pub store: LinksStoreArgs,
}

#[derive(Debug, Args)]
pub struct LinksListArgs {
    /// Only the links of this API key (by name).
    #[arg(long, value_name = "NAME", value_parser = parse_key_name)]
    pub owner: Option<String>,
    /// Most links shown.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u64,
    /// Links skipped first (the next page).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: u64,
    #[command(flatten)]
    pub store: LinksStoreArgs,
}

#[derive(Debug, Args)]
pub struct LinksSlugArgs {
    /// The link's slug.
    pub slug: String,
    #[command(flatten)]
    pub store: LinksStoreArgs,
}

#[derive(Debug, Args)]
pub struct LinksUpdateArgs {
    /// The link's slug.
    pub slug: String,
    /// The new destination.
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    /// Enable the link.
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Disable the link: it answers 410 until enabled.
    #[arg(long)]
    pub disable: bool,
    /// Clear these settings: android, ios, desktop, valid-from, valid-until, max-scans.
    #[arg(long, value_name = "SETTING", value_delimiter = ',', value_parser = ["android", "ios", "desktop", "valid-from", "valid-until", "max-scans"])]
    pub clear: Vec<String>,
    #[command(flatten)]
    pub fields: LinkFields,
    #[command(flatten)]
    pub store: LinksStoreArgs,
}

#[derive(Debug, Args)]
pub struct LinksStatsArgs {
    /// The link's slug.
    pub slug: String,
    /// First day, YYYY-MM-DD [default: 29 days before --to].
    #[arg(long, value_name = "DAY")]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD [default: today, UTC].
    #[arg(long, value_name = "DAY")]
    pub to: Option<String>,
    /// One row per day or per hour.
    #[arg(long, value_enum, ignore_case = true, default_value_t = StatsGranularity::Day)]
    pub granularity: StatsGranularity,
    /// Print the API's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: LinksStoreArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsGranularity {
    Day,
    Hour,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Write the generated hard cases (qrsmith-hardcases) to DIR/CATEGORY/NN.png, each with
    /// its expected result: NN.txt (the exact text) for one code, NN.texts (one text per
    /// line, every one to be read) for several. Exit 0 written, 2 error.
    Hardcases(BenchHardcasesArgs),
    /// Read every image that has an expected result (NAME.txt exact text, NAME.bin exact
    /// bytes, NAME.texts one text per line) with the pipeline and with the plain engine, and
    /// print reads, misreads and median milliseconds per category (the folder holding the
    /// images). Exit 0 no pipeline misread, 1 some, 2 error.
    Accuracy(BenchAccuracyArgs),
}

#[derive(Debug, Args)]
pub struct BenchHardcasesArgs {
    /// The directory to write into (created; existing files of the same names are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The seed: the same seed writes the same images.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Images per category.
    #[arg(long, value_name = "K", default_value_t = 20)]
    pub per_category: u32,
    /// Only these categories (comma-separated names, e.g. glare,blur) [default: all].
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub categories: Vec<String>,
    /// Threads [default: one per core].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct BenchAccuracyArgs {
    /// Directories of images with expected results: images directly inside form a category
    /// named after the directory, each subdirectory (one level) a category of its own.
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Also read the generated hard cases, made in memory: K per category for seed SEED.
    #[arg(long, value_name = "SEED:K", value_parser = parse_generated)]
    pub generated: Option<(u64, u32)>,
    /// Read every image at each of these rotations (degrees, multiples of 90).
    #[arg(long, value_name = "DEGREES", value_delimiter = ',', default_value = "0",
          value_parser = parse_rotation)]
    pub rotations: Vec<u16>,
    /// Print the report as JSON instead of a Markdown table.
    #[arg(long)]
    pub json: bool,
    /// Limits and the pipeline's effort (the plain engine has the same limits).
    #[command(flatten)]
    pub limits: ReadLimits,
    /// Threads [default: one per core]. Each decode is timed on its own; use 1 for timings
    /// free of contention.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// `SEED:K`, both numbers.
fn parse_generated(s: &str) -> Result<(u64, u32), String> {
    let (seed, k) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?}: expected SEED:K, e.g. 1:20"))?;
    let seed = seed
        .trim()
        .parse()
        .map_err(|_| format!("{seed:?}: the seed must be a whole number"))?;
    let k = k
        .trim()
        .parse()
        .map_err(|_| format!("{k:?}: K must be a whole number"))?;
    if k == 0 {
        return Err("K must be at least 1".to_owned());
    }
    Ok((seed, k))
}

/// 0, 90, 180 or 270.
fn parse_rotation(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(d @ (0 | 90 | 180 | 270)) => Ok(d),
        _ => Err(format!("{s:?}: a rotation is 0, 90, 180 or 270")),
    }
}
