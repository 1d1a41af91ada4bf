"""The pytest plugin: one test per check id, same ids and verdicts as `conformance run`."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.checks import bind
from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spec():
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


def outcomes(junit: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        check_id = name[name.index("[") + 1 : name.index("]")]
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "failed"
            elif child.tag == "skipped":
                kind = (
                    "xfailed" if "xfail" in (child.get("type", "") + child.get("message", "")) else "skipped"
                )
        out[check_id] = kind
    return out


def test_suite_against_embedded_reference_passes(pytester, spec):
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "conformance.suite",
        "--conformance-examples",
        "3",
        "--conformance-seed",
        "5",
        "--conformance-validates-tokens",  # the reference validates tokens; without it AUTH-102 is skipped
        "-p",
        "no:cacheprovider",
    )
    # the checks of what the seed does not state (ALT-*, and LIFE-*, UPD-*, QRY-*: it has no get, list,
    # update or delete page) skip with their reason
    bound = bind(spec)
    skipped = [b for b in bound if b.skip_reason]
    life = {b.check.id for b in bound if b.check.id.startswith(("LIFE-", "UPD-", "QRY-"))}
    assert len(life) == 9 + 4 + 8
    assert {b.check.id for b in skipped} == {"ALT-001", "ALT-002", *life}
    result.assert_outcomes(passed=len(bound) - len(skipped), skipped=len(skipped))


def test_suite_runs_the_lifecycle_of_a_resource_spec(pytester, tmp_path):
    """A page set's spec under pytest: every lifecycle check is its own test and passes on the reference,
    each worker's checks sharing one create as `conformance run`'s do."""
    from conformance.cli import main

    pages = sorted(str(p) for p in (Path(__file__).parent / "cases" / "resource").glob("gadget-*.md"))
    assert main(["derive", *pages, "--out", str(tmp_path / "g")], out=io.StringIO(), err=io.StringIO()) == 0
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "conformance.suite",
        "--conformance-spec",
        str(tmp_path / "g" / "gadget.openapi.yaml"),
        "--conformance-examples",
        "3",
        "-k",
        "LIFE",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=9)


def test_same_verdicts_as_the_cli_against_a_broken_target(pytester, spec, tmp_path):
    with ReferenceServer(spec, faults=["status-200", "location-missing"], token="tok") as server:
        junit = tmp_path / "junit.xml"
        result = pytester.runpytest_subprocess(
            "--pyargs",
            "conformance.suite",
            "--conformance-target",
            server.url,
            "--conformance-token",
            "tok",
            "--conformance-examples",
            "3",
            "--conformance-seed",
            "5",
            f"--junitxml={junit}",
            "-p",
            "no:cacheprovider",
        )
        assert result.ret == 1
        out, err = io.StringIO(), io.StringIO()
        code = main(
            [
                "run",
                "--target",
                server.url,
                "--token",
                "tok",
                "--examples",
                "3",
                "--seed",
                "5",
                "--report-dir",
                str(tmp_path / "cli"),
            ],
            out=out,
            err=err,
        )
    assert code == 1
    report = json.loads((tmp_path / "cli" / "report.json").read_text())
    cli = {c["id"]: c["status"] for c in report["checks"]}
    py = outcomes(junit)
    assert set(py) == set(cli)
    for check_id, status in cli.items():
        level = next(c["level"] for c in report["checks"] if c["id"] == check_id)
        expected = {"pass": "passed", "skip": "skipped", "error": "failed"}.get(status)
        if status == "fail":
            expected = "failed" if level == "MUST" else "xfailed"
        assert py[check_id] == expected, (check_id, status, py[check_id])
    assert cli["CREATE-001"] == "fail"
    assert cli["HDR-101"] == "fail"


def test_k_and_m_select_checks(pytester):
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "conformance.suite",
        "-m",
        "should",
        "-k",
        "HDR",
        "--conformance-examples",
        "0",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=3)


def test_bad_option_is_a_usage_error(pytester):
    result = pytester.runpytest_subprocess("--pyargs", "conformance.suite", "--conformance-timeout", "-5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-timeout: timeout must be a positive number*"])
