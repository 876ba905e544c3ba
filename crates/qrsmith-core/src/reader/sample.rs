//! Reading the modules: each module's grey value at its centre through the grid model, a
//! threshold and a contrast from its neighbourhood of modules, and how sure the reading is.
//!
//! The values are grey levels, not the pixels of a binarised image as in zxing-cpp: on small,
//! blurred modules a global or pixel-window threshold loses what a threshold over the module
//! values themselves still separates. A module whose value sits near its threshold, or in a
//! neighbourhood without contrast (glare washing the print out, a deep shadow), gets a low
//! confidence, and the decoder may treat its codeword as an erasure.

use image::GrayImage;

use super::geometry::{GridModel, Pt};
use super::grid::SampledGrid;

/// Grey values of every module, row-major, sampled through `grid`.
pub(crate) fn module_values(gray: &GrayImage, grid: &GridModel) -> Vec<f32> {
    let n = grid.width;
    let mut out = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            out.push(module_value(
                gray,
                grid,
                (col as f64 + 0.5, row as f64 + 0.5),
                (0.0, 0.0),
            ));
        }
    }
    out
}

/// The value of the module centred at `centre` (module coordinates), the sampling point moved
/// by `offset` pixels: the mean of five points, the centre and four a quarter module away, so
/// that one noisy pixel does not decide a module.
pub(crate) fn module_value(gray: &GrayImage, grid: &GridModel, centre: Pt, offset: Pt) -> f32 {
    const SPREAD: f64 = 0.22;
    let mut sum = 0.0;
    for (du, dv) in [
        (0.0, 0.0),
        (-SPREAD, -SPREAD),
        (SPREAD, -SPREAD),
        (-SPREAD, SPREAD),
        (SPREAD, SPREAD),
    ] {
        let p = grid.map((centre.0 + du, centre.1 + dv));
        sum += bilinear(gray, p.0 + offset.0, p.1 + offset.1);
    }
    sum / 5.0
}

/// The grey level at a real-valued position (pixel centres at integer + ½), bilinearly
/// interpolated; positions outside the image take the nearest edge pixel.
pub(crate) fn bilinear(gray: &GrayImage, x: f64, y: f64) -> f32 {
    let (w, h) = (gray.width() as i64, gray.height() as i64);
    let (fx, fy) = (x - 0.5, y - 0.5);
    if !fx.is_finite() || !fy.is_finite() {
        return 0.0;
    }
    let (x0, y0) = (fx.floor() as i64, fy.floor() as i64);
    let (a, b) = ((fx - x0 as f64) as f32, (fy - y0 as f64) as f32);
    let px = |x: i64, y: i64| -> f32 {
        let (x, y) = (x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32);
        f32::from(gray.get_pixel(x, y).0[0])
    };
    let top = px(x0, y0) * (1.0 - a) + px(x0 + 1, y0) * a;
    let bottom = px(x0, y0 + 1) * (1.0 - a) + px(x0 + 1, y0 + 1) * a;
    top * (1.0 - b) + bottom * b
}

/// A threshold and the contrast (light mean − dark mean) for every module, from the module
/// values around it: the symbol in blocks of [`BLOCK`] modules, each block's two classes
/// separated by a few rounds of two-means over the 3 × 3 blocks around it, then interpolated
/// between block centres so the threshold follows a gradient of light across the code.
pub(crate) fn local_thresholds(values: &[f32], n: usize) -> (Vec<f32>, Vec<f32>) {
    let blocks = n.div_ceil(BLOCK);
    let mut block_t = vec![0f32; blocks * blocks];
    let mut block_c = vec![0f32; blocks * blocks];
    let mut window = Vec::with_capacity(9 * BLOCK * BLOCK);
    for by in 0..blocks {
        for bx in 0..blocks {
            window.clear();
            let (r0, r1) = (by.saturating_sub(1) * BLOCK, ((by + 2) * BLOCK).min(n));
            let (c0, c1) = (bx.saturating_sub(1) * BLOCK, ((bx + 2) * BLOCK).min(n));
            for r in r0..r1 {
                window.extend_from_slice(&values[r * n + c0..r * n + c1]);
            }
            let (t, c) = two_means(&window);
            block_t[by * blocks + bx] = t;
            block_c[by * blocks + bx] = c;
        }
    }
    let mut thresholds = Vec::with_capacity(n * n);
    let mut contrasts = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            let (t, c) = interpolate_blocks(&block_t, &block_c, blocks, col, row);
            thresholds.push(t);
            contrasts.push(c);
        }
    }
    (thresholds, contrasts)
}

