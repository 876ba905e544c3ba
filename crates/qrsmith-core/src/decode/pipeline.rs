//! The escalation stages: what the reader tries when the main pass leaves something unread.
//!
//! Each stage is one engine pass over a prepared copy of the image: rescaled, contrast
//! normalised, smoothed or morphologically repaired, or the image as it is under
//! another binarizer. Every preparation keeps the geometry (at most a uniform scale), so corners
//! map back with one factor. Which stages each effort level runs, and in what order, is decided
//! by measurement (`qrsmith bench accuracy`; see [`super::Effort`]).
//!
//! The filters are written here rather than taken from `imageproc`: we need five small
//! neighbourhood filters over grey images, and that crate would bring `nalgebra` and a dozen
//! more crates into every build of the library for them. Resizing and Gaussian blur come from
//! the `image` crate.

use std::borrow::Cow;

use image::imageops;
use image::GrayImage;

use super::engine::{EngineOptions, Threshold};
use super::resize::{resize, Filter};
use super::{Point, Symbol};

/// How a stage prepares the image before the engine reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Prep {
    /// The image as it is; only the engine's options differ.
    AsIs,
    /// Resized by this factor (smoothing filter down, Catmull-Rom up). Down: huge modules,
    /// screen moiré, sensor noise; up: modules of 2–3 px that the finder search misses.
    Scale(f32),
    /// Local contrast normalisation: each pixel relative to the mean and spread of its
    /// neighbourhood, for glare, shadows and faded print.
    LocalContrast,
    /// Gaussian blur of this sigma in pixels: noise, JPEG blocking, halftone and moiré.
    Blur(f32),
    /// Grey closing (3 × 3 max, then min): dark specks, dirt and texture in light modules
    /// removed.
    Close,
    /// Grey opening (3 × 3 min, then max): light specks and glints inside dark modules removed.
    Open,
}

/// One escalation stage: preparations, in order, and the engine options for its pass.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stage {
    /// Stable name, for measurements (`decode::tests::measure_stages`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    /// What is done to the image first, in order.
    pub prep: &'static [Prep],
    /// The binarizer of the engine pass.
    pub threshold: Threshold,
}

impl Stage {
    const fn new(name: &'static str, prep: &'static [Prep], threshold: Threshold) -> Stage {
        Stage {
            name,
            prep,
            threshold,
        }
    }

    /// The engine options of this stage's pass: every rotation and inversion; the engine's own
    /// downscaling only where the stage did not choose a scale itself.
    pub fn engine_options(&self) -> EngineOptions {
        EngineOptions {
            try_harder: true,
            try_downscale: !self.prep.iter().any(|p| matches!(p, Prep::Scale(_))),
            pure: false,
            threshold: self.threshold,
        }
    }

    /// The prepared copy and its scale relative to `gray`, or `None` when the stage does not
    /// apply to an image of this size (upscaling a large image, downscaling a tiny one).
    /// The image itself (no copy) when every preparation is [`Prep::AsIs`].
    pub fn prepare<'a>(&self, gray: &'a GrayImage) -> Option<(Cow<'a, GrayImage>, f32)> {
        let mut out = (Cow::Borrowed(gray), 1.0);
        for &prep in self.prep.iter().filter(|&&p| p != Prep::AsIs) {
            let (img, scale) = apply(&out.0, prep)?;
            out = (Cow::Owned(img), out.1 * scale);
        }
        Some(out)
    }
}

/// One preparation other than [`Prep::AsIs`]: the new image and its scale relative to `gray`,
/// or `None` when it does not apply to an image of this size.
fn apply(gray: &GrayImage, prep: Prep) -> Option<(GrayImage, f32)> {
    let (w, h) = gray.dimensions();
    let prepared = match prep {
        Prep::AsIs => gray.clone(),
        Prep::Scale(factor) => {
            let (nw, nh) = (
                (w as f32 * factor).round() as u32,
                (h as f32 * factor).round() as u32,
            );
            let pixels = u64::from(nw) * u64::from(nh);
            if factor > 1.0 && pixels > UPSCALE_MAX_PIXELS {
                return None;
            }
            if nw.min(nh) < 21 {
                return None;
            }
            let filter = if factor > 1.0 {
                Filter::CatmullRom
            } else {
                Filter::Linear
            };
            return Some((resize(gray, nw, nh, filter), factor));
        }
        Prep::LocalContrast => local_contrast(gray),
        Prep::Blur(sigma) => imageops::blur(gray, sigma),
        Prep::Close => erode(&dilate(gray)),
        Prep::Open => dilate(&erode(gray)),
    };
    Some((prepared, 1.0))
}

/// Upscaled copies stay below this many pixels: beyond it, modules are large enough already and
/// the pass would cost more than the whole budget of a typical photo.
const UPSCALE_MAX_PIXELS: u64 = 4_000_000;

