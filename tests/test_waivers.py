"""Waivers (`--waivers FILE`): a known failure is WAIVED (never counted) in every report and the terminal;
expired, stale, partial and unused waivers are reported; a malformed file is exit 2 before any request.

The targets are the reference implementation on 127.0.0.1 with a fault from `reference/faults.py`:
`id-repeats` fails CREATE-009 alone (two findings, both "... already given to ..."), so a waiver of it turns
the verdict from NOT CONFORMANT to CONFORMANT. Dates are written relative to the real today.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.contract.spec import Level
from conformance.reference.server import ReferenceServer
from conformance.reporters import json as json_reporter
from conformance.results import CheckInfo, CheckResult, Finding, Status, WaiverState
from conformance.waivers import Waiver, judge, load

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date.today()
LATER = (TODAY + dt.timedelta(days=30)).isoformat()
PAST = (TODAY - dt.timedelta(days=1)).isoformat()
ESC = "\x1b"


@pytest.fixture(scope="module")
def spec():
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


@pytest.fixture(scope="module")
def repeats(spec):
    """A target whose ids repeat: CREATE-009 fails, everything else of CREATE-* passes."""
    with ReferenceServer(spec, faults=["id-repeats"], token="tok") as server:
        yield server.url


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def run(url: str, reports: Path, *extra: str) -> tuple[int, str, str]:
    return call(
        "run", "--target", url, "--token", "tok", "--check", "CREATE-*", "--examples", "0",
        "--seed", "3", "--report-dir", str(reports), *extra,
    )  # fmt: skip


def waivers_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def entry(check: str = "CREATE-009", reason: str = "ids repeat, fix in PR 412", expires: str = LATER,
          contains: str | None = None) -> str:  # fmt: skip
    text = f"- check: {check}\n  reason: {json.dumps(reason)}\n  expires: {expires}\n"
    return text + (f"  contains: {json.dumps(contains)}\n" if contains is not None else "")


def report(reports: Path) -> dict:
    data = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json_reporter.load_schema()).validate(data)
    return data


def check(data: dict, check_id: str) -> dict:
    return next(c for c in data["checks"] if c["id"] == check_id)


# -- judged against a real faulty target ------------------------------------------------------------------


def test_without_a_waiver_the_fault_fails_the_run(repeats, tmp_path):
    code, out, err = run(repeats, tmp_path)
    assert code == 1, out + err
    assert check(report(tmp_path), "CREATE-009")["status"] == "fail"
    assert "WAIVED" not in out


def test_a_waived_failure_is_waived_in_every_report_and_does_not_count(repeats, tmp_path):
    reason = "ids repeat after a restart, fix in PR 412"
    w = waivers_file(tmp_path, entry(reason=reason, contains="already given"))
    reports = tmp_path / "r"
    code, out, err = run(repeats, reports, "--waivers", str(w))
    assert code == 0, out + err
    # terminal: the check line, the reason and the expiry, and the count in the verdict line
    assert "WAIVED CREATE-009" in out
    assert reason in out
    assert LATER in out
    assert "verdict: CONFORMANT" in out
    assert "1 waived" in out
    # report.json (valid against the 1.1 schema)
    data = report(reports)
    assert data["schema_version"] == "1.1"
    assert data["verdict"] == "pass"
    assert data["exit_code"] == 0
    assert data["counts"]["by_status"]["waived"] == 1
    assert data["counts"]["by_status"]["fail"] == 0
    c = check(data, "CREATE-009")
    assert c["status"] == "waived"
    assert len(c["findings"]) == 2  # the evidence is kept
    assert c["waivers"] == [
        {
            "check": "CREATE-009",
            "reason": reason,
            "expires": LATER,
            "contains": "already given",
            "where": f"{w}:1",
            "state": "waived",
            "detail": f"CREATE-009 failed as known: waived until {LATER}",
        }
    ]
    assert data["waivers"] == c["waivers"]
    # junit.xml: skipped with the reason, counted as skipped, never as a failure
    root = ET.parse(reports / "junit.xml").getroot()
    assert root.get("failures") == "0"
    assert root.get("skipped") == "1"
    case = next(t for t in root.iter("testcase") if t.get("name", "").startswith("CREATE-009"))
    skipped = case.find("skipped")
    assert skipped is not None
    assert f"waived until {LATER}: {reason}" in (skipped.get("message") or "")
    # report.md and report.html: the status, the reason, the expiry
    md = (reports / "report.md").read_text(encoding="utf-8")
    assert "🏳️ waived | MUST | CREATE-009" in md
    assert "### Waived failures (known, do not count)" in md
    assert f"**Waiver WAIVED** (expires {LATER}" in md
    assert reason in md
    page = (reports / "report.html").read_text(encoding="utf-8")
    assert 'data-status="waived"' in page
    assert '<span class="st st-waived">waived</span>' in page
    assert 'name="status" value="waived" checked' in page  # the filter can show it
    assert reason in page
    assert LATER in page


def test_an_expired_waiver_does_not_apply_and_the_report_says_so(repeats, tmp_path):
    w = waivers_file(tmp_path, entry(expires=PAST))
    code, out, err = run(repeats, tmp_path, "--waivers", str(w))
    assert code == 1, out + err
    c = check(report(tmp_path), "CREATE-009")
    assert c["status"] == "fail"
    assert c["waivers"][0]["state"] == "expired"
    assert f"expired on {PAST}" in c["waivers"][0]["detail"]
    assert f"EXPIRED: expired on {PAST}: the failure counts" in out
    assert "**Waiver EXPIRED**" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_waiver_of_a_check_that_passes_is_stale(repeats, tmp_path):
    w = waivers_file(tmp_path, entry() + entry(check="CREATE-001", reason="200 instead of 201, fixed?"))
    code, out, err = run(repeats, tmp_path, "--waivers", str(w))
    assert code == 0, out + err
    data = report(tmp_path)
    assert [x["state"] for x in data["waivers"]] == ["waived", "stale"]
    assert check(data, "CREATE-001")["status"] == "pass"
    assert check(data, "CREATE-001")["waivers"][0]["detail"] == "CREATE-001 passed: remove the waiver"
    assert "waiver CREATE-001" in out
    assert "STALE: CREATE-001 passed: remove the waiver" in out
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert "Waiver (stale" in junit  # in the passing case's system-out


def test_contains_that_no_finding_has_waives_nothing_and_is_stale(repeats, tmp_path):
    w = waivers_file(tmp_path, entry(contains="answered 500"))
    code, out, err = run(repeats, tmp_path, "--waivers", str(w))
    assert code == 1, out + err
    c = check(report(tmp_path), "CREATE-009")
    assert c["status"] == "fail"
    assert c["waivers"][0]["state"] == "stale"
    assert "no finding of CREATE-009 contains 'answered 500'" in c["waivers"][0]["detail"]


def test_contains_that_covers_some_findings_only_leaves_the_failure_counting(repeats, tmp_path):
    w = waivers_file(tmp_path, entry(contains="the second minimal create"))  # one of the two findings
    code, out, err = run(repeats, tmp_path, "--waivers", str(w))
    assert code == 1, out + err
    c = check(report(tmp_path), "CREATE-009")
    assert c["status"] == "fail"
    assert c["waivers"][0]["state"] == "partial"
    assert c["waivers"][0]["detail"].startswith("covers 1 of 2 findings of CREATE-009")


def test_a_waiver_of_a_check_not_run_is_unused(repeats, tmp_path):
    w = waivers_file(tmp_path, entry() + entry(check="GEN-001", reason="flaky generator"))
    code, out, err = run(repeats, tmp_path, "--waivers", str(w))
    assert code == 0, out + err
    assert [x["state"] for x in report(tmp_path)["waivers"]] == ["waived", "unused"]


def test_hostile_reasons_are_escaped_in_the_terminal_and_every_report(repeats, tmp_path):
    reason = "<script>alert(1)</script> \x1b[2J\x1b]0;pwned\x07 | `x` ]]> & **bold**"
    w = waivers_file(tmp_path, entry(reason=reason))
    code, out, err = run(repeats, tmp_path, "--waivers", str(w))
    assert code == 0, out + err
    assert ESC not in out
    assert "\x07" not in out
    assert "<script>" in out  # shown literally, with the escape sequences made visible
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ESC not in page
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md
    assert "\\<script\\>" in md
    assert ESC not in md
    ET.parse(tmp_path / "junit.xml")  # still well-formed XML
    assert ESC not in (tmp_path / "junit.xml").read_text(encoding="utf-8")


def test_waivers_come_from_the_environment_and_pyproject_too(repeats, tmp_path, monkeypatch):
    w = waivers_file(tmp_path, entry())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\nwaivers = "waivers.yaml"\n', encoding="utf-8"
    )
    code, out, err = run(repeats, tmp_path / "a")
    assert code == 0, out + err
    assert "WAIVED CREATE-009" in out
    (tmp_path / "pyproject.toml").unlink()
    monkeypatch.setenv("CONFORMANCE_WAIVERS", str(w))
    code, out, err = run(repeats, tmp_path / "b")
    assert code == 0, out + err
    assert "WAIVED CREATE-009" in out


# -- malformed files: one line, exit 2, nothing sent ---------------------------------------------------------

MALFORMED = {
    "not YAML": ("- check: [CREATE-009\n", "not valid YAML/JSON at line"),
    "not a list": ("check: CREATE-009\nreason: x\nexpires: 2099-01-01\n", "a waivers file is a YAML list"),
    "an entry that is not a mapping": ("- CREATE-009\n", "each waiver is a mapping with check, reason"),
    "an unknown key": (
        "- check: CREATE-009\n  reson: x\n  expires: 2099-01-01\n",
        "waivers.yaml:1: unknown key 'reson' in a waiver (did you mean 'reason'",
    ),
    "no reason": ("- check: CREATE-009\n  expires: 2099-01-01\n", "waivers.yaml:1: the waiver has no reason"),
    "an empty reason": (
        "- {check: CREATE-009, reason: '', expires: 2099-01-01}\n",
        "the waiver has no reason",
    ),
    "no expiry": ("- check: CREATE-009\n  reason: x\n", "the waiver has no expires"),
    "a date that is no date": (
        "- {check: CREATE-009, reason: x, expires: 2099-13-01}\n",
        "a value written like a date is not one (month must be in 1..12)",
    ),
    "a quoted date that is no date": (
        "- {check: CREATE-009, reason: x, expires: '2099-02-30'}\n",
        "expires '2099-02-30' is not a date; write it as YYYY-MM-DD",
    ),
    "words for a date": (
        "- {check: CREATE-009, reason: x, expires: next week}\n",
        "'next week' is not a date",
    ),
    "a time of day": (
        "- {check: CREATE-009, reason: x, expires: 2099-01-01T10:00:00}\n",
        "is not a date; write it as YYYY-MM-DD",
    ),
    "an unknown check id": (
        "- {check: CREATE-09, reason: x, expires: 2099-01-01}\n",
        "'CREATE-09' is not a check id (did you mean 'CREATE-009'",
    ),
    "a lower-case check id": (
        "- {check: create-009, reason: x, expires: 2099-01-01}\n",
        "'create-009' is not a check id (did you mean 'CREATE-009'",
    ),
    "a YAML alias": (
        "- &w {check: CREATE-009, reason: x, expires: 2099-01-01}\n- *w\n",
        "YAML anchor or alias at line 1; a waivers file may not use them",
    ),
    "a duplicate": (
        "- {check: CREATE-009, reason: x, expires: 2099-01-01}\n"
        "- {check: CREATE-009, reason: y, expires: 2099-01-02}\n",
        "waivers.yaml:2: the same waiver as at",
    ),
    "contains that is not text": (
        "- {check: CREATE-009, reason: x, expires: 2099-01-01, contains: 5}\n",
        "contains of the CREATE-009 waiver must be text",
    ),
    "a reason of a page": (
        "- {check: CREATE-009, reason: " + "x" * 1200 + ", expires: 2099-01-01}\n",
        "is 1200 characters long; keep it under 1000",
    ),
    "a huge file": ("#" + "x" * (1024 * 1024 + 10) + "\n", "larger than 1 MB"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_waivers_file_is_one_line_and_exit_2(case, repeats, tmp_path):
    text, needle = MALFORMED[case]
    w = waivers_file(tmp_path, text)
    reports = tmp_path / "r"
    code, out, err = run(repeats, reports, "--waivers", str(w))
    assert code == 2, out + err
    assert needle in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert err.startswith("conformance run: error: ")
    assert not reports.exists() or not any(reports.iterdir())  # refused before the run: no report


def test_a_missing_or_special_waivers_file_is_exit_2(tmp_path):
    code, _, err = call("run", "--waivers", str(tmp_path / "nope.yaml"), "--report-dir", str(tmp_path))
    assert code == 2
    assert "cannot read waivers file" in err
    assert "No such file" in err
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, _, err = call("run", "--waivers", str(fifo), "--report-dir", str(tmp_path))
    assert code == 2
    assert "a FIFO (named pipe), not a regular file" in err


def test_an_empty_waivers_file_waives_nothing(tmp_path):
    assert load(str(waivers_file(tmp_path, "# the last waiver was removed\n")), ["CREATE-009"]) == ()


# -- judge: the rules on hand-built results ---------------------------------------------------------------

INFO = CheckInfo(id="CREATE-009", level=Level.MUST, requirement="ids are unique", source="doc", doc=None)


def failed(*messages: str) -> CheckResult:
    return CheckResult(check=INFO, status=Status.FAIL, findings=tuple(Finding(message=m) for m in messages))


def waiver(expires: dt.date, contains: str | None = None, where: str = "w.yaml:1") -> Waiver:
    return Waiver(check="CREATE-009", reason="known", expires=expires, contains=contains, where=where)


def test_a_waiver_applies_through_its_expiry_day_and_not_after():
    day = dt.date(2030, 6, 30)
    assert judge(failed("x"), [waiver(day)], day).status is Status.WAIVED
    late = judge(failed("x"), [waiver(day)], day + dt.timedelta(days=1))
    assert late.status is Status.FAIL
    assert late.waivers[0].state is WaiverState.EXPIRED


def test_every_finding_must_be_covered_by_some_live_waiver():
    day = dt.date(2030, 1, 1)
    both = [waiver(day, "first", "w:1"), waiver(day, "second", "w:2")]
    result = judge(failed("the first one", "the second one"), both, day)
    assert result.status is Status.WAIVED
    assert [w.state for w in result.waivers] == [WaiverState.WAIVED, WaiverState.WAIVED]
    result = judge(failed("the first one", "a third one"), both, day)
    assert result.status is Status.FAIL
    assert [w.state for w in result.waivers] == [WaiverState.PARTIAL, WaiverState.STALE]


def test_judging_twice_is_judging_once():
    day = dt.date(2030, 1, 1)
    once = judge(failed("x"), [waiver(day)], day)
    assert judge(once, [waiver(day)], day) == once
    grown = judge(once.__class__(**{**_fields(once), "findings": (*once.findings, Finding(message="y"))}),
                  [waiver(day, "x")], day)  # fmt: skip
    assert grown.status is Status.FAIL  # VALID-006 gained a finding the waiver does not cover


def _fields(r: CheckResult) -> dict:
    return {name: getattr(r, name) for name in r.__slots__}  # type: ignore[attr-defined]


def test_skipped_and_errored_checks_leave_a_waiver_unused():
    day = dt.date(2030, 1, 1)
    skipped = CheckResult(check=INFO, status=Status.SKIP, error="no GUID on this page")
    errored = CheckResult(check=INFO, status=Status.ERROR, error="target unreachable")
    assert judge(skipped, [waiver(day)], day).waivers[0].state is WaiverState.UNUSED
    assert judge(errored, [waiver(day)], day).status is Status.ERROR  # a waiver never hides an ERROR


# -- the pytest plugin: a waived check is xfail, a stale waiver a warning, a malformed file a usage error --


def _suite(pytester, url: str, *extra: str):
    return pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite", "--conformance-target", url, "--conformance-token", "tok",
        "--conformance-examples", "0", "-k", "CREATE", "-p", "no:cacheprovider", "-rxX", *extra,
    )  # fmt: skip


def test_pytest_a_waived_check_is_xfail_with_the_reason_and_the_session_passes(pytester, repeats, tmp_path):
    assert _suite(pytester, repeats).ret == 1  # without the waiver CREATE-009 fails the session
    w = waivers_file(tmp_path, entry(reason="ids repeat, fix in PR 412") + entry(check="CREATE-001"))
    result = _suite(pytester, repeats, "--conformance-waivers", str(w))
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=8, xfailed=1)
    text = result.stdout.str()
    assert "XFAIL" in text
    assert "waived (known failure)" in text
    assert "ids repeat, fix in PR 412" in text
    assert "WaiverWarning" in text  # the stale CREATE-001 waiver is in the warnings summary
    assert "waiver of CREATE-001 stale: CREATE-001 passed: remove the waiver" in text


def test_pytest_an_expired_waiver_fails_the_check(pytester, repeats, tmp_path):
    w = waivers_file(tmp_path, entry(expires=PAST))
    result = _suite(pytester, repeats, "--conformance-waivers", str(w))
    assert result.ret == 1
    result.assert_outcomes(passed=8, failed=1)
    assert f"waiver expired (expires {PAST}" in result.stdout.str()


def test_pytest_a_malformed_waivers_file_is_a_usage_error(pytester, repeats, tmp_path):
    w = waivers_file(tmp_path, "- {check: CREATE-09, reason: x, expires: 2099-01-01}\n")
    result = _suite(pytester, repeats, "--conformance-waivers", str(w))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "'CREATE-09' is not a check id (did you mean 'CREATE-009'" in result.stderr.str()


# -- the README's example, exactly as written ---------------------------------------------------------------


def test_the_readme_waivers_example_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Waivers: known failures with a deadline", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    (yaml_text,) = [text for lang, text in blocks if lang == "yaml"]
    (command,) = [text.strip() for lang, text in blocks if lang == "bash"]
    name = yaml_text.splitlines()[0].removeprefix("# ").strip()
    assert name == "waivers.yaml"
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(yaml_text, encoding="utf-8")
    argv = shlex.split(command)
    assert argv[0] == "conformance"
    code, out, err = call(*argv[1:])
    assert code == 0, out + err  # "the run exits 0 and CREATE-009 is WAIVED"
    assert "WAIVED CREATE-009" in out
    data = report(tmp_path / "reports")
    assert check(data, "CREATE-009")["status"] == "waived"
    assert data["counts"]["by_status"]["fail"] == 0
    assert data["waivers"][0]["reason"] == "ids repeat after a restart; fix in PR #412"
