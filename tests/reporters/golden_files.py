"""Golden-file comparison for reporter output.

To regenerate after an intended change, run
    CONFORMANCE_UPDATE_GOLDEN=1 /tmp/venv/bin/python -m pytest tests/reporters
then review the diff of tests/reporters/golden/ before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.reporters import Reporter
    from conformance.results import RunResult

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CONFORMANCE_UPDATE_GOLDEN") == "1"


def render(reporter: Reporter, run: RunResult) -> str:
    buf = io.StringIO()
    reporter.write(run, buf)
    return buf.getvalue()


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} missing; create it with CONFORMANCE_UPDATE_GOLDEN=1 (see golden_files.py)"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs from its golden file; if intended, regenerate (see golden_files.py)"
    )
