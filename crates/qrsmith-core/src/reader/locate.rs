//! Where a symbol is and how large: version hypotheses from the timing patterns, and the
//! function patterns (finders, alignment patterns) found where the current model predicts them,
//! as reference points for the geometry.
//!
//! Every search here works on module values sampled through a model, not on a binarised image:
//! a pattern is where the sampled 7 × 7 (or 5 × 5) modules best match its light and dark rings,
//! so a finder that touches a dark area (no quiet zone), or one under glare that a run-length
//! scan cannot see, is still placed by the modules that are there.

use image::GrayImage;

use super::geometry::{dist, GridModel, Homography, Pt};
use super::sample::module_value;
use crate::Version;

/// A reference point: a module-space position and where it was found in the image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reference {
    /// Module coordinates.
    pub module: Pt,
    /// Pixel coordinates.
    pub pixel: Pt,
    /// Light-minus-dark contrast of the matched pattern (grey levels; negative for inverted).
    pub contrast: f32,
}

/// Modules per side of version `v`.
pub(crate) fn width_of(v: usize) -> usize {
    4 * v + 17
}

/// The centres (module index of the centre module, as (column, row)) of the alignment patterns
/// of QR version `v`, without the three places under finder patterns.
pub(crate) fn alignment_centres(v: usize) -> Vec<(usize, usize)> {
    let Ok(v8) = u8::try_from(v) else {
        return Vec::new();
    };
    let at = Version::Normal(v8).alignment_positions();
    let (first, last) = (at.first().copied(), at.last().copied());
    let mut out = Vec::new();
    for &r in &at {
        for &c in &at {
            let corner = |x: usize| Some(x) == first || Some(x) == last;
            let under_finder = corner(r) && corner(c) && !(Some(r) == last && Some(c) == last);
            if !under_finder {
                out.push((c, r));
            }
        }
    }
    out
}

/// How well the timing patterns (row 6 and column 6, between the finders) of a symbol of width
/// `n` alternate under `model`: the correlation of their values with the expected dark-light
/// pattern, from −1 to 1. The right width scores near 1; a wrong one near 0.
pub(crate) fn timing_score(gray: &GrayImage, model: &GridModel) -> f64 {
    let n = model.width;
    let mut values = Vec::with_capacity(2 * n);
    let mut expected = Vec::with_capacity(2 * n);
    for k in 8..n - 8 {
        let want = if k % 2 == 0 { 0.0 } else { 1.0 };
        for centre in [(k as f64 + 0.5, 6.5), (6.5, k as f64 + 0.5)] {
            values.push(f64::from(module_value(gray, model, centre, (0.0, 0.0))));
            expected.push(want);
        }
    }
    correlation(&values, &expected)
}

/// Pearson correlation of two equally long series; 0 when either is flat.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa <= 1e-9 || sbb <= 1e-9 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// A function pattern as the modules it is made of (a finder's include its light separator on
/// the sides facing into the symbol).
struct Pattern {
    /// Module offsets from the pattern's centre module, and whether each is dark.
    cells: Vec<((i32, i32), bool)>,
}

impl Pattern {
    /// A finder pattern (7 × 7: dark ring, light ring, dark 3 × 3) with its separator on the
    /// sides facing into the symbol: `into` is the direction of the symbol's inside, (±1, ±1).
    fn finder(into: (i32, i32)) -> Pattern {
        let mut cells = Vec::new();
        for j in -3..=3i32 {
            for i in -3..=3i32 {
                let d = i.abs().max(j.abs());
                cells.push(((i, j), d != 2));
            }
        }
        for k in -3..=4i32 {
            cells.push(((4 * into.0, k * into.1), false));
            if k < 4 {
                cells.push(((k * into.0, 4 * into.1), false));
            }
        }
        Pattern { cells }
    }

