"""`serve --list-faults` tells the truth: a fault's level is the highest level among the checks it fails.

The kill matrix (tests/cases/kill_matrix.yaml) says which checks each fault fails; the catalogue says each
check's level. A fault listed SHOULD that fails a MUST check (issue 9 item 8: `accepts-any-content-type`)
misleads a user choosing faults to try, so the two are kept equal here.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from conformance.checks import bind
from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.contract.spec import Level
from conformance.reference.faults import Fault, list_faults

ROOT = Path(__file__).resolve().parents[1]
EXPECTED: dict[str, list[str]] = yaml.safe_load((ROOT / "tests" / "cases" / "kill_matrix.yaml").read_text())
RANK = {Level.MAY: 0, Level.SHOULD: 1, Level.MUST: 2}


@pytest.fixture(scope="module")
def check_levels() -> dict[str, Level]:
    spec = load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")
    return {b.check.id: b.check.level for b in bind(spec)}


def fault_level(fault_checks: list[str], check_levels: dict[str, Level]) -> Level:
    """What a fault's listed level must be: the highest level of the checks it fails."""
    return max((check_levels[i] for i in fault_checks), key=RANK.__getitem__)


def mismatches(
    faults: list[Fault], expected: dict[str, list[str]], check_levels: dict[str, Level]
) -> list[str]:
    return [
        f"{f.name}: listed {f.level_hint.value}, fails {fault_level(expected[f.name], check_levels).value} "
        f"checks {expected[f.name]}"
        for f in faults
        if not f.legal and f.level_hint is not fault_level(expected[f.name], check_levels)
    ]


def test_every_fault_is_listed_at_the_level_of_the_checks_it_fails(check_levels):
    assert not mismatches(list_faults(), EXPECTED, check_levels)


def test_the_consistency_test_can_fail(check_levels):
    # BROKEN: the catalogue as it was (accepts-any-content-type SHOULD although VALID-005 is a MUST)
    broken = Fault(name="accepts-any-content-type", description="x", level_hint=Level.SHOULD)
    assert mismatches([broken], EXPECTED, check_levels)
    # LEGAL: a different but true way to say it (the same level, another description) passes
    legal = Fault(name="accepts-any-content-type", description="other words", level_hint=Level.MUST)
    assert not mismatches([legal], EXPECTED, check_levels)


def test_list_faults_prints_the_derived_levels():
    out = io.StringIO()
    assert main(["serve", "--list-faults"], out=out) == 0
    lines = {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines()}
    assert lines["accepts-any-content-type"] == "MUST"
    assert lines["auth-403"] == "MUST"
    assert lines["no-read-back"] == "MAY"
    assert lines["gzip"] == "legal"


def test_unknown_fault_points_at_list_faults(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--fault", "status-201", "--report-dir", str(tmp_path)], out=out, err=err)
    assert code == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1, err.getvalue()
    assert "conformance serve --list-faults" in lines[0]
    assert "status-200" in lines[0]  # did you mean
