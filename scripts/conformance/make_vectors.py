#!/usr/bin/env python3
"""Generate QR / Micro QR conformance vectors with segno, an independent encoder.

Every case forces payload, mode, version, error-correction level and mask, so the module matrix is
fully determined by ISO/IEC 18004 and any two correct encoders must agree on it bit for bit.
Output: crates/qrsmith-core/tests/data/segno-vectors.json (read by tests/conformance.rs).

Usage: python3 scripts/conformance/make_vectors.py [--out PATH]
The output is deterministic for a given segno version (pinned in requirements.txt) and SEED.
"""

import argparse
import base64
import itertools
import json
import pathlib
import random
import sys

import segno
from segno import consts as segno_consts
from segno import encoder as segno_encoder

SEED = 20240518
REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "crates/qrsmith-core/tests/data/segno-vectors.json"

MODES = ("numeric", "alphanumeric", "byte", "kanji")
ECS = ("L", "M", "Q", "H")
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# Non-ASCII text for byte mode: exercises multi-byte UTF-8 sequences (2, 3 and 4 bytes).
UTF8_SAMPLES = "héllo wörld ÆØÅ Привет мир 你好 こんにちは 😀🚀 ✓ €"

# The largest payload any mode needs (numeric at 40-L holds 7089 digits).
POOL_LEN = 7100


def kanji_alphabet():
    """Characters whose Shift_JIS form is a two-byte code that kanji mode can carry.

    Hiragana (0x82xx), katakana (0x83xx), level-1 kanji (0x889F-0x9872, first subtraction rule,
    0x8140) and level-2 kanji including lead bytes 0xE0-0xEA (second rule, 0xC140). Only codes that
    decode to one character and encode back to the same bytes, so the text is unambiguous for any
    Shift_JIS table (JIS X 0208 rows; no vendor extensions).
    """
    chars = []
    ranges = [(0x829F, 0x82F1), (0x8340, 0x8396), (0x889F, 0x9872), (0x989F, 0x9FFC),
              (0xE040, 0xEAA4)]
    for lo, hi in ranges:
        for code in range(lo, hi + 1):
            raw = code.to_bytes(2, "big")
            try:
                ch = raw.decode("shift_jis")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ch.encode("shift_jis") == raw:
                chars.append(ch)
    return chars


KANJI = kanji_alphabet()


def make_pool(rng, mode, flavour):
    """A long random payload of one kind; cases use prefixes of it so capacity search is monotone."""
    if mode == "numeric":
        return "".join(rng.choice("0123456789") for _ in range(POOL_LEN))
    if mode == "alphanumeric":
        return "".join(rng.choice(ALNUM) for _ in range(POOL_LEN))
    if mode == "kanji":
        return "".join(rng.choice(KANJI) for _ in range(POOL_LEN))
    if flavour == "ascii":
        printable = [chr(c) for c in range(0x20, 0x7F)]
        return "".join(rng.choice(printable) for _ in range(POOL_LEN))
    if flavour == "utf8":
        alphabet = [chr(c) for c in range(0x20, 0x7F)] + list(UTF8_SAMPLES)
        return "".join(rng.choice(alphabet) for _ in range(POOL_LEN))
    assert flavour == "binary"
    return bytes(rng.randrange(256) for _ in range(POOL_LEN))


def standard_padding_bits(buff, version, length):
    """ISO/IEC 18004:2015 7.4.10: zero bits up to the next codeword boundary, none when on one.

    segno 1.6.6 adds `8 - length % 8` bits, so a stream that ends on a boundary after the
    terminator gets a whole extra 0x00 codeword before the pad codewords (segno issue #148, open).
    Readers ignore it, but the matrix is not the standard's; every such case would differ from a
    conforming encoder. Replaced here by the standard rule; M1/M3 are left as segno does them.
    """
    if version not in (segno_consts.VERSION_M1, segno_consts.VERSION_M3):
        buff.extend([0] * (-length % 8))


