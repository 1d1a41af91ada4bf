"""Alternatives ("Either A or B is required"): derivation, the request schema, the spec file, the reference
implementation and the ALT checks, on synthetic pages and sentences written for these tests, and the
corpus (whose pages state no such group: none may be invented there)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
import yaml
from openapi_spec_validator import validate

from conformance.cli import main
from conformance.contract.derive import derive_page, derive_text
from conformance.contract.facts_alternatives import sentence_group
from conformance.contract.openapi import load_spec, write_spec_files
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import request_schema
from conformance.reference.server import ReferenceServer
from tests.corpus import PAGES, needs_corpus

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "alternatives"
PAGE = CASES / "create-scopedgrant.md"
SEED = ROOT / "specs" / "create-outboundshareduserprofile.md"
SENTENCES = yaml.safe_load((CASES / "sentences.yaml").read_text(encoding="utf-8"))
KNOWN = {n.casefold(): n for n in SENTENCES["known"]}


@pytest.mark.parametrize("case", SENTENCES["cases"], ids=[c["description"] for c in SENTENCES["cases"]])
def test_sentence(case):
    got = sentence_group(case["input"], KNOWN, row=case.get("row", ""))
    if case["expected"] is None:
        assert got is None
    else:
        assert got is not None, case["input"]
        names, exclusive, _strong = got
        assert list(names) == case["expected"]["names"]
        assert exclusive is case["expected"]["exclusive"]


# -- derivation ------------------------------------------------------------------------------------


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_page_groups_from_rows_and_running_text():
    spec = derive_page(PAGE)
    text = PAGE.read_text(encoding="utf-8")
    op = spec.operation
    scope, ticket = op.alternatives
    # Stated in both rows' descriptions: one group, cited at the first row.
    assert scope.names == ("tenantScope", "siteScope")
    assert not scope.exclusive
    assert scope.where.line == _line(text, "|tenantScope|")
    assert scope.sentence == "Either tenantScope or siteScope is required."
    # Stated in running text below the table: exactly one.
    assert ticket.names == ("ticketNumber", "ticketUrl")
    assert ticket.exclusive
    assert ticket.where.line == _line(text, "but not both")
    assert "but not both" in ticket.sentence
    # No member is required on its own; the others keep their markers.
    assert {p.name for p in op.required} == {"principalId", "roleName"}
    assert "tenantScope" in op.property("tenantScope").required.note
    # "The value is either `planned` or `emergency`" names values, not properties.
    assert all("reason" not in g.names for g in op.alternatives)


def test_request_schema_says_any_of_and_one_of():
    op = derive_page(PAGE).operation
    schema = request_schema(op)
    assert schema["allOf"] == [
        {"anyOf": [{"required": ["tenantScope"]}, {"required": ["siteScope"]}]},
        {"oneOf": [{"required": ["ticketNumber"]}, {"required": ["ticketUrl"]}]},
    ]
    base = {"principalId": "p", "roleName": "r", "ticketNumber": "t"}
    assert validation_errors({**base, "siteScope": "s"}, schema) == []
    assert validation_errors({**base, "tenantScope": "s"}, schema) == []
    assert validation_errors(base, schema)  # neither scope
    assert validation_errors({**base, "siteScope": "s", "ticketUrl": "u"}, schema)  # both tickets
    # The page's own example keeps the contract.
    assert validation_errors(op.examples[0].request_body, schema) == []


def _page(body_section: str, *, intro: str = "Create a new widget.") -> str:
    return f"""# Create widget

{intro}

## HTTP request
```http
POST /widgets
```

## Request body
{body_section}

