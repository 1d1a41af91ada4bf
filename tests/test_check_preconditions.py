"""Shared check preconditions: a check that examines a success skips, with one reason, when there is none."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conformance.config import Config
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from conformance.runner import run

ROOT = Path(__file__).resolve().parents[1]
NO_2XX = "no 2xx response to examine (got 400); see CREATE-001"
# every check that examines the shared minimal create's success
EXAMINE_A_SUCCESS = ("CREATE-003", "CREATE-004", "CREATE-005", "CREATE-006", "CREATE-007", "CREATE-009")
EXAMINE_A_SUCCESS_SHOULD = ("HDR-101", "READ-201")


def test_checks_that_examine_a_success_skip_when_the_create_is_refused():
    spec = load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")
    # the target also requires deletedDateTime, so the harness's minimal create gets a 400
    stricter = dataclasses.replace(
        spec,
        operation=dataclasses.replace(
            spec.operation,
            properties=tuple(
                dataclasses.replace(p, required=dataclasses.replace(p.required, value=True))
                for p in spec.operation.properties
            ),
        ),
    )
    cfg = Config(formats=(), examples=0, seed=1)
    with ReferenceServer(stricter, token="tok") as server:
        result = run(spec, cfg, base_url=server.url, spec_file="seed", token="tok")
    by_id = {r.check.id: r for r in result.results}
    assert by_id["CREATE-001"].status is Status.FAIL
    for check_id in (*EXAMINE_A_SUCCESS, *EXAMINE_A_SUCCESS_SHOULD):
        assert by_id[check_id].status is Status.SKIP, check_id
        assert by_id[check_id].error == NO_2XX, check_id
