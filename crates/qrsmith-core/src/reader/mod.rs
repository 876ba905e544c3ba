//! A QR reader of our own, for the symbols the engine locates but cannot decode: curved labels,
//! glare, damage, small blurred codes, finders without a quiet zone.
//!
//! One file per stage, as zxing-cpp keeps them apart:
//! - `locate`: version hypotheses from the timing patterns; finder and alignment patterns found
//!   where the current model predicts them;
//! - `geometry`: a least-squares homography through every reference point, plus a lattice of
//!   local corrections for surfaces that are not flat;
//! - `sample`: each module's grey value, a threshold from its neighbours, and a confidence;
//! - `decoder` (with `format`: format and version information; `codewords`: unmasking,
//!   zig-zag extraction, de-interleaving; `reed_solomon`: errors and erasures; `segments`: the
//!   bit stream to text): the sampled grid to the symbol's content, with low-confidence
//!   codewords as Reed–Solomon erasures.
//!
//! [`read_at`] is the entry point: given where a symbol probably is, it tries the likely
//! versions and grid fits in turn until one decodes.

mod codewords;
mod decoder;
mod format;
mod geometry;
mod grid;
mod locate;
mod reed_solomon;
mod sample;
mod segments;

#[cfg(test)]
mod tests;

use image::GrayImage;

pub(crate) use self::decoder::GridContent;
pub(crate) use self::geometry::dist as distance;
use self::geometry::{dist, GridModel, Homography, Pt};
use self::grid::SampledGrid;
pub(crate) use self::locate::{completed_pair, finder_triples, FinderSeen, Triple};
use self::locate::{width_of, Reference};

/// Where a symbol probably is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hint {
    /// Its four outer corners, clockwise from its top-left, as an engine that located it
    /// reports them.
    Corners([Pt; 4]),
    /// Three finder patterns that may be one symbol's (our own finder scan).
    Finders(locate::Triple),
}

/// A symbol read by [`read_at`].
#[derive(Debug)]
pub(crate) struct Found {
    /// What it holds.
    pub content: GridContent,
    /// Its outer corners in pixels, clockwise from its top-left.
    pub corners: [Pt; 4],
}

/// Finder module sizes further apart than this mark a symbol seen in strong perspective.
const PERSPECTIVE_MODULE_RATIO: f64 = 1.4;

/// How many version hypotheses are tried per hint, best timing score first.
const MAX_VERSION_TRIES: usize = 3;

/// Reads the symbol near `hint` in `gray`, light-on-dark when `inverted`; `None` when no
/// hypothesis decodes. `give_up` is asked between attempts (the caller's time budget).
pub(crate) fn read_at(
    gray: &GrayImage,
    hint: Hint,
    inverted: bool,
    give_up: &dyn Fn() -> bool,
) -> Option<Found> {
    let sign = if inverted { -1.0 } else { 1.0 };
    // Finders of clearly different sizes: the symbol is seen in strong perspective, and the
    // parallelogram through three finders is a poor first map; the fourth corner is searched.
    let perspective = match hint {
        Hint::Finders(t) => {
            let sizes = [t.tl.module, t.tr.module, t.bl.module];
            let (lo, hi) = (
                sizes.iter().copied().fold(f64::INFINITY, f64::min),
                sizes.iter().copied().fold(0.0, f64::max),
            );
            hi > PERSPECTIVE_MODULE_RATIO * lo
        }
        Hint::Corners(_) => false,
    };
    let mut tries = vec![false];
    if perspective {
        tries.push(true);
    }
    for search in tries {
        for model in version_hypotheses(gray, &hint, search) {
            if give_up() {
                return None;
            }
            if let Some(found) = read_version(gray, model, sign, give_up) {
                return Some(found);
            }
        }
    }
    None
}

