"""Every error is a QrError subclass with the library's stable code."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import qrsmith
from conftest import URL
from test_encode import logo_png

CODES = {
    qrsmith.DataTooLong: "data_too_long",
    qrsmith.InvalidOption: "invalid_option",
    qrsmith.LimitExceeded: "limit_exceeded",
    qrsmith.UnsupportedFormat: "unsupported_format",
    qrsmith.CorruptImage: "corrupt_image",
    qrsmith.Timeout: "timeout",
    qrsmith.IncompleteSequence: "incomplete_sequence",
    qrsmith.EngineError: "engine_error",
    qrsmith.Unscannable: "unscannable",
    qrsmith.InvalidPayload: "invalid_payload",
}


def test_classes_and_codes() -> None:
    for cls, code in CODES.items():
        assert issubclass(cls, qrsmith.QrError) and issubclass(cls, Exception)
        assert cls.code == code


def raised(exc: pytest.ExceptionInfo[qrsmith.QrError], cls: type) -> None:
    assert type(exc.value) is cls
    assert exc.value.code == CODES[cls]
    assert str(exc.value) and exc.value.message == str(exc.value)


def test_data_too_long() -> None:
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.encode("x" * 3000)
    raised(e, qrsmith.DataTooLong)
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.encode("123456", version="M1", ec="L")
    raised(e, qrsmith.DataTooLong)


def test_invalid_option() -> None:
    for call in (
        lambda: qrsmith.encode("x", ec="Z"),
        lambda: qrsmith.encode("x", version=41),
        lambda: qrsmith.encode("x", mode="morse"),
        lambda: qrsmith.encode("x", mask=9),
        lambda: qrsmith.encode("x").png(fg="blue-ish"),
        lambda: qrsmith.encode_parts("x" * 100, 2, version="M2"),
    ):
        with pytest.raises(qrsmith.QrError) as e:
            call()
        raised(e, qrsmith.InvalidOption)


def test_limit_exceeded() -> None:
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.encode(URL).png(scale=1000)
    raised(e, qrsmith.LimitExceeded)
    # 51 megapixels of grey: over the 50 MP limit, refused before reading.
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.decode(np.zeros((1, 51_000_000), np.uint8))
    raised(e, qrsmith.LimitExceeded)


def test_unsupported_format_and_corrupt_image() -> None:
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.decode(b"this is not an image")
    raised(e, qrsmith.UnsupportedFormat)
    png = qrsmith.encode(URL).png()
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.decode(png[: len(png) // 2])
    raised(e, qrsmith.CorruptImage)


def test_timeout() -> None:
    # A noisy picture with nothing to find and no time to look.
    noise = np.random.default_rng(1).integers(0, 256, size=(600, 600), dtype=np.uint8)
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.decode(noise, effort="thorough", timeout_ms=0)
    raised(e, qrsmith.Timeout)


def test_unscannable() -> None:
    style = qrsmith.Style(logo=logo_png(), logo_size=0.4)
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.encode_verified(URL, style, ec="L", auto_adjust=False, auto_ec=False)
    raised(e, qrsmith.Unscannable)
    assert "smaller logo" in str(e.value)


def test_invalid_payload() -> None:
    with pytest.raises(qrsmith.QrError) as e:
        qrsmith.payload.epc("A", "BE72000000001617")
    raised(e, qrsmith.InvalidPayload)
    assert str(e.value).startswith("iban: ")


def test_errors_are_catchable_as_the_base_class() -> None:
    try:
        qrsmith.decode(b"\x89PNG\r\n\x1a\n")
    except qrsmith.QrError as e:
        assert e.code in ("corrupt_image", "unsupported_format")
    else:
        pytest.fail("no error")


def test_an_image_opened_lazily_by_pil_still_reads() -> None:
    img = Image.open(io.BytesIO(qrsmith.encode(URL).png()))
    assert [s.text for s in qrsmith.decode(img)] == [URL]
