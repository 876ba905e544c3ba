//! Where each module of a symbol lies in the image: a projective map from module coordinates to
//! pixels, fitted by least squares to every reference point found (finder centres, alignment
//! centres, corners), plus a smooth field of local corrections for surfaces that are not flat.
//!
//! Module coordinates: `(u, v)` with `(0, 0)` the symbol's outer top-left corner, one unit per
//! module, so module `(col, row)` has its centre at `(col + 0.5, row + 0.5)`.

/// A point in module coordinates (`u` across, `v` down) or in pixels (`x`, `y`), as `(f64, f64)`.
pub(crate) type Pt = (f64, f64);

/// A plane projective transform (homography), module coordinates → pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Homography {
    /// Row-major 3 × 3, `m[8]` = 1.
    m: [f64; 9],
}

impl Homography {
    /// The least-squares homography taking each `src` point to its `dst` point (at least four
    /// pairs, not three on one line). Points are normalised (centroid at the origin, mean
    /// distance √2) before the solve, as Hartley recommends, so pixel-sized coordinates do not
    /// make the normal equations ill-conditioned. `None` when the points are degenerate.
    pub fn fit(src: &[Pt], dst: &[Pt]) -> Option<Homography> {
        if src.len() != dst.len() || src.len() < 4 {
            return None;
        }
        let (ns, ts) = normaliser(src);
        let (nd, td) = normaliser(dst);
        // Unknowns h0..h7 (h8 = 1): for each pair two equations
        //   h0 u + h1 v + h2 − h6 u x − h7 v x = x
        //   h3 u + h4 v + h5 − h6 u y − h7 v y = y
        let mut ata = [[0f64; 8]; 8];
        let mut atb = [0f64; 8];
        for (s, d) in src.iter().zip(dst) {
            let (u, v) = apply_affine(&ns, *s);
            let (x, y) = apply_affine(&nd, *d);
            let rows = [
                ([u, v, 1.0, 0.0, 0.0, 0.0, -u * x, -v * x], x),
                ([0.0, 0.0, 0.0, u, v, 1.0, -u * y, -v * y], y),
            ];
            for (a, b) in rows {
                for i in 0..8 {
                    atb[i] += a[i] * b;
                    for j in 0..8 {
                        ata[i][j] += a[i] * a[j];
                    }
                }
            }
        }
        let h = solve8(ata, atb)?;
        let hn = [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0];
        // Undo the normalisations: H = Td⁻¹ · Hn · Ts.
        let td_inv = [
            1.0 / td.0,
            0.0,
            -td.1 / td.0,
            0.0,
            1.0 / td.0,
            -td.2 / td.0,
            0.0,
            0.0,
            1.0,
        ];
        let ts_m = [ts.0, 0.0, ts.1, 0.0, ts.0, ts.2, 0.0, 0.0, 1.0];
        let m = mul3(&mul3(&td_inv, &hn), &ts_m);
        if m[8].abs() < 1e-12 || !m.iter().all(|x| x.is_finite()) {
            return None;
        }
        Some(Homography {
            m: m.map(|x| x / m[8]),
        })
    }

    /// The pixel position of module coordinates `(u, v)`.
    pub fn map(&self, (u, v): Pt) -> Pt {
        let m = &self.m;
        let w = m[6] * u + m[7] * v + m[8];
        (
            (m[0] * u + m[1] * v + m[2]) / w,
            (m[3] * u + m[4] * v + m[5]) / w,
        )
    }

    /// Whether the map keeps the unit square of side `n` in front of the camera (the projective
    /// denominator positive at every corner) — a fit through bad points can fold the plane.
    pub fn is_sane(&self, n: f64) -> bool {
        let m = &self.m;
        [(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)]
            .iter()
            .all(|&(u, v)| m[6] * u + m[7] * v + m[8] > 1e-6)
    }

    /// Pixels per module near `(u, v)`: the mean length of the images of one-module steps.
    pub fn module_size_at(&self, (u, v): Pt) -> f64 {
        let p = self.map((u, v));
        let px = self.map((u + 1.0, v));
        let py = self.map((u, v + 1.0));
        (dist(p, px) + dist(p, py)) / 2.0
    }
}

/// Euclidean distance.
pub(crate) fn dist(a: Pt, b: Pt) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// A similarity `(scale, tx, ty)` taking `pts` to centroid 0 and mean distance √2.
fn normaliser(pts: &[Pt]) -> ((f64, f64, f64), (f64, f64, f64)) {
    let n = pts.len() as f64;
    let cx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let cy = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let mean = pts.iter().map(|p| dist(*p, (cx, cy))).sum::<f64>() / n;
    let s = if mean > 1e-12 {
        std::f64::consts::SQRT_2 / mean
    } else {
        1.0
    };
    let t = (s, -s * cx, -s * cy);
    (t, t)
}

fn apply_affine(t: &(f64, f64, f64), p: Pt) -> Pt {
    (t.0 * p.0 + t.1, t.0 * p.1 + t.2)
}

fn mul3(a: &[f64; 9], b: &[f64; 9]) -> [f64; 9] {
    let mut out = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            out[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
        }
    }
    out
}

