//! The library's errors as Python exceptions: `QrError` and one subclass per
//! [`ErrorKind`], each with the stable `code` the service answers with.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use qrsmith_core::{Error, ErrorKind};

create_exception!(
    qrsmith,
    QrError,
    PyException,
    "Base class of every qrsmith error; `code` is its stable snake_case code."
);
create_exception!(
    qrsmith,
    DataTooLong,
    QrError,
    "The data does not fit the requested (or largest) symbol."
);
create_exception!(
    qrsmith,
    InvalidOption,
    QrError,
    "An option is out of range, or options contradict each other."
);
create_exception!(
    qrsmith,
    LimitExceeded,
    QrError,
    "The input or output exceeds a limit (bytes, pixels, size)."
);
create_exception!(
    qrsmith,
    UnsupportedFormat,
    QrError,
    "The image or output format is not supported."
);
create_exception!(
    qrsmith,
    CorruptImage,
    QrError,
    "The image is corrupt or truncated."
);
create_exception!(
    qrsmith,
    Timeout,
    QrError,
    "The decode time budget ran out before anything was found."
);
create_exception!(
    qrsmith,
    IncompleteSequence,
    QrError,
    "Structured-append symbols do not form one complete sequence."
);
create_exception!(
    qrsmith,
    EngineError,
    QrError,
    "The decoding engine itself failed (not the input's fault)."
);
create_exception!(
    qrsmith,
    Unscannable,
    QrError,
    "A styled or logo code does not read back, even after adjustments."
);
create_exception!(
    qrsmith,
    InvalidPayload,
    QrError,
    "A payload builder's field is invalid; the message names the field."
);

/// The code of a payload whose fields are invalid: the service's `invalid_payload`.
pub const INVALID_PAYLOAD: &str = "invalid_payload";

/// The exception class of `kind`, with the library's code.
fn class_of(py: Python<'_>, kind: ErrorKind) -> (Bound<'_, PyType>, &'static str) {
    let class = match kind {
        ErrorKind::DataTooLong => py.get_type::<DataTooLong>(),
        ErrorKind::InvalidOption => py.get_type::<InvalidOption>(),
        ErrorKind::LimitExceeded => py.get_type::<LimitExceeded>(),
        ErrorKind::UnsupportedFormat => py.get_type::<UnsupportedFormat>(),
        ErrorKind::CorruptImage => py.get_type::<CorruptImage>(),
        ErrorKind::Timeout => py.get_type::<Timeout>(),
        ErrorKind::IncompleteSequence => py.get_type::<IncompleteSequence>(),
        ErrorKind::Engine => py.get_type::<EngineError>(),
        ErrorKind::Unscannable => py.get_type::<Unscannable>(),
        // A kind added to the library later: the base class, with its own code.
        _ => py.get_type::<QrError>(),
    };
    (class, kind.code())
}

/// Turns a library error into its Python exception (`code` and `message` attributes set).
pub fn to_py(err: Error) -> PyErr {
    Python::attach(|py| {
        let (class, code) = class_of(py, err.kind());
        raise(&class, code, err.message())
    })
}

/// A payload builder's refusal: `InvalidPayload` with the field-first message.
pub fn invalid_payload(message: String) -> PyErr {
    Python::attach(|py| {
        let class = py.get_type::<InvalidPayload>();
        raise(&class, INVALID_PAYLOAD, &message)
    })
}

fn raise(class: &Bound<'_, PyType>, code: &str, message: &str) -> PyErr {
    match class.call1((message,)) {
        Ok(instance) => {
            // Per-instance too, so a future kind that falls back to the base class still
            // reports its own code.
            if let Err(e) = instance.setattr("code", code) {
                return e;
            }
            if let Err(e) = instance.setattr("message", message) {
                return e;
            }
            PyErr::from_value(instance)
        }
        Err(e) => e,
    }
}

/// Adds the exception classes to the module, each with its class-level `code`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<QrError>();
    base.setattr("code", "error")?;
    m.add("QrError", base)?;
    let kinds = [
        ("DataTooLong", ErrorKind::DataTooLong),
        ("InvalidOption", ErrorKind::InvalidOption),
        ("LimitExceeded", ErrorKind::LimitExceeded),
        ("UnsupportedFormat", ErrorKind::UnsupportedFormat),
        ("CorruptImage", ErrorKind::CorruptImage),
        ("Timeout", ErrorKind::Timeout),
        ("IncompleteSequence", ErrorKind::IncompleteSequence),
        ("EngineError", ErrorKind::Engine),
        ("Unscannable", ErrorKind::Unscannable),
    ];
    for (name, kind) in kinds {
        let (class, code) = class_of(py, kind);
        class.setattr("code", code)?;
        m.add(name, class)?;
    }
    let payload = py.get_type::<InvalidPayload>();
    payload.setattr("code", INVALID_PAYLOAD)?;
    m.add("InvalidPayload", payload)?;
    Ok(())
}
