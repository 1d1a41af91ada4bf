"""Independently written targets for issue 9 items 4 and 5 (judgements, --validates-tokens, --value).

Copied from the blind trial /work/blind/test_independent_targets.py (written by a tester who never read the
harness's code; see its REPORT9.md) and cut to these items, with three more broken targets (a degenerate
value refused without an error body, a sent date-time dropped, a known-good value the target refuses).
Every target is a stdlib HTTP server on 127.0.0.1 port 0; nothing here imports ``conformance``. The harness
runs as ``python -m conformance run`` from this checkout and is judged by its exit code and report.json.

Each rule has LEGAL targets (exit 0 under --strict, no MUST or SHOULD failure) and BUGGY ones (exit 1, the
named checks fail at MUST).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.independent_targets_verdicts import (
    KNOWN_USER,
    Behavior,
    Result,
    against,
    dt_drop_offset,
    dt_more_digits,
    dt_padded,
    dt_plus_one_second,
    dt_round_utc_ms,
    dt_truncate,
    dt_zero_beyond_micro,
)

pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------------------
GRAPH_CT = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
OTHER_USER = "9d2e7c40-0b1a-4f7e-8c3d-5a6b7c8d9e0f"

# name -> (behavior, extra flags, what must have been exercised: None / "dt" / "degenerate", a note to find)
LEGAL: dict[str, tuple[Behavior, tuple[str, ...], str | None, str | None]] = {
    "dt-truncated-to-ms": (Behavior(echo_dt=lambda v: dt_truncate(v, 3)), (), "dt", None),
    "dt-rounded-to-ms-in-utc": (Behavior(echo_dt=dt_round_utc_ms), (), "dt", None),
    "dt-truncated-to-seconds": (Behavior(echo_dt=lambda v: dt_truncate(v, 0)), (), "dt", None),
    "dt-padded-with-zeros": (Behavior(echo_dt=dt_padded), (), "dt", None),
    "degenerate-rejected-400": (Behavior(reject_degenerate=True), (), "degenerate", "degenerate value"),
    "degenerate-rejected-422": (
        Behavior(reject_degenerate=True, validation_status=422),
        (),
        "degenerate",
        "degenerate value",
    ),
    "accepts-any-bearer-token": (Behavior(auth="any"), (), None, None),
    "sent-null-omitted": (Behavior(null_omitted=True), (), None, None),
    "graph-like-kitchen-sink": (
        Behavior(
            auth="any",
            content_type=GRAPH_CT,
            odata_context=True,
            graph_error=True,
            unsent_as_null=True,
            echo_dt=dt_round_utc_ms,
            reject_degenerate=True,
            upper_guid=True,
            read_back=False,
            key_order="reversed",
        ),
        (),
        None,
        None,
    ),
    "value-known-user-text": (
        Behavior(only_user=KNOWN_USER),
        ("--value", f"userId={KNOWN_USER}"),
        None,
        "beyond the known-good values",
    ),
    "value-known-user-json": (
        Behavior(only_user=KNOWN_USER),
        ("--value", f'userId="{KNOWN_USER}"'),
        None,
        "beyond the known-good values",
    ),
    "value-known-user-kitchen-sink": (
        Behavior(
            only_user=KNOWN_USER,
            reject_degenerate=True,
            graph_error=True,
            echo_dt=dt_round_utc_ms,
            null_omitted=True,
        ),
        ("--value", f"userId={KNOWN_USER}"),
        None,
        None,
    ),
    "validates-tokens-and-does": (Behavior(), ("--validates-tokens",), None, None),
}


@dataclass(frozen=True)
class Expect:
    fail_any: frozenset = frozenset()  # at least one of these ids FAILED at MUST level
    fail_all: frozenset = frozenset()  # every one of these FAILED
    exercised: str | None = None  # the mock must have seen this kind of input ("dt")


def fs(*ids: str) -> frozenset:
    return frozenset(ids)


ECHO_CHECKS = fs("CREATE-006", "GEN-001", "GEN-003", "CREATE-007")
BUGGY: dict[str, tuple[Behavior, tuple[str, ...], Expect]] = {
    "dt-different-instant": (
        Behavior(echo_dt=dt_plus_one_second),
        (),
        Expect(fail_any=ECHO_CHECKS, exercised="dt"),
    ),
    "dt-more-digits-than-sent": (
        Behavior(echo_dt=dt_more_digits),
        (),
        Expect(fail_any=ECHO_CHECKS, exercised="dt"),
    ),
    "dt-7th-digit-zeroed": (
        Behavior(echo_dt=dt_zero_beyond_micro),
        (),
        Expect(fail_any=ECHO_CHECKS, exercised="dt"),
    ),
    "dt-offset-dropped": (Behavior(echo_dt=dt_drop_offset), (), Expect(fail_any=ECHO_CHECKS, exercised="dt")),
    "500-on-degenerate-value": (Behavior(degenerate_500=True), (), Expect(fail_any=fs("GEN-001", "GEN-003"))),
    "degenerate-refused-without-error-body": (
        Behavior(degenerate_plain_error=True),
        (),
        Expect(fail_any=fs("GEN-001", "GEN-003")),
    ),
    "accepts-degenerate-and-strips-it": (Behavior(strip_strings=True), (), Expect(fail_any=ECHO_CHECKS)),
    "sent-datetime-dropped": (Behavior(optional_dropped=True), (), Expect(fail_all=fs("CREATE-006"))),
    "any-token-but-user-says-it-validates": (
        Behavior(auth="any"),
        ("--validates-tokens", "--strict"),
        Expect(fail_all=fs("AUTH-102")),
    ),
    "only-known-user-without-value": (Behavior(only_user=KNOWN_USER), (), Expect(fail_all=fs("CREATE-001"))),
    "known-value-the-target-refuses": (
        Behavior(only_user=KNOWN_USER),
        ("--value", f"userId={OTHER_USER}"),
        Expect(fail_all=fs("CREATE-001", "CREATE-002")),
    ),
}

JOBS: dict[str, Callable[[Path], Result]] = {}
for _name, (_beh, _extra, _, _) in LEGAL.items():
    JOBS[f"legal:{_name}"] = against(_beh, "--strict", *_extra)
for _name, (_beh, _extra, _) in BUGGY.items():
    JOBS[f"buggy:{_name}"] = against(_beh, *_extra)


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Submit every job the selected tests need to a pool at once; tests wait for their own."""
    needed = []
    for item in request.session.items:
        job = getattr(item, "callspec", None) and item.callspec.params.get("job")
        if job and item.module is request.module and job not in needed:
            needed.append(job)
    base = tmp_path_factory.mktemp("judgements")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("BLIND_WORKERS", "3")))
    futures = {name: pool.submit(JOBS[name], base / name.replace(":", "_")) for name in needed}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def get(runs, job: str) -> Result:
    return runs[job].result(timeout=600)


