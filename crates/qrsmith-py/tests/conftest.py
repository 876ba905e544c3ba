"""Shared helpers for the Python bindings' tests."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import List

import numpy as np
import pytest
from PIL import Image

import qrsmith

URL = "https://example.com/qrsmith?from=python"


def texts(symbols: List[qrsmith.Symbol]) -> List[str]:
    return sorted(s.text for s in symbols)


def tool(name: str) -> str:
    """A program the tests need (scripts/bootstrap installs it); missing is a failure."""
    path = shutil.which(name)
    assert path, f"{name} is missing: run scripts/bootstrap"
    return path


def rasterise_svg(svg: str, tmp: Path) -> bytes:
    src = tmp / "code.svg"
    src.write_text(svg)
    out = tmp / "code-svg.png"
    subprocess.run([tool("rsvg-convert"), "-o", str(out), str(src)], check=True)
    return out.read_bytes()


def rasterise_pdf(pdf: bytes, tmp: Path) -> bytes:
    src = tmp / "code.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "144", "-singlefile", str(src), str(tmp / "code-pdf")],
        check=True,
    )
    return (tmp / "code-pdf.png").read_bytes()


def photo(text: str = URL) -> Image.Image:
    """A code pasted onto a grey, noisy, non-square canvas: not the renderer's exact output."""
    code = Image.open(io.BytesIO(qrsmith.encode(text).png(scale=6))).convert("L")
    rng = np.random.default_rng(7)
    canvas = rng.integers(150, 200, size=(420, 560), dtype=np.uint8)
    img = Image.fromarray(canvas, "L")
    img.paste(code, (60, 40))
    return img


@pytest.fixture
def scene() -> Image.Image:
    return photo()
