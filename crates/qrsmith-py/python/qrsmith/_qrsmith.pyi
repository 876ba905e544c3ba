"""Type stubs of the native module (crates/qrsmith-py/src); the package re-exports it."""

import os
from typing import ClassVar, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

Data = Union[str, bytes, bytearray]
VersionArg = Union[int, str]

class QrError(Exception):
    """Base class of every qrsmith error; ``code`` is its stable snake_case code."""

    code: ClassVar[str]
    message: str

class DataTooLong(QrError): ...
class InvalidOption(QrError): ...
class LimitExceeded(QrError): ...
class UnsupportedFormat(QrError): ...
class CorruptImage(QrError): ...
class Timeout(QrError): ...
class IncompleteSequence(QrError): ...
class EngineError(QrError): ...
class Unscannable(QrError): ...
class InvalidPayload(QrError): ...

class StructuredAppend:
    """A symbol's place in a structured-append sequence."""

    @property
    def index(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def parity(self) -> int: ...

class Style:
    """The look of a styled code: module and eye shapes, eye colours, a centred logo."""

    def __init__(
        self,
        *,
        module_shape: str = "square",
        eye_outer: str = "square",
        eye_inner: str = "square",
        eye_outer_color: Optional[str] = None,
        eye_inner_color: Optional[str] = None,
        logo: Optional[bytes] = None,
        logo_size: float = 0.2,
        logo_margin: int = 1,
    ) -> None: ...
    @property
    def module_shape(self) -> str: ...
    @property
    def eye_outer(self) -> str: ...
    @property
    def eye_inner(self) -> str: ...
    @property
    def logo_size(self) -> Optional[float]: ...
    @property
    def logo_margin(self) -> Optional[int]: ...

class ScanMargin:
    """How a code reads under the degradations the library simulates."""

    @property
    def passed(self) -> List[str]: ...
    @property
    def failed(self) -> List[str]: ...
    @property
    def reads(self) -> bool: ...
    @property
    def score(self) -> str: ...
    @property
    def elapsed(self) -> float: ...

class Adjustment:
    """A change ``encode_verified`` made so that the code reads."""

    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...

class QrCode:
    """An encoded symbol: a matrix of modules (square, or an rMQR rectangle), without quiet zone."""

    @property
    def version(self) -> int | str: ...
    @property
    def micro(self) -> bool: ...
    @property
    def rmqr(self) -> bool: ...
    @property
    def ec_level(self) -> str: ...
    @property
    def mask(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def structured_append(self) -> Optional[StructuredAppend]: ...
    @property
    def matrix(self) -> npt.NDArray[np.bool_]: ...
    def png(
        self,
        *,
        scale: int = 10,
        size: Optional[int] = None,
        border: Optional[int] = None,
        fg: str = "#000000",
        bg: str = "#ffffff",
        dpi: Optional[int] = None,
        style: Optional[Style] = None,
    ) -> bytes: ...
    def svg(
        self,
        *,
        scale: int = 10,
        size: Optional[int] = None,
        border: Optional[int] = None,
        fg: str = "#000000",
        bg: str = "#ffffff",
        dpi: Optional[int] = None,
        style: Optional[Style] = None,
    ) -> str: ...
    def pdf(
        self,
        *,
        scale: int = 10,
        size: Optional[int] = None,
        border: Optional[int] = None,
        fg: str = "#000000",
        bg: str = "#ffffff",
        dpi: Optional[int] = None,
    ) -> bytes: ...
    def eps(
        self,
        *,
        scale: int = 10,
        size: Optional[int] = None,
        border: Optional[int] = None,
        fg: str = "#000000",
        bg: str = "#ffffff",
        dpi: Optional[int] = None,
    ) -> str: ...
    def text(self, *, border: Optional[int] = None) -> str: ...
    def terminal(self, *, border: Optional[int] = None) -> str: ...
    def save(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        scale: int = 10,
        size: Optional[int] = None,
        border: Optional[int] = None,
        fg: str = "#000000",
        bg: str = "#ffffff",
        dpi: Optional[int] = None,
        style: Optional[Style] = None,
    ) -> None: ...
    def scan_margin(
        self,
        *,
        scale: int = 10,
        size: Optional[int] = None,
        border: Optional[int] = None,
        fg: str = "#000000",
        bg: str = "#ffffff",
        dpi: Optional[int] = None,
        style: Optional[Style] = None,
    ) -> ScanMargin: ...

class Verified:
    """A verified code: the symbol and style to render, how it reads, what was changed."""

    @property
    def code(self) -> QrCode: ...
    @property
    def style(self) -> Style: ...
    @property
    def margin(self) -> ScanMargin: ...
    @property
    def adjustments(self) -> List[Adjustment]: ...

class Symbol:
    """A symbol found in an image."""

    @property
    def text(self) -> str: ...
    @property
    def bytes(self) -> bytes: ...
    @property
    def corners(self) -> List[Tuple[float, float]]: ...
    @property
    def format(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def ec_level(self) -> Optional[str]: ...
    @property
    def mask(self) -> Optional[int]: ...
    @property
    def ec_headroom(self) -> Optional[float]: ...
    @property
    def orientation(self) -> int: ...
    @property
    def inverted(self) -> bool: ...
    @property
    def mirrored(self) -> bool: ...
    @property
    def has_eci(self) -> bool: ...
    @property
    def symbology_identifier(self) -> str: ...
    @property
    def structured_append(self) -> Optional[StructuredAppend]: ...

class Sequence:
    """The structured-append symbols of one sequence, joined."""

    @property
    def parity(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def found(self) -> List[int]: ...
    @property
    def missing(self) -> List[int]: ...
    @property
    def complete(self) -> bool: ...
    @property
    def text(self) -> Optional[str]: ...
    @property
    def bytes(self) -> Optional[bytes]: ...

def encode(
    data: Data,
    *,
    ec: Optional[str] = None,
    version: Optional[VersionArg] = None,
    micro: bool = False,
    rmqr: bool = False,
    mode: Optional[str] = None,
    eci: Optional[int] = None,
    boost_ec: bool = False,
    mask: Optional[int] = None,
) -> QrCode: ...
def encode_parts(
    data: Data,
    parts: Optional[int] = None,
    *,
    ec: Optional[str] = None,
    version: Optional[VersionArg] = None,
    mode: Optional[str] = None,
    eci: Optional[int] = None,
    boost_ec: bool = False,
    mask: Optional[int] = None,
) -> List[QrCode]: ...
def encode_verified(
    data: Data,
    style: Style,
    *,
    ec: Optional[str] = None,
    version: Optional[VersionArg] = None,
    micro: bool = False,
    mode: Optional[str] = None,
    eci: Optional[int] = None,
    boost_ec: bool = False,
    mask: Optional[int] = None,
    scale: int = 10,
    size: Optional[int] = None,
    border: int = 4,
    fg: str = "#000000",
    bg: str = "#ffffff",
    auto_adjust: bool = True,
    auto_ec: bool = True,
) -> Verified: ...
def decode_bytes(
    data: bytes, *, effort: str = "balanced", timeout_ms: Optional[int] = None
) -> List[Symbol]: ...
def decode_path(
    path: str, *, effort: str = "balanced", timeout_ms: Optional[int] = None
) -> List[Symbol]: ...
def decode_pixels(
    pixels: bytes,
    width: int,
    height: int,
    channels: int,
    *,
    effort: str = "balanced",
    timeout_ms: Optional[int] = None,
) -> List[Symbol]: ...
def merge_sequences(symbols: List[Symbol]) -> List[Sequence]: ...
def build_payload(json: str) -> str: ...
