//! The moire category: a code photographed off a screen.

use qrsmith_core::Result;
use rand::rngs::ChaCha8Rng;
use rand::RngExt as _;

use super::{
    camera, ec_level, encode, frame, make_label, mild_pose, payload, place_flat, Pose, ALL_EC,
};
use crate::raster::{self, uniform, Canvas, Px};

/// A code shown on a screen: the sub-pixel grid drawn on the label, aliased by the camera.
pub(crate) fn moire(rng: &mut ChaCha8Rng, s: f32, expected: &mut Vec<String>) -> Result<Canvas> {
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
