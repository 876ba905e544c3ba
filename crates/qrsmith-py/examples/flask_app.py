"""The reference service's routes on qrsmith: the migration from qrcode + OpenCV + pyzbar.

The reference (a Flask app) generated with ``qrcode`` and read with ``cv2.imdecode`` and
``pyzbar``; here both are one ``import qrsmith``, the clients see the same interface:

- ``POST /generate`` with JSON ``{"text": "..."}``: the QR code as a PNG (level H, 10 pixels
  per module, a 4-module border, as the reference drew it);
- ``POST /decode`` with a multipart ``image`` field (PNG, JPEG, BMP, …): ``{"texts": [...]}``;
- ``GET /health``: ``ok``.

Errors are JSON ``{"error": {"code": ..., "message": ...}}`` with the library's stable codes
(the reference answered 500 with an HTML page). Run it with ``python flask_app.py [PORT]``, or
under gunicorn as ``gunicorn flask_app:app``: the work runs with the GIL released, so
``--threads`` scales across cores.
"""

from __future__ import annotations

import io
import sys
from typing import Any, Tuple

from flask import Flask, Response, jsonify, request, send_file

import qrsmith

app = Flask(__name__)

# What the reference's clients got: level H, box_size 10, border 4.
_PNG = {"scale": 10, "border": 4}


def _error(status: int, code: str, message: str) -> Tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


@app.errorhandler(qrsmith.QrError)
def _qr_error(e: qrsmith.QrError) -> Tuple[Response, int]:
    # The client's input (too long, corrupt, too large) is 400; a limit or timeout of ours 422
    # would also do, but the reference's clients only ever distinguished success.
    status = 500 if isinstance(e, qrsmith.EngineError) else 400
    return _error(status, e.code, str(e))


@app.get("/health")
def health() -> str:
    return "ok"


@app.post("/generate")
def generate() -> Any:
    if not request.is_json:
        return _error(415, "unsupported_media_type", "send JSON: {\"text\": \"...\"}")
    body = request.get_json(silent=True)
    if body is None:
        return _error(400, "invalid_json", "the body is not valid JSON")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return _error(400, "invalid_parameter", "\"text\" must be a string")
    png = qrsmith.encode(text, ec="H").png(**_PNG)
    return send_file(io.BytesIO(png), mimetype="image/png")


@app.post("/decode")
def decode() -> Any:
    upload = request.files.get("image")
    if upload is None:
        return _error(400, "invalid_parameter", "send the picture in a multipart field \"image\"")
    symbols = qrsmith.decode(upload.read())
    return jsonify({"texts": [s.text for s in symbols]})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    app.run(host="127.0.0.1", port=port, threaded=True)
