//! Decoding: image bytes (PNG, JPEG, GIF, BMP, WebP, TIFF) → every QR, Micro QR and rMQR symbol.
//!
//! One file per stage: `image_input` (format sniffing, limits checked on the header before the
//! pixels are decoded, EXIF orientation), `engine` (the reader behind a trait of our own;
//! zxing-cpp 3 today), `residual` (whether the fast path may stop early), `sequence`
//! (structured-append grouping and merging), `resize` (the scaled copies). This file holds the public types and the pass
//! policy that ties them together.

pub(crate) mod engine;
mod finders;
mod image_input;
mod pipeline;
mod residual;
mod resize;
mod sequence;

pub use sequence::merge_sequences;

use std::time::{Duration, Instant};

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage};

use self::engine::{Engine, EngineOptions, ZxingEngine};
use crate::error::{parse_named, Error, ErrorKind, Result};
use crate::reader;

/// Resource limits, all checked before the expensive work. The defaults suit a public service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted encoded input, in bytes. Default 32 MiB.
    pub max_bytes: u64,
    /// Largest accepted image, in pixels (width × height, read from the file header before any
    /// pixel is decoded). Default 50 MP, as imgproxy.
    pub max_pixels: u64,
    /// Time budget for one call, or `None` for no budget. Default 10 s.
    ///
    /// The engine cannot be interrupted, so the budget is checked between stages (after image
    /// decoding, between reader passes): a call can overrun it by one pass. Running out of time
    /// is an error ([`ErrorKind::Timeout`]) only when nothing was found; symbols found before
    /// the budget ran out are returned normally.
    pub max_time: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 32 << 20,
            max_pixels: 50_000_000,
            max_time: Some(Duration::from_secs(10)),
        }
    }
}

/// Options for [`decode`] and [`decode_image`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Resource limits; the time budget bounds every effort level.
    pub limits: Limits,
    /// How hard to look. Default [`Effort::Balanced`].
    pub effort: Effort,
}

/// How hard [`decode`] looks before it gives up.
///
/// Every level starts with the same fast path and main pass (zxing-cpp's full search over the
/// image and its own downscaled copies, every rotation, inverted codes). What differs is the
/// escalation when that pass leaves something unread: further passes over prepared copies of
/// the image (rescaled, contrast-normalised, smoothed, morphologically repaired, or
/// under another binarizer). Each stage was kept only where it read codes the others did not,
/// measured with `qrsmith bench accuracy`; the figures are in docs/accuracy.md.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Effort {
    /// The main pass only (and a downscaled pass for large images where it found nothing).
    Fast,
    /// When the main pass finds nothing, the stages that earn their time on real photos, in
    /// order, until one finds a symbol.
    #[default]
    Balanced,
    /// When something is left unread, every stage, merging what each finds, instead of
    /// stopping at the first that explains the image: the most symbols, at a higher cost.
    Thorough,
}

impl Effort {
    /// Every level, from the cheapest.
    pub const ALL: [Effort; 3] = [Effort::Fast, Effort::Balanced, Effort::Thorough];

    /// The level's name: `fast`, `balanced` or `thorough`.
    pub fn name(self) -> &'static str {
        match self {
            Effort::Fast => "fast",
            Effort::Balanced => "balanced",
            Effort::Thorough => "thorough",
        }
    }

    /// The escalation stages of this level, in order.
    fn stages(self) -> &'static [pipeline::Stage] {
        match self {
            Effort::Fast => &[],
            Effort::Balanced => &pipeline::ALL_STAGES[..BALANCED_STAGES],
            Effort::Thorough => pipeline::ALL_STAGES,
        }
    }
}

/// How many of [`pipeline::ALL_STAGES`] the balanced effort runs.
const BALANCED_STAGES: usize = 11;

impl std::str::FromStr for Effort {
    type Err = Error;

    fn from_str(s: &str) -> Result<Effort> {
        parse_named("effort", s, &Effort::ALL, Effort::name)
    }
}

