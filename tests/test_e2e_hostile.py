"""The whole harness, in-process, against every misbehaving target in `tests.hostile.HOSTILE`.

Each run must end within a wall-clock budget, exit 1 or 3 (never 0 or 2), write all four reports
(report.json valid per its schema, junit.xml well-formed), print no traceback, leak no token, and
not crash a check. Each run prints its measured wall time (see it with `-rP`).
"""

from __future__ import annotations

import io
import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.reporters.json import load_schema
from tests.hostile import HOSTILE, redirect_server

BUDGET_S = 90.0  # the worst target (silent) takes about 40 s with --timeout 2; unbounded would be forever
TOKEN = "hostile-canary-7Qe2vX"
REPORTS = ("report.json", "junit.xml", "report.md", "report.html")
REDIRECTS = sorted(int(m.group(1)) for n in HOSTILE if (m := re.fullmatch(r"redirect_(\d{3})", n)))


def run_harness(url: str, report_dir: Path) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--target", url, "--report-dir", str(report_dir), "--timeout", "2", "--examples", "3"]
    argv += ["--seed", "1", "--token", TOKEN]
    started = time.monotonic()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_harness_survives_hostile_target(name: str, tmp_path: Path) -> None:
    with HOSTILE[name]() as url:
        code, out, err, elapsed = run_harness(url, tmp_path)
    print(f"wall time against {name}: {elapsed:.2f} s")  # shown by -rP, kept in junit system-out
    said = out + err
    assert elapsed < BUDGET_S, f"{name}: the run took {elapsed:.1f} s (budget {BUDGET_S} s)"
    assert code in (1, 3), f"{name}: exit {code}\n{said[-3000:]}"
    assert "Traceback" not in said, said[-3000:]
    assert TOKEN not in said

    for report in REPORTS:
        assert (tmp_path / report).is_file(), f"{name}: {report} missing"
        assert TOKEN not in (tmp_path / report).read_text(encoding="utf-8", errors="replace"), report
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(load_schema())
    errors = sorted(validator_cls(load_schema()).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: report.json invalid at {list(errors[0].absolute_path)}: {errors[0].message}"
    assert doc["exit_code"] == code
    ET.parse(tmp_path / "junit.xml")

    # exit 3 must mean the target defeated the harness, not that a check crashed on what it got back
    crashed = {c["id"]: c["error"] for c in doc["checks"] if "check crashed" in (c.get("error") or "")}
    assert not crashed, f"{name}: checks crashed on this target: {crashed}"


@pytest.mark.parametrize("status", REDIRECTS)
def test_redirect_never_carries_the_token_to_another_origin(status: int, tmp_path: Path) -> None:
    with redirect_server(status) as redirect:
        code, out, err, _ = run_harness(redirect.url, tmp_path)
        seen = list(redirect.trap.received)
    assert code in (1, 3), out + err
    assert not redirect.trap_saw_authorization
    for request in seen:
        text = request.target + repr(request.headers) + request.body.decode("latin-1")
        assert TOKEN not in text, f"the trap on another origin received the token after a {status}"