def segno_content(payload, mode):
    """What to hand segno so its bit stream equals ours.

    Byte-mode text goes in as UTF-8 bytes: given a str, segno would pick ISO-8859-1 when it can,
    whereas encode_text always uses UTF-8. Other modes take the str (kanji is converted by segno to
    Shift_JIS, as the standard requires).
    """
    if mode == "byte" and isinstance(payload, str):
        return payload.encode("utf-8")
    return payload


def segno_make(payload, mode, version, ec, mask, eci):
    if eci:
        # segno writes an ECI header only for byte segments whose encoding is not ISO-8859-1;
        # with encoding="utf-8" that is ECI 000026, the designator our test asks for.
        return segno.make(payload, mode=mode, version=version, error=ec, mask=mask,
                          encoding="utf-8", eci=True, boost_error=False)
    return segno.make(segno_content(payload, mode), mode=mode, version=version, error=ec,
                      mask=mask, boost_error=False)


def fits(payload, mode, version, ec, eci):
    try:
        segno_make(payload, mode, version, ec, 0, eci)
    except segno.DataOverflowError:
        return False
    return True


def max_prefix(pool, mode, version, ec, eci):
    """The longest prefix of pool that fits, by binary search (capacity is monotone in length)."""
    lo, hi = 0, len(pool)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(pool[:mid], mode, version, ec, eci):
            lo = mid
        else:
            hi = mid - 1
    return lo