/// Modules per side of a threshold block.
const BLOCK: usize = 5;

/// Bilinear interpolation of the block values at module `(col, row)`.
fn interpolate_blocks(t: &[f32], c: &[f32], blocks: usize, col: usize, row: usize) -> (f32, f32) {
    let pos = |m: usize| {
        let f = (m as f32 + 0.5) / BLOCK as f32 - 0.5;
        let f = f.clamp(0.0, (blocks - 1) as f32);
        let i = (f as usize).min(blocks.saturating_sub(2));
        (i, f - i as f32)
    };
    if blocks == 1 {
        return (t[0], c[0]);
    }
    let ((i, a), (j, b)) = (pos(col), pos(row));
    let at = |v: &[f32]| {
        let g = |i: usize, j: usize| v[j * blocks + i];
        (1.0 - b) * ((1.0 - a) * g(i, j) + a * g(i + 1, j))
            + b * ((1.0 - a) * g(i, j + 1) + a * g(i + 1, j + 1))
    };
    (at(t), at(c))
}

/// The threshold between the two classes of `v` and their distance, by two-means from the mean.
pub(crate) fn two_means(v: &[f32]) -> (f32, f32) {
    if v.is_empty() {
        return (127.5, 0.0);
    }
    let mut t = v.iter().sum::<f32>() / v.len() as f32;
    let (mut lo, mut hi) = (t, t);
    for _ in 0..6 {
        let (mut s0, mut n0, mut s1, mut n1) = (0.0, 0u32, 0.0, 0u32);
        for &x in v {
            if x < t {
                s0 += x;
                n0 += 1;
            } else {
                s1 += x;
                n1 += 1;
            }
        }
        if n0 == 0 || n1 == 0 {
            break;
        }
        lo = s0 / n0 as f32;
        hi = s1 / n1 as f32;
        let next = (lo + hi) / 2.0;
        if (next - t).abs() < 0.25 {
            t = next;
            break;
        }
        t = next;
    }
    (t, hi - lo)
}

/// The sampled grid: dark where a value is below its threshold; confidence from the distance to
/// it relative to half the local contrast, lowered where the local contrast is a small share of
/// the symbol's (washed out by glare, lost in shadow).
pub(crate) fn classify(values: &[f32], n: usize, inverted: bool) -> SampledGrid {
    let (thresholds, contrasts) = local_thresholds(values, n);
    let mut sorted = contrasts.clone();
    sorted.sort_by(f32::total_cmp);
    // The symbol's typical contrast: the upper quartile, so a large washed-out area does not
    // lower the reference it is judged by.
    let typical = sorted[sorted.len() * 3 / 4].max(1.0);
    let mut dark = Vec::with_capacity(n * n);
    let mut confidence = Vec::with_capacity(n * n);
    for i in 0..n * n {
        let (v, t, c) = (values[i], thresholds[i], contrasts[i]);
        dark.push((v < t) != inverted);
        let separation = ((v - t).abs() / (c / 2.0).max(1.0)).min(1.0);
        let washed = (c / typical).min(1.0);
        confidence.push((separation * washed * 255.0).round() as u8);
    }
    SampledGrid {
        width: n,
        dark,
        confidence,
    }
}

