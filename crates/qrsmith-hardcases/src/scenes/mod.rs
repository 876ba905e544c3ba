//! The scene of every category: `flat` (the one-label categories), `cylinder`, `moire` and
//! `multi`; here, what they share: payloads and EC levels, printed labels, poses, frames and
//! the camera.

use qrsmith_core::{encode_text, EcLevel, EncodeOptions, QrCode, Result, Version};
use rand::rngs::ChaCha8Rng;
use rand::RngExt as _;

use crate::raster::{self, uniform, Canvas, Flat, Homography, Px};
use crate::MAX_SIDE;

mod cylinder;
mod flat;
mod moire;
mod multi;

pub(crate) use self::cylinder::cylinder;
pub(crate) use self::flat::single;
pub(crate) use self::moire::moire;
pub(crate) use self::multi::multi;

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
