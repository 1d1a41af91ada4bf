"""Reports agree with the exit code (issue 9 item 7), against an independently written mock.

After /work/blind/test_independent_targets.py (`junit-should-failure`, `stale-reports`): a SHOULD failure
that does not count is `<skipped>` in junit.xml, a `<failure>` under `--strict`; a second run into the same
folder leaves no stale report of the first beside its own, and leaves the user's files alone.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.cli import main
from tests.independent_impl import VendorMock

TOKEN = "vendor-mock-secret-7c1d40"
FAST = ("--examples", "5", "--seed", "1")


def run(quirks: set[str], report_dir: Path, *extra: str) -> tuple[int, dict[str, dict[str, str]]]:
    out = io.StringIO()
    with VendorMock(token=TOKEN, quirks=quirks) as mock:
        argv = ["run", "--target", mock.url, "--token", TOKEN, *FAST, "--report-dir", str(report_dir), *extra]
        code = main(argv, out=out, err=out)
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == code, out.getvalue()
    return code, {c["id"]: c for c in report["checks"]}


def cases(report_dir: Path) -> tuple[ET.Element, dict[str, ET.Element]]:
    root = ET.parse(report_dir / "junit.xml").getroot()
    return root, {tc.get("name", "").split()[0]: tc for tc in root.iter("testcase")}


def test_junit_marks_a_non_counting_should_failure_skipped(tmp_path: Path) -> None:
    code, checks = run({"no-location"}, tmp_path)
    assert code == 0
    assert checks["HDR-101"]["status"] == "fail"
    root, by_id = cases(tmp_path)
    hdr = by_id["HDR-101"]
    assert hdr.find("failure") is None
    assert hdr.find("error") is None
    skipped = hdr.find("skipped")
    assert skipped is not None
    assert skipped.get("message", "").startswith(checks["HDR-101"]["findings"][0]["message"])
    assert all(tc.find("failure") is None and tc.find("error") is None for tc in by_id.values())
    assert root.get("failures") == "0"
    assert root.get("errors") == "0"


def test_junit_counts_a_should_failure_under_strict(tmp_path: Path) -> None:
    code, checks = run({"no-location"}, tmp_path, "--strict")
    assert code == 1
    assert checks["HDR-101"]["status"] == "fail"
    root, by_id = cases(tmp_path)
    assert by_id["HDR-101"].find("failure") is not None
    assert root.get("failures") == "1"


def test_a_second_run_leaves_no_stale_reports_and_keeps_the_users_files(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first, _ = run({"counter-id"}, reports)
    assert first == 1
    assert {p.name for p in reports.iterdir()} == {"report.json", "junit.xml", "report.md", "report.html"}
    (reports / "notes-by-the-user.txt").write_text("mine\n")
    (reports / "report.txt").write_text("also mine\n")
    second, _ = run(set(), reports, "--format", "json")
    assert second == 0
    assert {p.name for p in reports.iterdir()} == {"report.json", "notes-by-the-user.txt", "report.txt"}
    assert (reports / "notes-by-the-user.txt").read_text() == "mine\n"
    assert json.loads((reports / "report.json").read_text(encoding="utf-8"))["verdict"] == "pass"
