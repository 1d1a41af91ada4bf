"""Kill matrix: each fault fails exactly the checks it should; the reference and legal variations pass all.

Expectations live in tests/cases/kill_matrix.yaml (fault -> failing check ids). Every run is a full
in-process harness run at --strict against the reference implementation with one fault switched on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from conformance.config import DEFAULT_CONCURRENCY
from conformance.contract.openapi import load_spec
from conformance.contract.spec import Level
from conformance.reference.faults import list_faults
from conformance.results import Status

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import fault_matrix  # noqa: E402

from tests.report_compare import comparable  # noqa: E402

EXPECTED: dict[str, list[str]] = yaml.safe_load((ROOT / "tests" / "cases" / "kill_matrix.yaml").read_text())
FAULTS = {f.name: f for f in list_faults()}
REFERENCES = ("reference", "reference-alternatives", "reference-resource")  # the conformant rows


@pytest.fixture(scope="module")
def spec():
    return load_spec(fault_matrix.SPEC)


@pytest.fixture(scope="module")
def observed(spec):
    return fault_matrix.observe(spec)


def test_every_fault_has_an_expectation():
    missing = sorted(set(FAULTS) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(FAULTS) - set(REFERENCES))
    assert not missing, f"faults without an expectation in kill_matrix.yaml: {missing}"
    assert not stale, f"expectations for faults that no longer exist: {stale}"


@pytest.mark.parametrize("name", [*REFERENCES, *FAULTS])
def test_fault_fails_exactly_the_expected_checks(name, observed):
    result = observed[name]
    got = fault_matrix.failing(result)
    details = {
        r.check.id: (r.error or (r.findings[0].message if r.findings else ""))
        for r in result.results
        if r.status in (Status.FAIL, Status.ERROR)
    }
    assert got == sorted(EXPECTED[name]), (
        f"{name}: failing {got}, expected {sorted(EXPECTED[name])}; {details}"
    )
    assert not any(r.status is Status.ERROR for r in result.results), f"{name}: harness errors {details}"


@pytest.mark.parametrize("name", [n for n, f in FAULTS.items() if not f.legal])
def test_each_fault_fails_a_must_unless_should_only(name, observed):
    result = observed[name]
    failed_levels = {r.check.level for r in result.results if r.status is Status.FAIL}
    if FAULTS[name].level_hint == "MUST":
        assert Level.MUST in failed_levels, f"{name} is a MUST fault but failed no MUST check"
        assert result.exit_code == 1
    else:
        assert failed_levels, f"{name} failed no check at all"


@pytest.mark.parametrize("name", [*REFERENCES, *[n for n, f in FAULTS.items() if f.legal]])
def test_reference_and_legal_variations_pass_everything_under_strict(name, observed):
    result = observed[name]
    assert result.exit_code == 0
    assert all(r.status in (Status.PASS, Status.SKIP) for r in result.results)


def test_every_check_is_proven_by_some_fault(observed):
    killed = {i for name in FAULTS for i in fault_matrix.failing(observed[name])}
    all_ids = {r.check.id for r in observed["reference"].results}
    assert all_ids - killed == set(), f"checks no fault makes fail: {sorted(all_ids - killed)}"


def test_fault_matrix_doc_is_current(spec, observed):
    text = fault_matrix.render(spec, observed)
    current = fault_matrix.DOC.read_text(encoding="utf-8") if fault_matrix.DOC.exists() else ""
    assert current == text, "docs/fault-matrix.md is stale: run `python tools/fault_matrix.py`"


# ---------------------------------------------------------------- the same reports at any concurrency


# Faults whose target numbers its creates in the order they arrive: what a create is numbered depends on
# which other requests reached the target first, which no harness decides once requests go out together.
COUNTED = {"id-numeric", "id-empty"}
# Faults whose failing answer is the whole collection (a $filter, $select or $top ignored, a deleted object
# still listed): the target lists its members in the order they were created, which at concurrency 8 is the
# order requests arrived; the report quotes that list, so its members are compared in a fixed order
# (`comparable(listed=True)`).
LISTED = {
    "filter-ignored",
    "select-ignored",
    "top-only-one",
    "top-invalid-ignored",
    "query-error-bare",
    "delete-leaves-listed",
}


@pytest.fixture(scope="module")
def observed_sequential(spec):
    return fault_matrix.observe(spec, concurrency=1)


def test_the_matrix_runs_at_the_default_concurrency(observed):
    assert DEFAULT_CONCURRENCY == 8
    assert {r.config["concurrency"] for r in observed.values()} == {DEFAULT_CONCURRENCY}


@pytest.mark.parametrize("name", ["reference", "reference-resource", *FAULTS])
def test_concurrency_1_and_8_give_the_same_report(name, observed, observed_sequential):
    """Verdict, every check's status, findings (and their order), evidence, notes and request counts:
    the whole report.json, but for what differs between any two runs (timings, the target's port, ids
    and dates the target makes up)."""
    sequential, concurrent = observed_sequential[name], observed[name]
    assert sequential.config["concurrency"] == 1
    counted, listed = name in COUNTED, name in LISTED
    assert comparable(sequential, counted=counted, listed=listed) == comparable(
        concurrent, counted=counted, listed=listed
    ), name
    assert fault_matrix.failing(sequential) == sorted(EXPECTED[name])