    /// An alignment pattern (5 × 5: dark ring, light ring, dark centre).
    fn alignment() -> Pattern {
        let mut cells = Vec::new();
        for j in -2..=2i32 {
            for i in -2..=2i32 {
                let d = i.abs().max(j.abs());
                cells.push(((i, j), d != 1));
            }
        }
        Pattern { cells }
    }

    /// Light mean − dark mean of the pattern's modules with its centre module at `centre`
    /// (module coordinates of the centre module's centre).
    fn contrast(&self, gray: &GrayImage, model: &GridModel, centre: Pt) -> f32 {
        let (mut light, mut nl, mut dark, mut nd) = (0.0, 0, 0.0, 0);
        for &((i, j), is_dark) in &self.cells {
            let p = (centre.0 + f64::from(i), centre.1 + f64::from(j));
            let v = module_value(gray, model, p, (0.0, 0.0));
            if is_dark {
                dark += v;
                nd += 1;
            } else {
                light += v;
                nl += 1;
            }
        }
        light / nl as f32 - dark / nd as f32
    }

    /// The best placement of the pattern within `reach` modules of `centre`: a coarse search
    /// in quarter modules, then a finer one around the best. `sign` is −1 for inverted symbols.
    fn search(
        &self,
        gray: &GrayImage,
        model: &GridModel,
        centre: Pt,
        reach: f64,
        sign: f32,
    ) -> (Pt, f32) {
        let mut best = (centre, sign * self.contrast(gray, model, centre));
        for (step, span) in [(0.25, reach), (0.0625, 0.25)] {
            let base = best.0;
            let k = (span / step).round() as i32;
            for dj in -k..=k {
                for di in -k..=k {
                    if di == 0 && dj == 0 {
                        continue;
                    }
                    let p = (base.0 + f64::from(di) * step, base.1 + f64::from(dj) * step);
                    let c = sign * self.contrast(gray, model, p);
                    if c > best.1 {
                        best = (p, c);
                    }
                }
            }
        }
        (best.0, sign * best.1)
    }
}

/// The three finder patterns placed near where `model` predicts them; each is a reference from
/// its predicted module centre to the pixel where the best-matching placement's centre lies.
pub(crate) fn find_finders(gray: &GrayImage, model: &GridModel, sign: f32) -> Vec<Reference> {
    let n = model.width as f64;
    [
        ((3.5, 3.5), (1, 1)),
        ((n - 3.5, 3.5), (-1, 1)),
        ((3.5, n - 3.5), (1, -1)),
    ]
    .into_iter()
    .map(|(centre, into)| {
        let (found, contrast) = Pattern::finder(into).search(gray, model, centre, 1.5, sign);
        Reference {
            module: centre,
            pixel: model.map(found),
            contrast,
        }
    })
    .collect()
}

/// The alignment patterns of version `v` found near where `model` predicts them, those whose
/// contrast is at least `min_contrast` (in `sign`'s direction).
pub(crate) fn find_alignments(
    gray: &GrayImage,
    model: &GridModel,
    v: usize,
    sign: f32,
    min_contrast: f32,
) -> Vec<Reference> {
    let pattern = Pattern::alignment();
    alignment_centres(v)
        .into_iter()
        .filter_map(|(c, r)| {
            let centre = (c as f64 + 0.5, r as f64 + 0.5);
            let (found, contrast) = pattern.search(gray, model, centre, 1.5, sign);
            (sign * contrast >= min_contrast).then(|| Reference {
                module: centre,
                pixel: model.map(found),
                contrast,
            })
        })
        .collect()
}

/// The symbol's initial map for width `n` from its four outer corners (clockwise from its
/// top-left), as an engine that located it reports them.
pub(crate) fn from_corners(corners: &[Pt; 4], n: usize) -> Option<Homography> {
    let n = n as f64;
    Homography::fit(&[(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)], corners)
}