/// [`classify`] with thresholds from a small window centred on each module ([`FINE_RADIUS`]
/// modules each way) where that window shows at least half the contrast the blocks' wider
/// windows do. Under a specular band on foil or gloss, dark modules read a light grey that a
/// 15-module window, half of it outside the band, calls light; seven modules stay inside the
/// band. Where the two thresholds disagree about a module, its confidence drops to a fraction,
/// so that its codeword is among the first erasures.
pub(crate) fn classify_fine(values: &[f32], n: usize, inverted: bool) -> SampledGrid {
    let (coarse_t, coarse_c) = local_thresholds(values, n);
    let mut window = Vec::with_capacity((2 * FINE_RADIUS + 1).pow(2));
    let mut dark = Vec::with_capacity(n * n);
    let mut confidence = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            window.clear();
            let (r0, r1) = (
                row.saturating_sub(FINE_RADIUS),
                (row + FINE_RADIUS + 1).min(n),
            );
            let (c0, c1) = (
                col.saturating_sub(FINE_RADIUS),
                (col + FINE_RADIUS + 1).min(n),
            );
            for r in r0..r1 {
                window.extend_from_slice(&values[r * n + c0..r * n + c1]);
            }
            let k = row * n + col;
            let (fine_t, fine_c) = two_means(&window);
            let (t, c) = if fine_c >= coarse_c[k] / 2.0 {
                (fine_t, fine_c)
            } else {
                (coarse_t[k], coarse_c[k])
            };
            let v = values[k];
            let is_dark = v < t;
            let mut sure = ((v - t).abs() / (c / 2.0).max(1.0)).min(1.0);
            if is_dark != (v < coarse_t[k]) {
                sure /= 4.0;
            }
            dark.push(is_dark != inverted);
            confidence.push((sure * 255.0).round() as u8);
        }
    }
    SampledGrid {
        width: n,
        dark,
        confidence,
    }
}

/// Modules each way from the module of [`classify_fine`]'s window (7 × 7 modules).
const FINE_RADIUS: usize = 3;

/// [`classify`] with one threshold for the whole symbol (two-means over every module).
pub(crate) fn classify_global(values: &[f32], n: usize, inverted: bool) -> SampledGrid {
    let (t, c) = two_means(values);
    let dark = values.iter().map(|&v| (v < t) != inverted).collect();
    let confidence = values
        .iter()
        .map(|&v| ((v - t).abs() / (c / 2.0).max(1.0) * 255.0).min(255.0) as u8)
        .collect();
    SampledGrid {
        width: n,
        dark,
        confidence,
    }
}

/// How well the modules around each node of `grid`'s correction lattice line up with module
/// centres, improved node by node: each node's correction is moved to the shift (within about
/// half a module) whose samples lie farthest from their thresholds — a sampling point on a
/// module boundary reads a mixed grey, one at a module centre a clean dark or light. Nodes in
/// areas without structure keep their correction. Two rounds, the second finer.
pub(crate) fn refine(gray: &GrayImage, grid: &mut GridModel, values: &[f32]) {
    let n = grid.width;
    let (thresholds, contrasts) = local_thresholds(values, n);
    let nodes = grid.nodes();
    let step = n as f64 / (nodes - 1) as f64;
    for round in 0..2 {
        let mut updates = Vec::with_capacity(nodes * nodes);
        for j in 0..nodes {
            for i in 0..nodes {
                let (nu, nv) = grid.node_position(i, j);
                let module_px = grid.homography.module_size_at((nu, nv));
                let reach = if round == 0 { 0.5 } else { 0.25 } * module_px;
                let fine = reach / 2.0;
                // The modules within one lattice step of the node.
                let (c0, c1) = (span(nu - step, n), span(nu + step, n));
                let (r0, r1) = (span(nv - step, n), span(nv + step, n));
                let score = |offset: Pt| -> f64 {
                    let mut s = 0.0;
                    for r in r0..r1 {
                        for c in c0..c1 {
                            let k = r * n + c;
                            let centre = (c as f64 + 0.5, r as f64 + 0.5);
                            // Nearer modules weigh more: the node moves them most.
                            let w = (1.0 - (centre.0 - nu).abs() / step).max(0.0)
                                * (1.0 - (centre.1 - nv).abs() / step).max(0.0);
                            if w <= 0.0 {
                                continue;
                            }
                            let v = module_value(gray, grid, centre, (offset.0 * w, offset.1 * w));
                            let half = f64::from(contrasts[k]).max(1.0) / 2.0;
                            s += w * (f64::from(v - thresholds[k]).abs() / half).min(1.0);
                        }
                    }
                    s
                };
                let base = score((0.0, 0.0));
                let mut best = ((0.0, 0.0), base);
                for dy in [-reach, -fine, 0.0, fine, reach] {
                    for dx in [-reach, -fine, 0.0, fine, reach] {
                        if dx == 0.0 && dy == 0.0 {
                            continue;
                        }
                        let s = score((dx, dy));
                        if s > best.1 {
                            best = ((dx, dy), s);
                        }
                    }
                }
                // Only a clear gain moves a node: noise alone should not bend the grid.
                let moved = if best.1 > base * 1.03 {
                    best.0
                } else {
                    (0.0, 0.0)
                };
                updates.push((i, j, moved));
            }
        }
        for (i, j, (dx, dy)) in updates {
            let old = grid.shift(i, j);
            grid.set_shift(i, j, (old.0 + dx, old.1 + dy));
        }
    }
}

