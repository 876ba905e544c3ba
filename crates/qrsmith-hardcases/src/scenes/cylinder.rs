//! The cylinder category: a label wrapped on a can or bottle.

use qrsmith_core::Result;
use rand::rngs::ChaCha8Rng;
use rand::RngExt as _;

use super::{camera, ec_level, encode, frame, make_label, payload, print_colours, ALL_EC};
use crate::raster::{self, uniform, Canvas, Cylinder, InverseMap};

/// A label on a cylinder.
pub(crate) fn cylinder(rng: &mut ChaCha8Rng, s: f32, expected: &mut Vec<String>) -> Result<Canvas> {
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
