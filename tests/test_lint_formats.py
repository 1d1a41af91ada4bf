"""`conformance lint --format text|github|sarif|json` on real pages: GitHub annotations the runner reads back
exactly (hostile page text cannot start a second command), SARIF valid against a hand-written subset of the
SARIF 2.1.0 schema (tests/sarif/, always), the official SARIF 2.1.0 schema and Microsoft's SARIF validator
with GitHub's code scanning rules (when installed: see tests/sarif/README.md), and JSON for tools."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import jsonschema
import pytest
import referencing

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


def write_hostile_page(where: Path) -> Path:
    """clean.md with a TODO cell whose text tries to end the annotation and start commands of its own."""
    text = (CASES / "clean.md").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("|Application|"))
    lines[row] = "|Application|TODO: 100%0A::error title=pwned::fake, a:b %25 \x1b[2J|\n"
    page = where / "docs dir" / "hostile,page.md"
    page.parent.mkdir()
    page.write_text("".join(lines), encoding="utf-8")
    return page


@pytest.fixture
def hostile_page(tmp_path: Path) -> Path:
    return write_hostile_page(tmp_path)


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


BROKEN = [
    lambda log: log.update(version="2.0.0"),
    lambda log: log["runs"][0]["results"][0].update(level="fatal"),
    lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(
        startLine=0
    ),
    lambda log: log["runs"][0]["results"][0].update(message="a plain string"),
    lambda log: log["runs"][0]["tool"]["driver"].update(rule=[]),
    lambda log: log["runs"][0]["tool"]["driver"].pop("name"),
]


@pytest.mark.parametrize("broken", BROKEN)
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


# The official SARIF 2.1.0 schema and Microsoft's SARIF validator are not copied into this repository:
# `bash .ci/run` installs npm @microsoft/sarif-multitool (which ships both) and names them here.
OFFICIAL_SCHEMA = os.environ.get("GRAPH_CONFORMANCE_TEST_SARIF_SCHEMA", "")
MULTITOOL = os.environ.get("GRAPH_CONFORMANCE_TEST_SARIF_MULTITOOL", "")
NOT_INSTALLED = (
    "not installed: set {var} to {what} from npm @microsoft/sarif-multitool "
    "(bash .ci/run installs it when npm is on PATH)"
)


@pytest.fixture(scope="module")
def lint_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The SARIF logs of a page with findings, a clean page, a page that cannot be read (among others)
    and a page whose text and path are hostile."""
    where = tmp_path_factory.mktemp("sarif")
    prose = where / "README.md"
    prose.write_text("# Not an API page\n\nJust prose.\n", encoding="utf-8")
    runs = {
        "findings": (1, [str(SEED_PAGE)]),
        "clean": (0, [str(CASES / "clean.md")]),
        "unreadable": (2, [str(prose), str(SEED_PAGE)]),
        "hostile": (0, [str(write_hostile_page(where))]),
    }
    logs = {}
    for name, (expected, pages) in runs.items():
        code, logs[name] = _sarif(*pages)
        assert code == expected, name
    return logs


def official_validator() -> jsonschema.Draft202012Validator:
    if not OFFICIAL_SCHEMA:
        pytest.skip(
            "official SARIF 2.1.0 schema "
            + NOT_INSTALLED.format(var="GRAPH_CONFORMANCE_TEST_SARIF_SCHEMA", what="its sarif-2.1.0.json")
        )
    schema = json.loads(Path(OFFICIAL_SCHEMA).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    # An empty registry: every $ref must resolve inside the file, nothing is fetched over the network.
    return jsonschema.Draft202012Validator(schema, registry=referencing.Registry())


@pytest.mark.parametrize("name", ["findings", "clean", "unreadable", "hostile"])
def test_sarif_is_valid_against_the_official_schema(lint_logs: dict[str, dict], name: str):
    official_validator().validate(lint_logs[name])


@pytest.mark.parametrize("broken", BROKEN)
def test_the_official_schema_can_fail(lint_logs: dict[str, dict], broken):
    log = copy.deepcopy(lint_logs["findings"])
    broken(log)
    with pytest.raises(jsonschema.ValidationError):
        official_validator().validate(log)


def multitool_errors(logs: dict[str, dict], where: Path) -> dict[str, list[str] | None]:
    """Microsoft's `sarif validate` (with GitHub's code scanning rules) on each log: the ids of the rules
    it reports at level error, or None when it did not read the log at all. It exits 0 even when it
    reports errors, and says nothing about a log it cannot deserialize, so its own output log is read:
    every log it read has results (at least notes such as SARIF2003)."""
    if not MULTITOOL:
        pytest.skip(
            "SARIF Multitool "
            + NOT_INSTALLED.format(
                var="GRAPH_CONFORMANCE_TEST_SARIF_MULTITOOL", what="its Sarif.Multitool binary"
            )
        )
    where.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, log in logs.items():
        files[name] = where / f"{name}.sarif"
        files[name].write_text(json.dumps(log, indent=2), encoding="utf-8")
    out = where / "validation.sarif"
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    argv = [MULTITOOL, "validate", "--rule-kind", "Sarif;Gh;Ghas", "--level", "Error;Warning;Note"]
    done = subprocess.run(
        [*argv, "-o", str(out), *map(str, files.values())],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Done. {len(files)} files scanned." in done.stdout, done.stdout
    (run,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    rules = run["tool"]["driver"].get("rules", [])
    found: dict[str, list[str]] = {}
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        rule = rules[result["ruleIndex"]] if "ruleIndex" in result else {}
        level = result.get("level") or rule.get("defaultConfiguration", {}).get("level", "warning")
        errors = found.setdefault(Path(urllib.parse.urlsplit(uri).path).name, [])
        if level == "error":
            errors.append(result["ruleId"])
    return {name: found.get(path.name) for name, path in files.items()}


def test_microsofts_sarif_validator_accepts_every_lint_log(lint_logs: dict[str, dict], tmp_path: Path):
    assert multitool_errors(lint_logs, tmp_path) == {name: [] for name in lint_logs}


def test_microsofts_sarif_validator_can_fail(lint_logs: dict[str, dict], tmp_path: Path):
    def broken(change) -> dict:
        log = copy.deepcopy(lint_logs["findings"])
        change(log)
        return log

    logs = {
        "good": lint_logs["findings"],
        "no-help": broken(lambda log: log["runs"][0]["tool"]["driver"]["rules"][0].pop("help")),
        "old-schema": broken(
            lambda log: log.update({"$schema": "https://example.com/sarif-2.1.0-rtm.4.json"})
        ),
        "line-0": broken(BROKEN[2]),
    }
    verdicts = multitool_errors(logs, tmp_path / "a")
    assert verdicts["good"] == []
    assert "GH2012" in (verdicts["no-help"] or [])  # what GitHub code scanning requires of a rule
    assert "SARIF1011" in (verdicts["old-schema"] or [])
    assert "JSON1008" in (verdicts["line-0"] or [])  # the official schema's minimum
    # a log it cannot deserialize is reported as not read (it would silently pass an exit-code check)
    assert multitool_errors({"fatal-level": broken(BROKEN[1])}, tmp_path / "b") == {"fatal-level": None}
