"""The GIL is released during encode, render and decode: threads read in parallel."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Tuple

import numpy as np

import qrsmith


def test_decoding_in_threads_gives_every_answer() -> None:
    images = {f"item {i}": qrsmith.encode(f"item {i}").png(scale=4) for i in range(24)}
    with ThreadPoolExecutor(4) as pool:
        results = dict(zip(images, pool.map(qrsmith.decode, images.values())))
    assert {k: [s.text for s in v] for k, v in results.items()} == {k: [k] for k in images}


def test_encoding_and_rendering_in_threads() -> None:
    def make(i: int) -> str:
        code = qrsmith.encode(f"https://example.com/{i}", ec="M")
        return qrsmith.decode(code.png())[0].text

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(make, range(16))) == [f"https://example.com/{i}" for i in range(16)]


def longest_stall(work: Callable[[], object]) -> Tuple[float, float]:
    """Runs `work` in a thread while this thread counts; returns the work's duration and the
    longest gap between two of this thread's iterations meanwhile."""
    done = threading.Event()
    took = [0.0]

    def run() -> None:
        start = time.perf_counter()
        work()
        took[0] = time.perf_counter() - start
        done.set()

    t = threading.Thread(target=run)
    last = time.perf_counter()
    gap = 0.0
    t.start()
    while not done.is_set():
        now = time.perf_counter()
        gap = max(gap, now - last)
        last = now
    t.join()
    return took[0], gap


def test_the_gil_is_released_while_decoding() -> None:
    # A noisy picture with nothing to find: every escalation stage of the balanced effort runs
    # (about 0.1 s in a release build, several times that in test.sh's dev build).
    noise = np.random.default_rng(3).integers(0, 256, size=(400, 400), dtype=np.uint8)

    def work() -> None:
        for _ in range(3):
            qrsmith.decode(noise)

    duration, gap = longest_stall(work)
    assert duration > 0.2, f"the decode took {duration:.3f} s: too short to tell"
    # With the GIL held, this thread would stand still for the whole decode.
    assert gap < duration / 2, f"stalled {gap:.3f} s during a {duration:.3f} s decode"


def test_the_gil_is_released_while_rendering() -> None:
    code = qrsmith.encode("x" * 2000, ec="L")

    def render() -> None:
        for _ in range(20):
            code.png(scale=20)

    duration, gap = longest_stall(render)
    assert gap < max(duration / 2, 0.05), f"stalled {gap:.3f} s during {duration:.3f} s"
