//! The categories drawn as one flat label (all but cylinder, moire and multi): the code, the
//! label and its pose per category, and the glare, shadow and damage effects.

use qrsmith_core::{EcLevel, Result};
use rand::rngs::ChaCha8Rng;
use rand::RngExt as _;

use super::{
    camera, ec_level, encode, frame, growing, make_label, mild_pose, payload, place_flat,
    print_colours, Label, Pose, ALL_EC,
};
use crate::raster::{self, uniform, Canvas, Px};
use crate::{Category, MAX_SIDE};

/// One flat label; every category but multi, moire and cylinder.
pub(crate) fn single(
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
