"""The harness judges a mock it was not built from: legal variations pass, deliberate bugs are caught."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.checks import bind
from conformance.cli import main
from tests.independent_impl import (
    ALL_QUIRKS,
    BUG_QUIRKS,
    LEGAL_QUIRKS,
    VendorMock,
    normalised,
    parse_datetime,
)
from tests.seed_spec import SEED_SPEC

TOKEN = "vendor-mock-secret-5b7e21"
FAST = ("--examples", "10", "--seed", "1", "--validates-tokens")  # the mock checks its token

# Each bug, the check ids that must catch it, and whether a MUST check is among them.
EXPECTED_FAILURES: dict[str, frozenset[str]] = {
    "ok-200": frozenset({"CREATE-001", "CREATE-002", "GEN-001", "GEN-003"}),
    "counter-id": frozenset({"CREATE-004", "CREATE-007", "GEN-001", "GEN-003"}),
    "wrong-namespace": frozenset({"CREATE-005", "CREATE-007", "GEN-001", "GEN-003"}),
    "trim": frozenset({"GEN-003"}),  # the padded-string edge case
    "ascii-only": frozenset({"GEN-003"}),  # the non-ASCII edge case
    "no-validation": frozenset({"VALID-001", "VALID-002", "VALID-103", "GEN-002", "GEN-003"}),
    "crash-on-emoji": frozenset({"GEN-003"}),  # the non-ASCII edge case holds U+1F680
    "naive-datetime": frozenset({"GEN-003"}),  # the date-only edge case
    "offsetless-datetime": frozenset({"GEN-003"}),  # "2024-05-17T09:30:00" is not a DateTimeOffset
    "lose-datetime": frozenset({"CREATE-006", "GEN-003"}),
    "no-auth": frozenset({"AUTH-001", "AUTH-102"}),
    "html-errors": frozenset({"ERR-101"}),
    "no-location": frozenset({"HDR-101"}),
}
SHOULD_ONLY = frozenset({"html-errors", "no-location"})  # the bugs that break only SHOULD checks


@dataclass(frozen=True)
class Outcome:
    code: int
    statuses: dict[str, str]
    levels: dict[str, str]
    messages: dict[str, list[str]]
    report_text: str
    output: str

    def with_status(self, *wanted: str) -> set[str]:
        return {cid for cid, status in self.statuses.items() if status in wanted}

    def explain(self) -> str:
        bad = {cid: self.messages[cid][:2] for cid in sorted(self.with_status("fail", "error"))}
        return f"exit {self.code}; failing/erroring checks: {bad}\n{self.output[-2000:]}"


def run_against(quirks: set[str], report_dir: Path, *extra: str) -> Outcome:
    """One in-process `conformance run` against the mock with `quirks` switched on."""
    out, err = io.StringIO(), io.StringIO()
    with VendorMock(token=TOKEN, quirks=quirks) as mock:
        argv = ["run", "--target", mock.url, "--token", TOKEN, *FAST, "--report-dir", str(report_dir), *extra]
        code = main(argv, out=out, err=err)
    text = (report_dir / "report.json").read_text()
    report = json.loads(text)
    checks = report["checks"]
    return Outcome(
        code=code,
        statuses={c["id"]: c["status"] for c in checks},
        levels={c["id"]: c["level"] for c in checks},
        messages={c["id"]: [f["message"] for f in c.get("findings") or []] for c in checks},
        report_text=text,
        output=out.getvalue() + err.getvalue(),
    )


NOT_ON_THE_SEED = {b.check.id for b in bind(SEED_SPEC) if b.skip_reason}  # ALT-*: no alternatives there


def assert_conformant(outcome: Outcome) -> None:
    assert outcome.code == 0, outcome.explain()
    assert outcome.with_status("fail", "error") == set(), outcome.explain()
    # Passing by skipping proves nothing: every MUST check has to have run and passed, but for those about
    # what the seed page does not state (alternatives).
    musts = {cid for cid, level in outcome.levels.items() if level == "MUST"} - NOT_ON_THE_SEED
    assert outcome.with_status("pass") >= musts, outcome.explain()


def test_the_quirk_tables_are_disjoint_and_all_covered() -> None:
    assert not LEGAL_QUIRKS & BUG_QUIRKS
    assert set(EXPECTED_FAILURES) == BUG_QUIRKS
    with pytest.raises(ValueError, match="no-such-quirk"):
        VendorMock(quirks={"no-such-quirk"})
    assert ALL_QUIRKS == LEGAL_QUIRKS | BUG_QUIRKS


def test_mock_datetime_parsing_is_rfc3339_with_offset() -> None:
    assert normalised("2024-05-17T09:30:00+05:30") == "2024-05-17T04:00:00.0000000Z"
    assert normalised("2024-02-29t23:59:59.123456789z") == "2024-02-29T23:59:59.1234567Z"
    assert normalised("2024-12-31T23:30:00-01:00") == "2025-01-01T00:30:00.0000000Z"
    # a UTC instant before year 1 keeps its offset rather than become unrepresentable
    assert normalised("0001-01-01T00:00:00+05:30") == "0001-01-01T00:00:00.0000000+05:30"
    assert parse_datetime("1970-01-01T00:00:00Z") == 0
    for bad in (
        "2023-02-29T00:00:00Z",  # not a leap year
        "2024-05-17T09:30:00",  # no offset
        "2024-05-17",  # no time
        "2024-05-17T24:00:00Z",
        "2024-05-17T23:59:60Z",  # Edm.DateTimeOffset has no leap second
        "0000-01-01T00:00:00Z",
        "2024-05-17T09:30:00+24:00",
        "2024-05-17T09:30:00Z\n",
        "\uff12\uff10\uff12\uff14-05-17T09:30:00Z",  # non-ASCII digits
    ):
        assert parse_datetime(bad) is None, bad
    assert parse_datetime("2024-05-17T09:30:00", no_offset=True) is not None
    assert parse_datetime("2024-05-17", no_offset=True) is None
    assert parse_datetime("2024-05-17", no_time=True) is not None


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_correct_mock_is_conformant(strict: bool, tmp_path: Path) -> None:
    outcome = run_against(set(), tmp_path, *(["--strict"] if strict else []))
    assert_conformant(outcome)
    # The correct mock gives no check a reason to skip (the page gives ALT-* theirs).
    assert outcome.with_status("skip") == NOT_ON_THE_SEED, outcome.explain()


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("quirk", sorted(LEGAL_QUIRKS))
def test_legal_variation_is_accepted(quirk: str, strict: bool, tmp_path: Path) -> None:
    assert_conformant(run_against({quirk}, tmp_path, *(["--strict"] if strict else [])))


def test_all_legal_variations_together_are_accepted(tmp_path: Path) -> None:
    # gzip inside chunked framing on a closing connection, upper-case ids in key-syntax Locations, ...
    assert_conformant(run_against(set(LEGAL_QUIRKS), tmp_path, "--strict"))


@pytest.mark.parametrize("quirk", sorted(BUG_QUIRKS))
def test_bug_is_caught(quirk: str, tmp_path: Path) -> None:
    strict = run_against({quirk}, tmp_path / "strict", "--strict")
    failing = strict.with_status("fail")
    assert strict.with_status("error") == set(), strict.explain()
    missed = EXPECTED_FAILURES[quirk] - failing
    assert not missed, f"{quirk}: the harness did not fail {sorted(missed)}; {strict.explain()}"
    assert strict.code == 1, strict.explain()

    default = run_against({quirk}, tmp_path / "default")
    assert default.with_status("error") == set(), default.explain()
    if quirk in SHOULD_ONLY:
        assert {strict.levels[c] for c in failing} == {"SHOULD"}, strict.explain()
        assert default.code == 0, default.explain()  # SHOULD failures count only under --strict
    else:
        assert any(strict.levels[c] == "MUST" for c in failing), strict.explain()
        assert default.code == 1, default.explain()


def test_graph_namespace_passes_with_accept_odata_type(tmp_path: Path) -> None:
    alias = "#microsoft.graph.outboundSharedUserProfile"
    outcome = run_against({"wrong-namespace"}, tmp_path, "--strict", "--accept-odata-type", alias)
    assert_conformant(outcome)
    assert alias in outcome.report_text  # the report says the alias was used
