"""report.json: shape, content and validation against the shipped JSON Schema."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import jsonschema
import pytest

from conformance.reporters import json as json_reporter
from conformance.results import RunResult, Status
from tests.reporters.sample_runs import ALL_RUNS, HOSTILE, failing_run, hostile_run


@pytest.fixture(scope="module")
def schema():
    schema = json_reporter.load_schema()
    assert json_reporter.SCHEMA_FILE.parent.name == "data"  # shipped as package data (pyproject: data/*)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def produce(run: RunResult) -> dict[str, Any]:
    buf = io.StringIO()
    json_reporter.write(run, buf)
    buf.getvalue().encode("utf-8")  # must be writable as UTF-8
    report: dict[str, Any] = json.loads(buf.getvalue())
    return report


@pytest.mark.parametrize("name", sorted(ALL_RUNS))
def test_report_validates_against_schema(schema, name):
    report = produce(ALL_RUNS[name]())
    jsonschema.Draft202012Validator(schema).validate(report)


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("verdict",), "maybe"),
        (("checks", 1, "status"), "flaky"),
        (("checks", 1, "level"), "MUSTN'T"),
        (("checks", 1, "findings"), []),  # a fail without findings
        (("counts", "by_level", "MUST", "pass"), -1),
        (("checks", 1, "findings", 0, "evidence", "exchange", "request", "headers"), [["only-name"]]),
    ],
)
def test_schema_rejects_broken_reports(schema, path, bad):
    report = produce(failing_run())
    assert report["checks"][1]["status"] == "fail"
    node = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(report)


def test_run_fields_and_counts():
    run = failing_run()
    report = produce(run)
    assert report["schema_version"] == "1.1"
    assert report["verdict"] == "fail"
    assert report["exit_code"] == 1
    assert report["doc"] == {"file": run.doc_file, "sha256": run.doc_sha256}
    assert report["seed"] == 1234
    assert report["config"]["token"] == "***"
    assert report["counts"]["total"] == len(run.results)
    assert report["counts"]["by_level"]["MUST"] == {"pass": 1, "fail": 2, "skip": 0, "error": 0, "waived": 0}
    assert report["counts"]["by_status"] == {"pass": 2, "fail": 3, "skip": 1, "error": 0, "waived": 0}
    assert [c["id"] for c in report["checks"]] == [r.check.id for r in run.results]
    assert [n["code"] for n in report["contract"]] == ["DOC-TODO", "DOC-EXAMPLE-PLACEHOLDER"]
    assert report["contract"][0]["where"]["cite"] == "create-outboundshareduserprofile.md:58 (Response)"


def test_check_carries_full_evidence():
    report = produce(failing_run())
    check = next(c for c in report["checks"] if c["id"] == "FUZZ-001")
    assert check["doc"] == {
        "file": "create-outboundshareduserprofile.md",
        "line": 45,
        "section": "Request body",
        "anchor": "",
        "cite": "create-outboundshareduserprofile.md:45 (Request body)",
    }
    assert check["requests"] == 40
    assert check["duration_s"] == 1.25
    ev = check["findings"][0]["evidence"]
    assert ev["seed"] == 1234
    assert ev["input"] == {"userId": "", "deletedDateTime": None}
    assert ev["expected"] == "201"
    assert ev["actual"] == "500"
    x = ev["exchange"]
    assert x["request"]["headers"][0] == ["Authorization", "Bearer ***"]
    assert x["response"]["status"] == 500
    assert x["response"]["body_truncated"] is False
    assert x["curl"].startswith("curl ")
    should = next(c for c in report["checks"] if c["id"] == "ODATA-002")
    assert should["doc"] is None
    assert should["findings"][0]["evidence"]["exchange"]["response"]["body_truncated"] is True
    assert should["findings"][1]["evidence"] is None


def test_hostile_text_is_kept_verbatim():
    report = produce(hostile_run())
    check = next(c for c in report["checks"] if c["id"] == "CREATE-666")
    assert check["findings"][0]["evidence"]["actual"] == HOSTILE
    assert report["verdict"] == "fail"  # a counted failure with evidence decides, whatever else errored
    assert report["exit_code"] == 1


def test_values_json_cannot_carry_are_still_written(schema):
    run = failing_run()
    bad = dataclasses.replace(
        run,
        config={"timeout": float("nan"), 3: {"paths": ("a", "b")}, "levels": {"MUST"}},  # type: ignore[dict-item]
        results=(
            dataclasses.replace(
                run.results[1],
                status=Status.FAIL,
                duration_s=float("inf"),
                notes=("lone surrogate \ud800 here",),
            ),
        ),
    )
    report = produce(bad)
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["config"] == {"timeout": "nan", "3": {"paths": ["a", "b"]}, "levels": ["MUST"]}
    assert report["checks"][0]["duration_s"] is None
