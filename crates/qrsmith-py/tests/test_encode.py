"""Encoding: options, metadata, the module matrix and every output format, read back."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import qrsmith
from conftest import URL, rasterise_pdf, rasterise_svg, texts


def test_defaults_are_the_library_s() -> None:
    code = qrsmith.encode("https://example.com")
    assert (code.version, code.ec_level, code.width, code.micro) == (3, "H", 29, False)
    assert 0 <= code.mask <= 7
    assert code.structured_append is None
    assert "version=3" in repr(code)


def test_options_reach_the_encoder() -> None:
    assert qrsmith.encode("HELLO", ec="l").ec_level == "L"
    assert qrsmith.encode("HELLO", version=7).version == 7
    assert qrsmith.encode("HELLO", version="7").version == 7
    assert qrsmith.encode("HELLO", mask=3).mask == 3
    micro = qrsmith.encode("12345", micro=True)
    # Micro QR has no level H: without `ec`, L (as the service and the CLI choose).
    assert micro.micro and micro.ec_level == "L" and micro.width == 11 + 2 * (micro.version - 1)
    assert qrsmith.encode("12345", version="M2").ec_level == "L"
    with pytest.raises(qrsmith.InvalidOption, match="H"):
        qrsmith.encode("12345", micro=True, ec="H")
    forced = qrsmith.encode("12345", version="M3", ec="M")
    assert (forced.micro, forced.version, forced.ec_level) == (True, 3, "M")
    # boost_ec raises the level as far as the smallest version holds the data.
    assert qrsmith.encode("1", ec="L", boost_ec=True).ec_level == "H"
    # One mode for everything: byte mode needs more room than the mixed default here.
    digits = "0123456789" * 4
    assert qrsmith.encode(digits, ec="L", mode="byte").version > qrsmith.encode(digits, ec="L").version
    eci = qrsmith.encode("héllo", eci=26)
    [found] = qrsmith.decode(eci.png())
    assert found.text == "héllo" and found.has_eci


def test_bytes_are_encoded_as_bytes() -> None:
    data = bytes(range(256))
    [found] = qrsmith.decode(qrsmith.encode(data, ec="L").png())
    assert found.bytes == data


def test_matrix_is_a_bool_array_matching_the_text_output() -> None:
    code = qrsmith.encode(URL)
    m = code.matrix
    assert m.dtype == np.bool_ and m.shape == (code.width, code.width)
    # The finder pattern's corner module is dark, the separator beside it light.
    assert m[0, 0] and not m[7, 7]
    rows = code.text(border=0).splitlines()
    assert rows == ["".join("1" if v else "0" for v in row) for row in m]
    with_border = code.text(border=2).splitlines()
    assert len(with_border) == code.width + 4 and with_border[0] == "0" * (code.width + 4)
    m[0, 0] = False  # a copy: the symbol itself is immutable
    assert code.matrix[0, 0]


def test_png_options(tmp_path: Path) -> None:
    code = qrsmith.encode(URL)
    img = Image.open(io.BytesIO(code.png(scale=3, border=2)))
    assert img.size == ((code.width + 4) * 3,) * 2
    sized = Image.open(io.BytesIO(code.png(size=200)))
    assert sized.size[0] <= 200 and sized.size[0] % (code.width + 8) == 0
    coloured = Image.open(io.BytesIO(code.png(fg="#1a237e", bg="transparent"))).convert("RGBA")
    assert coloured.getpixel((0, 0))[3] == 0
    assert coloured.getpixel((40, 40))[:3] == (0x1A, 0x23, 0x7E)
    dpi = Image.open(io.BytesIO(code.png(dpi=300)))
    assert round(dpi.info["dpi"][0]) == 300
    assert texts(qrsmith.decode(code.png(fg="#1a237e", bg="#fff8e1"))) == [URL]


def test_every_output_format_reads_back(tmp_path: Path) -> None:
    code = qrsmith.encode(URL)
    assert texts(qrsmith.decode(code.png())) == [URL]
    svg = code.svg()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert texts(qrsmith.decode(rasterise_svg(svg, tmp_path))) == [URL]
    pdf = code.pdf()
    assert pdf.startswith(b"%PDF-")
    assert texts(qrsmith.decode(rasterise_pdf(pdf, tmp_path))) == [URL]
    eps = code.eps(scale=2)
    assert eps.startswith("%!PS-Adobe-3.0 EPSF-3.0")
    side = (code.width + 8) * 2
    assert f"%%BoundingBox: 0 0 {side} {side}" in eps
    term = code.terminal(border=1)
    # Two module rows per line of half blocks.
    assert len(term.splitlines()) == (code.width + 2 + 1) // 2


@pytest.mark.parametrize("version,ec", [("R7x43", "M"), ("R11x77", "H"), ("R17x139", "M")])
def test_rmqr_in_every_format_reads_back(tmp_path: Path, version: str, ec: str) -> None:
    text = "LOT" if version == "R7x43" else f"LOT {version}"
    code = qrsmith.encode(text, version=version, ec=ec)
    height, width = (int(n) for n in version[1:].split("x"))
    assert (code.rmqr, code.micro, code.version, code.ec_level) == (True, False, version, ec)
    assert (code.height, code.width) == (height, width)
    assert code.matrix.shape == (height, width)
    # The standard's 2-module quiet zone unless asked otherwise.
    rows = code.text().splitlines()
    assert len(rows) == height + 4 and all(len(r) == width + 4 for r in rows)
    assert len(code.text(border=0).splitlines()) == height
    png = code.png(scale=4)
    assert Image.open(io.BytesIO(png)).size == ((width + 4) * 4, (height + 4) * 4)
    svg_png = rasterise_svg(code.svg(scale=4), tmp_path)
    pdf_png = rasterise_pdf(code.pdf(scale=4), tmp_path)
    for image in (png, svg_png, pdf_png):
        [symbol] = qrsmith.decode(image)
        assert (symbol.format, symbol.version, symbol.text) == ("rMQRCode", version, text)
    eps = code.eps(scale=2)
    assert f"%%BoundingBox: 0 0 {(width + 4) * 2} {(height + 4) * 2}" in eps
    styled = code.png(scale=6, style=qrsmith.Style(module_shape="dot"))
    assert texts(qrsmith.decode(styled)) == [text]


def test_rmqr_refuses_what_it_lacks() -> None:
    with pytest.raises(qrsmith.InvalidOption):
        qrsmith.encode("x", rmqr=True, ec="L")
    with pytest.raises(qrsmith.InvalidOption):
        qrsmith.encode("x", rmqr=True, micro=True)
    with pytest.raises(qrsmith.DataTooLong):
        qrsmith.encode("x" * 400, rmqr=True)


def test_save_picks_the_format_from_the_extension(tmp_path: Path) -> None:
    code = qrsmith.encode(URL)
    for ext, magic in [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF"), ("eps", b"%!PS"), ("txt", b"0000")]:
        path = tmp_path / f"code.{ext}"
        code.save(path, border=4)
        assert path.read_bytes().startswith(magic), ext
    assert texts(qrsmith.decode(tmp_path / "code.png")) == [URL]
    assert (tmp_path / "code.png").read_bytes() == code.png()
    with pytest.raises(qrsmith.UnsupportedFormat) as e:
        code.save(tmp_path / "code.gif")
    assert e.value.code == "unsupported_format"


def test_structured_append_round_trip() -> None:
    text = "structured append: " + "0123456789abcdef" * 30
    parts = qrsmith.encode_parts(text, 3, ec="M")
    assert [p.structured_append.index for p in parts if p.structured_append] == [0, 1, 2]
    assert {p.structured_append.count for p in parts if p.structured_append} == {3}
    # The three symbols side by side in one picture, read and joined.
    images = [Image.open(io.BytesIO(p.png(scale=4))).convert("L") for p in parts]
    sheet = Image.new("L", (sum(i.width for i in images) + 40, max(i.height for i in images)), 255)
    x = 0
    for i in images:
        sheet.paste(i, (x, 0))
        x += i.width + 20
    symbols = qrsmith.decode(sheet)
    assert sorted(s.structured_append.index for s in symbols if s.structured_append) == [0, 1, 2]
    [sequence] = qrsmith.merge_sequences(symbols)
    assert sequence.complete and sequence.count == 3 and sequence.missing == []
    assert sequence.text == text and sequence.bytes == text.encode()
    # One part missing: reported, not joined.
    [partial] = qrsmith.merge_sequences(symbols[:2])
    assert not partial.complete and len(partial.missing) == 1 and partial.text is None
    # Without a count, the fewest symbols of the given version.
    assert len(qrsmith.encode_parts(text, version=5, ec="L")) >= 2


def test_styles_render_and_report_their_scan_margin() -> None:
    code = qrsmith.encode(URL)
    style = qrsmith.Style(
        module_shape="dot",
        eye_outer="rounded",
        eye_inner="circle",
        eye_outer_color="#c62828",
        eye_inner_color="#1565c0",
    )
    assert (style.module_shape, style.eye_outer, style.eye_inner) == ("dot", "rounded", "circle")
    png = code.png(style=style, scale=8)
    img = Image.open(io.BytesIO(png))
    img = img.convert("RGB")
    # The outer eye ring is drawn in its own colour.
    assert img.getpixel((4 * 8 + 3, 4 * 8 + 24)) == (0xC6, 0x28, 0x28)
    assert texts(qrsmith.decode(png)) == [URL]
    assert "<svg" in code.svg(style=style)
    margin = code.scan_margin(style=style)
    assert margin.reads and "as_generated" in margin.passed
    assert margin.score == f"{len(margin.passed)}/{len(margin.passed) + len(margin.failed)}"
    with pytest.raises(qrsmith.InvalidOption):
        code.save("x.pdf", style=style)  # styles are PNG and SVG only
    with pytest.raises(qrsmith.InvalidOption):
        qrsmith.Style(module_shape="star")


def logo_png() -> bytes:
    yy, xx = np.mgrid[0:120, 0:120]
    rgba = np.zeros((120, 120, 4), np.uint8)
    inside = (xx - 59.5) ** 2 + (yy - 59.5) ** 2 <= 60**2
    checker = ((xx // 15 + yy // 15) % 2 == 0)
    rgba[inside & checker] = (20, 30, 90, 255)
    rgba[inside & ~checker] = (240, 120, 20, 255)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    return buf.getvalue()


def test_a_logo_too_large_is_repaired_by_verification() -> None:
    style = qrsmith.Style(logo=logo_png(), logo_size=0.4)
    assert style.logo_size == pytest.approx(0.4)
    verified = qrsmith.encode_verified(URL, style, ec="L", auto_ec=False)
    assert verified.margin.reads
    assert any(a.code == "shrank_logo" for a in verified.adjustments)
    assert verified.style.logo_size is not None and verified.style.logo_size < 0.4
    png = verified.code.png(style=verified.style)
    assert texts(qrsmith.decode(png)) == [URL]


def test_parts_have_no_scan_margin_of_their_own() -> None:
    part = qrsmith.encode_parts("x" * 200, 2)[0]
    with pytest.raises(qrsmith.InvalidOption):
        part.scan_margin()