impl std::fmt::Display for Effort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The symbology family of a symbol found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbology {
    /// QR Code (Model 2, and the obsolete Model 1).
    QrCode,
    /// Micro QR Code, M1–M4.
    MicroQrCode,
    /// Rectangular Micro QR Code (rMQR, ISO/IEC 23941).
    RmqrCode,
}

impl Symbology {
    /// Every symbology.
    pub const ALL: [Symbology; 3] = [
        Symbology::QrCode,
        Symbology::MicroQrCode,
        Symbology::RmqrCode,
    ];

    /// The name used in machine-readable output: `QRCode`, `MicroQRCode`, `rMQRCode`.
    pub fn name(self) -> &'static str {
        match self {
            Symbology::QrCode => "QRCode",
            Symbology::MicroQrCode => "MicroQRCode",
            Symbology::RmqrCode => "rMQRCode",
        }
    }
}

/// A point in image pixel coordinates (x to the right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Column.
    pub x: f32,
    /// Row.
    pub y: f32,
}

/// A symbol's place in a structured-append sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructuredAppend {
    /// Position in the sequence, from 0.
    pub index: u8,
    /// Number of symbols in the sequence (1–16).
    pub count: u8,
    /// Parity byte: the XOR of every byte of the whole payload; identifies the sequence.
    pub parity: u8,
}

/// One symbol read from an image.
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    /// The content as text (bytes interpreted by ECI or, without one, by the reader's guess).
    pub text: String,
    /// The content's raw bytes, as stored in the symbol.
    pub bytes: Vec<u8>,
    /// QR, Micro QR or rMQR.
    pub symbology: Symbology,
    /// The version: `"5"` for QR, `"M3"` for Micro QR, `"R7x43"` for rMQR.
    pub version: String,
    /// Error-correction level (`"L"`, `"M"`, `"Q"`, `"H"`) when the reader reports one.
    pub ec_level: Option<String>,
    /// The data mask pattern, when known.
    pub mask: Option<u8>,
    /// The share of the error-correction capacity this read left unused, from 0 to 1, when the
    /// reader reports it: 1 means no codeword needed correcting; near 0, the symbol was barely
    /// readable.
    pub ec_headroom: Option<f32>,
    /// The symbol's corners in the original image's pixel grid (as stored in the file, before
    /// EXIF orientation and before any downscaling), clockwise from the symbol's top-left.
    pub corners: [Point; 4],
    /// Rotation of the symbol in the original image, in degrees (0 = upright, 90 = turned
    /// clockwise), in (-180, 180].
    pub orientation: i32,
    /// Light modules on a dark background.
    pub inverted: bool,
    /// The symbol is mirrored (read from behind glass, or a flipping EXIF orientation).
    pub mirrored: bool,
    /// The content carries an ECI designator.
    pub has_eci: bool,
    /// The AIM symbology identifier, e.g. `]Q1` (`]Q3` for GS1).
    pub symbology_identifier: String,
    /// Structured-append information, when the symbol is part of a sequence.
    pub structured_append: Option<StructuredAppend>,
}

/// A structured-append sequence found in one image, merged when complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedSequence {
    /// The parity byte that identifies the sequence.
    pub parity: u8,
    /// Number of symbols the sequence has.
    pub count: u8,
    /// Indices of the parts that were read, ascending.
    pub found: Vec<u8>,
    /// Indices of the parts that were not read; empty when the sequence is complete.
    pub missing: Vec<u8>,
    /// The whole payload as text; `None` while parts are missing.
    pub text: Option<String>,
    /// The whole payload's bytes, in sequence order; `None` while parts are missing.
    pub bytes: Option<Vec<u8>>,
}

impl MergedSequence {
    /// Whether every part was read.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Everything read from one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Width of the image as stored (before EXIF orientation), in pixels.
    pub width: u32,
    /// Height of the image as stored (before EXIF orientation), in pixels.
    pub height: u32,
    /// The EXIF orientation (1–8; 1 = upright) applied before reading.
    pub exif_orientation: u8,
    /// Every symbol found; empty when there is none (not an error).
    pub symbols: Vec<Symbol>,
    /// Structured-append sequences among `symbols`, complete or not.
    pub sequences: Vec<MergedSequence>,
}

