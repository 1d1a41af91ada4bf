"""The operation kind and key rule (`contract/kinds.py`) on synthetic pages: each kind phrased more than one
way, and pages that must not be taken for any kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract.derive import derive_page
from conformance.contract.kinds import function_segment, key_of, strip_key
from conformance.contract.spec import How
from conformance.errors import DocParseError

HERE = Path(__file__).resolve().parent / "cases" / "kinds"
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_kind_rule(case):
    expected = case["expected"]
    if "error" in expected:
        with pytest.raises(DocParseError) as info:
            derive_page(HERE / case["input"])
        message = str(info.value)
        assert expected["error"] in message
        assert message.startswith(f"{case['input']}:")
        assert "\n" not in message
        return
    op = derive_page(HERE / case["input"]).operation
    assert op.kind_name == expected["kind"]
    assert (op.key.value if op.key else None) == expected["key"]
    assert op.success_status.value == expected["status"]
    if op.kind is not None:  # every fact keeps its line
        assert op.kind.where.line > 0
        assert op.kind.where.file == case["input"]
    if op.key is not None:
        assert op.key.where == op.paths[0].where
    if "body" in expected:
        assert op.response_body == expected["body"]
    if "also" in expected:
        assert [f.value for f in op.also_status] == expected["also"]
        assert all(f.where.section == "Response" for f in op.also_status)
    if "query" in expected:
        assert [f.value for f in op.query_options] == expected["query"]
        assert all(f.where.section == "Optional query parameters" for f in op.query_options)
    if "path" in expected:
        assert [p.value for p in op.paths] == [expected["path"]]
    if "line_query" in expected:  # the options a request line's query string shows count as documented
        assert [f.value for f in op.query_options] == expected["line_query"]
        line = op.paths[0].where.line
        assert all(f.where.section == "HTTP request" and f.where.line == line for f in op.query_options)
    if "paging" in expected:
        assert op.paging is not None
        assert op.paging.value is expected["paging"]
    if "properties" in expected:
        assert [p.name for p in op.properties] == expected["properties"]
    if "required" in expected:
        assert [p.name for p in op.required] == expected["required"]
    if expected.get("status_default"):
        assert op.success_status.how is How.DEFAULT
        assert "delete default" in op.success_status.note


@pytest.mark.parametrize(
    ("path", "key", "collection"),
    [
        ("/things/{id}", "id", "/things"),
        ("/things/{thing-id}/", "thing-id", "/things"),
        ("/things(id)", "id", "/things"),
        ("/things('{id}')", "id", "/things"),
        ("/things(key={id})", "id", "/things"),
        ("/users/{id | userPrincipalName}/events/{id}", "id", "/users/{id | userPrincipalName}/events"),
        ("/things", None, "/things"),
        ("/things/{id}/owner", None, "/things/{id}/owner"),
        ("/things()", None, "/things()"),
    ],
)
def test_key_of_and_collection_path(path, key, collection):
    assert key_of(path) == key
    assert strip_key(path) == collection


@pytest.mark.parametrize(
    ("path", "function"),
    [
        ("/things/delta()", "delta()"),
        ("/things/microsoft.graph.delta()", "microsoft.graph.delta()"),
        ("/reports/usage(period='D7')", "usage(period='D7')"),
        ("/sheets/{id}/cell(row=1,column=2)", "cell(row=1,column=2)"),
        ("/things(id)", None),
        ("/things('{id}')", None),
        ("/things(key={id})", None),
        ("/things/{id}/parts", None),
    ],
)
def test_function_segment(path, function):
    assert function_segment(path) == function
