//! The check that lets the fast path stop early: does anything in the image, outside the symbols
//! already read, show enough contrast to be another code?
//!
//! zxing-cpp's pure detector (the fast path) reads one upright symbol whose box holds every dark
//! pixel under a global threshold. That alone already rules out a second code as dark as the
//! first beside it; this check also catches what a global threshold hides — a faded or shadowed
//! code beside a crisp one — and what a symbol's own area can hide, so that the fast path never
//! returns fewer symbols than the full search would. It looks at 8 × 8 blocks, as zxing-cpp's local binarizer does, and calls a block
//! "structure" when its range reaches the binarizer's own minimum (below it, that binarizer
//! does not separate dark from light inside the block).

use image::GrayImage;

use super::{Point, Symbol};

/// Side of the square blocks, in pixels (zxing-cpp's `HybridBinarizer` block size).
const BLOCK: usize = 8;
/// zxing-cpp's `MIN_DYNAMIC_RANGE`: the least max − min of a block that it thresholds locally.
const MIN_RANGE: u8 = 24;
/// Quiet zone kept around a symbol before contrast counts as unexplained, in modules. Edges of
/// the symbol itself, anti-aliasing and JPEG ringing fall inside it.
const MARGIN_MODULES: f32 = 2.0;

/// Whether the symbols read account for everything in `gray` that could be a code: at least
/// one symbol, each read without correcting a single codeword, and no contrast outside them.
///
/// A symbol that needed correcting may hide something in the damage: the nested codes of
/// "double QR" designs sit inside their outer symbol, which reads through them on its error
/// correction alone.
pub(crate) fn fully_explained(gray: &GrayImage, symbols: &[Symbol]) -> bool {
    !symbols.is_empty()
        && symbols.iter().all(|s| s.ec_headroom == Some(1.0))
        && !contrast_outside(gray, symbols)
}

/// Whether some block of `gray` outside every symbol (with a margin) has the contrast of
/// possible further code. `true` means: look harder.
pub(crate) fn contrast_outside(gray: &GrayImage, symbols: &[Symbol]) -> bool {
    let regions: Vec<Region> = symbols.iter().map(Region::around).collect();
    let width = gray.width() as usize;
    if width == 0 {
        return false;
    }
    let columns = width.div_ceil(BLOCK);
    let mut outside = vec![true; columns];
    let (mut low, mut high) = (Vec::with_capacity(width), Vec::with_capacity(width));
    for (band, rows) in gray.as_raw().chunks(width * BLOCK).enumerate() {
        // Which blocks of this band lie outside every region, judged by their centres. Only
        // those are scanned: a symbol usually fills most of the image.
        let y = (band * BLOCK) as f32 + (rows.len() / width) as f32 / 2.0;
        outside.fill(true);
        for (x0, x1) in regions.iter().filter_map(|r| r.span_at(y)) {
            for (column, out) in outside.iter_mut().enumerate() {
                let x = (column * BLOCK) as f32 + (BLOCK.min(width - column * BLOCK)) as f32 / 2.0;
                *out &= !(x0..=x1).contains(&x);
            }
        }
        let mut column = 0;
        while column < columns {
            if !outside[column] {
                column += 1;
                continue;
            }
            let start = column;
            while column < columns && outside[column] {
                column += 1;
            }
            let span = start * BLOCK..(column * BLOCK).min(width);
            if has_contrast(rows, width, span, &mut low, &mut high) {
                return true;
            }
        }
    }
    false
}

/// Whether a block of the band `rows` (one or more rows of `width` pixels) within the columns
/// `span` reaches [`MIN_RANGE`]. `low` and `high` are scratch space.
fn has_contrast(
    rows: &[u8],
    width: usize,
    span: std::ops::Range<usize>,
    low: &mut Vec<u8>,
    high: &mut Vec<u8>,
) -> bool {
    // The column-wise min and max first (element-wise loops, which the compiler vectorises),
    // then each block's range from BLOCK of those columns.
    low.clear();
    low.resize(span.len(), u8::MAX);
    high.clear();
    high.resize(span.len(), u8::MIN);
    for row in rows.chunks_exact(width) {
        for ((lo, hi), &p) in low.iter_mut().zip(high.iter_mut()).zip(&row[span.clone()]) {
            *lo = (*lo).min(p);
            *hi = (*hi).max(p);
        }
    }
    low.chunks(BLOCK)
        .zip(high.chunks(BLOCK))
        .any(|(lows, highs)| {
            let lo = lows.iter().copied().fold(u8::MAX, u8::min);
            let hi = highs.iter().copied().fold(u8::MIN, u8::max);
            hi.saturating_sub(lo) >= MIN_RANGE
        })
}

