"""A resource is a set of pages: `derive PAGE... --out DIR` (or a folder), one OpenAPI document with every
operation rendered by its kind, `Resource` grouping with the key, and `run --spec` on it (the create's checks
exactly as on the create page alone; no create: exit 2 in one line)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from conformance.cli import main
from conformance.contract.derive import derive_page
from conformance.contract.grouping import collection_key, resources
from conformance.contract.openapi import load_spec, to_openapi
from conformance.contract.pageset import combine
from conformance.contract.spec import spec_from_json

HERE = Path(__file__).resolve().parent / "cases" / "resource"
KINDS_DIR = Path(__file__).resolve().parent / "cases" / "kinds"
GADGET = [HERE / f"gadget-{n}.md" for n in ("create", "read", "all", "change", "remove")]


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gadget")
    code, printed, err = call("derive", *map(str, GADGET), "--out", str(out))
    assert code == 0, printed + err
    assert (
        "resource gadget (/shelves/{shelf-id}/gadgets, key {gadget-id}): create, get, list, update, delete"
        in (printed)
    )
    return out / "gadget.openapi.yaml"


def test_one_document_with_every_operation_by_kind(derived):
    doc = yaml.safe_load(derived.read_text(encoding="utf-8"))
    validate(doc)  # OpenAPI 3.1
    paths = doc["paths"]
    create = paths["/shelves/{shelf-id}/gadgets"]["post"]
    assert set(create["responses"]) >= {"201", "400"}
    get = paths["/shelves/{shelf-id}/gadgets('{gadget-id}')"]["get"]
    assert get["x-kind"] == "get"
    assert "content" in get["responses"]["200"]
    assert "404" in get["responses"]
    assert [p["name"] for p in get["parameters"] if p["in"] == "query"] == ["$select"]
    assert [p["name"] for p in get["parameters"] if p.get("x-key")] == ["gadget-id"]
    # the list page writes /shelves/{id}/gadgets: one path with the create's, never two of one shape
    assert "/shelves/{id}/gadgets" not in paths
    listing = paths["/shelves/{shelf-id}/gadgets"]["get"]
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    collection = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert collection["required"] == ["value"]
    assert collection["properties"]["value"]["type"] == "array"
    assert collection["properties"]["@odata.nextLink"]["x-doc"].startswith("gadget-all.md:")
    assert listing["x-paging"]["nextLink"] is True
    assert {p["name"]: p["schema"] for p in listing["parameters"] if p["in"] == "query"} == {
        "$top": {"type": "integer", "minimum": 0},
        "$filter": {"type": "string"},
        "$select": {"type": "string"},
    }
    item = paths["/shelves/{shelf-id}/gadgets/{gadget-id}"]
    assert set(item) == {"patch", "delete"}
    assert "content" not in item["patch"]["responses"]["204"]
    assert "content" in item["patch"]["responses"]["200"]  # "or 200 OK and the updated object"
    body = item["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    update = doc["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(update["properties"]) >= {"color", "size"}
    assert update["required"] == []
    assert set(item["delete"]["responses"]) == {"204", "401", "404", "default"}
    assert "content" not in item["delete"]["responses"]["204"]
    for path_item in paths.values():
        for operation in path_item.values():
            assert operation["x-doc"].split(":")[0].endswith(".md")


def test_the_file_reads_back_as_the_same_spec(derived):
    spec = load_spec(derived)
    specs = [derive_page(p) for p in GADGET]
    assert [op.kind_name for op in spec.operations] == ["create", "get", "list", "update", "delete"]
    assert spec.operations == combine(specs).operations
    assert spec_from_json(json.loads(json.dumps(spec.to_json()))) == spec


def test_resource_grouping_and_key():
    spec = combine([derive_page(p) for p in GADGET])
    (res,) = resources(spec)
    assert res.name == "gadget"
    assert res.kinds == ("create", "get", "list", "update", "delete")
    assert res.key is not None
    assert res.key.value == "gadget-id"
    assert res.key.where.file == "gadget-read.md"  # the get's key, with its line
    assert [op.kind_name for op in res.of_kind("update")] == ["update"]
    assert collection_key("/Shelves/{a}/gadgets('{x}')/") == collection_key("/shelves/{b}/gadgets")


def test_operations_on_other_collections_are_other_resources():
    spec = combine([derive_page(p) for p in (*GADGET, KINDS_DIR / "get-keystyle.md")])
    groups = {r.collection: r.kinds for r in resources(spec)}
    assert groups == {
        "/shelves/{shelf-id}/gadgets": ("create", "get", "list", "update", "delete"),
        "/gadgets": ("get",),
    }


def test_updates_per_derived_type_on_one_path_are_variants(tmp_path):
    second = tmp_path / "gadget-change-sub.md"
    text = (HERE / "gadget-change.md").read_text(encoding="utf-8")
    second.write_text(text.replace("# Update gadget", "# Update fancyGadget").replace("| size |", "| glow |"))
    spec = combine([derive_page(p) for p in (*GADGET, second)])
    (res,) = resources(spec)
    assert len(res.of_kind("update")) == 2
    doc = to_openapi(spec)
    validate(doc)
    patch = doc["paths"]["/shelves/{shelf-id}/gadgets/{gadget-id}"]["patch"]
    assert len(patch["requestBody"]["content"]["application/json"]["schema"]["anyOf"]) == 2
    assert patch["x-variants"][0]["x-doc"].startswith("gadget-change-sub.md:")


def test_a_folder_of_pages(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in GADGET:
        shutil.copy(page, folder)
    code, out, err = call("derive", str(folder), "--out", str(tmp_path / "out"))
    assert code == 0, out + err
    spec = load_spec(tmp_path / "out" / "gadget.openapi.yaml")
    assert spec.operation.kind_name == "create"
    assert sorted(op.kind_name for op in spec.operations) == ["create", "delete", "get", "list", "update"]


def test_derive_warns_where_path_and_prose_name_different_kinds(tmp_path):
    # blind trial 10: a keyless update and a get answering a collection were derived without a word
    lint_cases = HERE.parent / "lint"
    pages = [str(lint_cases / "kind_update_no_key.md"), str(lint_cases / "kind_get_collection.md")]
    code, out, err = call("derive", *pages, "--out", str(tmp_path / "out"))
    assert code == 0, out + err
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, out
    assert "kind_update_no_key.md:16" in warnings[0]
    assert "'PATCH /gadgets' ends in no key" in warnings[0]
    assert "kind_get_collection.md:29" in warnings[1]
    assert "says it returns a collection" in warnings[1]
    code, out, _err = call("derive", *(str(p) for p in GADGET), "--out", str(tmp_path / "clean"))
    assert code == 0
    assert "warning:" not in out


@pytest.mark.parametrize(
    ("pages", "fragment"),
    [
        (
            ["gadget-create.md", "other-create.md"],
            "more than one create page (gadget-create.md, other-create.md)",
        ),
        ([str(KINDS_DIR / "action-restore.md")], "creates nothing"),
    ],
)
def test_bad_page_sets_are_one_line_exit_2(tmp_path, pages, fragment):
    code, _out, err = call("derive", *(str(HERE / p) for p in pages), "--out", str(tmp_path))
    assert code == 2
    assert fragment in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_empty_folder_is_one_line_exit_2(tmp_path):
    code, _out, err = call("derive", str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "holds no .md doc pages" in err
    assert err.count("\n") == 1


def _statuses(report: Path) -> dict[str, tuple[str, str]]:
    """Each check's status and the doc line it cites."""
    data = json.loads(report.read_text(encoding="utf-8"))
    return {c["id"]: (c["status"], (c.get("doc") or {}).get("cite", "")) for c in data["checks"]}