/// Initial models for the likely widths, best first: every version whose modules would be at
/// least 1.5 px, scored by how well its timing patterns alternate.
fn version_hypotheses(gray: &GrayImage, hint: &Hint, perspective: bool) -> Vec<GridModel> {
    let versions: Vec<usize> = match hint {
        Hint::Corners(corners) => {
            let side = (0..4)
                .map(|i| dist(corners[i], corners[(i + 1) % 4]))
                .fold(f64::INFINITY, f64::min);
            (1..=40)
                .filter(|&v| side / width_of(v) as f64 >= 1.5)
                .collect()
        }
        Hint::Finders(t) => {
            // The finder centres are n − 7 modules apart: the version within two of that.
            let module = (t.tl.module + t.tr.module + t.bl.module) / 3.0;
            let legs = (dist(t.tl.centre, t.tr.centre) + dist(t.tl.centre, t.bl.centre)) / 2.0;
            let v = ((legs / module + 7.0 - 17.0) / 4.0).round() as i64;
            (v - 2..=v + 2)
                .filter(|v| (1..=40).contains(v))
                .map(|v| v as usize)
                .collect()
        }
    };
    let mut scored: Vec<(f64, GridModel)> = versions
        .into_iter()
        .filter_map(|v| {
            let n = width_of(v);
            let candidates: Vec<Homography> = match hint {
                Hint::Corners(corners) => vec![locate::from_corners(corners, n)?],
                Hint::Finders(t) => fourth_corner_guesses(t, perspective)
                    .into_iter()
                    .filter_map(|br| {
                        locate::from_finders(t.tl.centre, t.tr.centre, br, t.bl.centre, n)
                    })
                    .collect(),
            };
            candidates
                .into_iter()
                .map(|h| {
                    let model = GridModel::new(h, n, 2);
                    (locate::timing_score(gray, &model).abs(), model)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(MAX_VERSION_TRIES)
        .filter(|(score, _)| *score > 0.3)
        .map(|(_, model)| model)
        .collect()
}

/// Where the centre of the bottom-right finder's place may be, given three finders: the
/// parallelogram's fourth point, or with `perspective`, points around it up to a fifth of each
/// leg away, for the timing patterns to tell apart.
fn fourth_corner_guesses(t: &locate::Triple, perspective: bool) -> Vec<Pt> {
    let (tl, tr, bl) = (t.tl.centre, t.tr.centre, t.bl.centre);
    let along = (tr.0 - tl.0, tr.1 - tl.1);
    let down = (bl.0 - tl.0, bl.1 - tl.1);
    let steps: &[f64] = if perspective {
        &[-0.2, -0.1, 0.0, 0.1, 0.2]
    } else {
        &[0.0]
    };
    let mut out = Vec::with_capacity(steps.len() * steps.len());
    for a in steps {
        for b in steps {
            out.push((
                tr.0 + down.0 + a * along.0 + b * down.0,
                tr.1 + down.1 + a * along.1 + b * down.1,
            ));
        }
    }
    out
}

/// Fits, samples and decodes one version hypothesis: the finders and alignment patterns placed,
/// a homography through all of them, corrections where the surface bends, then sampling, and
/// if that does not decode, the grid nudged toward the module centres and sampled again.
fn read_version(
    gray: &GrayImage,
    initial: GridModel,
    sign: f32,
    give_up: &dyn Fn() -> bool,
) -> Option<Found> {
    let n = initial.width;
    let v = (n - 17) / 4;
    let mut refs = locate::find_finders(gray, &initial, sign);
    let best = refs
        .iter()
        .map(|r| sign * r.contrast)
        .fold(0.0f32, f32::max);
    // A finder under glare or a stain may match nothing: it keeps the place the initial model
    // gives it, as long as two others are clearly there.
    let weak = |r: &Reference| sign * r.contrast < 0.25 * best;
    if best <= 0.0 || refs.iter().filter(|r| weak(r)).count() > 1 {
        return None;
    }
    for r in refs.iter_mut().filter(|r| weak(r)) {
        r.pixel = initial.map(r.module);
    }
    let finder_contrast = refs
        .iter()
        .map(|r| sign * r.contrast)
        .filter(|&c| c >= 0.25 * best)
        .fold(f32::INFINITY, f32::min);
    // A first fit through the finders and the initial fourth corner, so the alignment search
    // starts from the best guess.
    let br = ((n as f64), (n as f64));
    let mut points: Vec<Reference> = refs.clone();
    points.push(Reference {
        module: br,
        pixel: initial.homography.map(br),
        contrast: 0.0,
    });
    let h = fit(&points)?;
    let model = GridModel::new(h, n, lattice_nodes(v));
    refs.extend(locate::find_alignments(
        gray,
        &model,
        v,
        sign,
        finder_contrast * 0.3,
    ));
    if refs.len() < 4 {
        refs.push(points[3]);
    }
    let h = fit(&refs)?;
    if !h.is_sane(n as f64) {
        return None;
    }
    let mut model = GridModel::new(h, n, lattice_nodes(v));
    spread_residuals(&mut model, &refs);
    let values = sample::module_values(gray, &model);
    let grid = sample::classify(&values, n, sign < 0.0);
    if let Ok(content) = decoder::decode_grid(&grid) {
        return Some(found(content, &model));
    }
    if give_up() {
        return None;
    }
    sample::refine(gray, &mut model, &values);
    let values = sample::module_values(gray, &model);
    let grid = sample::classify(&values, n, sign < 0.0);
    // Last, one threshold for the whole symbol: where a bright band or a shadow covers a
    // whole threshold window, the local thresholds follow it and split its modules at
    // random; one threshold keeps them apart as the rest of the symbol does. And where a band
    // is narrower than the threshold window (glare on foil), thresholds over seven modules.
    decoder::decode_grid(&grid)
        .or_else(|_| decoder::decode_grid(&sample::classify_global(&values, n, sign < 0.0)))
        .or_else(|_| decoder::decode_grid(&sample::classify_fine(&values, n, sign < 0.0)))
        .ok()
        .map(|content| found(content, &model))
}

/// The least-squares homography through `refs`.
fn fit(refs: &[Reference]) -> Option<Homography> {
    let src: Vec<Pt> = refs.iter().map(|r| r.module).collect();
    let dst: Vec<Pt> = refs.iter().map(|r| r.pixel).collect();
    Homography::fit(&src, &dst)
}

/// Nodes per side of the correction lattice: one about every seven modules, so each cell holds
/// enough modules to place it.
fn lattice_nodes(v: usize) -> usize {
    (width_of(v) / 7).clamp(2, 12) + 1
}

/// Sets the model's corrections from what the homography leaves unexplained at the reference
/// points: each node takes the inverse-distance-weighted mean of the residuals, so a bend that
/// the alignment patterns show carries over to the modules between them.
fn spread_residuals(model: &mut GridModel, refs: &[Reference]) {
    let residuals: Vec<(Pt, Pt)> = refs
        .iter()
        .map(|r| {
            let p = model.homography.map(r.module);
            (r.module, (r.pixel.0 - p.0, r.pixel.1 - p.1))
        })
        .collect();
    let nodes = model.nodes();
    for j in 0..nodes {
        for i in 0..nodes {
            let at = model.node_position(i, j);
            let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
            for (m, r) in &residuals {
                let d2 = (m.0 - at.0).powi(2) + (m.1 - at.1).powi(2);
                let w = 1.0 / (d2 + 4.0);
                sx += w * r.0;
                sy += w * r.1;
                sw += w;
            }
            if sw > 0.0 {
                model.set_shift(i, j, (sx / sw, sy / sw));
            }
        }
    }
}

fn found(content: GridContent, model: &GridModel) -> Found {
    let n = model.width as f64;
    Found {
        content,
        corners: [(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)].map(|p| model.map(p)),
    }
}

/// Decodes a grid built from raw parts, for the fuzz target: `width` modules a side, one byte
/// per module (bit 0: dark; the rest: confidence). Never panics; returns the text when it reads.
pub(crate) fn decode_raw_grid(width: usize, modules: &[u8]) -> Option<String> {
    let n = width.checked_mul(width)?;
    let modules = modules.get(..n)?;
    let grid = SampledGrid {
        width,
        dark: modules.iter().map(|&m| m & 1 != 0).collect(),
        confidence: modules.iter().map(|&m| m & 0xFE).collect(),
    };
    decoder::decode_grid(&grid).ok().map(|c| c.text)
}

#[cfg(test)]
mod read_tests {
    use super::*;
    use crate::{encode_text, EncodeOptions, Version};

    /// A version-`v` symbol of `text` wrapped round a cylinder whose radius is `radius` times
    /// the symbol's width, seen from the front (modules squeezed toward the left and right
    /// edges), `scale` px per module at the centre, with a quiet zone; and its four corners.
    fn on_cylinder(text: &str, v: u8, scale: f64, radius: f64) -> (GrayImage, [Pt; 4]) {
        let code = encode_text(
            text,
            &EncodeOptions {
                version: Some(Version::Normal(v)),
                ..EncodeOptions::default()
            },
        )
        .unwrap();
        let n = code.width() as f64;
        let r = radius * n * scale;
        let half = r * (n * scale / 2.0 / r).sin();
        let side = (2.0 * half + 8.0 * scale) as u32;
        let top = 4.0 * scale;
        let cx = f64::from(side) / 2.0;
        let img = GrayImage::from_fn(side, (n * scale + 8.0 * scale) as u32, |x, y| {
            let dx = (f64::from(x) + 0.5 - cx) / r;
            if dx.abs() >= 1.0 {
                return image::Luma([235]);
            }
            let u = n / 2.0 + dx.asin() * r / scale;
            let v = (f64::from(y) + 0.5 - top) / scale;
            let inside = (0.0..n).contains(&u) && (0.0..n).contains(&v);
            let dark = inside && code.is_dark(u as usize, v as usize);
            image::Luma([if dark { 30 } else { 235 }])
        });
        let (l, rgt) = (cx - half, cx + half);
        let bottom = top + n * scale;
        (img, [(l, top), (rgt, top), (rgt, bottom), (l, bottom)])
    }

    #[test]
    fn reads_a_label_round_a_can() {
        // Radius 0.8 × the symbol's width: the outer modules a fifth narrower than the central
        // ones. (At 0.6 this reader fails from version 4 up: a limit, not a target.)
        for v in [2, 4, 7] {
            let (img, corners) = on_cylinder("label on a can", v, 6.0, 0.8);
            let found = read_at(&img, Hint::Corners(corners), false, &|| false)
                .unwrap_or_else(|| panic!("version {v} on the cylinder is read"));
            assert_eq!(found.content.text, "label on a can");
            assert_eq!(found.content.version, v);
            // The corners come back near the symbol's own.
            for (got, want) in found.corners.iter().zip(&corners) {
                assert!(dist(*got, *want) < 6.0, "{got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn reads_under_a_glare_band_and_from_rough_corners() {
        let (mut img, corners) = on_cylinder("glare washes a band", 3, 5.0, 4.0);
        // A specular band three modules wide across the middle: almost white.
        let (w, h) = img.dimensions();
        for y in 0..h {
            for x in w / 2 - 7..w / 2 + 8 {
                let p = img.get_pixel_mut(x, y);
                p.0[0] = 245u8.max(p.0[0]);
            }
        }
        // The engine's corners a module and a half off.
        let rough = [
            (corners[0].0 - 7.0, corners[0].1 + 4.0),
            (corners[1].0 + 5.0, corners[1].1 - 6.0),
            corners[2],
            (corners[3].0 + 6.0, corners[3].1 + 7.0),
        ];
        let found =
            read_at(&img, Hint::Corners(rough), false, &|| false).expect("read despite the band");
        assert_eq!(found.content.text, "glare washes a band");
        assert!(
            found.content.errors + found.content.erasures > 0,
            "the band cost something"
        );
    }

    #[test]
    fn nothing_is_read_where_there_is_no_symbol() {
        let img = GrayImage::from_fn(200, 200, |x, y| {
            image::Luma([((x * 7 + y * 13) % 256) as u8])
        });
        let corners = [(20.0, 20.0), (180.0, 20.0), (180.0, 180.0), (20.0, 180.0)];
        assert!(read_at(&img, Hint::Corners(corners), false, &|| false).is_none());
    }
}
