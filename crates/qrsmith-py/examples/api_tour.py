"""The whole Python API in one script: checked with `mypy --strict` against the type stubs
(crates/qrsmith-py/test.sh) and run by the tests (tests/test_examples.py).

    python examples/api_tour.py OUT_DIR
"""

from __future__ import annotations

import io
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import numpy as np
import numpy.typing as npt
from PIL import Image

import qrsmith
from qrsmith import payload


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    # Encoding, with every option, and the symbol's metadata.
    code: qrsmith.QrCode = qrsmith.encode(
        "https://example.com", ec="M", version=None, micro=False, rmqr=False, mode=None, eci=None,
        boost_ec=True, mask=None,
    )
    print(code, code.version, code.ec_level, code.mask, code.width, code.micro)
    matrix: npt.NDArray[np.bool_] = code.matrix
    dark = int(matrix.sum())
    micro = qrsmith.encode(b"12345", version="M2")
    assert micro.micro and micro.structured_append is None
    label = qrsmith.encode("LOT 42", rmqr=True, ec="M")
    assert label.rmqr and label.version == "R11x27" and (label.height, label.width) == (11, 27)

    # Every output format.
    png: bytes = code.png(scale=8, border=4, fg="#000", bg="#ffffff", dpi=300)
    svg: str = code.svg(size=400)
    pdf: bytes = code.pdf(dpi=300)
    eps: str = code.eps()
    txt: str = code.text(border=1)
    term: str = code.terminal()
    for ext in ("png", "svg", "pdf", "eps", "txt"):
        code.save(out / f"code.{ext}")
    print(len(png), len(svg), len(pdf), len(eps), len(txt), len(term), dark)

    # Styles, scan margin and verification.
    style = qrsmith.Style(module_shape="rounded", eye_outer="circle", eye_inner="square",
                          eye_outer_color="#c62828", eye_inner_color=None)
    margin: qrsmith.ScanMargin = code.scan_margin(style=style)
    print(margin.score, margin.passed, margin.failed, margin.reads, margin.elapsed)
    code.save(out / "styled.png", style=style)
    verified: qrsmith.Verified = qrsmith.encode_verified("https://example.com", style, auto_adjust=True)
    adjustments: List[str] = [f"{a.code}: {a.message}" for a in verified.adjustments]
    print(verified.code, verified.style.module_shape, verified.margin.score, adjustments)

    # Structured append.
    parts: List[qrsmith.QrCode] = qrsmith.encode_parts("a long text " * 50, 3)
    info = [p.structured_append for p in parts]
    print([(i.index, i.count, i.parity) for i in info if i is not None])

    # Payloads.
    texts = [
        payload.wifi("guest", "correct horse", auth="WPA"),
        payload.vcard(given_name="Ada", family_name="Lovelace", phones=["+44 20 7946 0000"],
                      addresses=[payload.vcard_address(locality="London")]),
        payload.mecard("Lovelace,Ada"),
        payload.email("ada@example.com", subject="Hi"),
        payload.sms("+15551234567", body="hello"),
        payload.tel("+15551234567"),
        payload.geo(48.8583, 2.2945),
        payload.event("Launch", "2026-03-14", end="2026-03-15"),
        payload.epc("Red Cross", "BE72000000001616", amount="10.00"),
        payload.url("https://example.com"),
        payload.text("hello"),
    ]

    # Reading every input type.
    grey: npt.NDArray[np.uint8] = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    inputs: List[qrsmith.ImageInput] = [png, out / "code.png", str(out / "code.png"),
                                        Image.open(io.BytesIO(png)), grey, grey[::1, ::1]]
    for image in inputs:
        symbols: List[qrsmith.Symbol] = qrsmith.decode(image, effort="fast", timeout_ms=1000)
        for s in symbols:
            corners = [(round(x), round(y)) for x, y in s.corners]
            print(s.text, s.bytes[:4], s.format, s.version, s.ec_level, s.mask, s.orientation,
                  s.inverted, s.mirrored, s.has_eci, s.ec_headroom, s.symbology_identifier,
                  s.structured_append, corners)
    sequences: List[qrsmith.Sequence] = qrsmith.merge_sequences(qrsmith.decode(parts[0].png()))
    for seq in sequences:
        print(seq.count, seq.found, seq.missing, seq.complete, seq.parity, seq.text, seq.bytes)

    # In threads: the GIL is released.
    with ThreadPoolExecutor(2) as pool:
        found = list(pool.map(qrsmith.decode, [png] * 4))
    print(sum(len(f) for f in found), len(texts))

    # Errors, each with its stable code.
    try:
        qrsmith.encode("x" * 5000)
    except qrsmith.DataTooLong as e:
        print(e.code, e.message)
    try:
        payload.epc("A", "BE00")
    except qrsmith.InvalidPayload as e:
        print(e.code, str(e))
    except qrsmith.QrError as e:
        print("other", e.code)
    print(qrsmith.__version__)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "qrsmith-tour"))
