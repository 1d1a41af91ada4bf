"""OpenAPI path templates from the paths pages write (`contract/templates.py`), on synthetic pages: a query
string on the request line, a bare `(id)` key, one resource's pages naming the key two ways, a placeholder
repeated in one path and `{id | userPrincipalName}`."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from conformance.cli import main
from conformance.contract.derive import derive_page
from conformance.contract.openapi import to_openapi
from conformance.contract.pageset import combine
from tests.openapi_paths import path_problems

HERE = Path(__file__).resolve().parent / "cases" / "paths"
KINDS = Path(__file__).resolve().parent / "cases" / "kinds"


def _doc(*pages: Path):
    doc = to_openapi(combine([derive_page(p) for p in pages]))
    validate(doc)
    assert path_problems(doc) == []
    return doc


def _params(op):
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == "path"}


def test_a_query_string_is_never_in_a_path_key():
    doc = _doc(KINDS / "get-query.md")
    assert list(doc["paths"]) == ["/gadgets/{id}"]
    get = doc["paths"]["/gadgets/{id}"]["get"]
    assert _params(get)["id"]["x-key"] is True
    assert [p["name"] for p in get["parameters"] if p["in"] == "query"] == ["$select"]
    doc = _doc(KINDS / "list-query.md")
    assert list(doc["paths"]) == ["/gadgets"]
    query = doc["paths"]["/gadgets"]["get"]["parameters"]
    assert [p["name"] for p in query if p["in"] == "query"] == ["$filter", "$top"]


def test_a_bare_parenthesised_key_gets_its_path_parameter():
    doc = _doc(HERE / "widget-get-bare.md")
    assert list(doc["paths"]) == ["/widgets({id})"]
    param = _params(doc["paths"]["/widgets({id})"]["get"])["id"]
    assert param["x-key"] is True
    assert param["required"] is True


def test_one_resource_naming_its_key_two_ways_gives_one_path(tmp_path):
    pages = [HERE / f"profile-{n}.md" for n in ("create", "get", "delete")]
    out = io.StringIO()
    assert main(["derive", *map(str, pages), "--out", str(tmp_path)], out=out, err=out) == 0, out.getvalue()
    printed = out.getvalue()
    assert "resource profile (/profiles, key {userId}): create, get, delete" in printed
    assert (
        "path '/profiles/{profileId}' (profile-delete.md:8 (HTTP request)) is '/profiles/{userId}'" in printed
    )
    doc = yaml.safe_load((tmp_path / "profile.openapi.yaml").read_text(encoding="utf-8"))
    validate(doc)
    assert path_problems(doc) == []
    assert sorted(doc["paths"]) == ["/profiles", "/profiles/{userId}"]
    item = doc["paths"]["/profiles/{userId}"]
    assert set(item) == {"get", "delete"}
    assert _params(item["delete"])["userId"]["x-written"] == "{profileId}"
    assert _params(item["delete"])["userId"]["x-key"] is True
    assert item["delete"]["x-doc"].startswith("profile-delete.md:")


def test_repeated_and_alternative_placeholders_get_valid_distinct_names():
    doc = _doc(HERE / "room-update.md", HERE / "note-list.md")
    assert sorted(doc["paths"]) == [
        "/houses/{house-id}/rooms/{id}",
        "/people/{id}/notes",
        "/people/{people-id}/houses/{house-id}/rooms/{id}",
    ]
    patch = doc["paths"]["/houses/{house-id}/rooms/{id}"]["patch"]
    params = _params(patch)
    assert params["id"]["x-key"] is True
    assert params["house-id"]["x-written"] == "{id}"
    assert "x-key" not in params["house-id"]
    nested = _params(doc["paths"]["/people/{people-id}/houses/{house-id}/rooms/{id}"]["patch"])
    assert nested["people-id"]["x-written"] == "{id | userPrincipalName}"
    assert _params(doc["paths"]["/people/{id}/notes"]["get"])["id"]["x-written"] == "{id | userPrincipalName}"
    spec = combine([derive_page(HERE / "room-update.md")])
    assert spec.operation.key is not None  # the key fact keeps the page's name
    assert spec.operation.key.value == "id"