/// Decodes an encoded image (PNG, JPEG, GIF, BMP, WebP or TIFF, recognised by its content) and
/// reads every symbol in it.
///
/// Limits are enforced before the expensive work: the byte size first, then the pixel count
/// from the header, before any pixel is decoded. JPEG (and TIFF, WebP) EXIF orientation is
/// honoured; corners are reported in the stored pixel grid.
///
/// Errors: [`ErrorKind::LimitExceeded`], [`ErrorKind::UnsupportedFormat`],
/// [`ErrorKind::CorruptImage`], [`ErrorKind::Timeout`] (only when nothing was found),
/// [`ErrorKind::Engine`]. Finding no symbol is `Ok` with an empty list.
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    let start = Instant::now();
    let loaded = image_input::load(bytes, &opts.limits)?;
    read(
        &ZxingEngine,
        &loaded.gray,
        Frame {
            orientation: loaded.orientation,
            stored_width: loaded.stored_width,
            stored_height: loaded.stored_height,
        },
        opts,
        start,
    )
}

/// Reads every symbol in an already decoded image. The image is taken as it is (no EXIF
/// orientation); corners are in its pixel grid. The pixel limit and time budget apply.
pub fn decode_image(image: &DynamicImage, opts: &DecodeOptions) -> Result<Decoded> {
    let start = Instant::now();
    image_input::check_pixels(image.width(), image.height(), &opts.limits)?;
    let gray = image_input::to_gray(image);
    read(
        &ZxingEngine,
        &gray,
        Frame {
            orientation: Orientation::NoTransforms,
            stored_width: image.width(),
            stored_height: image.height(),
        },
        opts,
        start,
    )
}

/// The plain engine, for comparisons: zxing-cpp's default read of the whole image (every
/// rotation, inverted codes, its own downscaled copies, the local binarizer) and nothing of our
/// pipeline: no fast path, no second pass, no escalation. Image loading, limits and corner
/// mapping are those of [`decode`]; the time budget is checked once, before the pass.
pub fn decode_baseline(bytes: &[u8], limits: &Limits) -> Result<Decoded> {
    let start = Instant::now();
    let loaded = image_input::load(bytes, limits)?;
    let frame = Frame {
        orientation: loaded.orientation,
        stored_width: loaded.stored_width,
        stored_height: loaded.stored_height,
    };
    read_baseline(&loaded.gray, frame, limits, start)
}

/// [`decode_baseline`] for an already decoded image, as [`decode_image`].
pub fn decode_image_baseline(image: &DynamicImage, limits: &Limits) -> Result<Decoded> {
    let start = Instant::now();
    image_input::check_pixels(image.width(), image.height(), limits)?;
    let frame = Frame {
        orientation: Orientation::NoTransforms,
        stored_width: image.width(),
        stored_height: image.height(),
    };
    read_baseline(&image_input::to_gray(image), frame, limits, start)
}

fn read_baseline(
    gray: &GrayImage,
    frame: Frame,
    limits: &Limits,
    start: Instant,
) -> Result<Decoded> {
    if limits
        .max_time
        .is_some_and(|budget| start.elapsed() >= budget)
    {
        return Err(timeout_error(limits));
    }
    let mut symbols = ZxingEngine.read(gray, &EngineOptions::FULL)?;
    for s in &mut symbols {
        map_to_original(s, 1.0, frame);
    }
    Ok(decoded(frame, symbols))
}

fn timeout_error(limits: &Limits) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "no symbol found within the time budget of {} ms",
            limits.max_time.unwrap_or_default().as_millis()
        ),
    )
}

fn decoded(frame: Frame, symbols: Vec<Symbol>) -> Decoded {
    let sequences = merge_sequences(&symbols);
    Decoded {
        width: frame.stored_width,
        height: frame.stored_height,
        exif_orientation: frame.orientation.to_exif(),
        symbols,
        sequences,
    }
}

/// How the image handed to the engine relates to the original.
#[derive(Debug, Clone, Copy)]
struct Frame {
    orientation: Orientation,
    stored_width: u32,
    stored_height: u32,
}