/// Every stage, in the order the thorough effort runs them. See [`super::Effort`] for the
/// subsets and the measurements behind them.
pub(crate) const ALL_STAGES: &[Stage] = &[
    // The balanced effort's stages (the first `BALANCED_STAGES`), cheapest and broadest first.
    Stage::new("open-global", &[Prep::Open], Threshold::Global),
    Stage::new("close-global", &[Prep::Close], Threshold::Global),
    Stage::new("global", &[Prep::AsIs], Threshold::Global),
    Stage::new("half-global", &[Prep::Scale(0.5)], Threshold::Global),
    Stage::new("blur-global", &[Prep::Blur(1.5)], Threshold::Global),
    Stage::new(
        "three-quarters-global",
        &[Prep::Scale(0.75)],
        Threshold::Global,
    ),
    Stage::new("third", &[Prep::Scale(0.33)], Threshold::Local),
    Stage::new("contrast", &[Prep::LocalContrast], Threshold::Fixed),
    Stage::new("blur", &[Prep::Blur(1.5)], Threshold::Local),
    Stage::new("half", &[Prep::Scale(0.5)], Threshold::Local),
    Stage::new("double", &[Prep::Scale(2.0)], Threshold::Local),
    // Thorough only.
    Stage::new("close", &[Prep::Close], Threshold::Local),
    Stage::new("open", &[Prep::Open], Threshold::Local),
    Stage::new("three-quarters", &[Prep::Scale(0.75)], Threshold::Local),
    Stage::new("one-and-a-half", &[Prep::Scale(1.5)], Threshold::Local),
    Stage::new(
        "half-blur",
        &[Prep::Scale(0.5), Prep::Blur(1.0)],
        Threshold::Global,
    ),
    Stage::new("blur-strong-global", &[Prep::Blur(3.0)], Threshold::Global),
    Stage::new(
        "contrast-blur",
        &[Prep::Blur(1.0), Prep::LocalContrast],
        Threshold::Fixed,
    ),
    Stage::new("double-global", &[Prep::Scale(2.0)], Threshold::Global),
    Stage::new(
        "double-blur",
        &[Prep::Scale(2.0), Prep::Blur(1.5)],
        Threshold::Local,
    ),
    Stage::new(
        "double-close",
        &[Prep::Scale(2.0), Prep::Close],
        Threshold::Local,
    ),
];

/// Adds the symbols of `found` that are not already in `symbols`: a symbol is already there when
/// its centre lies inside one found before (earlier passes are trusted first).
pub(crate) fn merge_by_position(symbols: &mut Vec<Symbol>, found: Vec<Symbol>) {
    for s in found {
        let centre = centre(&s.corners);
        let seen = symbols
            .iter()
            .any(|old| contains(&old.corners, centre) || contains(&s.corners, centre_of(old)));
        if !seen {
            symbols.push(s);
        }
    }
}

fn centre_of(s: &Symbol) -> Point {
    centre(&s.corners)
}

pub(crate) fn centre(c: &[Point; 4]) -> Point {
    Point {
        x: c.iter().map(|p| p.x).sum::<f32>() / 4.0,
        y: c.iter().map(|p| p.y).sum::<f32>() / 4.0,
    }
}

/// The corners (clockwise from the top-left) of the box around every pixel darker than the
/// midpoint between the image's two grey-level classes, when that box could be one upright
/// symbol on a plain background: at least 21 px a side, its sides within a quarter of each
/// other, and a light margin between it and the image's edges.
pub(crate) fn dark_bounds(gray: &GrayImage) -> Option<[Point; 4]> {
    let (w, h) = gray.dimensions();
    let mut histogram = [0u64; 256];
    for p in gray.as_raw() {
        histogram[usize::from(*p)] += 1;
    }
    let threshold = histogram_midpoint(&histogram)?;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (y, row) in gray.as_raw().chunks_exact(w as usize).enumerate() {
        let Some(first) = row.iter().position(|&v| v < threshold) else {
            continue;
        };
        let last = row.iter().rposition(|&v| v < threshold).unwrap_or(first);
        (x0, x1) = (x0.min(first as u32), x1.max(last as u32));
        (y0, y1) = (y0.min(y as u32), y1.max(y as u32));
    }
    if x0 > x1 || x0 == 0 || y0 == 0 || x1 + 1 >= w || y1 + 1 >= h {
        return None;
    }
    let (bw, bh) = ((x1 + 1 - x0) as f32, (y1 + 1 - y0) as f32);
    if bw.min(bh) < 21.0 || bw.max(bh) > 1.25 * bw.min(bh) {
        return None;
    }
    let (l, t, r, b) = (x0 as f32, y0 as f32, (x1 + 1) as f32, (y1 + 1) as f32);
    Some([
        Point { x: l, y: t },
        Point { x: r, y: t },
        Point { x: r, y: b },
        Point { x: l, y: b },
    ])
}

