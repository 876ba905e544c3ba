//! `encode`, `encode_parts` and the `QrCode` they return, with its output methods.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use qrsmith_core::{
    default_border, encode_bytes, encode_sequence_bytes, encode_sequence_text, encode_text,
    render_styled, scan_margin, to_eps, to_pdf, to_terminal, to_txt, Error, ErrorKind, Format,
    RenderOptions, Version,
};

use crate::errors::to_py;
use crate::options::{encode_options, render_options, Data, VersionArg};
use crate::style::{ScanMargin, Style};

/// An encoded symbol: a matrix of modules (square, or an rMQR rectangle), without quiet zone.
///
/// Made by `encode`, `encode_parts` and `encode_verified`. Its output methods take the same
/// rendering keywords: `scale` (pixels per module) or `size` (the target width in pixels),
/// `border` (quiet zone in modules; default 4, 2 for rMQR), `fg` and `bg` (`#rgb`, `#rrggbb`, `#rrggbbaa` or
/// `"transparent"`) and `dpi`.
#[pyclass(frozen, module = "qrsmith")]
pub struct QrCode {
    pub(crate) code: qrsmith_core::QrCode,
    /// The payload's bytes (UTF-8 for text), what a reader must give back: for scan-margin
    /// checks. `None` for a structured-append part, which carries only a share of it.
    pub(crate) data: Option<Vec<u8>>,
}

/// A symbol's place in a structured-append sequence.
#[pyclass(frozen, get_all, module = "qrsmith")]
#[derive(Clone)]
pub struct StructuredAppend {
    /// Position in the sequence, from 0.
    pub index: u8,
    /// Number of symbols in the sequence.
    pub count: u8,
    /// XOR of every payload byte: the same in each symbol of one sequence.
    pub parity: u8,
}

#[pymethods]
impl StructuredAppend {
    fn __repr__(&self) -> String {
        format!(
            "StructuredAppend(index={}, count={}, parity={})",
            self.index, self.count, self.parity
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        (self.index, self.count, self.parity) == (other.index, other.count, other.parity)
    }
}

/// Runs `f` without the GIL and turns its error into the Python exception.
pub(crate) fn without_gil<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> qrsmith_core::Result<T> + Send,
) -> PyResult<T> {
    py.detach(f).map_err(to_py)
}

impl QrCode {
    /// The quiet zone asked for, or the standard's: 4 modules, 2 for rMQR.
    fn border(&self, asked: Option<u32>) -> u32 {
        asked.unwrap_or_else(|| default_border(&self.code))
    }

    fn render(
        &self,
        py: Python<'_>,
        format: Format,
        opts: RenderOptions,
        style: Option<&Style>,
    ) -> PyResult<Vec<u8>> {
        let style = style.map(|s| s.style.clone()).unwrap_or_default();
        let code = &self.code;
        without_gil(py, || render_styled(code, format, &opts, &style))
    }
}

