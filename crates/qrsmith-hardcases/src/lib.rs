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
use qrsmith_core::Result;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt as _, SeedableRng as _};

mod raster;
mod scenes;

use scenes::{cylinder, moire, multi, single};

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

#[cfg(test)]
mod tests;
