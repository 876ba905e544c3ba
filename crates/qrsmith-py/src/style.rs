//! Styled codes: `Style` (module and eye shapes, eye colours, a logo), the `ScanMargin` a
//! style leaves, and `encode_verified`, which adjusts a style until the code reads.

use pyo3::prelude::*;
use qrsmith_core::{encode_bytes, encode_text, DEFAULT_LOGO_MARGIN, DEFAULT_LOGO_SIZE};
use qrsmith_core::{generate_verified, Color, EyeShape, Logo, ModuleShape, VerifyOptions};

use crate::encode::{without_gil, QrCode};
use crate::errors::to_py;
use crate::options::{encode_options, render_options, Data, VersionArg};

/// The look of a styled code, for `QrCode.png`, `.svg`, `.save` and `.scan_margin`.
///
/// `module_shape` is `"square"`, `"dot"`, `"rounded"` or `"gapped"`; `eye_outer` and
/// `eye_inner` are `"square"`, `"rounded"` or `"circle"`; the eye colours default to the
/// foreground. `logo` is PNG, JPEG or SVG bytes drawn in the centre, `logo_size` of the
/// symbol's width (0.05–0.4) with `logo_margin` light modules around it (0–4).
/// Raises `InvalidOption` (and `LimitExceeded` for a logo too large).
#[pyclass(frozen, module = "qrsmith")]
pub struct Style {
    pub(crate) style: qrsmith_core::Style,
}

fn color(value: Option<&str>) -> PyResult<Option<Color>> {
    value.map(str::parse::<Color>).transpose().map_err(to_py)
}

#[pymethods]
impl Style {
    #[new]
    #[pyo3(signature = (*, module_shape="square", eye_outer="square", eye_inner="square", eye_outer_color=None, eye_inner_color=None, logo=None, logo_size=DEFAULT_LOGO_SIZE, logo_margin=DEFAULT_LOGO_MARGIN))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        module_shape: &str,
        eye_outer: &str,
        eye_inner: &str,
        eye_outer_color: Option<&str>,
        eye_inner_color: Option<&str>,
        logo: Option<Vec<u8>>,
        logo_size: f32,
        logo_margin: u32,
    ) -> PyResult<Style> {
        let logo = match logo {
            None => None,
            Some(bytes) => Some(without_gil(py, || {
                Logo::new(&bytes)?
                    .with_size(logo_size)?
                    .with_margin(logo_margin)
            })?),
        };
        Ok(Style {
            style: qrsmith_core::Style {
                module_shape: module_shape.parse::<ModuleShape>().map_err(to_py)?,
                eye_outer: eye_outer.parse::<EyeShape>().map_err(to_py)?,
                eye_inner: eye_inner.parse::<EyeShape>().map_err(to_py)?,
                eye_outer_color: color(eye_outer_color)?,
                eye_inner_color: color(eye_inner_color)?,
                logo,
            },
        })
    }

    /// The module shape's name.
    #[getter]
    fn module_shape(&self) -> &'static str {
        self.style.module_shape.name()
    }

    /// The outer eye shape's name.
    #[getter]
    fn eye_outer(&self) -> &'static str {
        self.style.eye_outer.name()
    }

    /// The inner eye shape's name.
    #[getter]
    fn eye_inner(&self) -> &'static str {
        self.style.eye_inner.name()
    }

    /// The logo's size as a fraction of the symbol's width, or `None` without a logo.
    #[getter]
    fn logo_size(&self) -> Option<f32> {
        self.style.logo.as_ref().map(Logo::size)
    }

    /// The light modules around the logo, or `None` without a logo.
    #[getter]
    fn logo_margin(&self) -> Option<u32> {
        self.style.logo.as_ref().map(Logo::margin)
    }

    fn __repr__(&self) -> String {
        format!(
            "Style(module_shape={:?}, eye_outer={:?}, eye_inner={:?}, logo_size={:?})",
            self.module_shape(),
            self.eye_outer(),
            self.eye_inner(),
            self.logo_size()
        )
    }
}

/// How a code reads under the degradations the library simulates.
#[pyclass(frozen, get_all, module = "qrsmith")]
pub struct ScanMargin {
    /// The degradations under which it still reads (`"as_generated"`, `"blur"`, …).
    pub passed: Vec<String>,
    /// Those under which it does not.
    pub failed: Vec<String>,
    /// Whether it reads as generated.
    pub reads: bool,
    /// `"4/5"`: degradations passed out of those tried.
    pub score: String,
    /// Seconds the measurement took.
    pub elapsed: f64,
}