/// A symbol's quadrilateral grown by its quiet-zone margin: a point is inside when it is at most
/// `margin` outside each of the four edges.
struct Region {
    /// Per edge, the outward unit normal (x, y) and the offset c: n·p − c is how far p lies
    /// outside that edge, less the margin.
    edges: [(f32, f32, f32); 4],
}

impl Region {
    fn around(symbol: &Symbol) -> Region {
        let c = symbol.corners;
        let side = |a: Point, b: Point| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
        let across = (side(c[0], c[1]) + side(c[3], c[2])) / 2.0;
        let down = (side(c[0], c[3]) + side(c[1], c[2])) / 2.0;
        let module = match modules(&symbol.version) {
            Some((w, h)) => (across / w as f32).min(down / h as f32),
            // An unknown size: assume the smallest symbols' coarse modules, the wider margin.
            None => across.min(down) / 11.0,
        };
        let margin = MARGIN_MODULES * module + BLOCK as f32;
        // Twice the signed area: positive when the corners run clockwise in y-down image
        // coordinates, negative for a mirrored symbol's counter-clockwise corners.
        let area2: f32 = (0..4)
            .map(|i| {
                let (a, b) = (c[i], c[(i + 1) % 4]);
                a.x * b.y - b.x * a.y
            })
            .sum();
        let turn = if area2 >= 0.0 { 1.0 } else { -1.0 };
        let edges = std::array::from_fn(|i| {
            let (a, b) = (c[i], c[(i + 1) % 4]);
            let length = side(a, b).max(f32::EPSILON);
            let (nx, ny) = (turn * (b.y - a.y) / length, turn * (a.x - b.x) / length);
            (nx, ny, nx * a.x + ny * a.y + margin)
        });
        Region { edges }
    }

    /// The x interval of the region along the line at height `y`, if it crosses it.
    fn span_at(&self, y: f32) -> Option<(f32, f32)> {
        let (mut x0, mut x1) = (f32::NEG_INFINITY, f32::INFINITY);
        for &(nx, ny, c) in &self.edges {
            // nx·x ≤ c − ny·y
            let bound = c - ny * y;
            if nx > f32::EPSILON {
                x1 = x1.min(bound / nx);
            } else if nx < -f32::EPSILON {
                x0 = x0.max(bound / nx);
            } else if bound < 0.0 {
                return None;
            }
        }
        (x0 <= x1).then_some((x0, x1))
    }
}

