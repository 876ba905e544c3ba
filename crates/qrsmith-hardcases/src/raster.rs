//! The floating-point rasters scenes are built in, and the operations on them: textured
//! backgrounds, warping a label into the scene by inverse mapping (bilinear, 2 × 2 supersampled),
//! filters, lighting and camera effects.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use rand::rngs::ChaCha8Rng;
use rand::RngExt as _;

/// A linear RGB colour, each channel nominally 0–1 (glare may push it above 1 until the end).
pub(crate) type Px = [f32; 3];

/// A floating-point RGB raster.
#[derive(Clone)]
pub(crate) struct Canvas {
    pub w: usize,
    pub h: usize,
    pub px: Vec<Px>,
}

impl Canvas {
    pub fn new(w: usize, h: usize, fill: Px) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![fill; w * h],
        }
    }

    pub fn get(&self, x: usize, y: usize) -> Px {
        self.px[y * self.w + x]
    }

    pub fn set(&mut self, x: usize, y: usize, p: Px) {
        self.px[y * self.w + x] = p;
    }

    /// Bilinear sample at (x, y) in pixel-centre coordinates (pixel i covers [i, i + 1)),
    /// clamped to the edges.
    pub fn bilinear(&self, x: f32, y: f32) -> Px {
        let fx = (x - 0.5).clamp(0.0, (self.w - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let (a, b, c, d) = (
            self.get(x0, y0),
            self.get(x1, y0),
            self.get(x0, y1),
            self.get(x1, y1),
        );
        let mut out = [0.0; 3];
        for i in 0..3 {
            let top = a[i] + (b[i] - a[i]) * tx;
            let bottom = c[i] + (d[i] - c[i]) * tx;
            out[i] = top + (bottom - top) * ty;
        }
        out
    }

    /// 8-bit RGB, clamped.
    pub fn to_image(&self) -> RgbImage {
        RgbImage::from_fn(self.w as u32, self.h as u32, |x, y| {
            let p = self.get(x as usize, y as usize);
            Rgb(p.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8))
        })
    }

    pub fn from_image(img: &RgbImage) -> Canvas {
        Canvas {
            w: img.width() as usize,
            h: img.height() as usize,
            px: img
                .pixels()
                .map(|p| p.0.map(|c| f32::from(c) / 255.0))
                .collect(),
        }
    }

    /// Every pixel through `f(x, y, pixel)`.
    pub fn map(&mut self, mut f: impl FnMut(f32, f32, Px) -> Px) {
        for y in 0..self.h {
            for x in 0..self.w {
                let i = y * self.w + x;
                self.px[i] = f(x as f32 + 0.5, y as f32 + 0.5, self.px[i]);
            }
        }
    }
}

/// A uniform float in [lo, hi).
pub(crate) fn uniform(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    if hi <= lo {
        return lo;
    }
    lo + (hi - lo) * rng.random::<f32>()
}

/// A standard normal sample (Box–Muller).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1 = rng.random::<f32>().max(1e-7);
    let u2 = rng.random::<f32>();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// Smooth value noise in [0, 1]: random values on a grid of `cell`-pixel cells, interpolated.
fn value_noise(rng: &mut ChaCha8Rng, w: usize, h: usize, cell: f32) -> Vec<f32> {
    let gw = (w as f32 / cell).ceil() as usize + 2;
    let gh = (h as f32 / cell).ceil() as usize + 2;
    let grid: Vec<f32> = (0..gw * gh).map(|_| rng.random::<f32>()).collect();
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        let gy = y as f32 / cell;
        let (y0, ty) = (gy.floor() as usize, smooth(gy.fract()));
        for x in 0..w {
            let gx = x as f32 / cell;
            let (x0, tx) = (gx.floor() as usize, smooth(gx.fract()));
            let g = |i: usize, j: usize| grid[j * gw + i];
            let top = g(x0, y0) + (g(x0 + 1, y0) - g(x0, y0)) * tx;
            let bottom = g(x0, y0 + 1) + (g(x0 + 1, y0 + 1) - g(x0, y0 + 1)) * tx;
            out[y * w + x] = top + (bottom - top) * ty;
        }
    }
    out
}