/// The midpoint between the means of a histogram's two classes (two-means from the mean);
/// `None` for an image of one grey level.
fn histogram_midpoint(histogram: &[u64; 256]) -> Option<u8> {
    let mean_of = |range: std::ops::Range<usize>| -> Option<f64> {
        let (sum, count) = range.fold((0.0, 0u64), |(s, c), v| {
            (s + v as f64 * histogram[v] as f64, c + histogram[v])
        });
        (count > 0).then(|| sum / count as f64)
    };
    let mut t = mean_of(0..256)?;
    for _ in 0..8 {
        let split = (t.ceil() as usize).clamp(1, 255);
        let (lo, hi) = (mean_of(0..split)?, mean_of(split..256)?);
        t = (lo + hi) / 2.0;
    }
    Some(t.ceil().clamp(1.0, 255.0) as u8)
}

/// The area of a quadrilateral (shoelace formula; either winding).
pub(crate) fn area(quad: &[Point; 4]) -> f32 {
    let twice: f32 = (0..4)
        .map(|i| {
            let (a, b) = (quad[i], quad[(i + 1) % 4]);
            a.x * b.y - b.x * a.y
        })
        .sum();
    twice.abs() / 2.0
}

/// Whether `p` lies inside the quadrilateral `quad` (convex, either winding).
pub(crate) fn contains(quad: &[Point; 4], p: Point) -> bool {
    let mut sign = 0.0f32;
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross != 0.0 {
            if sign != 0.0 && cross.signum() != sign {
                return false;
            }
            sign = cross.signum();
        }
    }
    sign != 0.0
}

/// 3 × 3 grey dilation (maximum), edges replicated.
fn dilate(gray: &GrayImage) -> GrayImage {
    neighbourhood(gray, u8::max)
}

/// 3 × 3 grey erosion (minimum), edges replicated.
fn erode(gray: &GrayImage) -> GrayImage {
    neighbourhood(gray, u8::min)
}

/// A separable 3 × 3 filter: `pick` over each row's neighbours, then each column's.
fn neighbourhood(gray: &GrayImage, pick: fn(u8, u8) -> u8) -> GrayImage {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let src = gray.as_raw();
    let mut rows = vec![0u8; src.len()];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let out = &mut rows[y * w..(y + 1) * w];
        for x in 0..w {
            let left = row[x.saturating_sub(1)];
            let right = row[(x + 1).min(w - 1)];
            out[x] = pick(pick(left, row[x]), right);
        }
    }
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            out[y * w + x] = pick(pick(rows[up * w + x], rows[y * w + x]), rows[down * w + x]);
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("same dimensions")
}