/// The module index range bound for a coordinate, clamped to the symbol.
fn span(x: f64, n: usize) -> usize {
    x.max(0.0).ceil().min(n as f64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_means_separates_two_levels() {
        let v = [30.0, 35.0, 32.0, 200.0, 210.0, 190.0, 205.0];
        let (t, c) = two_means(&v);
        assert!(t > 40.0 && t < 190.0, "{t}");
        assert!((c - (201.25 - 32.333)).abs() < 1.0, "{c}");
    }

    #[test]
    fn bilinear_interpolates_between_pixel_centres() {
        let img = GrayImage::from_fn(2, 1, |x, _| image::Luma([if x == 0 { 0 } else { 200 }]));
        assert_eq!(bilinear(&img, 0.5, 0.5), 0.0);
        assert_eq!(bilinear(&img, 1.5, 0.5), 200.0);
        assert_eq!(bilinear(&img, 1.0, 0.5), 100.0);
        // Outside: the edge pixel.
        assert_eq!(bilinear(&img, -5.0, 0.5), 0.0);
    }

    #[test]
    fn fine_thresholds_follow_a_band_narrower_than_the_blocks() {
        // A checkerboard of 25 × 25 modules with a glare band six modules wide on the right
        // whose dark modules read 170 (light 240); elsewhere 30 and 210.
        let n = 25;
        let truth = |k: usize| (k / n + k % n) % 2 == 0;
        let values: Vec<f32> = (0..n * n)
            .map(|k| match (k % n >= 19, truth(k)) {
                (true, true) => 170.0,
                (true, false) => 240.0,
                (false, true) => 30.0,
                (false, false) => 210.0,
            })
            .collect();
        let (coarse, fine) = (
            classify(&values, n, false),
            classify_fine(&values, n, false),
        );
        let wrong = |g: &SampledGrid, unsure_too: bool| {
            (0..n * n)
                .filter(|&k| g.dark[k] != truth(k) && (unsure_too || g.confidence[k] >= 64))
                .count()
        };
        // The wide windows read a quarter of the band's modules wrong; the fine ones only those
        // at the band's edge, where their window straddles it.
        assert!(wrong(&coarse, true) > 30, "{}", wrong(&coarse, true));
        assert!(wrong(&fine, true) * 2 < wrong(&coarse, true));
        // Where the wide and the fine thresholds disagree, the module is unsure.
        for k in (0..n * n).filter(|&k| coarse.dark[k] != fine.dark[k]) {
            assert!(fine.confidence[k] < 64, "{k}: {}", fine.confidence[k]);
        }
    }

    #[test]
    fn washed_out_modules_are_unsure() {
        // A checkerboard of 25 × 25 modules whose right part, wider than the threshold window (three
        // blocks), has almost no contrast.
        let n = 25;
        let values: Vec<f32> = (0..n * n)
            .map(|k| {
                let (r, c) = (k / n, k % n);
                let dark = (r + c) % 2 == 0;
                if c >= 10 {
                    if dark {
                        240.0
                    } else {
                        250.0
                    }
                } else if dark {
                    40.0
                } else {
                    200.0
                }
            })
            .collect();
        let g = classify(&values, n, false);
        assert!(g.dark[0] && !g.dark[1]);
        let left: u32 = (0..n).map(|r| u32::from(g.confidence[r * n + 3])).sum();
        let right: u32 = (0..n).map(|r| u32::from(g.confidence[r * n + 22])).sum();
        assert!(left > 4 * right, "{left} vs {right}");
    }
}