/// A photographic-looking background: a random surface colour modulated by fractal value
/// noise (large blotches to fine grain), with a few hard-edged objects lying on it.
pub(crate) fn background(rng: &mut ChaCha8Rng, w: usize, h: usize) -> Canvas {
    const SURFACES: &[Px] = &[
        [0.55, 0.40, 0.28], // wood
        [0.62, 0.62, 0.60], // concrete
        [0.30, 0.35, 0.45], // blue cloth
        [0.75, 0.72, 0.66], // beige desk
        [0.20, 0.22, 0.20], // dark plastic
        [0.45, 0.52, 0.38], // green
    ];
    let base = SURFACES[rng.random_range(0..SURFACES.len())];
    let tint = [
        uniform(rng, -0.08, 0.08),
        uniform(rng, -0.08, 0.08),
        uniform(rng, -0.08, 0.08),
    ];
    let cell = uniform(rng, 120.0, 320.0);
    let big = value_noise(rng, w, h, cell);
    let cell = uniform(rng, 20.0, 60.0);
    let mid = value_noise(rng, w, h, cell);
    let cell = uniform(rng, 2.0, 5.0);
    let fine = value_noise(rng, w, h, cell);
    let amp = uniform(rng, 0.15, 0.45);
    let mut c = Canvas::new(w, h, [0.0; 3]);
    for i in 0..w * h {
        let n = 0.6 * (big[i] - 0.5) + 0.3 * (mid[i] - 0.5) + 0.1 * (fine[i] - 0.5);
        let m = 1.0 + amp * 2.0 * n;
        c.px[i] = [0, 1, 2].map(|k| ((base[k] + tint[k]) * m).clamp(0.0, 1.0));
    }
    // Objects: rectangles of other colours, some rotated.
    for _ in 0..rng.random_range(0..4) {
        let col: Px = [
            uniform(rng, 0.1, 0.9),
            uniform(rng, 0.1, 0.9),
            uniform(rng, 0.1, 0.9),
        ];
        let (cx, cy) = (uniform(rng, 0.0, w as f32), uniform(rng, 0.0, h as f32));
        let (hw, hh) = (
            uniform(rng, 0.05, 0.3) * w as f32,
            uniform(rng, 0.05, 0.3) * h as f32,
        );
        let a = uniform(rng, 0.0, std::f32::consts::PI);
        let (s, co) = a.sin_cos();
        c.map(|x, y, p| {
            let (dx, dy) = (x - cx, y - cy);
            let (u, v) = (dx * co + dy * s, -dx * s + dy * co);
            if u.abs() < hw && v.abs() < hh {
                let shade = 1.0 + 0.15 * (v / hh);
                [0, 1, 2].map(|k| (col[k] * shade).clamp(0.0, 1.0))
            } else {
                p
            }
        });
    }
    c
}

/// An inverse mapping: scene point → (label x, label y, shading factor), or `None` where the
/// label is not seen.
pub(crate) trait InverseMap {
    fn map(&self, x: f32, y: f32) -> Option<(f32, f32, f32)>;
}

/// A projective transform, 3 × 3 row-major with h[8] = 1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Homography([f64; 9]);

impl Homography {
    /// The transform taking each `src[i]` to `dst[i]`; `None` when degenerate.
    pub fn from_points(src: [(f64, f64); 4], dst: [(f64, f64); 4]) -> Option<Homography> {
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let ((x, y), (u, v)) = (src[i], dst[i]);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
            if a[pivot][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, pivot);
            for row in 0..8 {
                if row != col {
                    let pivot_row = a[col];
                    let f = a[row][col] / pivot_row[col];
                    for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                        *x -= f * p;
                    }
                }
            }
        }
        let mut h = [0.0; 9];
        for (i, row) in a.iter().enumerate() {
            h[i] = row[8] / row[i];
        }
        h[8] = 1.0;
        Some(Homography(h))
    }

    pub fn apply(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        if w.abs() < 1e-12 {
            return None;
        }
        Some((
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        ))
    }
}

/// A flat label seen through a homography (scene → label).
pub(crate) struct Flat {
    pub to_label: Homography,
}

impl InverseMap for Flat {
    fn map(&self, x: f32, y: f32) -> Option<(f32, f32, f32)> {
        let (u, v) = self.to_label.apply(f64::from(x), f64::from(y))?;
        Some((u as f32, v as f32, 1.0))
    }
}

/// A label wrapped around a vertical cylinder (a bottle, a can), seen from the front in
/// orthographic projection, then turned by `angle` in the image. Shaded by the cosine of the
/// surface normal (Lambert).
pub(crate) struct Cylinder {
    pub centre: (f32, f32),
    /// Radius in scene pixels.
    pub radius: f32,
    /// Angle of the label's centre around the axis, radians (0 = facing the camera).
    pub phase: f32,
    /// The label's side in scene pixels (arc length, and height).
    pub side: f32,
    /// The label's side in label pixels.
    pub label_side: f32,
    /// Rotation of the whole in the image (sin, cos).
    pub rot: (f32, f32),
}

impl InverseMap for Cylinder {
    fn map(&self, x: f32, y: f32) -> Option<(f32, f32, f32)> {
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        let (s, c) = self.rot;
        let (xr, yr) = (dx * c + dy * s, -dx * s + dy * c);
        if xr.abs() >= self.radius {
            return None;
        }
        let theta = (xr / self.radius).asin();
        let arc = (theta - self.phase) * self.radius;
        let k = self.label_side / self.side;
        let u = (arc + self.side / 2.0) * k;
        let v = (yr + self.side / 2.0) * k;
        Some((u, v, 0.45 + 0.55 * theta.cos()))
    }
}

