//! TEMPORARY stand-in for the decoder branch's grid type (replaced at merge).

/// Module values read from an image, row-major, `width` × `width` modules.
#[derive(Debug, Clone)]
pub(crate) struct SampledGrid {
    pub width: usize,
    pub dark: Vec<bool>,
    pub confidence: Vec<u8>,
}