/// Modules across and down for a version as zxing-cpp names it: "5" (QR), "M3" (Micro QR),
/// "R7x43" (rMQR, height × width).
fn modules(version: &str) -> Option<(u32, u32)> {
    if let Some(rest) = version.strip_prefix('R') {
        let (h, w) = rest.split_once('x')?;
        return Some((w.parse().ok()?, h.parse().ok()?));
    }
    if let Some(micro) = version.strip_prefix('M') {
        let v: u32 = micro.parse().ok()?;
        return Some((11 + 2 * v, 11 + 2 * v));
    }
    let v: u32 = version.parse().ok()?;
    Some((17 + 4 * v, 17 + 4 * v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(corners: [(f32, f32); 4], version: &str) -> Symbol {
        Symbol {
            version: version.into(),
            ..Symbol::with_corners(corners.map(|(x, y)| Point { x, y }))
        }
    }

    /// A white 200 × 200 image with black squares at the given (x, y, side).
    fn canvas(squares: &[(u32, u32, u32)], ink: u8) -> GrayImage {
        GrayImage::from_fn(200, 200, |x, y| {
            let dark = squares
                .iter()
                .any(|&(sx, sy, s)| (sx..sx + s).contains(&x) && (sy..sy + s).contains(&y));
            image::Luma([if dark { ink } else { 255 }])
        })
    }

    #[test]
    fn only_clean_reads_explain_an_image() {
        let img = canvas(&[(50, 50, 42)], 0);
        let mut s = symbol([(50., 50.), (92., 50.), (92., 92.), (50., 92.)], "1");
        assert!(!fully_explained(&img, &[]), "nothing read explains nothing");
        for (headroom, explained) in [(Some(1.0), true), (Some(0.93), false), (None, false)] {
            s.ec_headroom = headroom;
            assert_eq!(
                fully_explained(&img, std::slice::from_ref(&s)),
                explained,
                "{headroom:?}"
            );
        }
    }

    #[test]
    fn modules_follow_the_version_names() {
        assert_eq!(modules("1"), Some((21, 21)));
        assert_eq!(modules("40"), Some((177, 177)));
        assert_eq!(modules("M2"), Some((15, 15)));
        assert_eq!(modules("R7x43"), Some((43, 7)));
        assert_eq!(modules(""), None);
        assert_eq!(modules("Rx"), None);
    }

    #[test]
    fn contrast_inside_a_symbol_is_explained() {
        // A 21-module symbol at 2 px per module from (50, 50): 42 px wide.
        let img = canvas(&[(50, 50, 42)], 0);
        let s = symbol([(50., 50.), (92., 50.), (92., 92.), (50., 92.)], "1");
        assert!(!contrast_outside(&img, std::slice::from_ref(&s)));
        // The same corners listed mirrored (counter-clockwise) describe the same region.
        let mut m = s;
        m.corners = [m.corners[0], m.corners[3], m.corners[2], m.corners[1]];
        assert!(!contrast_outside(&img, &[m]));
    }

    #[test]
    fn contrast_elsewhere_is_not() {
        let s = symbol([(50., 50.), (92., 50.), (92., 92.), (50., 92.)], "1");
        // A second mark far from the symbol, dark or merely faded.
        for ink in [0, 200] {
            let img = canvas(&[(50, 50, 42), (150, 150, 10)], ink);
            assert!(
                contrast_outside(&img, std::slice::from_ref(&s)),
                "ink {ink}"
            );
        }
        // Too faint for the local binarizer to see either.
        let img = canvas(&[(50, 50, 42), (150, 150, 10)], 255 - MIN_RANGE + 1);
        assert!(!contrast_outside(&img, std::slice::from_ref(&s)));
        // With no symbol at all, any structure counts.
        assert!(contrast_outside(&canvas(&[(50, 50, 42)], 0), &[]));
        assert!(!contrast_outside(&canvas(&[], 0), &[]));
    }

    #[test]
    fn the_margin_scales_with_the_module() {
        // 4 px modules: a mark 6 px (1.5 modules) outside the edge is within the quiet-zone
        // margin, one 40 px away is not.
        let s = symbol([(40., 40.), (124., 40.), (124., 124.), (40., 124.)], "1");
        let near = canvas(&[(40, 40, 84), (130, 60, 4)], 0);
        assert!(!contrast_outside(&near, std::slice::from_ref(&s)));
        let far = canvas(&[(40, 40, 84), (170, 60, 4)], 0);
        assert!(contrast_outside(&far, &[s]));
    }

    #[test]
    fn a_rotated_symbol_explains_only_its_own_diamond() {
        // A version 1 symbol turned 45°, centred at (100, 100), 4 px modules (84 px sides).
        let h = 84.0 / 2f32.sqrt();
        let s = symbol(
            [
                (100.0 - h, 100.0),
                (100.0, 100.0 - h),
                (100.0 + h, 100.0),
                (100.0, 100.0 + h),
            ],
            "1",
        );
        let inside = canvas(&[(90, 90, 20)], 0);
        assert!(!contrast_outside(&inside, std::slice::from_ref(&s)));
        // The corner of its bounding box is far outside the diamond.
        let corner = canvas(&[(90, 90, 20), (45, 45, 6)], 0);
        assert!(contrast_outside(&corner, &[s]));
    }

    #[test]
    fn odd_sizes_cover_every_pixel() {
        // A 203 × 197 image: a mark in the last partial block row and column is still seen.
        let mut img = GrayImage::from_pixel(203, 197, image::Luma([255]));
        img.put_pixel(202, 196, image::Luma([0]));
        assert!(contrast_outside(&img, &[]));
    }
}