/// The symbol's initial map for width `n` from its three finder centres (top-left, top-right,
/// bottom-left) and a guess `br` at where a fourth finder would sit.
pub(crate) fn from_finders(tl: Pt, tr: Pt, br: Pt, bl: Pt, n: usize) -> Option<Homography> {
    let n = n as f64;
    Homography::fit(
        &[
            (3.5, 3.5),
            (n - 3.5, 3.5),
            (n - 3.5, n - 3.5),
            (3.5, n - 3.5),
        ],
        &[tl, tr, br, bl],
    )
}

/// A finder pattern seen in the image: its centre in pixels and its module size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FinderSeen {
    pub centre: Pt,
    pub module: f64,
}

/// Three finder patterns that may be one symbol's: top-left, top-right, bottom-left (for an
/// upright, unmirrored symbol).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Triple {
    pub tl: FinderSeen,
    pub tr: FinderSeen,
    pub bl: FinderSeen,
}

impl Triple {
    /// The triple with `corner` at the top-left and the other two clockwise from it (in image
    /// coordinates, y down): top-right, then bottom-left.
    fn clockwise(corner: FinderSeen, p: FinderSeen, q: FinderSeen) -> Triple {
        let (v1, v2) = (
            (p.centre.0 - corner.centre.0, p.centre.1 - corner.centre.1),
            (q.centre.0 - corner.centre.0, q.centre.1 - corner.centre.1),
        );
        let cross = v1.0 * v2.1 - v1.1 * v2.0;
        let (tr, bl) = if cross > 0.0 { (p, q) } else { (q, p) };
        Triple { tl: corner, tr, bl }
    }
}

/// The triples that two finders of one symbol imply when its third finder was not seen (under
/// glare, or torn): as two neighbouring finders, the third a right angle from either one on
/// either side; as the two ends of the diagonal, the corner on either side. Six hypotheses,
/// for the version hypotheses' timing test and the pattern match to sort out; `None` when the
/// two cannot be one symbol's (module sizes apart, too near or too far for any version).
pub(crate) fn completed_pair(a: FinderSeen, b: FinderSeen) -> Option<[Triple; 6]> {
    let (lo, hi) = (a.module.min(b.module), a.module.max(b.module));
    let module = (a.module + b.module) / 2.0;
    let d = dist(a.centre, b.centre);
    // Neighbouring finders are n − 7 modules apart (14 to 170); a diagonal √2 times that.
    if hi > 1.5 * lo || d < 14.0 * module || d > 1.42 * 170.0 * module {
        return None;
    }
    let turn = |from: Pt, to: Pt, sign: f64| -> FinderSeen {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        FinderSeen {
            centre: (from.0 - sign * dy, from.1 + sign * dx),
            module,
        }
    };
    let mid = FinderSeen {
        centre: (
            (a.centre.0 + b.centre.0) / 2.0,
            (a.centre.1 + b.centre.1) / 2.0,
        ),
        module,
    };
    Some([
        Triple::clockwise(a, b, turn(a.centre, b.centre, 1.0)),
        Triple::clockwise(a, b, turn(a.centre, b.centre, -1.0)),
        Triple::clockwise(b, a, turn(b.centre, a.centre, 1.0)),
        Triple::clockwise(b, a, turn(b.centre, a.centre, -1.0)),
        Triple::clockwise(turn(mid.centre, b.centre, 1.0), a, b),
        Triple::clockwise(turn(mid.centre, b.centre, -1.0), a, b),
    ])
}

/// At most this many finders are combined into triples (the most confirmed first): the search is
/// cubic in their number.
const MAX_FINDERS: usize = 24;

/// Limits on a triple of finders, loose enough for a symbol turned 60–70° away from the
/// camera (the near finder two to three times the far one's size, legs foreshortened, the
/// corner's angle far from square): the module sizes within this ratio, the two legs within
/// this ratio, the cosine of the corner's angle at most this (50–130°).
const MAX_MODULE_RATIO: f64 = 2.5;
const MAX_LEG_RATIO: f64 = 1.8;
const MAX_CORNER_COS: f64 = 0.65;