/// Images above this many pixels get a second, downscaled pass when the full-resolution pass
/// finds nothing. See [`read`] for the measurements behind it.
const SECOND_PASS_MIN_PIXELS: u64 = 2_000_000;
/// Longest side of the downscaled copy for the second pass.
const SECOND_PASS_MAX_SIDE: u32 = 1000;

/// The pass policy.
///
/// Pass 1 reads the full-resolution image, with zxing-cpp's own `tryDownscale` on: the engine
/// scans the full image *and* its reduced copies, so small codes in large photos are kept (the
/// reference service's fixed shrink to 800 px loses them). Pass 2, only for large images where
/// pass 1 found nothing, reads a copy resized with a smoothing filter, which averages away sensor
/// noise and JPEG blocking that can defeat the binarizer at full resolution.
///
/// Measured with `decode::tests::measure_downscale_policy` (release build, 156 sample images with
/// an expected text; codes read / total ms for the set):
///
/// | set                        | A: full, zxing downscale | B: full, no downscale | C: shrink to 800 px | F: A + 1000 px pass > 2 MP |
/// |----------------------------|--------------------------|-----------------------|---------------------|----------------------------|
/// | samples as they are        | 143 / 152 ms             | 143 / 98 ms           | 143 / 105 ms        | 143 / 99 ms                |
/// | upscaled ×4 (2–5 MP)       | 138 / 930 ms             | 117 / 779 ms          | 139 / 5001 ms       | 139 / 1221 ms              |
/// | pasted into 4000 × 3000    | 140 / 6961 ms            | 138 / 6380 ms         | **8** / 18188 ms    | 141 / 7701 ms              |
///
/// Shrinking to 800 px loses almost every small code in a large photo (8 of 156); reading only
/// the full resolution loses codes in high-resolution close-ups (117 vs 138). A second pass at
/// 1600 px (above 4 or 2 MP) read 138 / 141: no better than 1000 px, and slower. The
/// second pass costs time only where the first found nothing. (Timings on a shared 2-core
/// machine, ±30 %.)
fn read(
    engine: &dyn Engine,
    gray: &GrayImage,
    frame: Frame,
    opts: &DecodeOptions,
    start: Instant,
) -> Result<Decoded> {
    let out_of_time = || {
        opts.limits
            .max_time
            .is_some_and(|budget| start.elapsed() >= budget)
    };
    // Symbols are kept in `gray`'s pixel grid until the end, then mapped to the stored image.
    let mut symbols = Vec::new();
    let mut timed_out = out_of_time();
    let mut explained = false;
    let mut tried = Tried::default();
    if !timed_out {
        // The fast path: a generated code or a screenshot of one is read by the pure detector
        // in a fraction of the full search's time. Its answer stands only when it explains the
        // whole image; otherwise the full search reads it all.
        let pure = engine.read(gray, &EngineOptions::PURE)?;
        explained = residual::fully_explained(gray, &pure);
        symbols = if explained {
            pure
        } else {
            let (mut found, unread) = engine.read_with_unread(gray, &EngineOptions::FULL)?;
            if opts.effort != Effort::Fast {
                tried.read_unread(gray, &unread, &mut found, &out_of_time);
            }
            found
        };
    }
    let pixels = u64::from(gray.width()) * u64::from(gray.height());
    if symbols.is_empty() && pixels > SECOND_PASS_MIN_PIXELS {
        timed_out = out_of_time();
        if !timed_out {
            let (small, scale) = downscale(gray, SECOND_PASS_MAX_SIDE);
            symbols = engine.read(&small, &EngineOptions::FULL)?;
            for s in &mut symbols {
                rescale(s, scale, (0.0, 0.0));
            }
        }
    }
    if !explained && !timed_out && opts.effort != Effort::Fast {
        timed_out = escalate(
            engine,
            gray,
            opts.effort,
            &mut symbols,
            &mut tried,
            &out_of_time,
        )?;
    }
    if symbols.is_empty() && (timed_out || out_of_time()) {
        return Err(timeout_error(&opts.limits));
    }
    for s in &mut symbols {
        map_to_original(s, 1.0, frame);
    }
    Ok(decoded(frame, symbols))
}

