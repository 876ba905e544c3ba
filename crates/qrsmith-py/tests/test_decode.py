"""Reading through every input type the package takes, and the metadata of what it finds."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import qrsmith
from conftest import URL, texts


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_encoded_bytes_bytearray_and_memoryview(scene: Image.Image) -> None:
    data = png_bytes(scene)
    assert texts(qrsmith.decode(data)) == [URL]
    assert texts(qrsmith.decode(bytearray(data))) == [URL]
    assert texts(qrsmith.decode(memoryview(data))) == [URL]


def test_paths_as_str_and_pathlike(scene: Image.Image, tmp_path: Path) -> None:
    path = tmp_path / "scene.jpg"
    scene.save(path, "JPEG", quality=90)
    assert texts(qrsmith.decode(path)) == [URL]
    assert texts(qrsmith.decode(str(path))) == [URL]
    with pytest.raises(FileNotFoundError):
        qrsmith.decode(tmp_path / "missing.png")


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "1", "LA", "CMYK", "I;16"])
def test_pil_images_in_every_mode(scene: Image.Image, mode: str) -> None:
    img = scene.convert(mode)
    assert img.mode == mode
    assert texts(qrsmith.decode(img)) == [URL]


def test_numpy_grey_rgb_rgba(scene: Image.Image) -> None:
    grey = np.asarray(scene)
    assert grey.ndim == 2 and grey.dtype == np.uint8
    assert texts(qrsmith.decode(grey)) == [URL]
    rgb = np.asarray(scene.convert("RGB"))
    assert rgb.shape[2] == 3 and texts(qrsmith.decode(rgb)) == [URL]
    rgba = np.asarray(scene.convert("RGBA"))
    assert rgba.shape[2] == 4 and texts(qrsmith.decode(rgba)) == [URL]
    assert texts(qrsmith.decode(grey[:, :, None])) == [URL]


def test_numpy_non_contiguous_views(scene: Image.Image) -> None:
    rgb = np.asarray(scene.convert("RGB"))
    # A crop with a step, and the BGR view OpenCV users have: neither is C-contiguous.
    crop = rgb[10:400:1, 20:540:1][:, :, ::-1]
    assert not crop.flags["C_CONTIGUOUS"]
    assert texts(qrsmith.decode(crop)) == [URL]
    # Every other column of an upscaled copy: strides of two pixels.
    wide = np.repeat(np.asarray(scene), 2, axis=1)[:, ::2]
    assert not wide.flags["C_CONTIGUOUS"]
    assert texts(qrsmith.decode(wide)) == [URL]
    # Fortran order (a transpose of a transpose).
    fortran = np.asfortranarray(np.asarray(scene))
    assert not fortran.flags["C_CONTIGUOUS"]
    assert texts(qrsmith.decode(fortran)) == [URL]


def test_wrong_arrays_and_objects_are_type_errors() -> None:
    with pytest.raises(TypeError, match="uint8"):
        qrsmith.decode(np.zeros((10, 10), np.float32))
    with pytest.raises(TypeError, match="H×W"):
        qrsmith.decode(np.zeros((10, 10, 2), np.uint8))
    with pytest.raises(TypeError, match="not int"):
        qrsmith.decode(5)
    with pytest.raises(qrsmith.InvalidOption):
        qrsmith._qrsmith.decode_pixels(b"\0" * 10, 4, 4, 1)


def test_nothing_found_is_an_empty_list() -> None:
    assert qrsmith.decode(np.full((100, 100), 255, np.uint8)) == []


def test_symbol_metadata() -> None:
    code = qrsmith.encode("metadata", ec="Q", version=4, mask=5)
    [s] = qrsmith.decode(code.png(scale=5))
    assert (s.text, s.bytes, s.format) == ("metadata", b"metadata", "QRCode")
    assert (s.version, s.ec_level, s.mask) == ("4", "Q", 5)
    assert (s.orientation, s.inverted, s.mirrored) == (0, False, False)
    assert s.structured_append is None and s.symbology_identifier.startswith("]Q")
    assert s.ec_headroom is None or 0.0 <= s.ec_headroom <= 1.0
    side = (code.width + 8) * 5
    xs = [x for x, _ in s.corners]
    assert len(s.corners) == 4 and 0 <= min(xs) and max(xs) <= side
    # Rotated, inverted and mirrored copies say so.
    img = Image.open(io.BytesIO(code.png(scale=5))).convert("L")
    [r] = qrsmith.decode(img.rotate(90, expand=True))
    assert r.orientation in (90, -90, 270) and r.text == "metadata"
    [i] = qrsmith.decode(255 - np.asarray(img))
    assert i.inverted
    [m] = qrsmith.decode(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert m.mirrored
    [micro] = qrsmith.decode(qrsmith.encode("12345", micro=True).png())
    assert micro.format == "MicroQRCode" and micro.version.startswith("M")


def test_efforts() -> None:
    png = qrsmith.encode(URL).png()
    for effort in ("fast", "balanced", "thorough"):
        assert texts(qrsmith.decode(png, effort=effort)) == [URL]
    with pytest.raises(qrsmith.InvalidOption):
        qrsmith.decode(png, effort="hard")
