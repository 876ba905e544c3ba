//! Python bindings for `qrsmith-core`, built with maturin into the `qrsmith` wheel.
//!
//! This is the native module `qrsmith._qrsmith`; the package `qrsmith` (in `python/`)
//! re-exports it and turns PIL images and numpy arrays into pixels. Every function here is a
//! thin call into the library, made with the GIL released, whose errors become the Python
//! exceptions of `errors.rs`, each with the library's stable code.
#![deny(missing_docs)]

use pyo3::prelude::*;

mod decode;
mod encode;
mod errors;
mod options;
mod payload;
mod style;

/// The native part of the `qrsmith` package.
#[pymodule]
fn _qrsmith(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<encode::QrCode>()?;
    m.add_class::<encode::StructuredAppend>()?;
    m.add_class::<style::Style>()?;
    m.add_class::<style::ScanMargin>()?;
    m.add_class::<style::Adjustment>()?;
    m.add_class::<style::Verified>()?;
    m.add_class::<decode::Symbol>()?;
    m.add_class::<decode::Sequence>()?;
    m.add_function(wrap_pyfunction!(encode::encode, m)?)?;
    m.add_function(wrap_pyfunction!(encode::encode_parts, m)?)?;
    m.add_function(wrap_pyfunction!(style::encode_verified, m)?)?;
    m.add_function(wrap_pyfunction!(decode::decode_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(decode::decode_path, m)?)?;
    m.add_function(wrap_pyfunction!(decode::decode_pixels, m)?)?;
    m.add_function(wrap_pyfunction!(decode::merge_sequences, m)?)?;
    m.add_function(wrap_pyfunction!(payload::build_payload, m)?)?;
    Ok(())
}