/// The triples of `finders` that can be one symbol's, most square first: similar module sizes,
/// two legs of similar length meeting at nearly a right angle at the top-left, at least a
/// version 1 symbol apart (14 modules between finder centres).
pub(crate) fn finder_triples(finders: &[FinderSeen]) -> Vec<Triple> {
    let f = &finders[..finders.len().min(MAX_FINDERS)];
    let mut out: Vec<(f64, Triple)> = Vec::new();
    for a in 0..f.len() {
        for b in a + 1..f.len() {
            for c in b + 1..f.len() {
                let sizes = [f[a].module, f[b].module, f[c].module];
                let (lo, hi) = (
                    sizes.iter().copied().fold(f64::INFINITY, f64::min),
                    sizes.iter().copied().fold(0.0, f64::max),
                );
                if hi > MAX_MODULE_RATIO * lo {
                    continue;
                }
                let module = (sizes[0] + sizes[1] + sizes[2]) / 3.0;
                // The corner is usually the finder opposite the longest side; under strong
                // perspective the foreshortened legs can make another side the longest, so
                // each finder is tried as the corner, the usual one first.
                let longest = [
                    dist(f[b].centre, f[c].centre),
                    dist(f[c].centre, f[a].centre),
                    dist(f[a].centre, f[b].centre),
                ];
                let top = longest.iter().copied().fold(0.0, f64::max);
                for (k, (corner, p, q)) in
                    [(f[a], f[b], f[c]), (f[b], f[c], f[a]), (f[c], f[a], f[b])]
                        .into_iter()
                        .enumerate()
                {
                    let (l1, l2) = (dist(corner.centre, p.centre), dist(corner.centre, q.centre));
                    if l1.max(l2) > MAX_LEG_RATIO * l1.min(l2) || l1.min(l2) < 12.0 * module {
                        continue;
                    }
                    let (v1, v2) = (
                        (p.centre.0 - corner.centre.0, p.centre.1 - corner.centre.1),
                        (q.centre.0 - corner.centre.0, q.centre.1 - corner.centre.1),
                    );
                    let cos = (v1.0 * v2.0 + v1.1 * v2.1) / (l1 * l2);
                    if cos.abs() > MAX_CORNER_COS {
                        continue;
                    }
                    // What only the loose limits admit comes after every usual triple.
                    let usual = longest[k] == top
                        && hi <= 2.0 * lo
                        && l1.max(l2) <= 1.6 * l1.min(l2)
                        && cos.abs() <= 0.5;
                    let unusual = if usual { 0.0 } else { 10.0 };
                    let badness =
                        cos.abs() + (l1.max(l2) / l1.min(l2) - 1.0) + (hi / lo - 1.0) + unusual;
                    out.push((badness, Triple::clockwise(corner, p, q)));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(x: f64, y: f64, module: f64) -> FinderSeen {
        FinderSeen {
            centre: (x, y),
            module,
        }
    }

    #[test]
    fn a_pair_implies_the_missing_finder() {
        let near = |p: Pt, q: Pt| dist(p, q) < 1e-6;
        // Top-left and top-right seen: one hypothesis is the upright symbol.
        let triples = completed_pair(seen(100.0, 100.0, 5.0), seen(300.0, 100.0, 5.0)).unwrap();
        assert!(triples.iter().any(|t| near(t.tl.centre, (100.0, 100.0))
            && near(t.tr.centre, (300.0, 100.0))
            && near(t.bl.centre, (100.0, 300.0))));
        // The two ends of the diagonal: the corner between them.
        let triples = completed_pair(seen(300.0, 100.0, 5.0), seen(100.0, 300.0, 5.0)).unwrap();
        assert!(triples.iter().any(|t| near(t.tl.centre, (100.0, 100.0))
            && near(t.tr.centre, (300.0, 100.0))
            && near(t.bl.centre, (100.0, 300.0))));
        // Every hypothesis runs clockwise: top-right, then bottom-left.
        for t in triples {
            let (a, b) = (
                (t.tr.centre.0 - t.tl.centre.0, t.tr.centre.1 - t.tl.centre.1),
                (t.bl.centre.0 - t.tl.centre.0, t.bl.centre.1 - t.tl.centre.1),
            );
            assert!(a.0 * b.1 - a.1 * b.0 > 0.0, "{t:?}");
        }
        // Module sizes apart, or too near for any version: not one symbol's.
        assert!(completed_pair(seen(100.0, 100.0, 3.0), seen(300.0, 100.0, 6.0)).is_none());
        assert!(completed_pair(seen(100.0, 100.0, 5.0), seen(160.0, 100.0, 5.0)).is_none());
    }

    #[test]
    fn a_triple_in_strong_perspective_is_kept_after_the_usual_ones() {
        // Finders of a symbol turned 70° from the camera (a generated hard case): the near one
        // twice the far ones' size, the top leg the longest side.
        let (tl, tr, bl) = (
            seen(100.0, 85.0, 2.87),
            seen(180.0, 88.0, 4.25),
            seen(139.0, 143.0, 2.06),
        );
        let square = [
            seen(400.0, 400.0, 3.0),
            seen(500.0, 400.0, 3.0),
            seen(400.0, 500.0, 3.0),
        ];
        let triples = finder_triples(&[tl, tr, bl, square[0], square[1], square[2]]);
        let at = |t: &Triple, want: [FinderSeen; 3]| {
            t.tl == want[0] && t.tr == want[1] && t.bl == want[2]
        };
        let strong = triples.iter().position(|t| at(t, [tl, tr, bl]));
        let usual = triples.iter().position(|t| at(t, square));
        assert_eq!(usual, Some(0));
        assert!(strong.is_some(), "{triples:?}");
    }

    #[test]
    fn alignment_centres_follow_annex_e() {
        assert!(alignment_centres(1).is_empty());
        assert_eq!(alignment_centres(2), vec![(18, 18)]);
        // Version 7: 6, 22, 38 → 9 − 3 under finders = 6.
        let v7 = alignment_centres(7);
        assert_eq!(v7.len(), 6);
        assert!(v7.contains(&(22, 22)) && v7.contains(&(38, 22)) && v7.contains(&(6, 22)));
        // Version 32: 6, 34, 60, 86, 112, 138 (its step is 26, not the formula's).
        assert!(alignment_centres(32).contains(&(34, 34)));
        // Version 40: 6, 30, 58, 86, 114, 142, 170.
        let v40 = alignment_centres(40);
        assert_eq!(v40.len(), 46);
        assert!(v40.contains(&(30, 58)) && v40.contains(&(170, 170)));
        // Version 36: 6, 24, 50, 76, 102, 128, 154.
        assert!(alignment_centres(36).contains(&(24, 50)));
    }

    #[test]
    fn triples_put_the_corner_finder_first_and_go_clockwise() {
        let at = |x, y| FinderSeen {
            centre: (x, y),
            module: 4.0,
        };
        // An upright symbol's finders (21 modules of 4 px: centres 56 px apart), and a stray.
        let finders = [
            at(156.0, 100.0),
            at(100.0, 156.0),
            at(100.0, 100.0),
            at(400.0, 380.0),
        ];
        let t = finder_triples(&finders);
        assert_eq!(t[0].tl.centre, (100.0, 100.0));
        assert_eq!(t[0].tr.centre, (156.0, 100.0));
        assert_eq!(t[0].bl.centre, (100.0, 156.0));
        // Too close together for a symbol, or of very different module sizes: none.
        assert!(finder_triples(&[at(0.0, 0.0), at(20.0, 0.0), at(0.0, 20.0)]).is_empty());
    }

    #[test]
    fn correlation_of_series() {
        assert!((correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-9);
        assert!((correlation(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-9);
        assert_eq!(correlation(&[1.0, 1.0], &[0.0, 1.0]), 0.0);
    }
}
