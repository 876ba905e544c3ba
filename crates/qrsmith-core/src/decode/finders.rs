//! Evidence of codes left unread: QR finder patterns that no symbol found accounts for.
//!
//! A QR symbol carries three finder patterns, dark-light-dark-light-dark in the proportions
//! 1:1:3:1:1 along every line through their centre. This scan looks for them along the rows of a
//! locally thresholded copy of the image and confirms each hit along its column, as zxing's
//! finder search does, but only to count: when two or more clusters lie outside every symbol
//! read, some code is probably still there, and the pipeline escalates instead of returning
//! fewer symbols than the image holds.

use image::GrayImage;

use super::{Point, Symbol};

/// A confirmed finder-pattern candidate: its centre and module size, in pixels of the scanned
/// image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Finder {
    pub centre: Point,
    pub module: f32,
    /// Rows whose scan confirmed it: one for a chance hit, several for a real pattern.
    hits: u32,
}

/// Fewest confirming rows for a candidate to count, and the least share of its centre square's
/// height (three modules) they must cover: a real pattern confirms on nearly every row through
/// its centre, a chance arrangement of data modules on a few.
const MIN_HITS: u32 = 2;
const MIN_HIT_SHARE: f32 = 2.0 / 3.0;
/// The share for the open-ended scan: a pattern turned near 45° confirms on fewer rows (the
/// rows whose runs keep 1:3:1 narrow to a band), and our reader's own pattern match weeds out
/// chance hits.
const MIN_HIT_SHARE_OPEN: f32 = 1.0 / 3.0;

/// The finder-pattern candidates of `gray`, clustered, each confirmed by enough rows
/// ([`MIN_HITS`], [`MIN_HIT_SHARE`]).
pub(crate) fn candidates(gray: &GrayImage) -> Vec<Finder> {
    scan(gray, Ends::Closed)
}

/// [`candidates`], also where the outer dark ring runs on into a dark area (a code printed
/// with no quiet zone on that side): only the inner light-dark-light runs are held to 1:3:1.
/// More chance hits than [`candidates`]; for our own reader's locator, whose pattern match and
/// decoding weed them out.
pub(crate) fn candidates_open(gray: &GrayImage) -> Vec<Finder> {
    scan(gray, Ends::Open)
}

/// Whether the outer dark runs of a finder must be one module (closed) or may run on (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    Closed,
    Open,
}

fn scan(gray: &GrayImage, ends: Ends) -> Vec<Finder> {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w < 21 || h < 21 {
        return Vec::new();
    }
    let dark = threshold(gray);
    let mut found: Vec<Finder> = Vec::new();
    let mut runs = Vec::with_capacity(w);
    for y in 0..h {
        runs.clear();
        run_lengths(&dark[y * w..(y + 1) * w], &mut runs);
        // Runs alternate; find five starting with a dark one.
        for i in 0..runs.len().saturating_sub(4) {
            let (start, is_dark, _) = runs[i];
            if !is_dark {
                continue;
            }
            let sizes = [
                runs[i].2,
                runs[i + 1].2,
                runs[i + 2].2,
                runs[i + 3].2,
                runs[i + 4].2,
            ];
            let Some(module) = proportions(sizes, ends) else {
                continue;
            };
            let x = start + sizes[0] + sizes[1] + sizes[2] / 2;
            let Some((cy, vmodule)) = vertical(&dark, w, h, x, y, ends) else {
                continue;
            };
            if (vmodule - module).abs() > module * 0.5 {
                continue;
            }
            let centre = Point {
                x: x as f32 + 0.5,
                y: cy,
            };
            add(&mut found, centre, (module + vmodule) / 2.0);
        }
    }
    let share = match ends {
        Ends::Closed => MIN_HIT_SHARE,
        Ends::Open => MIN_HIT_SHARE_OPEN,
    };
    found.retain(|f| f.hits >= MIN_HITS && f.hits as f32 >= share * 3.0 * f.module);
    found
}

/// How many of `finders` lie outside every symbol in `symbols` (corners in the same pixel
/// grid), each symbol's box grown by a tenth on every side.
pub(crate) fn unexplained(finders: &[Finder], symbols: &[Symbol]) -> usize {
    finders
        .iter()
        .filter(|f| !symbols.iter().any(|s| inside_grown(&s.corners, f.centre)))
        .count()
}