#[pymethods]
impl QrCode {
    /// The version: 1–40 for QR, 1–4 for Micro QR (see `micro`), the size's name for rMQR
    /// (`"R11x77"`: height × width).
    #[getter]
    fn version<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v.into_pyobject(py)?.into_any(),
            rmqr @ Version::Rmqr { .. } => rmqr.name().into_pyobject(py)?.into_any(),
        })
    }

    /// Whether this is a Micro QR symbol (M1–M4).
    #[getter]
    fn micro(&self) -> bool {
        self.code.version().is_micro()
    }

    /// Whether this is an rMQR (rectangular Micro QR) symbol.
    #[getter]
    fn rmqr(&self) -> bool {
        self.code.version().is_rmqr()
    }

    /// The error-correction level: `"L"`, `"M"`, `"Q"` or `"H"`.
    #[getter]
    fn ec_level(&self) -> &'static str {
        self.code.ec_level().name()
    }

    /// The data mask applied (0–7 for QR, 0–3 for Micro QR).
    #[getter]
    fn mask(&self) -> u8 {
        self.code.mask()
    }

    /// Modules across, without quiet zone (21 for version 1, 77 for R11x77).
    #[getter]
    fn width(&self) -> usize {
        self.code.width()
    }

    /// Modules down, without quiet zone: the width, except for rMQR (11 for R11x77).
    #[getter]
    fn height(&self) -> usize {
        self.code.height()
    }

    /// Its place in a structured-append sequence, or `None`.
    #[getter]
    fn structured_append(&self) -> Option<StructuredAppend> {
        self.code.sequence().map(|s| StructuredAppend {
            index: s.index,
            count: s.total,
            parity: s.parity,
        })
    }

    /// The modules as a `height × width` numpy `bool` array (`True` is dark). Needs numpy.
    #[getter]
    fn matrix<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let numpy = py.import("numpy")?;
        let (w, h) = (self.code.width(), self.code.height());
        let mut modules = Vec::with_capacity(w * h);
        for y in 0..h {
            modules.extend_from_slice(self.code.row(y));
        }
        let flat = numpy.call_method1("frombuffer", (PyBytes::new(py, &modules), "bool"))?;
        flat.call_method1("reshape", ((h, w),))?
            .call_method0("copy")
    }

    /// PNG bytes; with a `style`, an anti-aliased RGBA PNG of that look.
    #[pyo3(signature = (*, scale=10, size=None, border=None, fg="#000000", bg="#ffffff", dpi=None, style=None))]
    #[allow(clippy::too_many_arguments)]
    fn png<'py>(
        &self,
        py: Python<'py>,
        scale: u32,
        size: Option<u32>,
        border: Option<u32>,
        fg: &str,
        bg: &str,
        dpi: Option<u32>,
        style: Option<PyRef<'_, Style>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let opts = render_options(scale, size, self.border(border), fg, bg, dpi)?;
        let png = self.render(py, Format::Png, opts, style.as_deref())?;
        Ok(PyBytes::new(py, &png))
    }

    /// An SVG document; with a `style`, drawn in that look.
    #[pyo3(signature = (*, scale=10, size=None, border=None, fg="#000000", bg="#ffffff", dpi=None, style=None))]
    #[allow(clippy::too_many_arguments)]
    fn svg(
        &self,
        py: Python<'_>,
        scale: u32,
        size: Option<u32>,
        border: Option<u32>,
        fg: &str,
        bg: &str,
        dpi: Option<u32>,
        style: Option<PyRef<'_, Style>>,
    ) -> PyResult<String> {
        let opts = render_options(scale, size, self.border(border), fg, bg, dpi)?;
        let svg = self.render(py, Format::Svg, opts, style.as_deref())?;
        String::from_utf8(svg).map_err(|e| to_py(Error::new(ErrorKind::Engine, e.to_string())))
    }

    /// A one-page vector PDF (one pixel is `72 / dpi` points; without `dpi` one point).
    #[pyo3(signature = (*, scale=10, size=None, border=None, fg="#000000", bg="#ffffff", dpi=None))]
    #[allow(clippy::too_many_arguments)]
    fn pdf<'py>(
        &self,
        py: Python<'py>,
        scale: u32,
        size: Option<u32>,
        border: Option<u32>,
        fg: &str,
        bg: &str,
        dpi: Option<u32>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let opts = render_options(scale, size, self.border(border), fg, bg, dpi)?;
        let code = &self.code;
        let pdf = without_gil(py, || to_pdf(code, &opts))?;
        Ok(PyBytes::new(py, &pdf))
    }

    /// Encapsulated PostScript, as text.
    #[pyo3(signature = (*, scale=10, size=None, border=None, fg="#000000", bg="#ffffff", dpi=None))]
    #[allow(clippy::too_many_arguments)]
    fn eps(
        &self,
        py: Python<'_>,
        scale: u32,
        size: Option<u32>,
        border: Option<u32>,
        fg: &str,
        bg: &str,
        dpi: Option<u32>,
    ) -> PyResult<String> {
        let opts = render_options(scale, size, self.border(border), fg, bg, dpi)?;
        let code = &self.code;
        without_gil(py, || to_eps(code, &opts))
    }

    /// The matrix as text: one line per row, `1` dark and `0` light, quiet zone included.
    #[pyo3(signature = (*, border=None))]
    fn text(&self, py: Python<'_>, border: Option<u32>) -> PyResult<String> {
        let opts = RenderOptions {
            border: self.border(border),
            ..RenderOptions::default()
        };
        let code = &self.code;
        without_gil(py, || to_txt(code, &opts))
    }

    /// The symbol drawn with half-block characters for a terminal.
    #[pyo3(signature = (*, border=None))]
    fn terminal(&self, py: Python<'_>, border: Option<u32>) -> PyResult<String> {
        let opts = RenderOptions {
            border: self.border(border),
            ..RenderOptions::default()
        };
        let code = &self.code;
        without_gil(py, || to_terminal(code, &opts))
    }

    /// Writes the symbol to `path` in the format its extension names (`.png`, `.svg`, `.pdf`,
    /// `.eps`/`.ps`, `.txt`); `style` applies to PNG and SVG.
    #[pyo3(signature = (path, *, scale=10, size=None, border=None, fg="#000000", bg="#ffffff", dpi=None, style=None))]
    #[allow(clippy::too_many_arguments)]
    fn save(
        &self,
        py: Python<'_>,
        path: PathBuf,
        scale: u32,
        size: Option<u32>,
        border: Option<u32>,
        fg: &str,
        bg: &str,
        dpi: Option<u32>,
        style: Option<PyRef<'_, Style>>,
    ) -> PyResult<()> {
        let format = Format::from_path(&path).ok_or_else(|| {
            to_py(Error::new(
                ErrorKind::UnsupportedFormat,
                format!(
                    "{}: the extension names no output format (png, svg, pdf, eps, txt)",
                    path.display()
                ),
            ))
        })?;
        let opts = render_options(scale, size, self.border(border), fg, bg, dpi)?;
        let bytes = self.render(py, format, opts, style.as_deref())?;
        py.detach(|| std::fs::write(&path, bytes))?;
        Ok(())
    }

    /// Reads the symbol back, rendered with these options and `style`, under each degradation
    /// the library simulates (as generated, blur, low contrast, …) and reports which still
    /// give the payload. A structured-append part has no payload of its own to compare with:
    /// `InvalidOption`.
    #[pyo3(signature = (*, scale=10, size=None, border=None, fg="#000000", bg="#ffffff", dpi=None, style=None))]
    #[allow(clippy::too_many_arguments)]
    fn scan_margin(
        &self,
        py: Python<'_>,
        scale: u32,
        size: Option<u32>,
        border: Option<u32>,
        fg: &str,
        bg: &str,
        dpi: Option<u32>,
        style: Option<PyRef<'_, Style>>,
    ) -> PyResult<ScanMargin> {
        let Some(expected) = &self.data else {
            return Err(to_py(Error::new(
                ErrorKind::InvalidOption,
                "a structured-append part carries only a share of the payload: measure the \
                 scan margin of a whole code",
            )));
        };
        let opts = render_options(scale, size, self.border(border), fg, bg, dpi)?;
        let style = style.map(|s| s.style.clone()).unwrap_or_default();
        let code = &self.code;
        let margin = without_gil(py, || scan_margin(code, &opts, &style, expected))?;
        Ok(ScanMargin::from(margin))
    }

    fn __repr__(&self) -> String {
        let version = self.code.version().name();
        format!(
            "QrCode(version={version}, ec_level={:?}, width={}, height={})",
            self.code.ec_level().name(),
            self.code.width(),
            self.code.height()
        )
    }
}

