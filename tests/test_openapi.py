"""Spec to OpenAPI 3.1 / JSON Schema files and back (`conformance.contract.openapi`)."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from conformance.contract import openapi
from conformance.contract.openapi import (
    INVALID_EXAMPLES_KEY,
    load_spec,
    request_schema_file,
    response_schema_file,
    to_openapi,
    write_spec_files,
)
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import (
    SPEC_FORMAT,
    DocLocation,
    Fact,
    Header,
    How,
    Spec,
    request_schema,
    response_schema,
)
from conformance.errors import SpecError
from tests.seed_spec import SEED_SPEC

SEED_PAGE = Path(__file__).resolve().parent.parent / "specs" / "create-outboundshareduserprofile.md"
PATH = "/directory/outboundSharedUserProfiles"


def _post(doc: dict[str, Any], path: str = PATH) -> Any:
    return doc["paths"][path]["post"]


def _valid_variant() -> Spec:
    """The seed with example values a careful writer would have used."""
    op = SEED_SPEC.operation
    ex = dataclasses.replace(
        op.examples[0],
        request_body={"userId": "8c1b5e3a-2f4d-4e6b-9a7c-1d2e3f4a5b6c", "deletedDateTime": None},
        response_body={
            "@odata.type": "#Microsoft.DirectoryServices.outboundSharedUserProfile",
            "id": "0b7e9c54-31aa-4f4f-a1d0-6f3c2b9e8d71",
            "deletedDateTime": "2024-05-01T10:00:00Z",
            "userId": "8c1b5e3a-2f4d-4e6b-9a7c-1d2e3f4a5b6c",
        },
    )
    return dataclasses.replace(SEED_SPEC, operation=dataclasses.replace(op, examples=(ex,)))


def _with_path_and_headers() -> Spec:
    loc = DocLocation(file="x.md", line=12, section="HTTP request")
    op = dataclasses.replace(
        SEED_SPEC.operation,
        paths=(
            Fact(value="/users/{user-id}/profiles", where=loc, how=How.SECTION),
            Fact(value="me/profiles", where=dataclasses.replace(loc, line=13), how=How.SECTION),
        ),
        headers=(
            *SEED_SPEC.operation.headers,
            Header(
                name="ConsistencyLevel",
                required=True,
                value="eventual",
                where=DocLocation(file="x.md", line=20, section="Request headers", anchor="ConsistencyLevel"),
            ),
            Header(
                name="Prefer",
                required=False,
                value="return=minimal",
                where=DocLocation(file="x.md", line=21, section="Request headers", anchor="Prefer"),
            ),
        ),
    )
    return dataclasses.replace(SEED_SPEC, operation=op)


# -- the OpenAPI document ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: SEED_SPEC, _valid_variant, _with_path_and_headers])
def test_document_is_valid_openapi_3_1(make):
    doc = to_openapi(make())
    assert doc["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(doc).validate()
    validate(doc)  # version detected from the document itself


def test_seed_operation_shape():
    doc = to_openapi(SEED_SPEC)
    assert "servers" not in doc
    post = _post(doc)
    assert post["operationId"] == "createOutboundSharedUserProfile"
    assert post["security"] == [{"bearerAuth": []}]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    # Authorization is the security scheme, Content-Type the request media type: neither is a parameter.
    assert "parameters" not in post
    body = post["requestBody"]
    assert body["required"] is True
    assert list(body["content"]) == ["application/json"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/outboundSharedUserProfile.create"
    }
    assert set(post["responses"]) == {"201", "400", "401", "415", "default"}
    ok = post["responses"]["201"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/outboundSharedUserProfile"}
    for code in ("400", "401", "415", "default"):
        err = post["responses"][code]["content"]["application/json"]["schema"]
        assert err == {"$ref": "#/components/schemas/graph.error"}


def test_component_schemas_come_from_spec_functions():
    from conformance.contract.spec import request_schema, response_schema

    doc = to_openapi(SEED_SPEC)
    schemas = doc["components"]["schemas"]
    op = SEED_SPEC.operation
    req = schemas["outboundSharedUserProfile.create"]
    assert req["required"] == request_schema(op)["required"] == ["userId"]
    assert req["additionalProperties"] is False
    resp = schemas["outboundSharedUserProfile"]
    assert set(resp["properties"]) == set(response_schema(op)["properties"])
    error = schemas["graph.error"]
    assert validation_errors({"error": {"code": "BadRequest", "message": "no"}}, error) == []
    assert validation_errors({"error": {"code": "BadRequest"}}, error) != []
    assert validation_errors({"message": "no"}, error) != []


def test_provenance_on_operation_properties_and_responses():
    doc = to_openapi(SEED_SPEC)
    post = _post(doc)
    assert post["x-doc"] == "create-outboundshareduserprofile.md:33 (HTTP request)"
    props = doc["components"]["schemas"]["outboundSharedUserProfile.create"]["properties"]
    assert props["userId"]["x-doc"] == "create-outboundshareduserprofile.md:50 (Request body, userId)"
    assert props["deletedDateTime"]["x-doc"].startswith("create-outboundshareduserprofile.md:49 ")
    for code, response in post["responses"].items():
        assert response["x-doc"], code
    assert post["responses"]["201"]["x-doc"] == "create-outboundshareduserprofile.md:56 (Response)"
    assert post["responses"]["401"]["x-doc"].endswith("(Request headers, Authorization)")
    assert post["responses"]["415"]["x-doc"].endswith("(Request headers, Content-Type)")
    assert doc["x-conformance"] == SEED_SPEC.to_json()


def test_invalid_seed_examples_are_kept_away_from_examples():
    doc = to_openapi(SEED_SPEC)
    post = _post(doc)
    req = post["requestBody"]["content"]["application/json"]
    resp = post["responses"]["201"]["content"]["application/json"]
    for media in (req, resp):
        assert "example" not in media
        (entry,) = media[INVALID_EXAMPLES_KEY].values()
        assert entry["value"]["deletedDateTime"] == "String (timestamp)"
        assert any(e.startswith("/deletedDateTime:") for e in entry["x-errors"])
        # ... and `examples` holds its repaired twin, marked as such, with the page's valid values kept
        (repaired,) = media["examples"].values()
        assert repaired["x-repaired-from-page"] is True
        assert "repaired" in repaired["summary"]
        assert INVALID_EXAMPLES_KEY in repaired["description"]
        assert repaired["value"]["deletedDateTime"] != "String (timestamp)"
        assert repaired["value"]["userId"] == entry["value"]["userId"]
        assert repaired["x-doc"] == entry["x-doc"]
    assert not validation_errors(req["examples"].popitem()[1]["value"], request_schema(SEED_SPEC.operation))
    assert not validation_errors(resp["examples"].popitem()[1]["value"], response_schema(SEED_SPEC.operation))


def test_valid_examples_are_published_as_openapi_examples():
    spec = _valid_variant()
    post = _post(to_openapi(spec))
    req = post["requestBody"]["content"]["application/json"]
    resp = post["responses"]["201"]["content"]["application/json"]
    assert INVALID_EXAMPLES_KEY not in req
    assert INVALID_EXAMPLES_KEY not in resp
    (req_ex,) = req["examples"].values()
    (resp_ex,) = resp["examples"].values()
    assert req_ex["value"] == spec.operation.examples[0].request_body
    assert resp_ex["value"] == spec.operation.examples[0].response_body
    assert req_ex["x-doc"] == "create-outboundshareduserprofile.md:66 (Request)"


def _example_bodies(doc: dict[str, Any]) -> list[Any]:
    import schemathesis

    operation = schemathesis.openapi.from_dict(doc)[PATH]["POST"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hypothesis warns about .example() outside tests
        return [strategy.example().body for strategy in operation.get_strategies_from_examples()]


def test_schemathesis_examples_phase_never_sends_the_invalid_seed_example():
    (sent,) = _example_bodies(to_openapi(SEED_SPEC))  # the repaired one
    assert not validation_errors(sent, request_schema(SEED_SPEC.operation))
    assert sent != SEED_SPEC.operation.examples[0].request_body
    spec = _valid_variant()
    assert _example_bodies(to_openapi(spec)) == [spec.operation.examples[0].request_body]


def test_path_placeholders_and_extra_headers_become_parameters():
    doc = to_openapi(_with_path_and_headers())
    assert set(doc["paths"]) == {"/users/{user-id}/profiles", "/me/profiles"}
    first = doc["paths"]["/users/{user-id}/profiles"]["post"]
    second = doc["paths"]["/me/profiles"]["post"]
    assert first["operationId"] != second["operationId"]
    params = {(p["in"], p["name"]): p for p in first["parameters"]}
    assert params[("path", "user-id")]["required"] is True
    assert params[("path", "user-id")]["schema"]["type"] == "string"
    assert params[("header", "ConsistencyLevel")]["required"] is True
    assert params[("header", "ConsistencyLevel")]["schema"] == {"type": "string", "enum": ["eventual"]}
    assert params[("header", "ConsistencyLevel")]["x-doc"] == "x.md:20 (Request headers, ConsistencyLevel)"
    names = {p["name"].casefold() for p in first["parameters"]}
    assert names.isdisjoint({"authorization", "content-type", "prefer"})
    assert {(p["in"], p["name"]) for p in second["parameters"]} == {("header", "ConsistencyLevel")}


def test_derived_seed_page_gives_a_valid_document():
    from conformance.contract.derive import derive_page

    doc = to_openapi(derive_page(SEED_PAGE))
    validate(doc)
    assert PATH in doc["paths"]


# -- standalone JSON Schema files -------------------------------------------------------------


def test_schema_files_are_2020_12_documents():
    req = request_schema_file(SEED_SPEC)
    resp = response_schema_file(SEED_SPEC)
    for doc in (req, resp):
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(doc)
        assert "create-outboundshareduserprofile.md:" in doc["description"]
        assert doc["title"]
    assert req["$id"] == "urn:conformance:outboundSharedUserProfile:create-request"
    assert resp["$id"] == "urn:conformance:outboundSharedUserProfile:create-response"
    assert validation_errors({"userId": "u"}, req) == []
    assert validation_errors({"deletedDateTime": "String (timestamp)", "userId": "u"}, req) != []
    assert validation_errors({}, req) != []
    good = _valid_variant().operation.examples[0].response_body
    assert validation_errors(good, resp) == []
    assert validation_errors({**good, "id": "not-a-guid"}, resp) != []


# -- files and the round trip ---------------------------------------------------------------


def test_write_spec_files_is_deterministic_and_round_trips(tmp_path):
    a = write_spec_files(SEED_SPEC, tmp_path / "a")
    b = write_spec_files(SEED_SPEC, tmp_path / "b")
    assert [p.name for p in a] == [
        "outboundSharedUserProfile.openapi.yaml",
        "outboundSharedUserProfile.request.schema.json",
        "outboundSharedUserProfile.response.schema.json",
    ]
    for pa, pb in zip(a, b, strict=True):
        data = pa.read_bytes()
        assert data == pb.read_bytes()
        assert data.endswith(b"\n")
        assert not data.endswith(b"\n\n")
    assert "&id0" not in a[0].read_text()
    assert "*id0" not in a[0].read_text()
    doc = yaml.safe_load(a[0].read_text(encoding="utf-8"))
    validate(doc)
    assert json.loads(a[1].read_text()) == request_schema_file(SEED_SPEC)
    assert json.loads(a[2].read_text()) == response_schema_file(SEED_SPEC)
    assert load_spec(a[0]) == SEED_SPEC
    # rewriting from the loaded spec gives the same bytes
    c = write_spec_files(load_spec(a[0]), tmp_path / "c")
    assert [p.read_bytes() for p in c] == [p.read_bytes() for p in a]


def test_round_trip_of_a_derived_page(tmp_path):
    from conformance.contract.derive import derive_page

    spec = derive_page(SEED_PAGE)
    (yaml_file, *_) = write_spec_files(spec, tmp_path)
    assert load_spec(yaml_file) == spec
    assert load_spec(SEED_PAGE) == spec


def test_load_spec_reads_the_same_document_as_json(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(to_openapi(SEED_SPEC)), encoding="utf-8")
    assert load_spec(path) == SEED_SPEC


def _written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing.openapi.yaml", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _written(d, "bad.yaml", "openapi: [3.1\n  - :"), "not valid YAML/JSON at line"),
        (lambda d: _written(d, "date.yaml", "openapi: 3.1.0\nx: 2099-13-01\n"), "(month must be in 1..12)"),
        (lambda d: _written(d, "list.yaml", "- 1\n- 2\n"), "top level is not a mapping"),
        (lambda d: _written(d, "plain.yaml", "openapi: 3.1.0\npaths: {}\n"), "has no `x-conformance` key"),
        (
            lambda d: _written(d, "old.yaml", yaml.safe_dump({"x-conformance": {"format": SPEC_FORMAT + 1}})),
            f"spec format {SPEC_FORMAT + 1}",
        ),
        (
            lambda d: _written(d, "broken.yaml", yaml.safe_dump({"x-conformance": {"format": SPEC_FORMAT}})),
            "`x-conformance` is malformed",
        ),
        (lambda d: _written(d, "x.request.schema.json", json.dumps({"$schema": "s"})), "JSON Schema file"),
        (lambda d: _written(d, "notes.txt", "hello"), "unknown kind of spec file"),
    ],
)
def test_load_spec_errors_are_one_line_with_the_path(tmp_path, make, fragment):
    path = make(tmp_path)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ":")
    assert fragment in message


def test_load_spec_error_suggests_the_file_in_a_directory(tmp_path):
    write_spec_files(SEED_SPEC, tmp_path)
    with pytest.raises(SpecError, match=r"found .*outboundSharedUserProfile\.openapi\.yaml"):
        load_spec(tmp_path)


def test_load_spec_not_utf8(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(path)


def test_all_matches_public_names():
    public = {n for n in dir(openapi) if not n.startswith("_")}
    assert set(openapi.__all__) <= public
    assert openapi.__all__ == sorted(openapi.__all__)