/// The escalation after the main pass: the effort's stages over prepared copies of the image,
/// while something is left unread — nothing was found, or QR finder patterns remain that no
/// symbol explains. Balanced stops as soon as nothing is left; thorough runs every stage.
/// Returns whether the time budget ran out.
///
/// Large images are worked on at the second pass's size: the stages look for codes the engine
/// could not binarize or locate, not for ever smaller ones.
fn escalate(
    engine: &dyn Engine,
    gray: &GrayImage,
    effort: Effort,
    symbols: &mut Vec<Symbol>,
    tried: &mut Tried,
    out_of_time: &dyn Fn() -> bool,
) -> Result<bool> {
    // Nothing with the contrast of a code outside the symbols read: nothing left to find. A
    // cheaper test than the finder scan, and enough for most tightly framed photos.
    if !symbols.is_empty() && !residual::contrast_outside(gray, symbols) {
        return Ok(false);
    }
    let pixels = u64::from(gray.width()) * u64::from(gray.height());
    let (work, base_scale) = if pixels > SECOND_PASS_MIN_PIXELS {
        let (small, scale) = downscale(gray, SECOND_PASS_MAX_SIDE);
        (std::borrow::Cow::Owned(small), scale)
    } else {
        (std::borrow::Cow::Borrowed(gray), 1.0)
    };
    // Finder patterns, in `gray`'s grid.
    let finders: Vec<finders::Finder> = finders::candidates(&work)
        .into_iter()
        .map(|mut f| {
            f.centre = unscale_point(f.centre, base_scale, (0.0, 0.0));
            f.module /= base_scale;
            f
        })
        .collect();
    let left_unread =
        |symbols: &[Symbol]| symbols.is_empty() || finders::unexplained(&finders, symbols) >= 2;
    if !left_unread(symbols) {
        return Ok(false);
    }
    // Nothing found at all: a lone symbol on a plain background (a screenshot, a generated
    // code with designer finder shapes that no ratio scan recognises) is where its dark
    // pixels are.
    if symbols.is_empty() && !out_of_time() {
        read_dark_bounds(gray, symbols, out_of_time);
    }
    // Our own reader at every triple of finder patterns that no symbol explains, including
    // finders whose outer ring runs into a dark area.
    read_finder_triples(gray, &work, base_scale, symbols, out_of_time);
    if !left_unread(symbols) {
        return Ok(false);
    }
    // Then a closer look where unexplained finder patterns sit.
    if !symbols.is_empty() {
        if out_of_time() {
            return Ok(true);
        }
        if let Some((region, offset)) = finders::unexplained_region(&finders, symbols, gray) {
            let scale = region_scale(&region, &finders);
            let region = if scale > 1.0 {
                resize::resize(
                    &region,
                    (region.width() as f32 * scale) as u32,
                    (region.height() as f32 * scale) as u32,
                    resize::Filter::CatmullRom,
                )
            } else {
                region
            };
            let mut found = engine.read(&region, &EngineOptions::FULL)?;
            for s in &mut found {
                rescale(s, scale, offset);
            }
            pipeline::merge_by_position(symbols, found);
        }
    }
    for stage in effort.stages() {
        if effort == Effort::Balanced && !left_unread(symbols) {
            break;
        }
        if out_of_time() {
            return Ok(true);
        }
        let Some((prepared, scale)) = stage.prepare(&work) else {
            continue;
        };
        let (mut found, mut unread) =
            engine.read_with_unread(&prepared, &stage.engine_options())?;
        for s in &mut found {
            rescale(s, base_scale * scale, (0.0, 0.0));
        }
        pipeline::merge_by_position(symbols, found);
        // What this pass located but could not decode, read by our own reader at full
        // resolution: another binarizer often pairs the right finders where the main pass
        // did not.
        for u in &mut unread {
            u.corners = u
                .corners
                .map(|p| unscale_point(p, base_scale * scale, (0.0, 0.0)));
        }
        tried.read_unread(gray, &unread, symbols, out_of_time);
    }
    Ok(false)
}

