"""`conformance lint --format text|github|sarif|json` on real pages: GitHub annotations the runner reads back
exactly (hostile page text cannot start a second command), SARIF valid against the SARIF 2.1.0 schema
(tests/sarif/) with what GitHub code scanning needs, and JSON for tools."""

from __future__ import annotations

import io
import json
import shutil
import urllib.parse
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.contract.lint import lint_page
from tests.workflow_commands import commands

ROOT = Path(__file__).resolve().parent
SEED_PAGE = ROOT.parent / "specs" / "create-outboundshareduserprofile.md"
CASES = ROOT / "cases" / "lint"
SARIF_SCHEMA = json.loads((ROOT / "sarif" / "sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def hostile_page(tmp_path: Path) -> Path:
    """clean.md with a TODO cell whose text tries to end the annotation and start commands of its own."""
    text = (CASES / "clean.md").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("|Application|"))
    lines[row] = "|Application|TODO: 100%0A::error title=pwned::fake, a:b %25 \x1b[2J|\n"
    page = tmp_path / "docs dir" / "hostile,page.md"
    page.parent.mkdir()
    page.write_text("".join(lines), encoding="utf-8")
    return page


def test_text_is_todays_output():
    code, out, _ = call("lint", str(SEED_PAGE))
    code2, out2, _ = call("lint", "--format", "text", str(SEED_PAGE))
    assert (code, out) == (code2, out2) == (1, out)
    assert out.splitlines()[-1] == "18 findings, 4 errors"


def test_github_annotations_read_back_exactly():
    code, out, _ = call("lint", "--format", "github", str(SEED_PAGE))
    notes = lint_page(SEED_PAGE)
    found = commands(out)
    assert code == 1
    assert len(found) == len(notes) == 18
    by_level = {"error": "error", "warning": "warning", "info": "notice"}
    for cmd, note in zip(found, notes, strict=True):
        assert cmd.name == by_level[note.severity]
        assert cmd.properties == {"file": str(SEED_PAGE), "line": str(note.where.line), "title": note.code}
        assert cmd.message == note.message


def test_hostile_page_text_starts_no_command(hostile_page: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(hostile_page.parent.parent)
    rel = "docs dir/hostile,page.md"
    code, out, _ = call("lint", "--format", "github", rel)
    notes = lint_page(rel)
    found = commands(out)
    assert code == 0  # a TODO is a warning
    assert [c.name for c in found] == ["warning"], out
    assert found[0].properties == {"file": rel, "line": str(notes[0].where.line), "title": "DOC-TODO"}
    assert "%0A::error title=pwned::fake, a:b %25" in found[0].message  # the page's text, literally
    assert "\x1b" not in out  # the terminal escape is shown, not sent
    assert sum(line.startswith("::") for line in out.splitlines()) == 1


def _sarif(*pages: str) -> tuple[int, dict]:
    code, out, _ = call("lint", "--format", "sarif", *pages)
    return code, json.loads(out)


def test_sarif_is_valid_sarif_2_1_0_with_what_code_scanning_needs(hostile_page: Path):
    code, log = _sarif(str(SEED_PAGE), str(hostile_page))
    assert code == 1
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"]
    notes = [*lint_page(SEED_PAGE), *lint_page(hostile_page)]
    assert len(run["results"]) == len(notes)
    for result, note in zip(run["results"], notes, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == note.code
        assert result["message"]["text"] == note.message
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[note.severity]
        (loc,) = result["locations"]
        physical = loc["physicalLocation"]
        assert physical["region"]["startLine"] == max(1, note.where.line)
        uri = physical["artifactLocation"]["uri"]
        assert (" " not in uri and "," not in uri) or uri.startswith("file:")
        assert Path(urllib.parse.unquote(urllib.parse.urlsplit(uri).path)).name == Path(note.where.file).name
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_sarif_relative_paths_are_relative_to_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "api docs").mkdir()
    shutil.copy(SEED_PAGE, tmp_path / "api docs" / "create page.md")
    monkeypatch.chdir(tmp_path)
    _, log = _sarif("api docs/create page.md")
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "api%20docs/create%20page.md", "uriBaseId": "%SRCROOT%"}


@pytest.mark.parametrize(
    "broken",
    [
        lambda log: log.update(version="2.0.0"),
        lambda log: log["runs"][0]["results"][0].update(level="fatal"),
        lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(
            startLine=0
        ),
        lambda log: log["runs"][0]["results"][0].update(message="a plain string"),
        lambda log: log["runs"][0]["tool"]["driver"].update(rule=[]),
        lambda log: log["runs"][0]["tool"]["driver"].pop("name"),
    ],
)
def test_the_schema_can_fail(broken):
    _, log = _sarif(str(SEED_PAGE))
    broken(log)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)


def test_clean_page_every_format_exits_0():
    for fmt in ("text", "github", "sarif", "json"):
        code, out, _ = call("lint", "--format", fmt, str(CASES / "clean.md"))
        assert code == 0, (fmt, out)
    _, out, _ = call("lint", "--format", "github", str(CASES / "clean.md"))
    assert commands(out) == []
    _, log = _sarif(str(CASES / "clean.md"))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []


def test_json_for_tools():
    code, out, _ = call("lint", "--format", "json", str(SEED_PAGE), str(CASES / "clean.md"))
    doc = json.loads(out)
    assert code == 1
    assert (doc["findings"], doc["errors"]) == (18, 4)
    seed, clean = doc["pages"]
    assert seed["error"] is None
    assert clean["findings"] == []
    first = seed["findings"][0]
    assert first == {
        "file": str(SEED_PAGE),
        "line": 4,
        "severity": "warning",
        "code": "DOC-STUB-METADATA",
        "message": first["message"],
        "section": first["section"],
        "anchor": first["anchor"],
    }


def test_an_unreadable_page_among_several_is_exit_2_and_the_others_are_still_linted(tmp_path: Path):
    other = tmp_path / "README.md"
    other.write_text("# Not an API page\n\nJust prose.\n", encoding="utf-8")
    for fmt in ("text", "github", "sarif", "json"):
        code, out, _ = call("lint", "--format", fmt, str(other), str(SEED_PAGE))
        assert code == 2, fmt
        if fmt == "github":
            found = commands(out)
            assert found[0].properties["file"] == str(other)
            assert found[0].name == "error"
            assert len(found) == 19
        if fmt == "sarif":
            log = json.loads(out)
            jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
            (inv,) = log["runs"][0]["invocations"]
            assert inv["executionSuccessful"] is False
            assert "HTTP request" in inv["toolExecutionNotifications"][0]["message"]["text"]
            assert len(log["runs"][0]["results"]) == 18


def test_usage_errors():
    assert call("lint")[0] == 2
    code, _, err = call("lint", "--list", str(SEED_PAGE))
    assert code == 2
    assert "not both" in err
    code, _, err = call("lint", "--format", "xml", str(SEED_PAGE))
    assert code == 2
    assert "invalid choice" in err
