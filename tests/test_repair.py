"""Valid examples for the OpenAPI file: repairs keep what the schema accepts; fixed values are valid."""

from __future__ import annotations

import pytest

from conformance.contract.repair import GENERATED_KEY, REPAIRED_KEY, repair, sample, split_examples
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import GUID_PATTERN, DocLocation

BODY = {
    "type": "object",
    "properties": {
        "displayName": {"type": "string", "minLength": 1},
        "when": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "ownerId": {"type": "string", "format": "uuid"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "size": {"type": "integer"},
        "kind": {"enum": ["small", "large"]},
        "body": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    },
    "required": ["displayName", "ownerId"],
    "additionalProperties": False,
    "patternProperties": {"^@": {}},
}
RESPONSE = {
    "type": "object",
    "properties": {"id": {"type": "string", "minLength": 1, "pattern": GUID_PATTERN, "format": "uuid"}},
    "required": ["id"],
}
# the shape of "either appScopeId or directoryScopeId is required"
EITHER = {
    "type": "object",
    "properties": {
        "roleId": {"type": "string"},
        "appScopeId": {"type": "string"},
        "dirScopeId": {"type": "string"},
    },
    "required": ["roleId"],
    "anyOf": [{"required": ["appScopeId"]}, {"required": ["dirScopeId"]}],
    "additionalProperties": False,
}


@pytest.mark.parametrize("schema", [BODY, RESPONSE, EITHER, {"type": "array", "items": BODY, "minItems": 2}])
def test_a_sample_is_valid_and_fixed(schema):
    assert not validation_errors(sample(schema), schema)
    assert sample(schema) == sample(schema)


def test_repair_keeps_valid_members_and_fixes_the_rest():
    page = {
        "@odata.type": "#microsoft.graph.thing",
        "displayName": "Front desk",
        "when": "String (timestamp)",
        "ownerId": "String",
        "tags": "red",
        "size": "12",
        "kind": "medium",
        "body": {"text": 3},
        "unknown": True,
    }
    fixed = repair(page, BODY)
    assert not validation_errors(fixed, BODY)
    assert fixed["@odata.type"] == page["@odata.type"]  # allowed by patternProperties
    assert fixed["displayName"] == "Front desk"
    assert "unknown" not in fixed  # additionalProperties: false
    assert fixed["kind"] == "small"
    assert isinstance(fixed["size"], int)
    assert isinstance(fixed["body"]["text"], str)
    assert fixed["when"] != page["when"]
    assert fixed["ownerId"] != page["ownerId"]


def test_repair_adds_missing_required_and_meets_an_alternative():
    fixed = repair({"roleId": "r1"}, EITHER)
    assert not validation_errors(fixed, EITHER)
    assert fixed["roleId"] == "r1"
    assert repair({"roleId": "r1", "dirScopeId": "/"}, EITHER) == {"roleId": "r1", "dirScopeId": "/"}


def test_a_valid_value_is_left_alone():
    good = {"displayName": "x", "ownerId": "3f0c1a52-5d61-4c4e-9a53-1c2f6e0d9b11", "@odata.etag": 1}
    assert repair(good, BODY) == good


def test_split_gives_every_invalid_example_a_marked_valid_twin():
    where = DocLocation(file="x.md", line=40, section="Request")
    valid, invalid = split_examples(
        [
            ("good", {"displayName": "a", "ownerId": "3f0c1a52-5d61-4c4e-9a53-1c2f6e0d9b11"}, where),
            ("bad", {"displayName": "", "ownerId": "String"}, where),
        ],
        BODY,
        "request body",
    )
    assert set(invalid) == {"bad"}
    assert set(valid) == {"good", "bad_repaired"}
    assert valid["bad_repaired"][REPAIRED_KEY] is True
    assert REPAIRED_KEY not in valid["good"]
    assert valid["bad_repaired"]["x-doc"] == "x.md:40 (Request)"
    for entry in valid.values():
        assert not validation_errors(entry["value"], BODY)


def test_a_page_without_examples_gets_one_made_from_the_schema():
    valid, invalid = split_examples([], RESPONSE, "201 response body")
    assert invalid == {}
    ((_key, entry),) = valid.items()
    assert entry[GENERATED_KEY] is True
    assert not validation_errors(entry["value"], RESPONSE)
