"""The API tour (the script mypy --strict checks) runs as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_api_tour_runs(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "api_tour.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "data_too_long" in run.stdout and "invalid_payload" in run.stdout
    assert (tmp_path / "styled.png").read_bytes().startswith(b"\x89PNG")
