//! Reading: encoded image bytes, a file, or raw pixels (the Python layer turns PIL images and
//! numpy arrays into those) to `Symbol`s, and `merge_sequences` for structured append.

use std::path::PathBuf;
use std::time::Duration;

use image::{DynamicImage, GrayImage, RgbImage, RgbaImage};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use qrsmith_core::{DecodeOptions, Decoded, Effort, Error, ErrorKind, Limits};

use crate::encode::{without_gil, StructuredAppend};
use crate::errors::to_py;

/// A symbol found in an image.
#[pyclass(frozen, module = "qrsmith")]
pub struct Symbol {
    symbol: qrsmith_core::Symbol,
}

#[pymethods]
impl Symbol {
    /// The content as text (UTF-8, or the ECI's character set).
    #[getter]
    fn text(&self) -> &str {
        &self.symbol.text
    }

    /// The content's raw bytes.
    #[getter]
    fn bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.symbol.bytes)
    }

    /// The four corners `(x, y)` in image pixels: top-left, top-right, bottom-right,
    /// bottom-left of the symbol as it is read.
    #[getter]
    fn corners(&self) -> Vec<(f32, f32)> {
        self.symbol.corners.iter().map(|p| (p.x, p.y)).collect()
    }

    /// `"QRCode"`, `"MicroQRCode"` or `"rMQRCode"`.
    #[getter]
    fn format(&self) -> &'static str {
        self.symbol.symbology.name()
    }

    /// The version as the engine reports it (`"5"`, `"M2"`, `"R7x43"`).
    #[getter]
    fn version(&self) -> &str {
        &self.symbol.version
    }

    /// The error-correction level (`"L"`, `"M"`, `"Q"`, `"H"`), when known.
    #[getter]
    fn ec_level(&self) -> Option<&str> {
        self.symbol.ec_level.as_deref()
    }

    /// The data mask, when known.
    #[getter]
    fn mask(&self) -> Option<u8> {
        self.symbol.mask
    }

    /// The fraction of error-correction capacity left unused, when known.
    #[getter]
    fn ec_headroom(&self) -> Option<f32> {
        self.symbol.ec_headroom
    }

    /// The rotation it was found at, in degrees (0, 90, 180, 270).
    #[getter]
    fn orientation(&self) -> i32 {
        self.symbol.orientation
    }

    /// Light modules on a dark background.
    #[getter]
    fn inverted(&self) -> bool {
        self.symbol.inverted
    }

    /// Mirrored (read from behind glass, or a flipped image).
    #[getter]
    fn mirrored(&self) -> bool {
        self.symbol.mirrored
    }

    /// Whether the content starts with an ECI designator.
    #[getter]
    fn has_eci(&self) -> bool {
        self.symbol.has_eci
    }

    /// The AIM symbology identifier (`"]Q1"`).
    #[getter]
    fn symbology_identifier(&self) -> &str {
        &self.symbol.symbology_identifier
    }

    /// Its place in a structured-append sequence, or `None`.
    #[getter]
    fn structured_append(&self) -> Option<StructuredAppend> {
        self.symbol
            .structured_append
            .as_ref()
            .map(|s| StructuredAppend {
                index: s.index,
                count: s.count,
                parity: s.parity,
            })
    }

    fn __repr__(&self) -> String {
        format!(
            "Symbol(format={:?}, version={:?}, text={:?})",
            self.format(),
            self.symbol.version,
            self.symbol.text
        )
    }
}

/// The structured-append symbols of one sequence, joined.
#[pyclass(frozen, module = "qrsmith")]
pub struct Sequence {
    sequence: qrsmith_core::MergedSequence,
}

#[pymethods]
impl Sequence {
    /// The parity shared by the sequence's symbols.
    #[getter]
    fn parity(&self) -> u8 {
        self.sequence.parity
    }

    /// How many symbols the sequence has.
    #[getter]
    fn count(&self) -> u8 {
        self.sequence.count
    }

    /// The indices found (a list of ints: PyO3 would turn a `Vec<u8>` into `bytes`).
    #[getter]
    fn found(&self) -> Vec<u32> {
        self.sequence.found.iter().map(|&i| u32::from(i)).collect()
    }

    /// The indices missing.
    #[getter]
    fn missing(&self) -> Vec<u32> {
        self.sequence
            .missing
            .iter()
            .map(|&i| u32::from(i))
            .collect()
    }

    /// Whether every symbol was found.
    #[getter]
    fn complete(&self) -> bool {
        self.sequence.is_complete()
    }

