//! The multi category: several codes in one picture.

use qrsmith_core::Result;
use rand::rngs::ChaCha8Rng;
use rand::RngExt as _;

use super::{
    camera, ec_level, encode, growing, make_label, mild_pose, payload, place_flat, print_colours,
    ALL_EC,
};
use crate::raster::{self, uniform, Canvas};
use crate::MAX_SIDE;

/// 2–5 codes in a grid, each posed its own way.
pub(crate) fn multi(rng: &mut ChaCha8Rng, s: f32, expected: &mut Vec<String>) -> Result<Canvas> {
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
