"""Tests of derivation: the seed page and synthetic pages for each variation derive checks meet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conformance.contract.derive import derive_page, derive_text
from conformance.contract.doctext import doc_type_schema
from conformance.contract.httpexamples import json_key_lines, lenient_json
from conformance.contract.spec import How
from conformance.errors import DocParseError
from tests.seed_spec import SEED_SPEC

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "specs" / "create-outboundshareduserprofile.md"
CASES = Path(__file__).resolve().parent / "cases" / "derive" / "api"


def _without_descriptions(op):
    # The hand-written seed leaves every description empty; derivation keeps the page's text.
    props = tuple(dataclasses.replace(p, description="") for p in op.properties)
    return dataclasses.replace(op, properties=props)


def test_seed_spec_equals_hand_written_one():
    spec = derive_page(SEED)
    assert spec.doc_file == SEED_SPEC.doc_file
    assert spec.title == SEED_SPEC.title
    assert spec.version == SEED_SPEC.version
    assert _without_descriptions(spec.operation) == SEED_SPEC.operation
    assert len(spec.doc_sha256) == 64
    assert spec.operation.property("deletedDateTime").description == "Inherited from directoryObject"


def test_seed_landmarks_locate_headings_rows_and_blocks():
    spec = derive_page(SEED)
    assert spec.locate("Request body", "userId").line == 50
    assert spec.locate("Request headers", "Content-Type").line == 40
    assert spec.locate("Response").line == 54
    assert spec.locate("Request", "block:request").line == 66
    assert spec.locate("HTTP request", "block:ignored").line == 32


def test_required_column_markers_types_and_headers():
    op = derive_page(CASES / "widget-post.md").operation
    got = {p.name: (p.required.value, p.required.how) for p in op.properties}
    assert got["label"] == (True, How.COLUMN)
    assert got["count"] == (False, How.COLUMN)
    assert got["owner"] == (True, How.MARKER)  # "Required." at the start
    assert got["color"] == (False, How.MARKER)
    assert got["shape"] == (False, How.MARKER)  # "(Optional)" in the type column
    assert got["batchId"] == (False, How.DEFAULT)
    schemas = {p.name: p.schema for p in op.properties}
    assert schemas["count"] == {
        "type": "integer",
        "format": "int32",
        "minimum": -(2**31),
        "maximum": 2**31 - 1,
    }
    assert schemas["ratio"] == {"type": "number"}
    assert schemas["tags"] == {"type": "array", "items": {"type": "string"}}
    assert schemas["batchId"] == {"type": "string", "format": "uuid"}
    assert schemas["madeOn"] == {"type": "string", "format": "date"}
    assert schemas["enabled"] == {"type": "boolean"}
    assert schemas["owner"] == {"type": "object"}
    assert schemas["color"] == {"type": "string"}  # enum per the resource page
    assert op.property("ratio").description == "A ratio | a fraction"
    # nullability from the resource page beside the api page
    assert op.property("batchId").nullable
    assert not op.property("label").nullable
    assert [(h.name, h.required, h.value) for h in op.headers] == [
        ("Authorization", True, "Bearer {token}"),
        ("Prefer", False, "return=minimal"),
    ]


def test_absolute_and_relative_paths_and_version():
    spec = derive_page(CASES / "widget-post.md")
    assert [p.value for p in spec.operation.paths] == [
        "/factories/{id | userPrincipalName}/widgets",
        "/factories/{factory-id}/widgets",
    ]
    assert spec.version == "v1.0"
    assert spec.operation.resource == "widget"


def test_status_disagreement_keeps_prose_with_lower_confidence():
    op = derive_page(CASES / "widget-post.md").operation
    assert op.success_status.value == 201
    assert op.success_status.confidence < 1.0
    assert "200" in op.success_status.note


def test_lenient_example_bodies_and_annotation_fallback():
    op = derive_page(CASES / "widget-post.md").operation
    (ex,) = op.examples
    assert ex.name == "create_widget"
    assert ex.request_body == {"label": "a // not a comment", "count": 2, "tags": ["x"]}
    assert ex.response_status == 200
    assert ex.response_body["count"] == 2
    assert op.odata_type.value == "#microsoft.graph.widget"
    assert op.odata_type.how == How.ANNOTATION
    assert op.odata_type.confidence < 1.0
    assert op.id_format.value == "guid"  # upper case, no RFC 4122 variant demanded
    assert op.id_format.where.line == 76


def test_prose_and_table_intro_requirements():
    spec = derive_page(CASES / "widget-intro.md")
    op = spec.operation
    got = {p.name: (p.required.value, p.required.how) for p in op.properties}
    assert got["serial"] == (True, How.PROSE)
    assert got["label"] == (True, How.PROSE)
    assert got["batchId"] == (True, How.PROSE)
    assert "createdDateTime" not in got  # "but not" excludes it
    # the table intro calls owner required, but the page's example sends only serial: the weak fact yields
    assert got["owner"] == (False, How.TABLE_INTRO)
    assert op.property("owner").required.confidence < 0.5
    assert [(y.name, y.what, y.fact.line) for y in op.yields] == [("owner", "required", 15)]
    assert got["color"] == (False, How.MARKER)
    assert got["nickname"] == (False, How.TABLE_INTRO)  # conditional description
    assert op.success_status.value == 201
    assert op.success_status.how == How.EXAMPLE
    assert op.odata_type.value == "#microsoft.graph.widget"
    assert op.odata_type.how == How.EXAMPLE
    assert op.id_format.value == "string"
    assert spec.version == "beta"


def test_stub_table_intro_is_not_a_required_list():
    op = derive_page(CASES / "widget-stub.md").operation
    assert not any(p.required.value for p in op.properties)
    assert op.property("id").read_only  # the resource page says so
    assert all(p.required.how == How.TABLE_INTRO for p in op.properties)
    (ex,) = op.examples
    assert ex.request_body is None
    assert ex.response_body is None
    assert op.odata_type is None
    assert op.id_format.how == How.DEFAULT


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("no-http-request.md", "no-http-request.md:1: no '## HTTP request' section; expected"),
        ("no-post-line.md", "no-post-line.md:6: 'GET /widgets' ends in no key and the Response prose"),
        ("broken-table.md", "broken-table.md:11: request-body table has no property-name column"),
    ],
)
def test_unreadable_pages_raise_one_line(case, fragment):
    with pytest.raises(DocParseError) as info:
        derive_page(CASES / case)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["", "\x00\x01binary\xff", "<html><body><h1>Hi</h1></body></html>", "# T\n\n## HTTP request\n```http\n"],
)
def test_garbage_raises_doc_parse_error_only(text):
    with pytest.raises(DocParseError):
        derive_text(text, "g.md")


def test_missing_file_is_a_doc_parse_error(tmp_path):
    with pytest.raises(DocParseError, match="cannot read"):
        derive_page(tmp_path / "absent.md")


def test_helpers():
    assert lenient_json("{'a': 1}")[0] is None
    assert lenient_json('{"a": [1, 2,], /* c */ "b": "//x"}')[0] == {"a": [1, 2], "b": "//x"}
    assert json_key_lines('{\n  "a": {"x": 1},\n  "b": 2\n}', 10) == {"a": 11, "b": 12}
    assert doc_type_schema("[thing](../resources/thing.md) collection") == {
        "type": "array",
        "items": {"type": "object"},
    }
    assert doc_type_schema("DateTimeOffset") == {"type": "string", "format": "date-time"}
    assert doc_type_schema("someEnum") == {}
