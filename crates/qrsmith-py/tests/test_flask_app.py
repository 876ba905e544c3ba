"""examples/flask_app.py keeps the reference service's interface: it is started as a real
server and called as the reference's clients call it (JSON in, PNG out; a multipart upload in,
``{"texts": [...]}`` out; ``/health``)."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from PIL import Image

import qrsmith

APP = Path(__file__).resolve().parent.parent / "examples" / "flask_app.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(APP), str(port)], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
            assert time.monotonic() < deadline, "the example did not start in 30 s"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def call(url: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, str, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def post_json(url: str, text: str) -> Tuple[int, str, bytes]:
    return call(url, text.encode(), {"Content-Type": "application/json"})


def post_file(url: str, field: str, data: bytes, filename: str = "code.png") -> Tuple[int, str, bytes]:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return call(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def error_code(body: bytes) -> str:
    return str(json.loads(body)["error"]["code"])


def test_health(base: str) -> None:
    with urllib.request.urlopen(base + "/health") as r:
        assert (r.status, r.read()) == (200, b"ok")


def test_generate_answers_a_png_that_reads_back(base: str) -> None:
    # Unknown fields are ignored, as the reference ignored them.
    status, ctype, png = post_json(base + "/generate", '{"text": "https://example.com/x", "client": "v1"}')
    assert (status, ctype) == (200, "image/png")
    [s] = qrsmith.decode(png)
    assert s.text == "https://example.com/x" and s.ec_level == "H"
    # The reference's geometry: 10 pixels per module and a 4-module border.
    width = qrsmith.encode("https://example.com/x").width
    assert Image.open(io.BytesIO(png)).size == ((width + 8) * 10,) * 2


def test_generate_errors(base: str) -> None:
    status, _, body = post_json(base + "/generate", '{"txt": "x"}')
    assert (status, error_code(body)) == (400, "invalid_parameter")
    status, _, body = post_json(base + "/generate", '{"text": 5}')
    assert (status, error_code(body)) == (400, "invalid_parameter")
    status, _, body = post_json(base + "/generate", "{not json")
    assert (status, error_code(body)) == (400, "invalid_json")
    status, _, body = call(base + "/generate", b'{"text": "x"}', {"Content-Type": "text/plain"})
    assert (status, error_code(body)) == (415, "unsupported_media_type")
    status, _, body = post_json(base + "/generate", json.dumps({"text": "x" * 3000}))
    assert (status, error_code(body)) == (400, "data_too_long")


def test_decode_answers_texts(base: str, tmp_path: Path) -> None:
    png = qrsmith.encode("hello decode").png()
    status, ctype, body = post_file(base + "/decode", "image", png)
    assert (status, ctype) == (200, "application/json")
    assert json.loads(body) == {"texts": ["hello decode"]}
    # JPEG and BMP uploads, as the reference accepted (through OpenCV).
    img = Image.open(io.BytesIO(png)).convert("RGB")
    for fmt in ("JPEG", "BMP"):
        buf = io.BytesIO()
        img.save(buf, fmt)
        _, _, body = post_file(base + "/decode", "image", buf.getvalue(), f"code.{fmt.lower()}")
        assert json.loads(body) == {"texts": ["hello decode"]}, fmt
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, "PNG")
    _, _, body = post_file(base + "/decode", "image", blank.getvalue())
    assert json.loads(body) == {"texts": []}
    status, _, body = post_file(base + "/decode", "picture", png)
    assert (status, error_code(body)) == (400, "invalid_parameter")
    status, _, body = post_file(base + "/decode", "image", b"not an image")
    assert (status, error_code(body)) == (400, "unsupported_format")
