"""`conformance compare OLD NEW`: real runs of the harness compared (the README's example, run as written),
and hand-made reports for each kind of change, for the next schema version with WAIVED, for unreadable or
incompatible reports (exit 2) and for hostile text in a report (escaped on the terminal and in Markdown)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conformance.cli import main

ROOT = Path(__file__).resolve().parents[1]


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _readme_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```bash\n(.*?)```", readme, re.S) if "conformance compare" in b]
    return [line for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    """The README's example, each line run as written by bash in an empty folder."""
    work = tmp_path_factory.mktemp("compare")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = str(ROOT)
    done = [
        subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        for line in _readme_lines()
    ]
    return work, done


def test_readme_example_finds_the_regression(runs):
    _, (before, after, compared) = runs
    assert (before.returncode, after.returncode) == (0, 1), before.stderr + after.stderr
    assert compared.returncode == 1, compared.stdout + compared.stderr
    out = compared.stdout
    assert "verdict: pass -> fail (worse)" in out
    assert re.search(r"^  CREATE-004 MUST pass -> fail: id '.*' is not GUID shaped$", out, re.M)
    assert re.fullmatch(
        r"[1-9]\d* regressed, 0 fixed, 0 added, 0 removed, 0 other status changes, \d+ unchanged",
        out.splitlines()[-1],
    )


def test_the_other_way_round_is_fixed_and_exit_0(runs):
    work, _ = runs
    code, out, _ = call("compare", str(work / "after" / "report.json"), str(work / "before" / "report.json"))
    assert code == 0
    assert "verdict: fail -> pass (better)" in out
    assert re.search(r"^fixed \([1-9]\d*\):$", out, re.M)
    assert "  CREATE-004 MUST fail -> pass" in out


def test_same_report_twice_changes_nothing(runs):
    work, _ = runs
    report = str(work / "before" / "report.json")
    code, out, _ = call("compare", report, report)
    assert code == 0
    assert "verdict: pass (unchanged)" in out
    code, md, _ = call("compare", report, report, "--format", "markdown")
    assert code == 0
    assert "No check changed status." in md


def _report(path: Path, checks: list[dict], verdict: str = "pass", version: str = "1.0") -> str:
    path.write_text(
        json.dumps({"schema_version": version, "verdict": verdict, "checks": checks}), encoding="utf-8"
    )
    return str(path)


def _c(cid: str, status: str, level: str = "MUST", message: str = "") -> dict:
    return {
        "id": cid,
        "level": level,
        "status": status,
        "findings": [{"message": message}] if message else [],
    }


def test_every_kind_of_change(tmp_path: Path):
    old = _report(
        tmp_path / "old.json",
        [_c("A", "pass"), _c("B", "fail", message="b"), _c("C", "pass"), _c("D", "skip"), _c("E", "error")],
        verdict="fail",
    )
    new = _report(
        tmp_path / "new.json",
        [
            _c("A", "fail", message="a broke"),
            _c("B", "pass"),
            _c("D", "error"),
            _c("E", "error"),
            _c("F", "pass"),
        ],
        verdict="fail",
        version="2.0",
    )
    code, out, _ = call("compare", old, new)
    assert code == 1
    assert "regressed (1):\n  A MUST pass -> fail: a broke\n" in out
    assert "fixed (1):\n  B MUST fail -> pass\n" in out
    assert "added (1):\n  F MUST (new) -> pass\n" in out
    assert "removed (1):\n  C MUST pass -> (gone)\n" in out
    assert "other status changes (1):\n  D MUST skip -> error\n" in out
    assert out.endswith("1 regressed, 1 fixed, 1 added, 1 removed, 1 other status changes, 1 unchanged\n")


def test_waived_is_not_failing_and_a_worse_verdict_is_a_regression(tmp_path: Path):
    old = _report(tmp_path / "old.json", [_c("A", "fail", message="x")], verdict="fail")
    new = _report(tmp_path / "new.json", [_c("A", "waived", message="x")], verdict="pass", version="2.0")
    code, out, _ = call("compare", old, new)
    assert code == 0
    assert "other status changes (1):\n  A MUST fail -> waived\n" in out
    code, out, _ = call("compare", new, old)
    assert code == 1  # waived -> fail: failing again
    assert "regressed (1)" in out
    worse = _report(tmp_path / "worse.json", [_c("A", "error")], verdict="error")
    code, out, _ = call("compare", _report(tmp_path / "ok.json", [_c("A", "pass")]), worse)
    assert code == 1
    assert "verdict: pass -> error (worse)" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "No such file"),
        ("not json", "it is not JSON"),
        ("[]", "not a JSON object"),
        ('{"verdict": "pass", "checks": []}', "no schema_version"),
        ('{"schema_version": "9.0", "verdict": "pass", "checks": []}', "schema_version 9.0 is not one"),
        ('{"schema_version": "1.0", "verdict": "meh", "checks": []}', "no verdict"),
        (
            '{"schema_version": "1.0", "verdict": "pass", "checks": [{"id": "A", "status": "odd"}]}',
            "no known status",
        ),
        (
            '{"schema_version": "1.0", "verdict": "pass", "checks": [{"id": "A", "status": "pass"}, '
            '{"id": "A", "status": "pass"}]}',
            "appears twice",
        ),
    ],
)
def test_unreadable_or_incompatible_reports_are_exit_2(tmp_path: Path, content: str | None, says: str):
    good = _report(tmp_path / "good.json", [_c("A", "pass")])
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    for argv in ((good, str(bad)), (str(bad), good)):
        code, out, err = call("compare", *argv)
        assert code == 2
        assert out == ""
        assert len(err.splitlines()) == 1
        assert says in err
        assert "Traceback" not in err


def test_a_directory_is_refused(tmp_path: Path):
    code, _, err = call("compare", str(tmp_path), str(tmp_path))
    assert code == 2
    assert "directory" in err


def test_hostile_text_is_escaped(tmp_path: Path):
    evil_id = "X-1\x1b[2J\x1b]0;pwned\x07"
    evil_msg = "| broke | table |\n## heading <script>alert(1)</script> ![x](http://e.invalid/x.png) \u202e"
    old = _report(tmp_path / "old.json", [_c(evil_id, "pass")])
    new = _report(tmp_path / "new.json", [_c(evil_id, "fail", message=evil_msg)], verdict="fail")
    code, out, _ = call("compare", old, new)
    assert code == 1
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "X-1\\x1b[2J" in out
    code, md, _ = call("compare", old, new, "--format", "markdown")
    rows = [line for line in md.splitlines() if line.startswith("| regressed")]
    assert len(rows) == 1
    assert rows[0].count(" | ") == 5  # six cells: the finding's pipes are escaped
    assert "<script>" not in md
    assert "![x]" not in md
    assert "\n## heading" not in md