/// Draws `label` into `scene` through `map` over the scene box `bbox` (x0, y0, x1, y1): each
/// pixel is the mean of 2 × 2 subsamples, each a bilinear sample of the label (or the scene where
/// the label is not seen).
pub(crate) fn paste(
    scene: &mut Canvas,
    label: &Canvas,
    map: &dyn InverseMap,
    bbox: (f32, f32, f32, f32),
) {
    let x0 = bbox.0.floor().max(0.0) as usize;
    let y0 = bbox.1.floor().max(0.0) as usize;
    let x1 = (bbox.2.ceil().max(0.0) as usize).min(scene.w);
    let y1 = (bbox.3.ceil().max(0.0) as usize).min(scene.h);
    let (lw, lh) = (label.w as f32, label.h as f32);
    for y in y0..y1 {
        for x in x0..x1 {
            let mut acc = [0.0f32; 3];
            let mut cover = 0.0f32;
            for (ox, oy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                if let Some((u, v, shade)) = map.map(x as f32 + ox, y as f32 + oy) {
                    if (0.0..lw).contains(&u) && (0.0..lh).contains(&v) {
                        let p = label.bilinear(u, v);
                        for k in 0..3 {
                            acc[k] += p[k] * shade;
                        }
                        cover += 1.0;
                    }
                }
            }
            if cover > 0.0 {
                let bg = scene.get(x, y);
                let a = cover / 4.0;
                let p = [0, 1, 2].map(|k| acc[k] / cover * a + bg[k] * (1.0 - a));
                scene.set(x, y, p);
            }
        }
    }
}

/// Separable Gaussian blur.
pub(crate) fn gaussian_blur(c: &mut Canvas, sigma: f32) {
    if sigma < 0.2 {
        return;
    }
    let r = (sigma * 3.0).ceil() as isize;
    let kernel: Vec<f32> = (-r..=r)
        .map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let (w, h) = (c.w as isize, c.h as isize);
    let mut tmp = vec![[0.0f32; 3]; c.px.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0; 3];
            for (i, k) in kernel.iter().enumerate() {
                let sx = (x + i as isize - r).clamp(0, w - 1);
                let p = c.px[(y * w + sx) as usize];
                for j in 0..3 {
                    acc[j] += p[j] * k;
                }
            }
            tmp[(y * w + x) as usize] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0; 3];
            for (i, k) in kernel.iter().enumerate() {
                let sy = (y + i as isize - r).clamp(0, h - 1);
                let p = tmp[(sy * w + x) as usize];
                for j in 0..3 {
                    acc[j] += p[j] * k;
                }
            }
            c.px[(y * w + x) as usize] = acc;
        }
    }
}

/// Motion blur: the mean of samples along a segment of `length` pixels at `angle` radians.
pub(crate) fn motion_blur(c: &mut Canvas, length: f32, angle: f32) {
    if length < 1.0 {
        return;
    }
    let taps = (length.ceil() as usize + 1).max(2);
    let (s, co) = angle.sin_cos();
    let src = c.clone();
    c.map(|x, y, _| {
        let mut acc = [0.0; 3];
        for t in 0..taps {
            let d = (t as f32 / (taps - 1) as f32 - 0.5) * length;
            let p = src.bilinear(x + d * co, y + d * s);
            for k in 0..3 {
                acc[k] += p[k];
            }
        }
        acc.map(|a| a / taps as f32)
    });
}

/// Additive Gaussian sensor noise, `sigma` in 0–1 units; `chroma` of it independent per channel.
pub(crate) fn add_noise(c: &mut Canvas, rng: &mut ChaCha8Rng, sigma: f32, chroma: f32) {
    if sigma <= 0.0 {
        return;
    }
    for p in &mut c.px {
        let lum = normal(rng) * sigma * (1.0 - chroma);
        for ch in p.iter_mut() {
            *ch += lum + normal(rng) * sigma * chroma;
        }
    }
}

/// Re-encodes the scene as a JPEG of `quality` (1–100) and decodes it again.
pub(crate) fn jpeg_roundtrip(c: &Canvas, quality: u8) -> Canvas {
    let img = c.to_image();
    let mut bytes = Vec::new();
    let encoded = JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100))
        .encode_image(&img)
        .is_ok();
    if !encoded {
        return c.clone();
    }
    match image::load_from_memory(&bytes) {
        Ok(d) => Canvas::from_image(&d.to_rgb8()),
        Err(_) => c.clone(),
    }
}

/// Multiplies the scene by a linear illumination gradient: 1 on one side, `low` on the other,
/// along `angle`.
pub(crate) fn gradient(c: &mut Canvas, angle: f32, low: f32) {
    let (s, co) = angle.sin_cos();
    let (w, h) = (c.w as f32, c.h as f32);
    let half = 0.5 * (w * co.abs() + h * s.abs()).max(1.0);
    c.map(|x, y, p| {
        let t = (((x - w / 2.0) * co + (y - h / 2.0) * s) / half * 0.5 + 0.5).clamp(0.0, 1.0);
        let m = 1.0 + (low - 1.0) * t;
        p.map(|v| v * m)
    });
}
