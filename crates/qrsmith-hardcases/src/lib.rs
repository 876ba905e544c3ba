//! Deterministic hard cases for QR readers: codes rendered into photo-like scenes, one
//! [`Category`] per way real photos go wrong, each with the texts it must read as.
//!
//! Every case is a pure function of `(category, seed, index)`: the same arguments give the same
//! pixels on every machine (ChaCha8 random streams, no platform floats beyond IEEE arithmetic),
//! so a benchmark run can be repeated and a failing case named. Each case draws a *severity* in
//! [0, 1) from its seed and scales its degradation with it, so a set mixes cases a plain reader
//! reads with cases it does not.
//!
//! ```
//! use qrsmith_hardcases::{case, Category};
//!
//! let c = case(Category::Glare, 7, 0)?;
//! assert_eq!(c.category, Category::Glare);
//! assert_eq!(c.expected.len(), 1);
//! assert!(c.image.width() <= 1600 && c.image.height() <= 1600);
//! # Ok::<(), qrsmith_core::Error>(())
//! ```
//!
//! Every scene has a textured background (fractal value noise in a surface colour, with a few
//! objects lying on it), a mild camera model (rotation, slight tilt, softness, sensor noise,
//! uneven light), and the degradation of its category on top. Geometric warps map each scene
//! pixel back to the label (inverse mapping) and sample it bilinearly, 2 × 2 per pixel.

use std::fmt;
use std::str::FromStr;

use image::RgbImage;
use qrsmith_core::{encode_text, EcLevel, EncodeOptions, QrCode, Result, Version};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt as _, SeedableRng as _};

mod raster;

use raster::{uniform, Canvas, Cylinder, Flat, Homography, InverseMap, Px};

/// Largest side of a generated image, in pixels.
pub const MAX_SIDE: usize = 1600;