/// The part of `gray` around the finder patterns that no symbol explains, with a margin of ten
/// modules (a finder is seven modules from its symbol's edge), and the part's top-left corner;
/// `None` when fewer than two are unexplained or the part would be most of the image anyway.
pub(crate) fn unexplained_region(
    finders: &[Finder],
    symbols: &[Symbol],
    gray: &GrayImage,
) -> Option<(GrayImage, (f32, f32))> {
    let left: Vec<&Finder> = finders
        .iter()
        .filter(|f| !symbols.iter().any(|s| inside_grown(&s.corners, f.centre)))
        .collect();
    if left.len() < 2 {
        return None;
    }
    let margin = 10.0 * left.iter().map(|f| f.module).fold(0.0, f32::max);
    let x0 = left
        .iter()
        .map(|f| f.centre.x)
        .fold(f32::INFINITY, f32::min)
        - margin;
    let y0 = left
        .iter()
        .map(|f| f.centre.y)
        .fold(f32::INFINITY, f32::min)
        - margin;
    let x1 = left.iter().map(|f| f.centre.x).fold(0.0, f32::max) + margin;
    let y1 = left.iter().map(|f| f.centre.y).fold(0.0, f32::max) + margin;
    let (w, h) = (gray.width() as f32, gray.height() as f32);
    let (x0, y0) = (x0.max(0.0).floor(), y0.max(0.0).floor());
    let (x1, y1) = (x1.min(w).ceil(), y1.min(h).ceil());
    if (x1 - x0) * (y1 - y0) > 0.6 * w * h || x1 - x0 < 21.0 || y1 - y0 < 21.0 {
        return None;
    }
    let part = image::imageops::crop_imm(
        gray,
        x0 as u32,
        y0 as u32,
        (x1 - x0) as u32,
        (y1 - y0) as u32,
    )
    .to_image();
    Some((part, (x0, y0)))
}

fn inside_grown(corners: &[Point; 4], p: Point) -> bool {
    let cx = corners.iter().map(|c| c.x).sum::<f32>() / 4.0;
    let cy = corners.iter().map(|c| c.y).sum::<f32>() / 4.0;
    let grown = corners.map(|c| Point {
        x: cx + (c.x - cx) * 1.2,
        y: cy + (c.y - cy) * 1.2,
    });
    super::pipeline::contains(&grown, p)
}

/// Joins `centre` to a candidate within two modules of it, or starts a new one.
fn add(found: &mut Vec<Finder>, centre: Point, module: f32) {
    for f in found.iter_mut() {
        let (dx, dy) = (f.centre.x - centre.x, f.centre.y - centre.y);
        let reach = 2.0 * f.module.max(module);
        if dx * dx + dy * dy <= reach * reach {
            // Running mean: the cluster's centre settles on the pattern's middle row.
            let n = f.hits as f32;
            f.centre.x = (f.centre.x * n + centre.x) / (n + 1.0);
            f.centre.y = (f.centre.y * n + centre.y) / (n + 1.0);
            f.module = (f.module * n + module) / (n + 1.0);
            f.hits += 1;
            return;
        }
    }
    found.push(Finder {
        centre,
        module,
        hits: 1,
    });
}

/// The module size when five run lengths are close enough to 1:1:3:1:1 (zxing's tolerance:
/// half a module on the single runs, one and a half on the centre). With open ends, the outer
/// dark runs need only be at least half a module and the module comes from the inner three.
fn proportions(sizes: [usize; 5], ends: Ends) -> Option<f32> {
    if ends == Ends::Open {
        let inner = sizes[1] + sizes[2] + sizes[3];
        if inner < 5 {
            return None;
        }
        let module = inner as f32 / 5.0;
        let ok = [1.0, 3.0, 1.0]
            .iter()
            .zip(&sizes[1..4])
            .all(|(&want, &got)| (got as f32 - want * module).abs() < want * module / 2.0)
            && [sizes[0], sizes[4]]
                .iter()
                .all(|&outer| outer as f32 >= module * 0.5);
        return ok.then_some(module);
    }
    let total: usize = sizes.iter().sum();
    if total < 7 {
        return None;
    }
    let module = total as f32 / 7.0;
    let tolerance = module / 2.0;
    let ok = [1.0, 1.0, 3.0, 1.0, 1.0]
        .iter()
        .zip(sizes)
        .all(|(&want, got)| (got as f32 - want * module).abs() < want * tolerance);
    ok.then_some(module)
}

/// Confirms a row hit along column `x`: the same five runs, vertically, around row `y`.
/// Returns the vertical centre and module size.
fn vertical(
    dark: &[bool],
    w: usize,
    h: usize,
    x: usize,
    y: usize,
    ends: Ends,
) -> Option<(f32, f32)> {
    let at = |y: usize| dark[y * w + x];
    if !at(y) {
        return None;
    }
    // Up: the rest of the centre run, then light, then dark.
    let mut counts = [0usize; 5];
    let mut yy = y as isize;
    for (slot, want) in [(2, true), (1, false), (0, true)] {
        while yy >= 0 && at(yy as usize) == want {
            counts[slot] += 1;
            yy -= 1;
        }
        if counts[slot] == 0 {
            return None;
        }
    }
    let top = yy + 1;
    let mut yy = y + 1;
    for (slot, want) in [(2, true), (3, false), (4, true)] {
        let before = counts[slot];
        while yy < h && at(yy) == want {
            counts[slot] += 1;
            yy += 1;
        }
        if slot != 2 && counts[slot] == before {
            return None;
        }
    }
    let module = proportions(counts, ends)?;
    let centre = top as f32 + (counts[0] + counts[1]) as f32 + counts[2] as f32 / 2.0;
    Some((centre, module))
}