/// Solves the 8 × 8 system by Gaussian elimination with partial pivoting.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-10 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (pivot_row, below) = a.split_at_mut(col + 1);
        let pivot_row = &pivot_row[col];
        for (offset, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = [0.0; 8];
    for row in (0..8).rev() {
        let s: f64 = (row + 1..8).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// The grid of a symbol: a homography plus a field of pixel corrections on a coarse lattice of
/// nodes over the symbol, bilinearly interpolated. The corrections follow what one projective
/// map cannot: a label round a can, crumpled paper, lens distortion.
#[derive(Debug, Clone)]
pub(crate) struct GridModel {
    pub homography: Homography,
    /// Modules per side.
    pub width: usize,
    /// Nodes per side of the correction lattice (≥ 2), evenly spaced from 0 to `width`.
    nodes: usize,
    /// Correction (dx, dy) in pixels at each node, row-major.
    shift: Vec<Pt>,
}

impl GridModel {
    /// The homography alone, with no corrections.
    pub fn new(homography: Homography, width: usize, nodes: usize) -> GridModel {
        let nodes = nodes.max(2);
        GridModel {
            homography,
            width,
            nodes,
            shift: vec![(0.0, 0.0); nodes * nodes],
        }
    }

    /// Nodes per side of the correction lattice.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Module coordinates of node `(i, j)` (column, row).
    pub fn node_position(&self, i: usize, j: usize) -> Pt {
        let step = self.width as f64 / (self.nodes - 1) as f64;
        (i as f64 * step, j as f64 * step)
    }

    /// The correction at node `(i, j)`.
    pub fn shift(&self, i: usize, j: usize) -> Pt {
        self.shift[j * self.nodes + i]
    }

    /// Sets the correction at node `(i, j)`.
    pub fn set_shift(&mut self, i: usize, j: usize, d: Pt) {
        self.shift[j * self.nodes + i] = d;
    }

    /// The pixel position of module coordinates `(u, v)`.
    pub fn map(&self, (u, v): Pt) -> Pt {
        let p = self.homography.map((u, v));
        let d = self.correction((u, v));
        (p.0 + d.0, p.1 + d.1)
    }

    /// The interpolated correction at `(u, v)`.
    fn correction(&self, (u, v): Pt) -> Pt {
        let last = (self.nodes - 1) as f64;
        let fu = (u / self.width as f64 * last).clamp(0.0, last);
        let fv = (v / self.width as f64 * last).clamp(0.0, last);
        let (i, j) = (
            (fu as usize).min(self.nodes - 2),
            (fv as usize).min(self.nodes - 2),
        );
        let (a, b) = (fu - i as f64, fv - j as f64);
        let s = |i: usize, j: usize| self.shift[j * self.nodes + i];
        let (s00, s10, s01, s11) = (s(i, j), s(i + 1, j), s(i, j + 1), s(i + 1, j + 1));
        let mix = |c: fn(Pt) -> f64| {
            (1.0 - b) * ((1.0 - a) * c(s00) + a * c(s10)) + b * ((1.0 - a) * c(s01) + a * c(s11))
        };
        (mix(|p| p.0), mix(|p| p.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_points_map_exactly() {
        let src = [(0.0, 0.0), (25.0, 0.0), (25.0, 25.0), (0.0, 25.0)];
        let dst = [(100.0, 120.0), (400.0, 90.0), (430.0, 420.0), (80.0, 380.0)];
        let h = Homography::fit(&src, &dst).unwrap();
        for (s, d) in src.iter().zip(&dst) {
            let p = h.map(*s);
            assert!(dist(p, *d) < 1e-6, "{p:?} vs {d:?}");
        }
        assert!(h.is_sane(25.0));
    }

    #[test]
    fn least_squares_recovers_a_map_from_noisy_points() {
        let truth = Homography::fit(
            &[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
            &[(10.0, 10.0), (210.0, 30.0), (190.0, 240.0), (5.0, 200.0)],
        )
        .unwrap();
        // Twenty points with ±0.5 px of deterministic noise.
        let src: Vec<Pt> = (0..20)
            .map(|i| ((i % 5) as f64 / 4.0, (i / 5) as f64 / 3.0))
            .collect();
        let dst: Vec<Pt> = src
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let p = truth.map(s);
                let e = if i % 2 == 0 { 0.5 } else { -0.5 };
                (p.0 + e, p.1 - e)
            })
            .collect();
        let fit = Homography::fit(&src, &dst).unwrap();
        assert!(dist(fit.map((0.5, 0.5)), truth.map((0.5, 0.5))) < 0.5);
    }

    #[test]
    fn collinear_points_are_refused() {
        let src = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert!(Homography::fit(&src, &src).is_none());
    }

    #[test]
    fn corrections_interpolate_between_nodes() {
        let h = Homography::fit(
            &[(0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0)],
            &[(0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0)],
        )
        .unwrap();
        let mut g = GridModel::new(h, 20, 3);
        g.set_shift(1, 1, (2.0, -2.0));
        let centre = g.map((10.0, 10.0));
        assert!(dist(centre, (12.0, 8.0)) < 1e-9);
        let half = g.map((5.0, 10.0));
        assert!(dist(half, (6.0, 9.0)) < 1e-9);
        assert!(dist(g.map((0.0, 0.0)), (0.0, 0.0)) < 1e-9);
    }
}