/// A kind of difficulty. Each case of a category also has the common camera model (see the
/// crate docs); the ranges below are what its severity `s` in [0, 1) spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Specular glare: 1–3 bright elliptical spots over the code, peak 0.5–2 × white (blown
    /// highlights above 1), radius 6–22 % of the code, plus a veil lowering contrast by up to
    /// 10 %.
    Glare,
    /// Uneven light: an illumination gradient falling to 70–10 % across the frame, and a hard
    /// shadow edge across the code darkening one side to 75–20 %, its edge 0.5–4 px soft.
    Shadow,
    /// Out of focus (Gaussian, σ 0.15–0.9 module) or motion blur (0.4–2.6 modules along a
    /// random direction), half the cases each.
    Blur,
    /// Sensor noise (σ 2–22 % of full scale, partly colour) and a JPEG re-encoding at quality
    /// 60 down to 5, 3–5 px per module.
    NoiseJpeg,
    /// A label wrapped on a cylinder (bottle, can): the code spans 35–95 % of the visible half
    /// circumference, turned up to ±25 % of its arc away from the camera, shaded by the surface
    /// normal.
    Cylinder,
    /// Strong tilt: the code's plane turned 35–75° away from the camera, perspective from a
    /// focal length of 1.2–3 code widths.
    Perspective,
    /// Physical damage on the label: 1–7 scratches, 1–6 missing or inked blobs up to 4.5
    /// modules across, translucent stains; the worst exceed the error correction.
    Damage,
    /// Tiny modules: 3 down to 1.8 px per module in a 1000–1600 px wide frame, with extra
    /// softness (σ 0.3–0.8 px), noise (σ up to 6 %) and a phone's JPEG (quality 85 down to 35).
    Tiny,
    /// The code fills the frame: quiet zone of 1 module, or none when s ≥ 0.5, and a margin
    /// of 1.5 down to 0.3 modules to the frame's edge.
    Fill,
    /// A code photographed off a screen: the screen's RGB sub-pixel grid (2–5 screen pixels
    /// per module, grid depth 40–95 %) resampled by the camera at 3–5 px per module, which
    /// aliases, and interference bands (period 8–40 px, amplitude 10–40 %).
    Moire,
    /// Dense codes: versions 20–40 at level L or M, 4 down to 1.8 px per module, tilt up to
    /// 26°, blur up to 0.45 module, noise, JPEG quality 85 down to 35.
    Dense,
    /// Light modules on a dark ground (quiet zone dark too), with tilt up to 35°, blur up to
    /// 0.45 module and noise (σ up to 7 %) growing with s.
    Inverted,
    /// A mirrored code (read through glass, or a front camera), with the same growing
    /// degradation as [`Category::Inverted`].
    Mirrored,
    /// 2–5 codes in one picture, each turned its own way and tilted up to 34°, 6 down to 3 px
    /// per module, with blur, noise and JPEG (quality 85 down to 35); every text must be read.
    Multi,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 14] = [
        Category::Glare,
        Category::Shadow,
        Category::Blur,
        Category::NoiseJpeg,
        Category::Cylinder,
        Category::Perspective,
        Category::Damage,
        Category::Tiny,
        Category::Fill,
        Category::Moire,
        Category::Dense,
        Category::Inverted,
        Category::Mirrored,
        Category::Multi,
    ];

    /// The name used for folders, tables and arguments: `glare`, `noise-jpeg`, …
    pub fn name(self) -> &'static str {
        match self {
            Category::Glare => "glare",
            Category::Shadow => "shadow",
            Category::Blur => "blur",
            Category::NoiseJpeg => "noise-jpeg",
            Category::Cylinder => "cylinder",
            Category::Perspective => "perspective",
            Category::Damage => "damage",
            Category::Tiny => "tiny",
            Category::Fill => "fill",
            Category::Moire => "moire",
            Category::Dense => "dense",
            Category::Inverted => "inverted",
            Category::Mirrored => "mirrored",
            Category::Multi => "multi",
        }
    }

    fn index(self) -> u64 {
        Category::ALL.iter().position(|&c| c == self).unwrap_or(0) as u64
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A category name that is not one of [`Category::ALL`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCategory(pub String);

impl fmt::Display for UnknownCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        write!(
            f,
            "unknown category {:?} (expected one of {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownCategory {}

impl FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

/// One generated picture and what it must read as.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<category>-<seed>-<index>`, unique within a generated set.
    pub name: String,
    /// The difficulty it simulates.
    pub category: Category,
    /// How hard this case was made, 0 (mild) to 1 (the category's worst).
    pub severity: f32,
    /// The scene, at most [`MAX_SIDE`] pixels a side.
    pub image: RgbImage,
    /// Every text encoded in the image (one per code; several for [`Category::Multi`]).
    pub expected: Vec<String>,
}

/// Case `index` of `category` for `seed`, with a severity drawn from the seed.
pub fn case(category: Category, seed: u64, index: u32) -> Result<Case> {
    let mut rng = rng_for(category, seed, index);
    let severity = rng.random::<f32>();
    build(category, seed, index, severity, rng)
}

/// Like [`case`], with the severity given (clamped to [0, 1]) instead of drawn; the rest of the
/// scene is drawn from the seed as [`case`] draws it.
pub fn case_with_severity(
    category: Category,
    seed: u64,
    index: u32,
    severity: f32,
) -> Result<Case> {
    let mut rng = rng_for(category, seed, index);
    let _ = rng.random::<f32>();
    build(category, seed, index, severity.clamp(0.0, 1.0), rng)
}

/// Cases 0 to `count − 1` of `category` for `seed`, generated lazily.
pub fn generate(
    category: Category,
    seed: u64,
    count: u32,
) -> impl Iterator<Item = Result<Case>> + Send {
    (0..count).map(move |i| case(category, seed, i))
}

/// `per_category` cases of every category for `seed`, category by category.
pub fn generate_all(seed: u64, per_category: u32) -> impl Iterator<Item = Result<Case>> + Send {
    Category::ALL
        .into_iter()
        .flat_map(move |c| generate(c, seed, per_category))
}

/// An independent random stream per case, so that cases can be made in any order or in
/// parallel.
fn rng_for(category: Category, seed: u64, index: u32) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&category.index().to_le_bytes());
    key[16..20].copy_from_slice(&index.to_le_bytes());
    key[20..32].copy_from_slice(b"qrsmith-hard");
    ChaCha8Rng::from_seed(key)
}

/// A payload of the kinds found on real labels; no newlines, unique within an image thanks to
/// the random tokens.
fn payload(rng: &mut ChaCha8Rng, long: bool) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let token = |rng: &mut ChaCha8Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
            .collect()
    };
    if long {
        let n = rng.random_range(150..400);
        let mut s = format!("https://example.com/d/{}?", token(rng, 8));
        while s.len() < n {
            s.push_str(&format!("{}={}&", token(rng, 3), token(rng, 12)));
        }
        return s;
    }
    let n = rng.random_range(5..30);
    match rng.random_range(0..6) {
        0 => format!(
            "https://example.com/{}/{}",
            token(rng, 4).to_ascii_lowercase(),
            token(rng, n - 1)
        ),
        1 => (0..rng.random_range(10..40))
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect(),
        2 => format!(
            "LOT {}-{} EXP 2027-{:02}",
            token(rng, 6).to_ascii_uppercase(),
            rng.random_range(100..999),
            rng.random_range(1..13)
        ),
        3 => format!("WIFI:S:net-{};T:WPA;P:{};;", token(rng, 4), token(rng, 12)),
        4 => format!(
            "Grüße aus Köln – Tisch {} · {}",
            rng.random_range(1..60),
            token(rng, 5)
        ),
        _ => format!("{} {}", token(rng, 10), token(rng, n)),
    }
}