/// (start, dark, length) of each run of equal pixels in `row`.
fn run_lengths(row: &[bool], runs: &mut Vec<(usize, bool, usize)>) {
    let mut start = 0;
    for x in 1..=row.len() {
        if x == row.len() || row[x] != row[start] {
            runs.push((start, row[start], x - start));
            start = x;
        }
    }
}

/// Dark where a pixel is below the mean of its neighbourhood, as zxing's hybrid binarizer
/// judges it: the image in 8 × 8 blocks, each pixel against the average of the 5 × 5 blocks
/// around its own (a window of 40 px), so shadows and gradients do not move the threshold off
/// the code. Block sums make it one pass to sum and one to compare, about twice as fast as the
/// engine's own pass over the same image (measured: `decode::tests::measure_overhead`).
pub(super) fn threshold(gray: &GrayImage) -> Vec<bool> {
    const BLOCK: usize = 8;
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let px = gray.as_raw();
    // Sum and pixel count of each block.
    let mut sums = vec![0u32; bw * bh];
    let mut counts = vec![0u32; bw * bh];
    for y in 0..h {
        let row = &px[y * w..(y + 1) * w];
        let base = (y / BLOCK) * bw;
        for (bx, chunk) in row.chunks(BLOCK).enumerate() {
            sums[base + bx] += chunk.iter().map(|&v| u32::from(v)).sum::<u32>();
            counts[base + bx] += chunk.len() as u32;
        }
    }
    // Each block's threshold: the mean over the 5 × 5 blocks around it, less a little so that
    // flat light areas stay light.
    let mut limits = vec![0u8; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let (mut sum, mut count) = (0u32, 0u32);
            for ny in by.saturating_sub(2)..(by + 3).min(bh) {
                for nx in bx.saturating_sub(2)..(bx + 3).min(bw) {
                    sum += sums[ny * bw + nx];
                    count += counts[ny * bw + nx];
                }
            }
            limits[by * bw + bx] = (sum / count.max(1)).saturating_sub(4) as u8;
        }
    }
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let limits = &limits[(y / BLOCK) * bw..(y / BLOCK + 1) * bw];
        let row = &px[y * w..(y + 1) * w];
        let out = &mut dark[y * w..(y + 1) * w];
        for ((out, px), &limit) in out.chunks_mut(BLOCK).zip(row.chunks(BLOCK)).zip(limits) {
            for (o, &v) in out.iter_mut().zip(px) {
                *o = v < limit;
            }
        }
    }
    dark
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode_text, EncodeOptions};

    fn raster(text: &str, scale: u32, at: (u32, u32), canvas: &mut GrayImage) {
        let code = encode_text(text, &EncodeOptions::default()).unwrap();
        for y in 0..code.width() as u32 * scale {
            for x in 0..code.width() as u32 * scale {
                let dark = code.is_dark((x / scale) as usize, (y / scale) as usize);
                canvas.put_pixel(
                    at.0 + x,
                    at.1 + y,
                    image::Luma([if dark { 20 } else { 235 }]),
                );
            }
        }
    }

    #[test]
    fn finds_the_three_finders_of_each_code() {
        let mut canvas = GrayImage::from_pixel(600, 300, image::Luma([235]));
        raster("first", 4, (20, 20), &mut canvas);
        raster("second code", 5, (320, 40), &mut canvas);
        let found = candidates(&canvas);
        assert_eq!(found.len(), 6, "{found:?}");
        // Module sizes measured as drawn.
        assert!(
            found
                .iter()
                .filter(|f| (f.module - 4.0).abs() < 0.6)
                .count()
                == 3
        );
        assert!(
            found
                .iter()
                .filter(|f| (f.module - 5.0).abs() < 0.6)
                .count()
                == 3
        );
    }

    #[test]
    fn nothing_in_flat_or_striped_images() {
        assert!(candidates(&GrayImage::from_pixel(200, 200, image::Luma([128]))).is_empty());
        let stripes = GrayImage::from_fn(200, 200, |x, _| {
            image::Luma([if x % 6 < 3 { 0 } else { 255 }])
        });
        assert!(candidates(&stripes).is_empty());
    }

    #[test]
    fn read_symbols_explain_their_finders() {
        let mut canvas = GrayImage::from_pixel(600, 300, image::Luma([235]));
        raster("first", 4, (20, 20), &mut canvas);
        raster("second code", 5, (320, 40), &mut canvas);
        let found = candidates(&canvas);
        // Only the first code "read": the second's three finders stay unexplained.
        let side = 21.0 * 4.0;
        let first = Symbol::with_corners([
            Point { x: 20.0, y: 20.0 },
            Point {
                x: 20.0 + side,
                y: 20.0,
            },
            Point {
                x: 20.0 + side,
                y: 20.0 + side,
            },
            Point {
                x: 20.0,
                y: 20.0 + side,
            },
        ]);
        assert_eq!(unexplained(&found, &[first]), 3);
        assert_eq!(unexplained(&found, &[]), 6);
    }
}
