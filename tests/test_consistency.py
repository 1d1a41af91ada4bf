"""A derived contract never contradicts its own page: weak facts yield to its examples, strong ones stay.

Synthetic pages (written here) show each pattern: a table intro that calls rows required without per-row
markers, a low-confidence sentence, a type the page's table does not declare; each with a LEGAL variant
(the example agrees: the fact stands) and a BROKEN one (the example disagrees). Then the invariant on every
corpus page: each example request validates against the derived request schema, except where the page
states the opposite explicitly, and lint then reports the example as wrong, citing both lines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.contract.derive import derive_page, derive_text
from conformance.contract.lint import lint_page, lint_text
from conformance.contract.resources import dir_lookup
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import WEAK_BELOW, How, request_schema
from tests.corpus import PAGES, needs_corpus, page_id

RESOURCES = Path(__file__).resolve().parent / "cases" / "derive" / "api" / "page.md"


def page(*, intro: str = "", table_intro: str = "", rows: str = "", body: dict) -> str:
    """A small create page for widgets: an opening description, a Request body table, one example."""
    table = f"{table_intro}\n\n|Property|Type|Description|\n|:---|:---|:---|\n{rows}\n" if rows else ""
    return f"""# Create widget

Create a new [widget](../resources/widget.md) object. {intro}

## HTTP request
```http
POST /widgets
```

## Request body
In the request body, supply a JSON representation of a [widget](../resources/widget.md) object.

{table}
## Response
If successful, this method returns a `201 Created` response code and a widget object.