/// Encodes `data` (`str` as text, `bytes` as bytes) in one QR, Micro QR or rMQR symbol.
///
/// `ec` is the error-correction level (`"L"`, `"M"`, `"Q"`, `"H"`; default H, or L for Micro
/// QR, which has no H; rMQR has M and H); `version` forces a version (`5`, `"M2"` for Micro
/// QR, `"R11x77"` for rMQR) instead of the smallest that fits; `micro` picks the smallest
/// Micro QR version, `rmqr` the rMQR size with the fewest modules; `mode` writes everything in one mode (`"numeric"`,
/// `"alphanumeric"`, `"byte"`, `"kanji"`); `eci` starts with that ECI designator; `boost_ec`
/// raises the level as far as the version allows; `mask` forces a mask pattern.
///
/// Raises `DataTooLong` or `InvalidOption`.
#[pyfunction]
#[pyo3(signature = (data, *, ec=None, version=None, micro=false, rmqr=false, mode=None, eci=None, boost_ec=false, mask=None))]
#[allow(clippy::too_many_arguments)]
pub fn encode(
    py: Python<'_>,
    data: Data,
    ec: Option<&str>,
    version: Option<VersionArg>,
    micro: bool,
    rmqr: bool,
    mode: Option<&str>,
    eci: Option<u32>,
    boost_ec: bool,
    mask: Option<u8>,
) -> PyResult<QrCode> {
    let opts = encode_options(ec, version, micro, rmqr, mode, eci, boost_ec, mask)?;
    let code = without_gil(py, || match &data {
        Data::Text(t) => encode_text(t, &opts),
        Data::Bytes(b) => encode_bytes(b, &opts),
    })?;
    Ok(QrCode {
        code,
        data: Some(data.bytes().to_vec()),
    })
}

/// Splits `data` over a structured-append sequence of QR symbols that readers join again.
///
/// With `parts`, exactly that many symbols (2–16); without, the fewest that fit `version`
/// (version 10 when none is given). The other keywords are `encode`'s (Micro QR cannot form
/// a sequence).
#[pyfunction]
#[pyo3(signature = (data, parts=None, *, ec=None, version=None, mode=None, eci=None, boost_ec=false, mask=None))]
#[allow(clippy::too_many_arguments)]
pub fn encode_parts(
    py: Python<'_>,
    data: Data,
    parts: Option<u8>,
    ec: Option<&str>,
    version: Option<VersionArg>,
    mode: Option<&str>,
    eci: Option<u32>,
    boost_ec: bool,
    mask: Option<u8>,
) -> PyResult<Vec<QrCode>> {
    let opts = encode_options(ec, version, false, false, mode, eci, boost_ec, mask)?;
    let codes = without_gil(py, || match &data {
        Data::Text(t) => encode_sequence_text(t, &opts, parts),
        Data::Bytes(b) => encode_sequence_bytes(b, &opts, parts),
    })?;
    Ok(codes
        .into_iter()
        .map(|code| QrCode { code, data: None })
        .collect())
}