def test_run_on_the_resource_spec_runs_the_create_checks_as_on_the_create_page(derived, tmp_path):
    common = ("--examples", "2", "--seed", "3", "--format", "json", "-q")
    code, out, err = call("run", "--spec", str(derived), "--report-dir", str(tmp_path / "all"), *common)
    assert code == 0, out + err
    code, out, err = call("run", "--spec", str(GADGET[0]), "--report-dir", str(tmp_path / "one"), *common)
    assert code == 0, out + err
    whole, alone = _statuses(tmp_path / "all" / "report.json"), _statuses(tmp_path / "one" / "report.json")
    life = {i for i in whole if i.startswith(("LIFE-", "UPD-", "QRY-"))}
    assert {i: v for i, v in whole.items() if i not in life} == {
        i: v for i, v in alone.items() if i not in life
    }
    # the lifecycle (and the generated updates and query options) need the other pages: they run on the set
    # and are skipped on the create page alone
    assert {whole[i][0] for i in life} == {"pass"}
    assert {alone[i][0] for i in life} == {"skip"}


def test_run_without_a_create_operation_says_so_exit_2(tmp_path):
    code, out, err = call("derive", str(GADGET[1]), str(GADGET[2]), "--out", str(tmp_path))
    assert code == 0, out + err
    for spec in (tmp_path / "gadget.openapi.yaml", GADGET[3]):
        code, out, err = call("run", "--spec", str(spec), "--report-dir", str(tmp_path / "r"))
        assert code == 2
        assert "documents no create operation" in err
        assert "conformance derive CREATE.md PAGE... --out DIR" in err
        assert err.count("\n") == 1
        assert "Traceback" not in err
        assert not (tmp_path / "r" / "report.json").exists()