/// The places our own reader has tried in this image, so that the engine's later passes,
/// which locate the same unread symbol again and again, cost one attempt each.
#[derive(Debug, Default)]
struct Tried(Vec<[Point; 4]>);

impl Tried {
    /// Our own reader where the engine located a QR symbol but could not decode it: each place
    /// that no symbol read and no earlier attempt covers, until the time budget runs out.
    fn read_unread(
        &mut self,
        gray: &GrayImage,
        unread: &[engine::Unread],
        symbols: &mut Vec<Symbol>,
        out_of_time: &dyn Fn() -> bool,
    ) {
        for u in unread {
            let centre = pipeline::centre(&u.corners);
            // A place already tried counts only when it is about the same quadrilateral: the
            // engine pairs finders of two neighbouring symbols into one large, wrong place,
            // which must not hide the right places it reports later.
            let covered = symbols
                .iter()
                .any(|s| pipeline::contains(&s.corners, centre))
                || self.0.iter().any(|quad| same_place(quad, &u.corners));
            if covered {
                continue;
            }
            if out_of_time() {
                return;
            }
            self.0.push(u.corners);
            let corners = u.corners.map(|p| (f64::from(p.x), f64::from(p.y)));
            if let Some(found) = reader::read_at(
                gray,
                reader::Hint::Corners(corners),
                u.inverted,
                out_of_time,
            ) {
                symbols.push(symbol_from_reader(found, u.inverted));
            }
        }
    }
}

/// Whether two quadrilaterals cover about the same place: each holds the other's centre and
/// their areas differ by less than half.
fn same_place(a: &[Point; 4], b: &[Point; 4]) -> bool {
    let (area_a, area_b) = (pipeline::area(a), pipeline::area(b));
    pipeline::contains(a, pipeline::centre(b))
        && pipeline::contains(b, pipeline::centre(a))
        && area_a.min(area_b) > 0.5 * area_a.max(area_b)
}

/// Our own reader at the bounding box of the image's dark pixels, when that box is about
/// square and clear of the image's edges: the place of a lone symbol on a plain background.
fn read_dark_bounds(gray: &GrayImage, symbols: &mut Vec<Symbol>, out_of_time: &dyn Fn() -> bool) {
    let Some(bounds) = pipeline::dark_bounds(gray) else {
        return;
    };
    let corners = bounds.map(|p| (f64::from(p.x), f64::from(p.y)));
    if let Some(found) = reader::read_at(gray, reader::Hint::Corners(corners), false, out_of_time) {
        symbols.push(symbol_from_reader(found, false));
    }
}

/// At most this many finder triples are handed to our own reader per image, the squarest
/// first: each costs a few version hypotheses.
const MAX_TRIPLES: usize = 12;

/// Our own reader at the triples of finder patterns (from the open-ended scan of `work`, a copy
/// of `gray` scaled by `scale`) that lie outside every symbol read.
fn read_finder_triples(
    gray: &GrayImage,
    work: &GrayImage,
    scale: f32,
    symbols: &mut Vec<Symbol>,
    out_of_time: &dyn Fn() -> bool,
) {
    // The scan's threshold window is 40 px: finders whose modules are larger than about 8 px
    // are lost inside it, so a half-size copy is scanned too.
    let (half, half_scale) = downscale(work, work.width().max(work.height()) / 2);
    let mut seen: Vec<reader::FinderSeen> = Vec::new();
    for (img, s) in [(work, scale), (&half, scale * half_scale)] {
        for f in finders::candidates_open(img) {
            let c = unscale_point(f.centre, s, (0.0, 0.0));
            let f = reader::FinderSeen {
                centre: (f64::from(c.x), f64::from(c.y)),
                module: f64::from(f.module / s),
            };
            let known = seen
                .iter()
                .any(|g| reader::distance(g.centre, f.centre) < 2.0 * g.module.max(f.module));
            if !known {
                seen.push(f);
            }
        }
    }
    for triple in reader::finder_triples(&seen).into_iter().take(MAX_TRIPLES) {
        let inside_read = |p: (f64, f64)| {
            let p = Point {
                x: p.0 as f32,
                y: p.1 as f32,
            };
            symbols.iter().any(|s| pipeline::contains(&s.corners, p))
        };
        if [triple.tl, triple.tr, triple.bl]
            .iter()
            .any(|f| inside_read(f.centre))
        {
            continue;
        }
        if out_of_time() {
            return;
        }
        // The scan looks for dark finders only: dark-on-light symbols.
        if let Some(found) =
            reader::read_at(gray, reader::Hint::Finders(triple), false, out_of_time)
        {
            symbols.push(symbol_from_reader(found, false));
        }
    }
    read_finder_pairs(gray, &seen, symbols, out_of_time);
}

