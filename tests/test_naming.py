"""The resource name: from where the resource link points, then the example's type, then the title."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.contract.derive import derive_text
from conformance.contract.naming import link_type_key
from tests.corpus import CORPUS, needs_corpus

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parent / "cases" / "naming" / "cases.yaml").read_text(encoding="utf-8")
)


def page(case: dict[str, Any]) -> str:
    """A create page from the template, filled with the case's title, sentences and example types."""
    body_type = case.get("body_type")
    annotation = case.get("annotation")
    annot = {"blockType": "response", **({"@odata.type": annotation} if annotation else {})}
    response = {"id": "5f0c2d7e-9b41-4a8e-8c3d-2e6f1a9b7c40", "displayName": "x"}
    if body_type:
        response = {"@odata.type": body_type, **response}
    return "\n".join(
        [
            f"# {case['title']}",
            "",
            case["intro"],
            "",
            "## Permissions",
            case.get("permissions", "One of the following permissions is required."),
            "",
            "## HTTP request",
            "```http",
            "POST /things",
            "```",
            "",
            "## Request body",
            case.get("body", "In the request body, supply a JSON representation of the object."),
            "",
            "|Property|Type|Description|",
            "|:---|:---|:---|",
            "|displayName|String|The name. Required.|",
            "",
            "## Response",
            case.get("response", "If successful, this method returns a `201 Created` response code."),
            "",
            "## Examples",
            "### Request",
            '<!-- {"blockType": "request", "name": "create_thing"} -->',
            "```http",
            "POST https://graph.microsoft.com/v1.0/things",
            "Content-Type: application/json",
            "",
            '{"displayName": "x"}',
            "```",
            "### Response",
            f"<!-- {json.dumps(annot)} -->",
            "```http",
            "HTTP/1.1 201 Created",
            "Content-Type: application/json",
            "",
            json.dumps(response),
            "```",
            "",
        ]
    )


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_name(case):
    spec = derive_text(page(case["input"]), "thing-post.md")
    assert spec.operation.resource == case["expected"]["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_spec_file_is_named_after_the_resource(case, tmp_path):
    src = tmp_path / "thing-post.md"
    src.write_text(page(case["input"]), encoding="utf-8")
    assert main(["derive", str(src), "--out", str(tmp_path / "out")]) == 0
    name = case["expected"]["name"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{name}.openapi.yaml",
        f"{name}.request.schema.json",
        f"{name}.response.schema.json",
    ]


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ("../resources/group.md", "group"),
        ("../resources/group.md#properties", "group"),
        ("../resources/group.md#json-representation", "group"),
        ("../resources/ediscovery-custodian.md", "custodian"),
        ("../resources/shared.md#outboundSharedUserProfile", "outboundshareduserprofile"),
        ("https://learn.example/graph/api/resources/user.md", "user"),
        ("../api/group-post-groups.md", ""),
        ("resources.md", ""),
        ("#outboundshareduserprofile", ""),
    ],
)
def test_link_type_key(target, key):
    assert link_type_key(target) == key


@needs_corpus
def test_group_page_spec_is_named_group(tmp_path):
    page_path = CORPUS / "v1.0" / "api" / "group-post-groups.md"
    assert main(["derive", str(page_path), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "group.openapi.yaml").is_file()