def assert_consistent(res: Result) -> None:
    assert res.report is not None, f"no report.json written\n{res.describe()}"
    assert res.report.get("exit_code") == res.rc, (
        f"report.json exit_code != process exit code\n{res.describe()}"
    )
    assert "Traceback" not in res.stderr + res.stdout, res.describe()


def assert_clean_pass(res: Result) -> None:
    assert_consistent(res)
    assert res.with_status("fail", ("MUST", "SHOULD")) == set(), res.describe()
    assert res.with_status("error") == set(), res.describe()
    assert res.rc == 0, res.describe()


@pytest.mark.parametrize("job", [f"legal:{n}" for n in LEGAL])
def test_legal_target_passes_under_strict(runs, job):
    name = job.split(":")[1]
    res = get(runs, job)
    assert_clean_pass(res)
    _, extra, exercised, note = LEGAL[name]
    if exercised == "dt":
        assert res.server["dt_changed"] > 0, (
            "the harness never sent a date-time this variant echoes differently"
        )
    if exercised == "degenerate":
        assert res.server["degenerate_seen"] > 0, "the harness never sent a degenerate value"
    if note:
        notes = [n for c in res.checks().values() for n in c.get("notes") or []]
        assert any(note in n for n in notes), f"no note mentions {note!r}: {notes}"
    auth = res.checks()["AUTH-102"]
    if "--validates-tokens" in extra:
        assert auth["status"] == "pass", res.describe()
    else:
        assert auth["status"] == "skip", (
            f"AUTH-102 must be skipped without --validates-tokens\n{res.describe()}"
        )
        assert "--validates-tokens" in json.dumps(auth), "the skip reason does not name the flag"
    if "--value" in extra:
        for cid in ("CREATE-001", "CREATE-002", "CREATE-006", "GEN-001"):
            assert res.checks()[cid]["status"] == "pass", res.describe()


def _failed_must(res: Result) -> set[str]:
    return res.with_status("fail", ("MUST",))


@pytest.mark.parametrize("job", [f"buggy:{n}" for n in BUGGY])
def test_buggy_target_fails(runs, job):
    name = job.split(":")[1]
    exp = BUGGY[name][2]
    res = get(runs, job)
    assert_consistent(res)
    if exp.exercised == "dt":
        assert res.server["dt_changed"] > 0, (
            f"harness never sent a date-time this bug changes\n{res.describe()}"
        )
    assert res.rc == 1, res.describe()
    if exp.fail_any:
        assert _failed_must(res) & exp.fail_any, (
            f"none of {sorted(exp.fail_any)} failed at MUST\n{res.describe()}"
        )
    failed = res.with_status("fail")
    assert exp.fail_all <= failed, f"{sorted(exp.fail_all - failed)} did not fail\n{res.describe()}"