impl From<qrsmith_core::ScanMargin> for ScanMargin {
    fn from(m: qrsmith_core::ScanMargin) -> Self {
        let names =
            |ds: &[qrsmith_core::Degradation]| ds.iter().map(|d| d.name().to_owned()).collect();
        ScanMargin {
            passed: names(&m.passed),
            failed: names(&m.failed),
            reads: m.reads(),
            score: m.score(),
            elapsed: m.elapsed.as_secs_f64(),
        }
    }
}

#[pymethods]
impl ScanMargin {
    fn __repr__(&self) -> String {
        format!(
            "ScanMargin(score={:?}, failed={:?})",
            self.score, self.failed
        )
    }
}

/// A change `encode_verified` made so that the code reads.
#[pyclass(frozen, get_all, module = "qrsmith")]
pub struct Adjustment {
    /// Its stable code: `raised_ec`, `larger_version`, `shrank_logo`, `widened_logo_margin`,
    /// `square_modules` or `square_eyes`.
    pub code: String,
    /// What was done, in words.
    pub message: String,
}

#[pymethods]
impl Adjustment {
    fn __repr__(&self) -> String {
        format!("Adjustment({:?}: {})", self.code, self.message)
    }
}

/// A verified code: the symbol and the style to render it with, how it reads, and what was
/// changed to get there.
#[pyclass(frozen, get_all, module = "qrsmith")]
pub struct Verified {
    /// The symbol (possibly at a raised level or a larger version).
    pub code: Py<QrCode>,
    /// The style to render it with (possibly adjusted).
    pub style: Py<Style>,
    /// Its scan margin.
    pub margin: Py<ScanMargin>,
    /// The changes made, in order; empty when the request read as it was.
    pub adjustments: Vec<Py<Adjustment>>,
}

/// Encodes `data` and checks that it reads back as rendered with `style` (and these render
/// keywords); a styled or logo code that does not is repaired when `auto_adjust` is set
/// (level H, a smaller logo, a wider logo margin, square modules, square eyes), and with a
/// logo the level is H from the start when `auto_ec` is set.
///
/// Raises `Unscannable` when it cannot be made to read, and `encode`'s errors.
#[pyfunction]
#[pyo3(signature = (data, style, *, ec=None, version=None, micro=false, mode=None, eci=None, boost_ec=false, mask=None, scale=10, size=None, border=4, fg="#000000", bg="#ffffff", auto_adjust=true, auto_ec=true))]
#[allow(clippy::too_many_arguments)]
pub fn encode_verified(
    py: Python<'_>,
    data: Data,
    style: PyRef<'_, Style>,
    ec: Option<&str>,
    version: Option<VersionArg>,
    micro: bool,
    mode: Option<&str>,
    eci: Option<u32>,
    boost_ec: bool,
    mask: Option<u8>,
    scale: u32,
    size: Option<u32>,
    border: u32,
    fg: &str,
    bg: &str,
    auto_adjust: bool,
    auto_ec: bool,
) -> PyResult<Verified> {
    let enc = encode_options(ec, version, micro, false, mode, eci, boost_ec, mask)?;
    let render = render_options(scale, size, border, fg, bg, None)?;
    let verify = VerifyOptions {
        auto_adjust,
        auto_ec,
    };
    let style = style.style.clone();
    let verified = without_gil(py, || {
        let encode = |o: &qrsmith_core::EncodeOptions| match &data {
            Data::Text(t) => encode_text(t, o),
            Data::Bytes(b) => encode_bytes(b, o),
        };
        generate_verified(encode, &enc, &render, &style, data.bytes(), &verify)
    })?;
    let adjustments = verified
        .adjustments
        .iter()
        .map(|a| {
            Py::new(
                py,
                Adjustment {
                    code: a.code().to_owned(),
                    message: a.to_string(),
                },
            )
        })
        .collect::<PyResult<_>>()?;
    Ok(Verified {
        code: Py::new(
            py,
            QrCode {
                code: verified.code,
                data: Some(data.bytes().to_vec()),
            },
        )?,
        style: Py::new(
            py,
            Style {
                style: verified.style,
            },
        )?,
        margin: Py::new(py, ScanMargin::from(verified.margin))?,
        adjustments,
    })
}