/// Local contrast normalisation: `(v − mean) / (2·spread)` around mid-grey, with mean and
/// standard deviation over a square window of about 1/12 of the shorter side (a few modules of
/// a code that fills the frame), from integral images. A floor on the spread keeps flat areas
/// flat instead of amplifying their noise.
fn local_contrast(gray: &GrayImage) -> GrayImage {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let radius = (w.min(h) / 24).max(4);
    // Integral images of values and squares, with a zero row and column in front.
    let stride = w + 1;
    let mut sum = vec![0u64; stride * (h + 1)];
    let mut sq = vec![0u64; stride * (h + 1)];
    for y in 0..h {
        let (mut row_sum, mut row_sq) = (0u64, 0u64);
        for x in 0..w {
            let v = u64::from(gray.as_raw()[y * w + x]);
            row_sum += v;
            row_sq += v * v;
            sum[(y + 1) * stride + x + 1] = sum[y * stride + x + 1] + row_sum;
            sq[(y + 1) * stride + x + 1] = sq[y * stride + x + 1] + row_sq;
        }
    }
    let area = |t: &[u64], x0: usize, y0: usize, x1: usize, y1: usize| {
        t[y1 * stride + x1] + t[y0 * stride + x0] - t[y0 * stride + x1] - t[y1 * stride + x0]
    };
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let (x0, y0) = (x.saturating_sub(radius), y.saturating_sub(radius));
        let (x1, y1) = ((x + radius + 1).min(w), (y + radius + 1).min(h));
        let n = ((x1 - x0) * (y1 - y0)) as f32;
        let mean = area(&sum, x0, y0, x1, y1) as f32 / n;
        let var = (area(&sq, x0, y0, x1, y1) as f32 / n - mean * mean).max(0.0);
        let spread = var.sqrt().max(8.0);
        let v = f32::from(gray.as_raw()[y * w + x]);
        let out = 127.5 + (v - mean) / (2.0 * spread) * 127.5;
        image::Luma([out.clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_bounds_frame_a_lone_square_and_nothing_else() {
        let mut img = GrayImage::from_pixel(100, 80, image::Luma([230]));
        for y in 20..60 {
            for x in 30..70 {
                if (x + y) % 3 == 0 || y == 20 || x == 30 || y == 59 || x == 69 {
                    img.put_pixel(x, y, image::Luma([20]));
                }
            }
        }
        let b = dark_bounds(&img).unwrap();
        assert_eq!((b[0].x, b[0].y, b[2].x, b[2].y), (30.0, 20.0, 70.0, 60.0));
        // Touching the edge: not a lone symbol with its margin.
        img.put_pixel(0, 40, image::Luma([20]));
        assert!(dark_bounds(&img).is_none());
        // Far from square: not one symbol.
        let mut wide = GrayImage::from_pixel(100, 80, image::Luma([230]));
        for x in 10..90 {
            wide.put_pixel(x, 30, image::Luma([20]));
            wide.put_pixel(x, 50, image::Luma([20]));
        }
        assert!(dark_bounds(&wide).is_none());
        // One grey level: nothing.
        assert!(dark_bounds(&GrayImage::from_pixel(50, 50, image::Luma([128]))).is_none());
    }

    fn quad(x0: f32, y0: f32, x1: f32, y1: f32) -> [Point; 4] {
        [
            Point { x: x0, y: y0 },
            Point { x: x1, y: y0 },
            Point { x: x1, y: y1 },
            Point { x: x0, y: y1 },
        ]
    }

    #[test]
    fn point_in_quad_either_winding() {
        let q = quad(10.0, 10.0, 50.0, 50.0);
        assert!(contains(&q, Point { x: 30.0, y: 30.0 }));
        assert!(!contains(&q, Point { x: 60.0, y: 30.0 }));
        let reversed = [q[0], q[3], q[2], q[1]];
        assert!(contains(&reversed, Point { x: 30.0, y: 30.0 }));
        assert!(!contains(&reversed, Point { x: 5.0, y: 5.0 }));
    }

    #[test]
    fn merge_keeps_new_positions_and_drops_repeats() {
        let mut symbols = vec![Symbol::with_corners(quad(0.0, 0.0, 100.0, 100.0))];
        merge_by_position(
            &mut symbols,
            vec![
                // The same symbol read again, a little off.
                Symbol::with_corners(quad(2.0, 3.0, 101.0, 99.0)),
                // Another one beside it.
                Symbol::with_corners(quad(200.0, 0.0, 300.0, 100.0)),
            ],
        );
        assert_eq!(symbols.len(), 2);
        assert_eq!(symbols[1].corners[0].x, 200.0);
    }

    #[test]
    fn morphology_removes_specks_and_keeps_modules() {
        let mut img = GrayImage::from_pixel(9, 9, image::Luma([255]));
        img.put_pixel(4, 4, image::Luma([0]));
        let closed = erode(&dilate(&img));
        assert_eq!(
            closed.get_pixel(4, 4).0[0],
            255,
            "closing removes a dark speck"
        );
        let mut img = GrayImage::from_pixel(9, 9, image::Luma([0]));
        img.put_pixel(4, 4, image::Luma([255]));
        let opened = dilate(&erode(&img));
        assert_eq!(
            opened.get_pixel(4, 4).0[0],
            0,
            "opening removes a light speck"
        );
        // A dark block larger than the filter survives both.
        let block = GrayImage::from_fn(9, 9, |x, y| {
            image::Luma([if (2..7).contains(&x) && (2..7).contains(&y) {
                0
            } else {
                255
            }])
        });
        assert_eq!(erode(&dilate(&block)), block);
        assert_eq!(dilate(&erode(&block)), block);
    }

    #[test]
    fn local_contrast_evens_out_a_gradient() {
        // Dark-on-light stripes under a strong left-to-right light gradient: afterwards the
        // stripes on the dark side are as dark as those on the bright side are light.
        let img = GrayImage::from_fn(200, 100, |x, _| {
            let light = 40.0 + x as f32; // 40 … 240
            let v = if (x / 5) % 2 == 0 { light * 0.4 } else { light };
            image::Luma([v as u8])
        });
        let out = local_contrast(&img);
        let (dark_left, light_left) = (out.get_pixel(22, 50).0[0], out.get_pixel(27, 50).0[0]);
        let (dark_right, light_right) = (out.get_pixel(172, 50).0[0], out.get_pixel(177, 50).0[0]);
        assert!(
            dark_left < 100 && dark_right < 100,
            "{dark_left} {dark_right}"
        );
        assert!(
            light_left > 155 && light_right > 155,
            "{light_left} {light_right}"
        );
    }
}
