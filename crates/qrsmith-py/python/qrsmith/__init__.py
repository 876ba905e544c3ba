"""QR codes for Python: encoding, rendering and reading, on qrsmith's Rust library.

>>> import qrsmith
>>> code = qrsmith.encode("https://example.com")
>>> code.version, code.ec_level
(3, 'H')
>>> [s.text for s in qrsmith.decode(code.png())]
['https://example.com']

Every encode, render and decode runs with the GIL released, so a thread pool scales across
cores. Errors are ``QrError`` subclasses, each with the stable ``code`` the qrsmith service
answers with. numpy and PIL are optional: they are used only when you pass an array or an
image (or read ``QrCode.matrix``).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Union

from . import payload
from ._qrsmith import (
    Adjustment,
    CorruptImage,
    DataTooLong,
    EngineError,
    IncompleteSequence,
    InvalidOption,
    InvalidPayload,
    LimitExceeded,
    QrCode,
    QrError,
    ScanMargin,
    Sequence,
    StructuredAppend,
    Style,
    Symbol,
    Timeout,
    Unscannable,
    UnsupportedFormat,
    Verified,
    __version__,
    encode,
    encode_parts,
    encode_verified,
    merge_sequences,
)
from . import _qrsmith

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from PIL.Image import Image as _PilImage

ImageInput = Union[
    bytes,
    bytearray,
    memoryview,
    str,
    "os.PathLike[str]",
    "_PilImage",
    "npt.NDArray[np.uint8]",
]
"""What ``decode`` reads: encoded bytes, a path, a PIL image or a numpy ``uint8`` array."""

__all__ = [
    "Adjustment",
    "CorruptImage",
    "DataTooLong",
    "EngineError",
    "IncompleteSequence",
    "InvalidOption",
    "InvalidPayload",
    "LimitExceeded",
    "QrCode",
    "QrError",
    "ScanMargin",
    "Sequence",
    "StructuredAppend",
    "Style",
    "Symbol",
    "Timeout",
    "Unscannable",
    "UnsupportedFormat",
    "Verified",
    "ImageInput",
    "__version__",
    "decode",
    "encode",
    "encode_parts",
    "encode_verified",
    "merge_sequences",
    "payload",
]

# PIL modes passed through as they are, by channel count; any other mode is converted first
# (palette and 1-bit to RGBA or L, 16-bit and float to L, CMYK and YCbCr to RGB).
_PIL_CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4}


def _pil_pixels(image: Any) -> Tuple[bytes, int, int, int]:
    mode = image.mode
    if mode not in _PIL_CHANNELS:
        if mode in ("P", "PA", "LA", "RGBa", "La"):
            image = image.convert("RGBA")
        elif mode in ("1", "I", "I;16", "I;16B", "I;16L", "F"):
            image = image.convert("L")
        else:
            image = image.convert("RGB")
    width, height = image.size
    return image.tobytes(), width, height, _PIL_CHANNELS[image.mode]


def _numpy_pixels(array: Any) -> Tuple[bytes, int, int, int]:
    import numpy as np

    if array.dtype != np.uint8:
        raise TypeError(f"a numpy image must be uint8, not {array.dtype}")
    if array.ndim == 2:
        channels = 1
    elif array.ndim == 3 and array.shape[2] in (1, 3, 4):
        channels = int(array.shape[2])
    else:
        raise TypeError(
            f"a numpy image is H×W (grey), H×W×3 (RGB) or H×W×4 (RGBA), not {array.shape}"
        )
    height, width = int(array.shape[0]), int(array.shape[1])
    # Any strides (slices, transposes, views of larger buffers): packed in C order once.
    return np.ascontiguousarray(array).tobytes(), width, height, channels


def _is_pil_image(image: object) -> bool:
    pil = sys.modules.get("PIL.Image")
    return pil is not None and isinstance(image, pil.Image)


def _is_numpy_array(image: object) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and isinstance(image, np.ndarray)


def decode(
    image: ImageInput,
    *,
    effort: str = "balanced",
    timeout_ms: Optional[int] = None,
) -> List[Symbol]:
    """Reads every QR, Micro QR and rMQR symbol in ``image``.

    ``image`` is encoded image bytes (PNG, JPEG, GIF, BMP, WebP, TIFF), a path (``str`` or
    ``os.PathLike``), a ``PIL.Image.Image`` (any mode), or a numpy ``uint8`` array: H×W grey,
    H×W×3 RGB or H×W×4 RGBA, with any strides. ``effort`` is ``"fast"``, ``"balanced"`` or
    ``"thorough"``; ``timeout_ms`` bounds the time (default: the library's 10 s).

    Finding nothing is an empty list. Raises ``CorruptImage``, ``UnsupportedFormat``,
    ``LimitExceeded`` (50 MP, 32 MiB), ``Timeout`` (only when nothing was found) or
    ``InvalidOption``; structured-append parts are joined by ``merge_sequences``.
    """
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _qrsmith.decode_bytes(bytes(image), effort=effort, timeout_ms=timeout_ms)
    if isinstance(image, (str, os.PathLike)):
        return _qrsmith.decode_path(os.fspath(image), effort=effort, timeout_ms=timeout_ms)
    if _is_pil_image(image):
        pixels, width, height, channels = _pil_pixels(image)
    elif _is_numpy_array(image):
        pixels, width, height, channels = _numpy_pixels(image)
    else:
        raise TypeError(
            "decode() takes image bytes, a path, a PIL image or a numpy uint8 array, "
            f"not {type(image).__name__}"
        )
    return _qrsmith.decode_pixels(
        pixels, width, height, channels, effort=effort, timeout_ms=timeout_ms
    )