## Examples
<!-- {{ "blockType": "request", "name": "create" }} -->
```http
POST https://graph.microsoft.com/v1.0/widgets
Content-Type: application/json

{json.dumps(body, indent=2)}
```
"""


INTRO = "The following table lists the properties that are required when you create a widget."
ROWS = "|label|String|The label.|\n|serial|String|Serial number.|\n|count|Int32|How many.|"


def _derive(text: str):
    return derive_text(text, "w.md", resource_lookup=dir_lookup(RESOURCES, []))


def _required(op) -> dict[str, bool]:
    return {p.name: p.required.value for p in op.properties}


def test_table_intro_with_an_example_that_sends_every_row_stays_required():
    op = _derive(page(table_intro=INTRO, rows=ROWS, body={"label": "a", "serial": "s", "count": 1})).operation
    assert _required(op) == {"label": True, "serial": True, "count": True}
    assert op.yields == ()


def test_table_intro_yields_to_an_example_that_leaves_rows_out():
    text = page(table_intro=INTRO, rows=ROWS, body={"label": "a"})
    op = _derive(text).operation
    assert _required(op) == {"label": True, "serial": False, "count": False}
    assert [(y.name, y.what, y.how, y.fact.line) for y in op.yields] == [
        ("serial", "required", How.TABLE_INTRO, 13),
        ("count", "required", How.TABLE_INTRO, 13),
    ]
    assert not validation_errors({"label": "a"}, request_schema(op))
    notes = [n for n in lint_text(text, "w.md", _derive(text)) if n.code == "DOC-EXAMPLE-OVERRULES"]
    example_line = op.yields[0].example.line
    assert [n.where.line for n in notes] == [example_line, example_line]
    assert "table intro at line 13" in notes[0].message
    assert f"example request at line {example_line}" in notes[0].message


def test_an_explicit_required_marker_stays_and_the_example_is_reported_wrong():
    rows = ROWS.replace("Serial number.|", "Serial number. Required.|")
    text = page(table_intro=INTRO, rows=rows, body={"label": "a"})
    spec = _derive(text)
    assert _required(spec.operation)["serial"] is True
    assert spec.operation.yields == ()  # with markers on some rows, the intro makes no other row required
    notes = [n for n in lint_text(text, "w.md", spec) if n.code == "DOC-EXAMPLE-SCHEMA"]
    assert len(notes) == 1
    assert notes[0].severity == "error"
    assert "leaves out 'serial'" in notes[0].message
    assert "w.md:18" in notes[0].message  # the row's line, beside the example's own line
    assert "the example is wrong" in notes[0].message


def test_a_weak_sentence_yields_and_a_clear_one_stays():
    weak = page(intro="You must specify the serial number and the batch.", body={"label": "a"})
    clear = page(intro="You must specify `serial`.", body={"label": "a"})
    # "serial number" spells no property; "the batch" is not batchId: nothing is required by the weak one
    assert not _derive(weak).operation.required
    op = _derive(page(intro="Creating a widget requires `serial`.", body={"label": "a"})).operation
    assert op.property("serial").required.value is False  # "requires" is a weak reading: it yields
    assert [(y.name, y.how, y.quote) for y in op.yields] == [
        ("serial", How.PROSE, "Creating a widget requires `serial`.")
    ]
    strong = _derive(clear).operation
    assert strong.property("serial").required.value is True
    assert strong.property("serial").required.confidence >= WEAK_BELOW
    assert strong.yields == ()


def test_a_type_the_table_does_not_declare_yields_to_the_example_value():
    # serial has no table row here: its String type comes from the resource page
    text = page(table_intro="", rows="|label|String|The label.|", body={"label": "a", "serial": 42})
    op = _derive(text).operation
    assert op.property("serial").schema == {}
    (y,) = op.yields
    assert (y.name, y.what) == ("serial", "type")
    assert not validation_errors({"label": "a", "serial": 42}, request_schema(op))
    # legal: a string serial keeps the resource page's type
    op = _derive(page(rows="|label|String|The label.|", body={"label": "a", "serial": "s"})).operation
    assert op.property("serial").schema == {"type": "string"}
    assert op.yields == ()


def test_a_type_the_table_declares_stays_and_the_example_is_reported_wrong():
    text = page(rows=ROWS, body={"label": "a", "count": "two"})
    spec = _derive(text)
    assert spec.operation.property("count").schema["type"] == "integer"
    assert spec.operation.yields == ()
    notes = [n for n in lint_text(text, "w.md", spec) if n.code == "DOC-EXAMPLE-SCHEMA"]
    assert [n.severity for n in notes] == ["error"]
    assert re.search(r'count = "two" does not match its documented type Int32 .*w\.md:\d+', notes[0].message)


def test_a_type_placeholder_is_no_evidence_against_a_type():
    op = _derive(page(rows="|label|String|The label.|", body={"label": "a", "batchId": "Guid"})).operation
    assert op.property("batchId").schema["format"] == "uuid"
    assert op.yields == ()


def test_yields_survive_the_openapi_round_trip(tmp_path):
    from conformance.contract.openapi import load_spec, write_spec_files

    spec = _derive(page(table_intro=INTRO, rows=ROWS, body={"label": "a"}))
    written = write_spec_files(spec, tmp_path)
    back = load_spec(next(p for p in written if p.name.endswith(".openapi.yaml")))
    assert back.operation.yields == spec.operation.yields


# -- the invariant on every corpus page ---------------------------------------------------------


def _strong(op, name: str, message: str) -> bool:
    """Whether a validation error of an example rests on an explicit statement of the page."""
    prop = op.property(name)
    if prop is None:
        return False
    if "is a required property" in message:
        return prop.required.confidence >= WEAK_BELOW
    if "does not match any of the regexes" in message:
        return prop.read_only  # sent although the page's own row marks it read-only
    return prop.where.line in _declared_lines(op, prop)


def _declared_lines(op, prop) -> set[int]:
    return {prop.where.line} if prop.where.section == "Request body" and prop.doc_type else set()


@needs_corpus
@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_no_contract_rejects_its_own_example_unless_the_page_says_so(path):
    spec = derive_page(path)
    op = spec.operation
    schema = request_schema(op)
    errors = []
    for ex in op.examples:
        if not isinstance(ex.request_body, dict):
            continue
        for pointer, message in validation_errors(ex.request_body, schema):
            found = re.match(r"^'([^']+)'", message)
            name = pointer.split("/")[1] if pointer else (found.group(1) if found else "")
            errors.append((name, message))
    weak = [(n, m) for n, m in errors if not _strong(op, n, m)]
    assert weak == [], "the contract rejects the page's own example on a weak fact"
    if errors:  # every strong contradiction is an error of lint, citing the fact's line and the example's
        notes = [n for n in lint_page(path, spec) if n.code == "DOC-EXAMPLE-SCHEMA" and n.severity == "error"]
        for name, _ in errors:
            prop = op.property(name)
            assert prop is not None
            assert any(name in n.message and f":{prop.where.line}" in n.message for n in notes), name


def test_conformance_lint_prints_the_conflict_with_both_lines():
    import io

    from conformance.cli import main

    case = Path(__file__).resolve().parent / "cases" / "lint" / "table_intro_overruled.md"
    out, err = io.StringIO(), io.StringIO()
    assert main(["lint", str(case)], out=out, err=err) == 0  # a warning: the contract settled it
    (line,) = [ln for ln in out.getvalue().splitlines() if "DOC-EXAMPLE-OVERRULES" in ln]
    assert line.startswith("table_intro_overruled.md:68: warning DOC-EXAMPLE-OVERRULES ")
    assert "the table intro at line 43 makes 'launchDateTime' required" in line
    assert "the example request at line 68 leaves it out" in line


def test_the_derived_contract_accepts_its_own_example_against_its_reference(tmp_path):
    """The issue's rule end to end: derive the page whose table intro the example overrules, then run the
    harness against the page's own reference implementation: exit 0 (it was 1, CREATE-002, before)."""
    import io

    from conformance.cli import main

    case = Path(__file__).resolve().parent / "cases" / "lint" / "table_intro_overruled.md"
    out, err = io.StringIO(), io.StringIO()
    assert main(["derive", str(case), "--out", str(tmp_path)], out=out, err=err) == 0
    argv = ["run", "--spec", str(tmp_path / "widget.openapi.yaml"), "--examples", "3", "--seed", "1"]
    code = main([*argv, "--report-dir", str(tmp_path / "r"), "-q"], out=out, err=err)
    assert code == 0, out.getvalue() + err.getvalue()