class Builder:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.cases = []
        self.pools = {}

    def pool(self, mode, flavour):
        key = (mode, flavour)
        if key not in self.pools:
            self.pools[key] = make_pool(random.Random(f"{SEED}-{mode}-{flavour}"), mode, flavour)
        return self.pools[key]

    def add(self, category, mode, version, ec, mask, *, flavour=None, fill=None, payload=None,
            eci=False):
        """Add one case. fill: "full" (exact capacity), "small", or None (random length).

        A random start offset into the pool makes payloads of the same kind differ between cases.
        """
        if payload is None:
            if flavour is None:
                flavour = self.rng.choice(("ascii", "utf8", "binary")) if mode == "byte" else mode
            pool = self.pool(mode, flavour)
            start = self.rng.randrange(len(pool) // 2)
            pool = pool[start:] + pool[:start]
            cap = max_prefix(pool, mode, version, ec, eci)
            if cap == 0:
                raise SystemExit(f"nothing fits: {mode} {version}-{ec}")
            if fill is None:
                fill = self.rng.choice(("full", "random", "random"))
            if fill == "full":
                n = cap
            elif fill == "small":
                n = self.rng.randint(1, max(1, min(cap, 8)))
            else:
                n = self.rng.randint(1, cap)
            payload = pool[:n]
        qr = segno_make(payload, mode, version, ec, mask, eci)
        if qr.mask != mask or qr.mode != mode:
            raise SystemExit(f"segno did not honour the forced options: {qr.designator} {qr.mode}")
        binary = isinstance(payload, bytes)
        self.cases.append({
            "id": f"{len(self.cases):03}-{category}",
            "category": category,
            "payload": base64.b64encode(payload).decode() if binary else payload,
            "binary": binary,
            "mode": mode,
            "version": version,
            # M1 has error detection only: segno's error=None; our API reports it as L.
            "ec": qr.error.upper() if qr.error else None,
            "mask": mask,
            "eci": eci,
            "boost_error": False,
            "designator": qr.designator,
            "matrix": ["".join("1" if m else "0" for m in row) for row in qr.matrix],
        })


def build(seed):
    b = Builder(seed)
    rng = b.rng

    # 1. Every version 1-40, twice, with (mode, EC, mask) drawn from a shuffled full product so all
    #    modes, levels and masks appear evenly. Versions >= 7 carry the version-information blocks;
    #    27, 34 and 10/27 are character-count-indicator boundaries (9->10, 26->27).
    combos = list(itertools.product(MODES, ECS, range(8)))
    rng.shuffle(combos)
    picks = iter(itertools.cycle(combos))
    for version in range(1, 41):
        for _ in range(2):
            mode, ec, mask = next(picks)
            b.add("version-sweep", mode, version, ec, mask)

    # 2. Every EC level x every mask x every mode, on small versions (cheap, and covers the
    #    format-information bits exhaustively: 4 EC x 8 masks = all 32 format words).
    for ec, mask in itertools.product(ECS, range(8)):
        for mode in MODES:
            b.add("ec-mask-mode", mode, rng.randint(1, 6), ec, mask)

    # 3. Byte mode flavours explicitly: plain ASCII, UTF-8 text, arbitrary binary (not UTF-8).
    for flavour in ("ascii", "utf8", "binary"):
        for ec in ECS:
            b.add(f"byte-{flavour}", "byte", rng.randint(1, 12), ec, rng.randrange(8),
                  flavour=flavour)

    # 4. Kanji: the brief's example text, then random kanji at full and partial capacity.
    b.add("kanji-fixed", "kanji", 1, "H", 0, payload="点茗")
    b.add("kanji-fixed", "kanji", 2, "L", 5, payload="点茗")
    for ec in ECS:
        b.add("kanji-random", "kanji", rng.randint(1, 15), ec, rng.randrange(8), fill="full")

    # 5. Micro QR: every valid (version, EC) pair x masks 0-3. M1: numeric only, detection only
    #    (segno error=None). M2: numeric/alphanumeric, L/M. M3: all four modes, L/M. M4: all four,
    #    L/M/Q. M1 and M3 end in a 4-bit data codeword, so each gets full-capacity cases.
    micro = {
        "M1": ([None], ("numeric",)),
        "M2": (["L", "M"], ("numeric", "alphanumeric")),
        "M3": (["L", "M"], MODES),
        "M4": (["L", "M", "Q"], MODES),
    }
    for version, (ecs, modes) in micro.items():
        mode_cycle = itertools.cycle(modes)
        for ec in ecs:
            for mask in range(4):
                b.add("micro", next(mode_cycle), version, ec, mask,
                      fill="full" if mask % 2 == 0 else "random")

    # 6. ECI: UTF-8 byte payloads with the ECI 26 designator.
    b.add("eci", "byte", 2, "M", 3, payload="héllo wörld", eci=True)
    b.add("eci", "byte", 5, "Q", 6, payload="Grüße — 你好 😀", eci=True)
    b.add("eci", "byte", 9, "L", 1, flavour="utf8", fill="full", eci=True)

    # 7. Small payloads in large symbols: mostly pad codewords (0xEC 0x11 alternation).
    for mode in MODES:
        b.add("padding", mode, rng.randint(7, 20), rng.choice(ECS), rng.randrange(8), fill="small")
    return b.cases


def main():
    if segno.__version__ != "1.6.6":
        # The padding fix below is written against 1.6.6's internals; check it still applies.
        raise SystemExit(f"segno {segno.__version__}: pin 1.6.6 (requirements.txt) or review the patch")
    segno_encoder.write_padding_bits = standard_padding_bits
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    cases = build(SEED)
    doc = {
        "generator": f"segno {segno.__version__} (padding bits per ISO/IEC 18004 7.4.10)",
        "script": "scripts/conformance/make_vectors.py",
        "seed": SEED,
        "notes": [
            "matrix: rows top to bottom, '1' dark, '0' light, no quiet zone",
            "binary: payload is base64 of raw bytes (encode_bytes); otherwise text (encode_text)",
            "byte-mode text is UTF-8; kanji text is converted to Shift_JIS",
            "ec null: M1, which has error detection only (segno error=None)",
            "eci true: ECI 000026 (UTF-8) designator before the byte segment",
            "mode, version, ec and mask were all forced; boost_error=False",
            "segno's padding-bit rule replaced by the standard's (segno issue #148): no extra"
            " 0x00 codeword when the terminator ends on a codeword boundary",
        ],
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    counts = {}
    for case in cases:
        counts[case["category"]] = counts.get(case["category"], 0) + 1
    print(f"{len(cases)} cases -> {args.out} ({args.out.stat().st_size} bytes)", file=sys.stderr)
    for category, n in counts.items():
        print(f"  {category}: {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