    /// The joined text, when complete.
    #[getter]
    fn text(&self) -> Option<&str> {
        self.sequence.text.as_deref()
    }

    /// The joined bytes, when complete.
    #[getter]
    fn bytes<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.sequence.bytes.as_deref().map(|b| PyBytes::new(py, b))
    }

    fn __repr__(&self) -> String {
        format!(
            "Sequence(count={}, found={:?}, text={:?})",
            self.sequence.count, self.sequence.found, self.sequence.text
        )
    }
}

fn options(effort: &str, timeout_ms: Option<u64>) -> PyResult<DecodeOptions> {
    let mut limits = Limits::default();
    if let Some(ms) = timeout_ms {
        limits.max_time = Some(Duration::from_millis(ms));
    }
    Ok(DecodeOptions {
        limits,
        effort: effort.parse::<Effort>().map_err(to_py)?,
    })
}

fn symbols(decoded: Decoded) -> Vec<Symbol> {
    decoded
        .symbols
        .into_iter()
        .map(|symbol| Symbol { symbol })
        .collect()
}

/// Reads every symbol in an encoded image (PNG, JPEG, GIF, BMP, WebP, TIFF).
#[pyfunction]
#[pyo3(signature = (data, *, effort="balanced", timeout_ms=None))]
pub fn decode_bytes(
    py: Python<'_>,
    data: PyBackedBytes,
    effort: &str,
    timeout_ms: Option<u64>,
) -> PyResult<Vec<Symbol>> {
    let opts = options(effort, timeout_ms)?;
    without_gil(py, || qrsmith_core::decode(&data, &opts)).map(symbols)
}

/// Reads every symbol in the image file at `path`.
#[pyfunction]
#[pyo3(signature = (path, *, effort="balanced", timeout_ms=None))]
pub fn decode_path(
    py: Python<'_>,
    path: PathBuf,
    effort: &str,
    timeout_ms: Option<u64>,
) -> PyResult<Vec<Symbol>> {
    let opts = options(effort, timeout_ms)?;
    let data = py.detach(|| std::fs::read(&path))?;
    without_gil(py, || qrsmith_core::decode(&data, &opts)).map(symbols)
}

/// Reads every symbol in raw 8-bit pixels, row-major and packed: `channels` is 1 (grey),
/// 3 (RGB) or 4 (RGBA).
#[pyfunction]
#[pyo3(signature = (pixels, width, height, channels, *, effort="balanced", timeout_ms=None))]
pub fn decode_pixels(
    py: Python<'_>,
    pixels: PyBackedBytes,
    width: u32,
    height: u32,
    channels: u8,
    effort: &str,
    timeout_ms: Option<u64>,
) -> PyResult<Vec<Symbol>> {
    let opts = options(effort, timeout_ms)?;
    without_gil(py, || {
        let image = to_image(&pixels, width, height, channels)?;
        qrsmith_core::decode_image(&image, &opts)
    })
    .map(symbols)
}

fn to_image(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: u8,
) -> qrsmith_core::Result<DynamicImage> {
    let expected = u64::from(width) * u64::from(height) * u64::from(channels);
    let wrong = || {
        Error::new(
            ErrorKind::InvalidOption,
            format!(
                "{} bytes of pixels for a {width} × {height} image of {channels} channels \
                 ({expected} expected)",
                pixels.len()
            ),
        )
    };
    if pixels.len() as u64 != expected {
        return Err(wrong());
    }
    let raw = pixels.to_vec();
    let image = match channels {
        1 => GrayImage::from_raw(width, height, raw).map(DynamicImage::ImageLuma8),
        3 => RgbImage::from_raw(width, height, raw).map(DynamicImage::ImageRgb8),
        4 => RgbaImage::from_raw(width, height, raw).map(DynamicImage::ImageRgba8),
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOption,
                format!("{channels} channels: pixels are grey (1), RGB (3) or RGBA (4)"),
            ))
        }
    };
    image.ok_or_else(wrong)
}

/// Joins the structured-append symbols among `symbols` into their sequences.
#[pyfunction]
pub fn merge_sequences(symbols: Vec<PyRef<'_, Symbol>>) -> Vec<Sequence> {
    let symbols: Vec<qrsmith_core::Symbol> = symbols.iter().map(|s| s.symbol.clone()).collect();
    qrsmith_core::merge_sequences(&symbols)
        .into_iter()
        .map(|sequence| Sequence { sequence })
        .collect()
}