/// At most this many pairs of finders are completed into triples per image, the most alike
/// first: each pair is six hypotheses.
const MAX_PAIRS: usize = 6;
/// Finders with smaller modules (in pixels) are not paired: the scan's chance hits are small.
const MIN_PAIRED_MODULE: f64 = 2.0;

/// Our own reader at pairs of finders (`seen`, in `gray`'s grid) outside every symbol read, the
/// third finder hypothesised: glare or a tear can hide one finder of a symbol whose other two
/// are plain.
fn read_finder_pairs(
    gray: &GrayImage,
    seen: &[reader::FinderSeen],
    symbols: &mut Vec<Symbol>,
    out_of_time: &dyn Fn() -> bool,
) {
    let outside = |f: &reader::FinderSeen, symbols: &[Symbol]| {
        let p = Point {
            x: f.centre.0 as f32,
            y: f.centre.1 as f32,
        };
        !symbols.iter().any(|s| pipeline::contains(&s.corners, p))
    };
    let left: Vec<&reader::FinderSeen> = seen
        .iter()
        .filter(|f| f.module >= MIN_PAIRED_MODULE && outside(f, symbols))
        .collect();
    let mut pairs: Vec<(f64, [reader::Triple; 6])> = Vec::new();
    for (i, a) in left.iter().enumerate() {
        for b in &left[i + 1..] {
            if let Some(triples) = reader::completed_pair(**a, **b) {
                pairs.push((a.module.max(b.module) / a.module.min(b.module), triples));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, triples) in pairs.into_iter().take(MAX_PAIRS) {
        // Both finders may have been read since, as part of another pair.
        if !outside(&triples[0].tl, symbols) || !outside(&triples[0].tr, symbols) {
            continue;
        }
        for triple in triples {
            if out_of_time() {
                return;
            }
            if let Some(found) =
                reader::read_at(gray, reader::Hint::Finders(triple), false, out_of_time)
            {
                symbols.push(symbol_from_reader(found, false));
                break;
            }
        }
    }
}

/// A symbol of our own reader in the decode module's terms.
fn symbol_from_reader(found: reader::Found, inverted: bool) -> Symbol {
    let c = found.content;
    let [tl, tr, br, bl] = found.corners.map(|(x, y)| Point {
        x: x as f32,
        y: y as f32,
    });
    Symbol {
        text: c.text,
        bytes: c.bytes,
        symbology: Symbology::QrCode,
        version: c.version.to_string(),
        ec_level: Some(c.ec_level.name().to_string()),
        mask: Some(c.mask),
        ec_headroom: Some(c.ec_headroom),
        corners: [tl, tr, br, bl],
        orientation: orientation_degrees(tl, tr, br, bl),
        inverted,
        mirrored: c.mirrored,
        has_eci: c.has_eci,
        symbology_identifier: c.symbology_identifier,
        structured_append: c.structured_append,
    }
}

/// The upscaling for a region re-read: modules of at least 4 px, at most doubled.
fn region_scale(region: &GrayImage, finders: &[finders::Finder]) -> f32 {
    let module = finders
        .iter()
        .map(|f| f.module)
        .fold(f32::INFINITY, f32::min);
    let up = (4.0 / module).clamp(1.0, 2.0);
    if u64::from(region.width()) * u64::from(region.height()) > 2_000_000 {
        1.0
    } else {
        up
    }
}

/// Maps a point of a copy scaled by `scale`, cut out at `offset`, back to the full image.
fn unscale_point(p: Point, scale: f32, offset: (f32, f32)) -> Point {
    // Pixel centres: (p + ½) / scale − ½ maps centre to centre.
    Point {
        x: (p.x + 0.5) / scale - 0.5 + offset.0,
        y: (p.y + 0.5) / scale - 0.5 + offset.1,
    }
}

/// Maps a symbol's corners from a copy scaled by `scale`, cut out at `offset`, to the full image.
fn rescale(symbol: &mut Symbol, scale: f32, offset: (f32, f32)) {
    if scale != 1.0 || offset != (0.0, 0.0) {
        symbol.corners = symbol.corners.map(|p| unscale_point(p, scale, offset));
    }
}

/// Resizes so the longest side is at most `max_side`; returns the copy and its scale factor
/// (copy size / original size).
fn downscale(gray: &GrayImage, max_side: u32) -> (GrayImage, f32) {
    let longest = gray.width().max(gray.height());
    let scale = max_side as f32 / longest as f32;
    let w = ((gray.width() as f32 * scale).round() as u32).max(1);
    let h = ((gray.height() as f32 * scale).round() as u32).max(1);
    (resize::resize(gray, w, h, resize::Filter::Linear), scale)
}

/// Maps a symbol read from a copy scaled by `scale` of the upright image back to the original
/// image's stored pixel grid, keeping corners clockwise from the symbol's top-left.
fn map_to_original(symbol: &mut Symbol, scale: f32, frame: Frame) {
    let identity = scale == 1.0 && frame.orientation == Orientation::NoTransforms;
    if identity {
        return;
    }
    let [tl, tr, br, bl] = symbol.corners.map(|p| {
        // Pixel centres: (p + ½) / scale − ½ maps centre to centre.
        let (x, y) = ((p.x + 0.5) / scale - 0.5, (p.y + 0.5) / scale - 0.5);
        let (x, y) = image_input::to_stored(
            frame.orientation,
            frame.stored_width,
            frame.stored_height,
            x,
            y,
        );
        Point { x, y }
    });
    symbol.orientation = orientation_degrees(tl, tr, br, bl);
    if image_input::is_flip(frame.orientation) {
        // The stored raster holds the mirror image of what the reader saw: the same four
        // corners, now running counter-clockwise. Start from the same top-left and go the other
        // way round to stay clockwise.
        symbol.mirrored = !symbol.mirrored;
        symbol.corners = [tl, bl, br, tr];
    } else {
        symbol.corners = [tl, tr, br, bl];
    }
}

/// The direction of the symbol's top edge (from the left edge's midpoint to the right edge's),
/// in whole degrees in (-180, 180]; 90 means the symbol is turned a quarter clockwise.
fn orientation_degrees(tl: Point, tr: Point, br: Point, bl: Point) -> i32 {
    let dx = (tr.x + br.x) - (tl.x + bl.x);
    let dy = (tr.y + br.y) - (tl.y + bl.y);
    if dx == 0.0 && dy == 0.0 {
        return 0;
    }
    let deg = dy.atan2(dx).to_degrees().round() as i32;
    if deg == -180 {
        180
    } else {
        deg
    }
}

impl Symbol {
    /// The text read as a payment, contact, network or other payload, with its fields and the
    /// problems found (a wrong checksum, a field over its length); `None` for plain text. See
    /// [`crate::payload::read`].
    pub fn payload(&self) -> Option<crate::payload::ReadPayload> {
        crate::payload::read(&self.text)
    }
}

#[cfg(test)]
impl Symbol {
    /// A QR version 1 symbol with the given corners and nothing else known, for unit tests.
    fn with_corners(corners: [Point; 4]) -> Symbol {
        Symbol {
            text: String::new(),
            bytes: Vec::new(),
            symbology: Symbology::QrCode,
            version: "1".into(),
            ec_level: None,
            mask: None,
            ec_headroom: None,
            corners,
            orientation: 0,
            inverted: false,
            mirrored: false,
            has_eci: false,
            symbology_identifier: String::new(),
            structured_append: None,
        }
    }
}

#[cfg(test)]
mod tests;
