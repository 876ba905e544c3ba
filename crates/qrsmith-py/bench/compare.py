"""The Python bindings against the readers and writers people use from Python (not a test).

    python crates/qrsmith-py/bench/compare.py [--shared ../shared]

Prints three Markdown tables (the Python docs page quotes them with the date and machine):

1. Thread scaling: every image of the zxing-cpp samples decoded from its bytes, one thread vs
   a ThreadPoolExecutor(2); the GIL is released during decode, so two cores give ~2x.
2. Reading real photos (the BoofCV development set): codes read, with BoofCV's rule (a labelled
   code counts when a returned box overlaps it with IoU >= 0.2; the scorer's own functions, from
   shared/bench/boofcv-score), and the median time per image from the file's bytes, for
   qrsmith, pyzbar (on OpenCV's decoded image, as the reference service did), OpenCV's
   QRCodeDetector and the zxing-cpp package.
3. Encode + PNG of a version 5-H URL: qrsmith, qrcode (PIL) and segno, microseconds per code.

Needs: numpy, opencv-python-headless, pyzbar (and libzbar0), zxing-cpp, qrcode[pil], segno.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.machinery import SourceFileLoader
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import cv2
import numpy as np
import qrcode
import segno
import zxingcpp
from pyzbar import pyzbar

import qrsmith

Quad = List[Tuple[float, float]]


def image_files(root: Path) -> List[Path]:
    return sorted(
        p for p in root.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp")
    )


# ---- 1. threads ---------------------------------------------------------------------------

def thread_scaling(samples: Path, rounds: int) -> None:
    blobs = [p.read_bytes() for p in image_files(samples)]

    def run_all(workers: int) -> Tuple[float, int]:
        found = 0
        start = time.perf_counter()
        for _ in range(rounds):
            if workers == 1:
                results = [qrsmith.decode(b) for b in blobs]
            else:
                with ThreadPoolExecutor(workers) as pool:
                    results = list(pool.map(qrsmith.decode, blobs))
            found += sum(len(r) for r in results)
        return time.perf_counter() - start, found

    run_all(1)  # warm-up: page cache, allocator
    one, found1 = run_all(1)
    two, found2 = run_all(2)
    assert found1 == found2, (found1, found2)
    n = len(blobs) * rounds
    print(f"### Thread scaling: {len(blobs)} images of zxing-cpp-samples x {rounds} rounds\n")
    print("| decode | wall time | images/s | symbols |")
    print("|---|---|---|---|")
    print(f"| one thread | {one:.2f} s | {n / one:.0f} | {found1} |")
    print(f"| ThreadPoolExecutor(2) | {two:.2f} s | {n / two:.0f} | {found2} |")
    print(f"| **speed-up** | **{one / two:.2f}x** | | |\n")


# ---- 2. real photos -----------------------------------------------------------------------

def quads_qrsmith(data: bytes) -> List[Quad]:
    return [list(s.corners) for s in qrsmith.decode(data)]


def quads_pyzbar(data: bytes) -> List[Quad]:
    # As the reference service read: OpenCV decodes the file, pyzbar reads the picture.
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    out = []
    for obj in pyzbar.decode(img, symbols=[pyzbar.ZBarSymbol.QRCODE]):
        out.append([(float(p.x), float(p.y)) for p in obj.polygon])
    return out


_detector = cv2.QRCodeDetector()


def quads_opencv(data: bytes) -> List[Quad]:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    ok, texts, points, _ = _detector.detectAndDecodeMulti(img)
    if not ok or points is None:
        return []
    # A detected box whose text did not decode is not a read.
    return [[(float(x), float(y)) for x, y in quad] for t, quad in zip(texts, points) if t]


_QR_FORMATS = zxingcpp.BarcodeFormat.QRCode | zxingcpp.BarcodeFormat.MicroQRCode | zxingcpp.BarcodeFormat.RMQRCode


def quads_zxingcpp(data: bytes) -> List[Quad]:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    out = []
    for r in zxingcpp.read_barcodes(img, formats=_QR_FORMATS):
        p = r.position
        out.append([(p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y),
                    (p.bottom_right.x, p.bottom_right.y), (p.bottom_left.x, p.bottom_left.y)])
    return out


READERS: Dict[str, Callable[[bytes], List[Quad]]] = {
    f"qrsmith {qrsmith.__version__}": quads_qrsmith,
    "pyzbar 0.1.9 (ZBar)": quads_pyzbar,
    f"OpenCV {cv2.__version__} QRCodeDetector": quads_opencv,
    f"zxing-cpp {getattr(zxingcpp, '__version__', '')}".strip(): quads_zxingcpp,
}


def real_photos(dataset: Path, scorer: Any) -> None:
    images = [(cat, p) for cat, p in scorer.images(str(dataset))]
    labelled = {p: json.load(open(scorer.sidecar(p, "corners"))) for _, p in images}
    total = sum(len(v) for v in labelled.values())
    blobs = {p: Path(p).read_bytes() for _, p in images}
    print(f"### Reading real photos: boofcv-qr-dev, {len(images)} images, {total} labelled codes\n")
    print("| reader | codes read | rate | median ms / image | 90th pct ms |")
    print("|---|---|---|---|---|")
    for name, read in READERS.items():
        hits, times = 0, []
        for _, p in images:
            start = time.perf_counter()
            quads = read(blobs[p])
            times.append((time.perf_counter() - start) * 1000)
            boxes = [scorer.box(q) for q in quads]
            hits += scorer.hits([scorer.box(q) for q in labelled[p]], boxes)
        times.sort()
        p90 = times[int(len(times) * 0.9)]
        print(f"| {name} | {hits} | {hits / total:.1%} | {statistics.median(times):.1f} | {p90:.1f} |")
    print()


# ---- 3. encoding --------------------------------------------------------------------------

URL = "https://example.com/orders/2026/12/06/abc"  # 41 bytes: version 5 at level H


def enc_qrsmith() -> bytes:
    return qrsmith.encode(URL, ec="H").png(scale=10, border=4)


def enc_qrcode() -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, box_size=10, border=4)
    qr.add_data(URL)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def enc_segno() -> bytes:
    buf = io.BytesIO()
    segno.make(URL, error="h", micro=False, boost_error=False).save(buf, kind="png", scale=10, border=4)
    return buf.getvalue()


def per_call_us(f: Callable[[], bytes], budget: float = 2.0) -> float:
    runs = []
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or len(runs) < 5:
        n = 20
        start = time.perf_counter()
        for _ in range(n):
            f()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


def encoding() -> None:
    assert qrsmith.encode(URL, ec="H").version == 5
    assert segno.make(URL, error="h", micro=False, boost_error=False).version == 5
    writers = {
        f"qrsmith {qrsmith.__version__}": enc_qrsmith,
        f"qrcode {qrcode_version()} (PIL)": enc_qrcode,
        f"segno {segno.__version__}": enc_segno,
    }
    # Every writer's PNG reads back as the URL.
    for name, f in writers.items():
        assert [s.text for s in qrsmith.decode(f())] == [URL], name
    print(f"### Encode + PNG: a version 5-H URL ({len(URL)} bytes), 10 px per module, border 4\n")
    print("| writer | µs per code | PNG bytes |")
    print("|---|---|---|")
    base = None
    for name, f in writers.items():
        us = per_call_us(f)
        base = base or us
        print(f"| {name} | {us:,.0f} ({us / base:.0f}x) | {len(f()):,} |")
    print()


def qrcode_version() -> str:
    from importlib.metadata import version

    return version("qrcode")


def main() -> None:
    here = Path(__file__).resolve()
    default_shared = here.parents[3] / ".." / "shared"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=default_shared)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    shared = args.shared.resolve()
    scorer = SourceFileLoader("boofcv_score", str(shared / "bench" / "boofcv-score")).load_module()
    print(f"qrsmith {qrsmith.__version__}, {os.cpu_count()} cores\n")
    thread_scaling(shared / "datasets" / "zxing-cpp-samples", args.rounds)
    real_photos(shared / "datasets" / "boofcv-qr-dev", scorer)
    encoding()


if __name__ == "__main__":
    main()