## Response
If successful, this method returns a `201 Created` response code and a widget object in the response body.
"""


TABLE = """|Property|Type|Description|
|:---|:---|:---|
|name|String|The name. Required.|
|ownerUserId|String|The owner, a user.|
|ownerGroupId|String|The owner, a group.|
|enabled|Boolean|Must be either true or false. Optional.|
|kind|String|One of the following values: `ownerUserId`, `other`.|
"""


def test_group_in_the_opening_description_and_a_single_group_is_top_level_any_of():
    spec = derive_text(
        _page(TABLE, intro="Create a widget. One of **ownerUserId** or **ownerGroupId** must be specified."),
        "w.md",
    )
    (group,) = spec.operation.alternatives
    assert group.names == ("ownerUserId", "ownerGroupId")
    assert group.where.line == 3
    schema = request_schema(spec.operation)
    assert schema["anyOf"] == [{"required": ["ownerUserId"]}, {"required": ["ownerGroupId"]}]
    assert "allOf" not in schema


def test_table_marks_both_required_but_the_sentence_makes_them_alternatives():
    # BROKEN reading before: "Required." on both rows made both required, and the example sends one.
    table = TABLE.replace(
        "|The owner, a user.|", "|Required. Either **ownerUserId** or **ownerGroupId** is required.|"
    ).replace("|The owner, a group.|", "|Required. Either **ownerUserId** or **ownerGroupId** is required.|")
    op = derive_text(_page(table), "w.md").operation
    assert [p.name for p in op.required] == ["name"]
    assert op.alternatives[0].names == ("ownerUserId", "ownerGroupId")
    assert op.property("ownerUserId").nullable  # "required" no longer implies non-null


@pytest.mark.parametrize(
    "sentence",
    [
        "",  # LEGAL: no sentence, no group
        "The owner may be a user or a group.",
        "Either ownerUserId or ownerManagerId is required.",  # not a property: never invented
        "If kind is `other`, either **ownerUserId** or **ownerGroupId** is required.",
        "**ownerUserId** and **ownerGroupId** are both required.",
    ],
)
def test_no_group_without_an_unconditional_alternatives_sentence(sentence):
    op = derive_text(_page(TABLE + "\n" + sentence + "\n"), "w.md").operation
    assert op.alternatives == ()
    assert "anyOf" not in request_schema(op)
    assert "allOf" not in request_schema(op)


def test_a_member_only_the_resource_page_names_is_added_to_the_request(tmp_path):
    (tmp_path / "api").mkdir()
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "widget.md").write_text(
        "# widget resource type\n\n## Properties\n|Property|Type|Description|\n|:---|:---|:---|\n"
        "|name|String|The name.|\n|ownerGroupId|String|The owning group.|\n",
        encoding="utf-8",
    )
    table = "|Property|Type|Description|\n|:---|:---|:---|\n"
    table += "|name|String|Required.|\n|ownerUserId|String|Owner.|\n"
    text = _page(table + "\nEither **ownerUserId** or **ownerGroupId** is required.\n").replace(
        "Create a new widget.", "Create a new [widget](../resources/widget.md)."
    )
    page = tmp_path / "api" / "widget-post.md"
    page.write_text(text, encoding="utf-8")
    op = derive_page(page).operation
    assert op.alternatives[0].names == ("ownerUserId", "ownerGroupId")
    assert op.property("ownerGroupId") is not None
    assert "ownerGroupId" in request_schema(op)["properties"]


@needs_corpus
def test_no_corpus_page_states_a_group():
    # The corpus's "one of the following permissions", "at least one of the following" (rules, not
    # properties), "the value is either `Managed` or `Federated`": none is an alternatives group.
    for page in PAGES:
        assert derive_page(page).operation.alternatives == (), page.name


# -- the spec file -----------------------------------------------------------------------------------


def test_spec_files_validate_and_round_trip(tmp_path):
    spec = derive_page(PAGE)
    openapi, request_file, _ = write_spec_files(spec, tmp_path)
    doc = yaml.safe_load(openapi.read_text(encoding="utf-8"))
    validate(doc)
    back = load_spec(openapi)
    assert back == spec
    assert back.operation.alternatives == spec.operation.alternatives
    schema = json.loads(request_file.read_text(encoding="utf-8"))
    first = schema["allOf"][0]["anyOf"][0]
    assert first["required"] == ["tenantScope"]
    assert first["description"] == "Either tenantScope or siteScope is required."
    assert first["x-doc"].startswith("create-scopedgrant.md:")
    assert "allOf" in doc["components"]["schemas"]["scopedGrant.create"]


# -- the reference implementation -----------------------------------------------------------------


def _post(server: ReferenceServer, body: dict) -> requests.Response:
    return requests.post(
        server.url + "/grants/scopedGrants", json=body, headers={"Authorization": "Bearer t"}, timeout=10
    )


BASE = {"principalId": "p", "roleName": "Reader", "ticketNumber": "CHG-1"}


def test_reference_enforces_the_groups():
    spec = derive_page(PAGE)
    with ReferenceServer(spec) as server:
        neither = _post(server, BASE)
        assert neither.status_code == 400
        message = neither.json()["error"]["message"]
        assert "tenantScope" in message
        assert "Either tenantScope or siteScope is required." in message
        assert _post(server, {**BASE, "tenantScope": "/"}).status_code == 201
        assert _post(server, {**BASE, "siteScope": "/sites/a"}).status_code == 201
        assert _post(server, {**BASE, "tenantScope": "/", "siteScope": "/sites/a"}).status_code == 201
        both = _post(server, {**BASE, "siteScope": "/s", "ticketUrl": "https://t.example/1"})
        assert both.status_code == 400
        assert "only one of ticketNumber, ticketUrl" in both.json()["error"]["message"]
        no_ticket = {k: v for k, v in BASE.items() if k != "ticketNumber"}
        assert _post(server, {**no_ticket, "siteScope": "/s"}).status_code == 400
        server.set_faults(["alternatives-both-accepted"])  # LEGAL: a lenient server
        assert (
            _post(server, {**BASE, "siteScope": "/s", "ticketUrl": "https://t.example/1"}).status_code == 201
        )
        server.set_faults(["alternatives-neither-accepted"])  # BROKEN
        assert _post(server, BASE).status_code == 201
        server.set_faults(["alternatives-last-rejected"])  # BROKEN
        assert _post(server, {**BASE, "siteScope": "/s"}).status_code == 400
        server.set_faults(["alternatives-all-required"])  # BROKEN
        assert _post(server, {**BASE, "siteScope": "/s"}).status_code == 400


# -- the checks -------------------------------------------------------------------------------------


def _run(tmp_path: Path, *args: str) -> tuple[int, dict, str]:  # exit code, report.json, report.md
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["run", "--check", "ALT-*", "--examples", "0", "--seed", "7", "--report-dir", str(tmp_path), *args],
        out=out,
        err=err,
    )
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    return code, report, (tmp_path / "report.md").read_text(encoding="utf-8")


def _statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def test_checks_pass_on_the_reference_and_cite_the_sentence(tmp_path):
    code, report, _ = _run(tmp_path, "--spec", str(PAGE))
    assert code == 0, report
    assert _statuses(report) == {"ALT-001": "pass", "ALT-002": "pass"}
    doc = next(c["doc"] for c in report["checks"] if c["id"] == "ALT-001")
    assert doc["line"] == _line(PAGE.read_text(encoding="utf-8"), "|tenantScope|")
    alt1 = next(c for c in report["checks"] if c["id"] == "ALT-001")
    assert "tenantScope or siteScope; ticketNumber or ticketUrl" in alt1["requirement"]
    assert any('("Either tenantScope or siteScope is required.")' in n for n in alt1["notes"])


@pytest.mark.parametrize(
    ("fault", "failing"),
    [
        ("alternatives-neither-accepted", {"ALT-001"}),
        ("alternatives-last-rejected", {"ALT-002"}),
        ("alternatives-all-required", {"ALT-002"}),
        ("alternatives-both-accepted", set()),  # LEGAL
    ],
)
def test_checks_against_faults(tmp_path, fault, failing):
    code, report, md = _run(tmp_path, "--spec", str(PAGE), "--fault", fault)
    assert {i for i, s in _statuses(report).items() if s == "fail"} == failing
    assert code == (1 if failing else 0)
    if failing:  # the report quotes the page's sentence beside the failure
        assert "Either tenantScope or siteScope is required." in md


def test_checks_skip_with_the_reason_on_a_page_without_groups(tmp_path):
    code, report, _ = _run(tmp_path, "--spec", str(SEED))
    assert code == 0
    for result in report["checks"]:
        assert result["status"] == "skip"
        assert "states no alternatives" in json.dumps(result)


def test_required_if_the_other_is_not_specified_mirrored_rows_are_one_group():
    table = TABLE.replace(
        "|The owner, a user.|", "|The owner, a user. Required if **ownerGroupId** isn't specified.|"
    )
    table = table.replace(
        "|The owner, a group.|", "|The owner, a group. Required if **ownerUserId** isn't specified.|"
    )
    text = _page(table)
    op = derive_text(text, "w.md").operation
    (group,) = op.alternatives
    assert set(group.names) == {"ownerUserId", "ownerGroupId"}
    assert not group.exclusive
    assert group.where.line == _line(text, "|ownerUserId|")
    assert group.sentence == "Required if ownerGroupId isn't specified."
    assert [p.name for p in op.required] == ["name"]
    schema = request_schema(op)
    assert validation_errors({"name": "n"}, schema)  # neither
    assert validation_errors({"name": "n", "ownerGroupId": "g"}, schema) == []
    assert validation_errors({"name": "n", "ownerUserId": "u"}, schema) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The **ownerUserId** property is required if **ownerGroupId** is not specified.",
        "If you don't specify **ownerGroupId**, you must specify **ownerUserId**.",
        "**ownerUserId** is required unless **ownerGroupId** is given.",
    ],
)
def test_required_if_the_other_is_not_specified_in_one_place_is_the_same_group(sentence):
    op = derive_text(_page(TABLE + "\n" + sentence + "\n"), "w.md").operation
    (group,) = op.alternatives
    assert set(group.names) == {"ownerUserId", "ownerGroupId"}
    assert [p.name for p in op.required] == ["name"]


@pytest.mark.parametrize(
    "row",
    [
        "Required if the type is `group`.",
        "Required when you update the widget.",
        "Required if **name** is set.",
    ],
)
def test_a_condition_on_something_else_is_neither_a_group_nor_a_requirement(row):
    op = derive_text(
        _page(TABLE.replace("|The owner, a user.|", f"|The owner, a user. {row}|")), "w.md"
    ).operation
    assert op.alternatives == ()
    assert [p.name for p in op.required] == ["name"]


def test_a_negated_row_marker_is_not_required():
    # BROKEN reading before: "Not required." ended in "required." and was read as the Required. marker.
    table = TABLE.replace("|The owner, a user.|", "|The owner, a user. Not required.|").replace(
        "|The owner, a group.|", "|The owner, a group. Isn't required|"
    )
    op = derive_text(_page(table), "w.md").operation
    assert [p.name for p in op.required] == ["name"]
