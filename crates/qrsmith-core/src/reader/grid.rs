//! The interface between the sampler and the decoder: one value and one confidence per module.

/// Module values read from an image, row-major, `width` × `width` modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SampledGrid {
    /// Modules a side: 21..=177, 4·v + 17 (QR Model 2 only).
    pub width: usize,
    /// Whether each module is dark.
    pub dark: Vec<bool>,
    /// How sure the sampler is of each module: 0 = no idea (an erasure candidate: saturated
    /// glare, or a value right at the threshold), 255 = certain.
    pub confidence: Vec<u8>,
}

impl SampledGrid {
    /// The modules of an encoded symbol, every one certain: what a perfect sampler would give.
    #[cfg(test)]
    pub(crate) fn from_code(code: &crate::QrCode) -> SampledGrid {
        SampledGrid {
            width: code.width,
            dark: code.modules.iter().map(|&m| m != 0).collect(),
            confidence: vec![u8::MAX; code.modules.len()],
        }
    }

    /// The grid mirrored about its main diagonal: a mirrored symbol (printed from the back, or
    /// seen through glass) read this way is the symbol as encoded.
    pub(crate) fn transposed(&self) -> SampledGrid {
        let w = self.width;
        let mut out = self.clone();
        if self.dark.len() == w * w && self.confidence.len() == w * w {
            for y in 0..w {
                for x in 0..w {
                    out.dark[x * w + y] = self.dark[y * w + x];
                    out.confidence[x * w + y] = self.confidence[y * w + x];
                }
            }
        }
        out
    }

    /// Whether the module at column `x`, row `y` is dark (false outside the grid).
    pub(crate) fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }

    /// The confidence of the module at column `x`, row `y` (0 outside the grid).
    pub(crate) fn confidence_at(&self, x: usize, y: usize) -> u8 {
        if x < self.width {
            self.confidence
                .get(y * self.width + x)
                .copied()
                .unwrap_or(0)
        } else {
            0
        }
    }

    /// Whether the parts agree: `width` a QR Model 2 size and both vectors `width`² long.
    pub(crate) fn is_well_formed(&self) -> bool {
        let w = self.width;
        (21..=177).contains(&w)
            && (w - 17) % 4 == 0
            && self.dark.len() == w * w
            && self.confidence.len() == w * w
    }

    /// The QR version its width implies, if it is a QR Model 2 width.
    pub(crate) fn version_from_width(&self) -> Option<u8> {
        let w = self.width;
        ((21..=177).contains(&w) && (w - 17) % 4 == 0).then(|| ((w - 17) / 4) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode_text, EncodeOptions};

    #[test]
    fn transposing_twice_is_the_identity_and_swaps_axes() {
        let code = encode_text("transpose", &EncodeOptions::default()).unwrap();
        let mut grid = SampledGrid::from_code(&code);
        grid.confidence[3] = 7; // column 3, row 0
        let t = grid.transposed();
        assert_eq!(t.confidence_at(0, 3), 7);
        for y in 0..grid.width {
            for x in 0..grid.width {
                assert_eq!(grid.is_dark(x, y), t.is_dark(y, x));
            }
        }
        assert_eq!(t.transposed(), grid);
    }

    #[test]
    fn widths_outside_model_2_are_refused() {
        for w in [0, 20, 22, 181] {
            let grid = SampledGrid {
                width: w,
                dark: vec![false; w * w],
                confidence: vec![0; w * w],
            };
            assert!(!grid.is_well_formed(), "{w}");
        }
        let short = SampledGrid {
            width: 21,
            dark: vec![false; 10],
            confidence: vec![0; 441],
        };
        assert!(!short.is_well_formed());
    }
}
