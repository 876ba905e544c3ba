#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/TARGET, not committed; the hand-written seeds are in
# fuzz/seeds/TARGET) from the test data: the sample photos, ZIPs of them, and requests that carry
# them. Idempotent; fuzz/run.sh calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
samples=crates/qrsmith-core/tests/data/zxing-cpp-samples

mkdir -p fuzz/corpus/decode_image fuzz/corpus/batch_input fuzz/corpus/http_request
# Every sample photo under 256 KB (PNG, JPEG, GIF, WebP…), and the benchmark's PNG.
find "$samples" -type f ! -name '*.txt' ! -name '*.md' -size -256k -print0 |
  while IFS= read -r -d '' f; do
    cp "$f" "fuzz/corpus/decode_image/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
cp bench/qr400.png fuzz/corpus/decode_image/qr400.png

python3 - <<'PY'
import io, pathlib, zipfile
seeds = pathlib.Path("fuzz/corpus")
images = sorted(p for p in (seeds / "decode_image").iterdir() if p.suffix in (".png", ".jpg"))[:3]
# ZIPs as users send them: deflated and stored entries, a folder, a zip-slip name.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for i, img in enumerate(images):
        z.write(img, f"photos/{img.name}", zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED)
    z.writestr("../../escape.png", images[0].read_bytes())
    z.writestr("empty/", b"")
zip_bytes = buf.getvalue()
(seeds / "batch_input" / "photos.zip").write_bytes(zip_bytes)
small = (seeds / "decode_image" / "qr400.png").read_bytes()

def multipart(fields):
    body = b""
    for name, filename, content in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += b"--B\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + content + b"\r\n"
    return body + b"--B--\r\n"

def request(line, headers, body):
    head = line + "".join(f"\r\n{k}: {v}" for k, v in headers.items())
    return head.encode() + b"\r\n\r\n" + body

form = {"content-type": "multipart/form-data; boundary=B"}
out = seeds / "http_request"
(out / "decode_legacy.txt").write_bytes(request("POST /decode", form, multipart([("image", "a.png", small)])))
(out / "decode_v1_raw.txt").write_bytes(request("POST /api/v1/decode", {"content-type": "image/png"}, small))
(out / "decode_v1_form.txt").write_bytes(request("POST /api/v1/decode?effort=fast", form, multipart([("image", "a.png", small)])))
(out / "job_decode_files.txt").write_bytes(request("POST /api/v1/jobs", form, multipart(
    [("type", None, b"decode"), ("file", "a.png", small), ("file", "b.png", small)])))
(out / "job_decode_zip.txt").write_bytes(request("POST /api/v1/jobs", form, multipart(
    [("type", None, b"decode"), ("file", "photos.zip", zip_bytes)])))
PY
