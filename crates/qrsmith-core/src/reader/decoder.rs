//! TEMPORARY: decodes a sampled grid by rendering it and asking zxing-cpp's pure reader
//! (replaced at merge by the Rust decoder).
use super::grid::SampledGrid;
use crate::decode::engine::{Engine, EngineOptions, ZxingEngine};
use crate::decode::StructuredAppend;
use crate::EcLevel;

#[derive(Debug)]
pub(crate) struct GridContent {
    pub text: String,
    pub bytes: Vec<u8>,
    pub version: u8,
    pub ec_level: EcLevel,
    pub mask: u8,
    pub mirrored: bool,
    pub has_eci: bool,
    pub symbology_identifier: String,
    pub structured_append: Option<StructuredAppend>,
    pub ec_headroom: f32,
}

pub(crate) fn decode_grid(g: &SampledGrid) -> Result<GridContent, String> {
    let s = 4u32;
    let q = 4u32;
    let n = g.width as u32;
    let img = image::GrayImage::from_fn((n + 2 * q) * s, (n + 2 * q) * s, |x, y| {
        let (c, r) = (x / s, y / s);
        if c < q || r < q || c >= n + q || r >= n + q {
            return image::Luma([255]);
        }
        image::Luma([if g.dark[((r - q) * n + (c - q)) as usize] {
            0
        } else {
            255
        }])
    });
    let mut o = EngineOptions::PURE;
    o.try_harder = true;
    let found = ZxingEngine.read(&img, &o).map_err(|e| e.to_string())?;
    let s = found.into_iter().next().ok_or("no")?;
    Ok(GridContent {
        text: s.text,
        bytes: s.bytes,
        version: s.version.parse().unwrap_or(0),
        mirrored: s.mirrored,
        ec_level: EcLevel::M,
        mask: s.mask.unwrap_or(0),
        has_eci: s.has_eci,
        symbology_identifier: s.symbology_identifier,
        structured_append: s.structured_append,
        ec_headroom: s.ec_headroom.unwrap_or(0.0),
    })
}
