"""benchmarks/perf.py keeps running: its quick mode prints every row of the table (no timing asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_perf_quick_mode_prints_the_table(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "perf.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.splitlines()
    assert table[0].split() == ["measurement", "median", "ratio"]
    expected = [
        "hand-written checks, per request",
        "hand-written checks, CPU time per request",
        "generated case",
        "same seed, same requests per check",
        "the client alone, per request",
        "default run, whole process, warm cache",
        "default run, whole process, cold cache",
        "50 ms latency target, default run",
        "--examples 0, whole process",
        "--examples 25, whole process",
        "CPU per generated case, whole process",
    ]
    assert [next((e for e in expected if line.startswith(e)), line) for line in table[1:]] == expected
    assert " yes " in next(line for line in table if line.startswith("same seed"))
    latency = next(line for line in table if line.startswith("50 ms latency"))
    assert "n/a (no --concurrency)" in latency or "verdicts identical" in latency