fn ec_level(rng: &mut ChaCha8Rng, choices: &[EcLevel]) -> EcLevel {
    choices[rng.random_range(0..choices.len())]
}

const ALL_EC: &[EcLevel] = &[EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

/// A printed label: the code with its quiet zone, `mp` label pixels per module.
struct Label {
    canvas: Canvas,
    /// Modules on a side, quiet zone included.
    modules: usize,
}

fn make_label(code: &QrCode, quiet: usize, mp: usize, mirrored: bool, paper: Px, ink: Px) -> Label {
    let n = code.width();
    let modules = n + 2 * quiet;
    let side = modules * mp;
    let mut canvas = Canvas::new(side, side, paper);
    for my in 0..n {
        for mx in 0..n {
            let sx = if mirrored { n - 1 - mx } else { mx };
            if !code.is_dark(sx, my) {
                continue;
            }
            for y in 0..mp {
                for x in 0..mp {
                    canvas.set((quiet + mx) * mp + x, (quiet + my) * mp + y, ink);
                }
            }
        }
    }
    Label { canvas, modules }
}

/// How a flat label is posed: centre and side in the scene (before perspective), rotation in
/// the image, tilts about the label's x and y axes, and focal length (in scene pixels).
#[derive(Clone, Copy)]
struct Pose {
    centre: (f32, f32),
    side: f32,
    rot: f32,
    tilt_x: f32,
    tilt_y: f32,
    focal: f32,
}

impl Pose {
    /// The label's corners in the scene, clockwise from its top-left.
    fn quad(&self) -> [(f64, f64); 4] {
        let h = self.side / 2.0;
        let (sr, cr) = self.rot.sin_cos();
        [(-h, -h), (h, -h), (h, h), (-h, h)].map(|(x, y)| {
            // Turn about y, then about x, then project.
            let (x1, y1, z1) = (x * self.tilt_y.cos(), y, -x * self.tilt_y.sin());
            let (x2, y2, z2) = (
                x1,
                y1 * self.tilt_x.cos() - z1 * self.tilt_x.sin(),
                y1 * self.tilt_x.sin() + z1 * self.tilt_x.cos(),
            );
            let k = self.focal / (self.focal + z2).max(1.0);
            let (px, py) = (x2 * k, y2 * k);
            (
                f64::from(self.centre.0 + px * cr - py * sr),
                f64::from(self.centre.1 + px * sr + py * cr),
            )
        })
    }
}

fn bbox(points: &[(f64, f64)]) -> (f32, f32, f32, f32) {
    let mut b = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in points {
        b.0 = b.0.min(x as f32 - 2.0);
        b.1 = b.1.min(y as f32 - 2.0);
        b.2 = b.2.max(x as f32 + 2.0);
        b.3 = b.3.max(y as f32 + 2.0);
    }
    b
}

/// Draws a flat label in the scene at `pose`; returns the label's corners in the scene.
fn place_flat(scene: &mut Canvas, label: &Canvas, pose: Pose) -> [(f64, f64); 4] {
    let quad = pose.quad();
    let l = label.w as f64;
    if let Some(h) = Homography::from_points(quad, [(0.0, 0.0), (l, 0.0), (l, l), (0.0, l)]) {
        raster::paste(scene, label, &Flat { to_label: h }, bbox(&quad));
    }
    quad
}

/// A mild random pose: any rotation (or a small one), a tilt up to `max_tilt` radians.
fn mild_pose(
    rng: &mut ChaCha8Rng,
    centre: (f32, f32),
    side: f32,
    any_rotation: bool,
    max_tilt: f32,
) -> Pose {
    Pose {
        centre,
        side,
        rot: if any_rotation {
            uniform(rng, 0.0, std::f32::consts::TAU)
        } else {
            uniform(rng, -0.15, 0.15)
        },
        tilt_x: uniform(rng, -max_tilt, max_tilt),
        tilt_y: uniform(rng, -max_tilt, max_tilt),
        focal: side * uniform(rng, 2.5, 5.0),
    }
}

/// Paper and ink colours of a printed label.
fn print_colours(rng: &mut ChaCha8Rng) -> (Px, Px) {
    let p = uniform(rng, 0.82, 0.97);
    let paper = [
        p + uniform(rng, -0.03, 0.03),
        p + uniform(rng, -0.03, 0.03),
        p - uniform(rng, 0.0, 0.06),
    ];
    let i = uniform(rng, 0.03, 0.18);
    let ink = [
        i + uniform(rng, -0.02, 0.02),
        i,
        i + uniform(rng, -0.02, 0.04),
    ];
    (paper, ink)
}

/// The frame for a code of scene side `side`: a ratio drawn from `ratio` times it, within [`MAX_SIDE`], and a centre
/// where the whole label (turned any way) stays inside.
fn frame(rng: &mut ChaCha8Rng, side: f32, ratio: (f32, f32)) -> (usize, usize, (f32, f32)) {
    let ratio = uniform(rng, ratio.0, ratio.1);
    let diag = side * std::f32::consts::SQRT_2 * 1.05;
    let w = (side * ratio * uniform(rng, 1.0, 1.35))
        .max(diag + 8.0)
        .min(MAX_SIDE as f32);
    let h = (side * ratio).max(diag + 8.0).min(MAX_SIDE as f32);
    let free_x = ((w - diag) / 2.0).max(0.0);
    let free_y = ((h - diag) / 2.0).max(0.0);
    let centre = (
        w / 2.0 + uniform(rng, -free_x, free_x),
        h / 2.0 + uniform(rng, -free_y, free_y),
    );
    (w as usize, h as usize, centre)
}

/// The camera every scene goes through: softness, uneven light, sensor noise.
fn camera(scene: &mut Canvas, rng: &mut ChaCha8Rng) {
    raster::gaussian_blur(scene, uniform(rng, 0.3, 0.6));
    let angle = uniform(rng, 0.0, std::f32::consts::TAU);
    let low = uniform(rng, 0.85, 1.0);
    raster::gradient(scene, angle, low);
    let sigma = uniform(rng, 0.005, 0.015);
    raster::add_noise(scene, rng, sigma, 0.3);
}

/// Degradation that grows with `s` for the categories whose difficulty is not an effect
/// (inverted, mirrored, dense): tilt is in the pose; this adds blur and noise.
fn growing(scene: &mut Canvas, rng: &mut ChaCha8Rng, s: f32, mp: f32) {
    raster::gaussian_blur(scene, mp * 0.45 * s * uniform(rng, 0.5, 1.0));
    let sigma = 0.07 * s;
    raster::add_noise(scene, rng, sigma, 0.3);
}

fn encode(text: &str, ec: EcLevel, version: Option<u8>) -> Result<QrCode> {
    encode_text(
        text,
        &EncodeOptions {
            ec_level: ec,
            version: version.map(Version::Normal),
            ..EncodeOptions::default()
        },
    )
}

fn build(category: Category, seed: u64, index: u32, s: f32, mut rng: ChaCha8Rng) -> Result<Case> {
    let rng = &mut rng;
    let mut expected = Vec::new();
    let scene = match category {
        Category::Multi => multi(rng, s, &mut expected)?,
        Category::Moire => moire(rng, s, &mut expected)?,
        Category::Cylinder => cylinder(rng, s, &mut expected)?,
        _ => single(category, rng, s, &mut expected)?,
    };
    Ok(Case {
        name: format!("{}-{seed}-{index:03}", category.name()),
        category,
        severity: s,
        image: scene.to_image(),
        expected,
    })
}

/// One flat label; every category but multi, moire and cylinder.
fn single(
    category: Category,
    rng: &mut ChaCha8Rng,
    s: f32,
    expected: &mut Vec<String>,
) -> Result<Canvas> {
    let text = payload(rng, category == Category::Dense);
    let (ec, version) = match category {
        Category::Dense => (
            ec_level(rng, &[EcLevel::L, EcLevel::M]),
            Some(20 + (20.0 * s).round() as u8),
        ),
        Category::Damage => (ec_level(rng, &[EcLevel::M, EcLevel::Q, EcLevel::H]), None),
        _ => (ec_level(rng, ALL_EC), None),
    };
    let code = encode(&text, ec, version)?;
    expected.push(text);

    // Scene pixels per module.
    let mp = match category {
        Category::Tiny => 3.0 - 1.2 * s,
        Category::Dense => (uniform(rng, 2.6, 4.0) - 1.0 * s).max(1.8),
        Category::Fill => uniform(rng, 6.0, 12.0),
        Category::NoiseJpeg => uniform(rng, 3.0, 5.0),
        _ => uniform(rng, 4.0, 7.0),
    };
    let quiet = match category {
        Category::Fill if s >= 0.5 => 0,
        Category::Fill => 1,
        _ => 4,
    };
    let (mut paper, mut ink) = print_colours(rng);
    if category == Category::Inverted {
        std::mem::swap(&mut paper, &mut ink);
    }
    // Label pixels per module: enough for the bilinear sampling to keep edges sharp.
    let label_mp = (mp * 1.5).ceil().clamp(4.0, 12.0) as usize;
    let mut label = make_label(
        &code,
        quiet,
        label_mp,
        category == Category::Mirrored,
        paper,
        ink,
    );
    if category == Category::Damage {
        damage(rng, &mut label, quiet, label_mp, s, paper, ink);
    }
    let side = label.modules as f32 * mp;

    let (w, h, centre, pose) = match category {
        Category::Fill => {
            let margin = mp * (0.3 + 1.2 * (1.0 - s));
            let rot = uniform(rng, -0.03, 0.03);
            let extent = side * (rot.cos().abs() + rot.sin().abs());
            let w = (extent + 2.0 * margin).ceil() as usize;
            let h = (extent + 2.0 * margin).ceil() as usize;
            let centre = (w as f32 / 2.0, h as f32 / 2.0);
            let pose = Pose {
                centre,
                side,
                rot,
                tilt_x: 0.0,
                tilt_y: 0.0,
                focal: side * 10.0,
            };
            (w, h, centre, pose)
        }
        Category::Tiny => {
            let w = uniform(rng, 1000.0, MAX_SIDE as f32);
            let h = w * uniform(rng, 0.6, 0.8);
            let diag = side * 1.5;
            let centre = (
                uniform(rng, diag / 2.0, w - diag / 2.0),
                uniform(rng, diag / 2.0, h - diag / 2.0),
            );
            let pose = mild_pose(rng, centre, side, true, 0.15);
            (w as usize, h as usize, centre, pose)
        }
        _ => {
            let (w, h, centre) = frame(rng, side, (1.3, 2.0));
            let pose = match category {
                Category::Perspective => {
                    let total = (35.0 + 40.0 * s).to_radians();
                    let a = uniform(rng, 0.0, std::f32::consts::FRAC_PI_2);
                    let sign = |rng: &mut ChaCha8Rng| if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                    Pose {
                        centre,
                        side,
                        rot: uniform(rng, 0.0, std::f32::consts::TAU),
                        tilt_x: sign(rng) * total * a.cos(),
                        tilt_y: sign(rng) * total * a.sin(),
                        focal: side * uniform(rng, 1.2, 3.0),
                    }
                }
                Category::Inverted | Category::Mirrored => {
                    mild_pose(rng, centre, side, true, 0.1 + 0.5 * s)
                }
                Category::Dense => mild_pose(rng, centre, side, true, 0.1 + 0.35 * s),
                _ => mild_pose(rng, centre, side, true, 0.17),
            };
            (w, h, centre, pose)
        }
    };
    let mut scene = raster::background(rng, w, h);
    let quad = place_flat(&mut scene, &label.canvas, pose);
    let _ = centre;

    camera(&mut scene, rng);
    match category {
        Category::Glare => glare(&mut scene, rng, s, &quad, side),
        Category::Shadow => shadow(&mut scene, rng, s, &quad, side),
        Category::Blur => {
            if rng.random_bool(0.5) {
                raster::gaussian_blur(&mut scene, mp * (0.15 + 0.75 * s));
            } else {
                let angle = uniform(rng, 0.0, std::f32::consts::PI);
                raster::motion_blur(&mut scene, mp * (0.4 + 2.2 * s), angle);
            }
        }
        Category::NoiseJpeg => {
            let sigma = 0.02 + 0.2 * s;
            let chroma = uniform(rng, 0.3, 0.7);
            raster::add_noise(&mut scene, rng, sigma, chroma);
            let q = (60.0 - 55.0 * s).round() as u8;
            scene = raster::jpeg_roundtrip(&scene, q);
        }
        Category::Inverted | Category::Mirrored => growing(&mut scene, rng, s, mp),
        Category::Dense => {
            growing(&mut scene, rng, s, mp);
            scene = raster::jpeg_roundtrip(&scene, (85.0 - 50.0 * s).round() as u8);
        }
        Category::Tiny => {
            raster::gaussian_blur(&mut scene, 0.3 + 0.5 * s);
            raster::add_noise(&mut scene, rng, 0.01 + 0.05 * s, 0.3);
            scene = raster::jpeg_roundtrip(&scene, (85.0 - 50.0 * s).round() as u8);
        }
        _ => {}
    }
    Ok(scene)
}

/// Scratches, missing or inked blobs and stains on the label, within its code area.
fn damage(
    rng: &mut ChaCha8Rng,
    label: &mut Label,
    quiet: usize,
    mp: usize,
    s: f32,
    paper: Px,
    ink: Px,
) {
    let lo = (quiet * mp) as f32;
    let hi = ((label.modules - quiet) * mp) as f32;
    let mpf = mp as f32;
    let c = &mut label.canvas;
    // Stains: translucent brownish ellipses (multiplied).
    for _ in 0..rng.random_range(0..3) {
        let (cx, cy) = (uniform(rng, lo, hi), uniform(rng, lo, hi));
        let (rx, ry) = (mpf * uniform(rng, 2.0, 8.0), mpf * uniform(rng, 2.0, 8.0));
        let tint = [
            uniform(rng, 0.6, 0.9),
            uniform(rng, 0.45, 0.75),
            uniform(rng, 0.3, 0.6),
        ];
        let alpha = uniform(rng, 0.2, 0.2 + 0.5 * s);
        c.map(|x, y, p| {
            let d = ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
            if d < 1.0 {
                let a = alpha * (1.0 - d).sqrt();
                [0, 1, 2].map(|k| p[k] * (1.0 - a + a * tint[k]))
            } else {
                p
            }
        });
    }
    // Blobs: torn-off (paper) or ink blots, irregular circles.
    let blobs = 1 + (5.0 * s) as usize;
    for _ in 0..blobs {
        let (cx, cy) = (uniform(rng, lo, hi), uniform(rng, lo, hi));
        let r = mpf * uniform(rng, 0.5, 1.0 + 3.5 * s);
        let colour = if rng.random_bool(0.6) { paper } else { ink };
        let wobble: [f32; 4] = [0; 4].map(|_| uniform(rng, 0.0, 0.35));
        let phase = uniform(rng, 0.0, std::f32::consts::TAU);
        c.map(|x, y, p| {
            let (dx, dy) = (x - cx, y - cy);
            let a = dy.atan2(dx) + phase;
            let rr = r
                * (1.0
                    + wobble[0] * (2.0 * a).sin()
                    + wobble[1] * (3.0 * a).cos()
                    + wobble[2] * (5.0 * a).sin() * wobble[3]);
            if dx * dx + dy * dy < rr * rr {
                colour
            } else {
                p
            }
        });
    }
    // Scratches: thin straight lines, light (through the ink) or dark.
    let scratches = 1 + (6.0 * s) as usize;
    for _ in 0..scratches {
        let (x0, y0) = (uniform(rng, lo, hi), uniform(rng, lo, hi));
        let angle = uniform(rng, 0.0, std::f32::consts::PI);
        let len = uniform(rng, 0.3, 1.0) * (hi - lo);
        let width = mpf * uniform(rng, 0.15, 0.6);
        let colour = if rng.random_bool(0.7) {
            paper.map(|v| (v * 1.05).min(1.0))
        } else {
            ink
        };
        let (sn, cs) = angle.sin_cos();
        c.map(|x, y, p| {
            let (dx, dy) = (x - x0, y - y0);
            let along = dx * cs + dy * sn;
            let across = -dx * sn + dy * cs;
            if along.abs() < len / 2.0 && across.abs() < width / 2.0 {
                colour
            } else {
                p
            }
        });
    }
}

/// Specular spots over the code, and a veil of scattered light.
fn glare(scene: &mut Canvas, rng: &mut ChaCha8Rng, s: f32, quad: &[(f64, f64); 4], side: f32) {
    let cx = quad.iter().map(|p| p.0 as f32).sum::<f32>() / 4.0;
    let cy = quad.iter().map(|p| p.1 as f32).sum::<f32>() / 4.0;
    let veil = 0.1 * s;
    let spots = 1 + (2.0 * s * rng.random::<f32>()).round() as usize;
    let mut params = Vec::new();
    for _ in 0..spots {
        let (sx, sy) = (
            cx + uniform(rng, -0.35, 0.35) * side,
            cy + uniform(rng, -0.35, 0.35) * side,
        );
        let peak = 0.5 + 1.5 * s * uniform(rng, 0.6, 1.0);
        let r = side * (0.06 + 0.16 * s * uniform(rng, 0.5, 1.0));
        let aspect = uniform(rng, 1.0, 3.0);
        let angle = uniform(rng, 0.0, std::f32::consts::PI);
        let warm = [1.0, uniform(rng, 0.95, 1.0), uniform(rng, 0.85, 1.0)];
        params.push((sx, sy, peak, r, aspect, angle.sin_cos(), warm));
    }
    scene.map(|x, y, p| {
        let mut add = [veil; 3];
        for &(sx, sy, peak, r, aspect, (sn, cs), warm) in &params {
            let (dx, dy) = (x - sx, y - sy);
            let u = dx * cs + dy * sn;
            let v = (-dx * sn + dy * cs) * aspect;
            let g = peak * (-(u * u + v * v) / (2.0 * r * r)).exp();
            for k in 0..3 {
                add[k] += g * warm[k];
            }
        }
        [0, 1, 2].map(|k| p[k] * (1.0 - veil) + add[k])
    });
}

/// An illumination gradient and a hard shadow edge across the code.
fn shadow(scene: &mut Canvas, rng: &mut ChaCha8Rng, s: f32, quad: &[(f64, f64); 4], side: f32) {
    let low = 1.0 - (0.3 + 0.6 * s) * uniform(rng, 0.7, 1.0);
    raster::gradient(scene, uniform(rng, 0.0, std::f32::consts::TAU), low);
    let cx = quad.iter().map(|p| p.0 as f32).sum::<f32>() / 4.0;
    let cy = quad.iter().map(|p| p.1 as f32).sum::<f32>() / 4.0;
    let (px, py) = (
        cx + uniform(rng, -0.3, 0.3) * side,
        cy + uniform(rng, -0.3, 0.3) * side,
    );
    let (sn, cs) = uniform(rng, 0.0, std::f32::consts::TAU).sin_cos();
    let dark = 1.0 - (0.25 + 0.55 * s) * uniform(rng, 0.8, 1.0);
    let soft = uniform(rng, 0.5, 4.0);
    scene.map(|x, y, p| {
        let d = (x - px) * cs + (y - py) * sn;
        let t = (d / soft * 0.5 + 0.5).clamp(0.0, 1.0);
        let m = 1.0 + (dark - 1.0) * t;
        p.map(|v| v * m)
    });
}

/// A label on a cylinder.
fn cylinder(rng: &mut ChaCha8Rng, s: f32, expected: &mut Vec<String>) -> Result<Canvas> {
    let text = payload(rng, false);
    let code = encode(&text, ec_level(rng, ALL_EC), None)?;
    expected.push(text);
    let mp = uniform(rng, 4.0, 7.0);
    let label_mp = (mp * 1.5).ceil().clamp(4.0, 12.0) as usize;
    let (paper, ink) = print_colours(rng);
    let label = make_label(&code, 4, label_mp, false, paper, ink);
    let side = label.modules as f32 * mp;
    // The code's arc is `frac` of the visible half circumference (π R).
    let frac = 0.35 + 0.6 * s;
    let radius = side / (std::f32::consts::PI * frac);
    let (w, h, centre) = frame(rng, side.max(radius * 2.0), (1.2, 1.6));
    let mut scene = raster::background(rng, w, h);
    let rot = uniform(rng, -0.3, 0.3)
        + if rng.random_bool(0.3) {
            std::f32::consts::FRAC_PI_2
        } else {
            0.0
        };
    // The can itself: a band of the label's paper colour around the code, shaded the same way.
    let body = Canvas::new(8, 8, paper.map(|v| v * 0.9));
    let band = Cylinder {
        centre,
        radius,
        phase: 0.0,
        side: radius * std::f32::consts::PI,
        label_side: 8.0,
        rot: rot.sin_cos(),
    };
    let reach = radius + side;
    let bb = (
        centre.0 - reach,
        centre.1 - reach,
        centre.0 + reach,
        centre.1 + reach,
    );
    let band_height = BandHeight {
        inner: band,
        half: side * 0.75,
    };
    raster::paste(&mut scene, &body, &band_height, bb);
    let map = Cylinder {
        centre,
        radius,
        phase: uniform(rng, -0.25, 0.25) * s * std::f32::consts::PI * frac,
        side,
        label_side: label.canvas.w as f32,
        rot: rot.sin_cos(),
    };
    raster::paste(&mut scene, &label.canvas, &map, bb);
    camera(&mut scene, rng);
    Ok(scene)
}

/// The can's body: a cylinder band `2 × half` pixels high, whatever the label's square shape.
struct BandHeight {
    inner: Cylinder,
    half: f32,
}

impl InverseMap for BandHeight {
    fn map(&self, x: f32, y: f32) -> Option<(f32, f32, f32)> {
        let (dx, dy) = (x - self.inner.centre.0, y - self.inner.centre.1);
        let (s, c) = self.inner.rot;
        let yr = -dx * s + dy * c;
        if yr.abs() > self.half {
            return None;
        }
        let (u, _, shade) = self.inner.map(x, y)?;
        Some((u.clamp(0.0, 7.99), 4.0, shade))
    }
}

/// A code shown on a screen: the sub-pixel grid drawn on the label, aliased by the camera.
fn moire(rng: &mut ChaCha8Rng, s: f32, expected: &mut Vec<String>) -> Result<Canvas> {
    let text = payload(rng, false);
    let code = encode(&text, ec_level(rng, ALL_EC), None)?;
    expected.push(text);
    let mp = uniform(rng, 3.0, 5.0);
    // Screen pixels per module, each 3 label pixels wide (R, G, B sub-pixels).
    let per_module = rng.random_range(2..=5usize);
    let label_mp = per_module * 3;
    let paper: Px = [
        uniform(rng, 0.8, 0.9),
        uniform(rng, 0.85, 0.95),
        uniform(rng, 0.9, 1.0),
    ];
    let ink: Px = [0.08, 0.08, 0.1];
    let mut label = make_label(&code, 4, label_mp, false, paper, ink);
    let depth = 0.4 + 0.55 * s;
    label.canvas.map(|x, y, p| {
        let sub = (x.floor() as usize) % 3;
        let row_gap = (y.floor() as usize) % 3 == 2;
        let mut out = [0.0; 3];
        for (k, o) in out.iter_mut().enumerate() {
            let lit = if k == sub { 1.0 } else { 1.0 - depth };
            *o = p[k] * lit * if row_gap { 1.0 - depth * 0.6 } else { 1.0 };
        }
        out
    });
    let side = label.modules as f32 * mp;
    let (w, h, centre) = frame(rng, side, (1.3, 1.8));
    let mut scene = raster::background(rng, w, h);
    // The screen's dark bezel around the code.
    let bezel = Canvas::new(4, 4, [0.04, 0.04, 0.05]);
    let pose = mild_pose(rng, centre, side, false, 0.25);
    let big = Pose {
        side: side * 1.12,
        ..pose
    };
    place_flat(&mut scene, &bezel, big);
    place_flat(&mut scene, &label.canvas, pose);
    // The beat between the sensor's and the screen's grids: bands of light and dark.
    let period = uniform(rng, 8.0, 40.0);
    let amp = 0.1 + 0.3 * s;
    let (sn, cs) = uniform(rng, 0.0, std::f32::consts::PI).sin_cos();
    let shift = uniform(rng, 0.0, std::f32::consts::TAU);
    scene.map(|x, y, p| {
        let t = (x * cs + y * sn) / period * std::f32::consts::TAU + shift;
        let m = 1.0 + amp * t.sin();
        [p[0] * m, p[1] * (1.0 + amp * (t + 2.1).sin()), p[2] * m]
    });
    camera(&mut scene, rng);
    Ok(scene)
}

/// 2–5 codes in a grid, each posed its own way.
fn multi(rng: &mut ChaCha8Rng, s: f32, expected: &mut Vec<String>) -> Result<Canvas> {
    let count = 2 + (3.0 * rng.random::<f32>()).round() as usize;
    let mut labels = Vec::new();
    let mp = (uniform(rng, 4.5, 6.0) - 3.0 * s).max(3.0);
    let label_mp = (mp * 1.5).ceil().clamp(4.0, 12.0) as usize;
    for _ in 0..count {
        let text = payload(rng, false);
        let code = encode(&text, ec_level(rng, ALL_EC), None)?;
        expected.push(text);
        let (paper, ink) = print_colours(rng);
        labels.push(make_label(&code, 4, label_mp, false, paper, ink));
    }
    let cols = (count as f32).sqrt().ceil() as usize;
    let rows = count.div_ceil(cols);
    let largest = labels.iter().map(|l| l.modules).max().unwrap_or(25) as f32;
    // Cells hold the largest label turned any way; shrink the modules if the frame would be too
    // large.
    let mut mp = mp;
    let cell = |mp: f32| largest * mp * std::f32::consts::SQRT_2 * 1.1;
    while cell(mp) * cols.max(rows) as f32 > MAX_SIDE as f32 && mp > 2.0 {
        mp -= 0.25;
    }
    let c = cell(mp);
    let (w, h) = (
        (c * cols as f32).ceil() as usize,
        (c * rows as f32).ceil() as usize,
    );
    let mut scene = raster::background(rng, w, h);
    for (i, label) in labels.iter().enumerate() {
        let side = label.modules as f32 * mp;
        let slack = ((c - side * std::f32::consts::SQRT_2) / 2.0).max(0.0);
        let centre = (
            (i % cols) as f32 * c + c / 2.0 + uniform(rng, -slack, slack),
            (i / cols) as f32 * c + c / 2.0 + uniform(rng, -slack, slack),
        );
        let pose = mild_pose(rng, centre, side, true, 0.1 + 0.5 * s);
        place_flat(&mut scene, &label.canvas, pose);
    }
    camera(&mut scene, rng);
    growing(&mut scene, rng, s * 0.8, mp);
    scene = raster::jpeg_roundtrip(&scene, (85.0 - 50.0 * s).round() as u8);
    Ok(scene)
}

#[cfg(test)]
mod tests;
