"""Doc lint (`conformance.contract.lint`): the seed page's findings, one synthetic page per rule, a clean
page, the rule registry."""

from __future__ import annotations

import ast
import dataclasses
import random
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract import lint
from conformance.contract.lint import (
    CODES,
    exit_code,
    is_mirrored_guid,
    is_placeholder_value,
    lint_page,
    lint_text,
    rules,
)
from conformance.contract.lint.base import RULES, Hit, LintContext, rule
from conformance.contract.spec import ContractNote, DocLocation, Severity
from conformance.errors import CheckDefinitionError, DocParseError
from tests.seed_spec import SEED_SPEC

ROOT = Path(__file__).resolve().parent
SEED_PAGE = ROOT.parent / "specs" / "create-outboundshareduserprofile.md"
CASES_DIR = ROOT / "cases" / "lint"
CASES: list[dict[str, Any]] = yaml.safe_load((CASES_DIR / "cases.yaml").read_text(encoding="utf-8"))

SEED_EXPECTED = [
    (4, "DOC-STUB-METADATA", "warning"),
    (6, "DOC-STUB-METADATA", "warning"),
    (22, "DOC-TODO", "warning"),
    (23, "DOC-TODO", "warning"),
    (24, "DOC-TODO", "warning"),
    (49, "DOC-TODO", "warning"),
    (50, "DOC-TODO", "warning"),
    (69, "DOC-CONTENT-LENGTH", "warning"),
    (72, "DOC-ODATA-NAMESPACE", "error"),
    (73, "DOC-EXAMPLE-SCHEMA", "error"),
    (73, "DOC-PLACEHOLDER-VALUE", "warning"),
    (74, "DOC-PLACEHOLDER-VALUE", "warning"),
    (84, "DOC-ODATA-NAMESPACE", "warning"),
    (92, "DOC-ODATA-NAMESPACE", "error"),
    (93, "DOC-PLACEHOLDER-GUID", "warning"),
    (94, "DOC-EXAMPLE-SCHEMA", "error"),
    (94, "DOC-PLACEHOLDER-VALUE", "warning"),
    (95, "DOC-PLACEHOLDER-VALUE", "warning"),
]


def _triples(notes: Iterable[ContractNote]) -> list[tuple[int, str, str]]:
    return [(n.where.line, n.code, n.severity) for n in notes]


def _one(notes: Iterable[ContractNote], code: str, line: int) -> ContractNote:
    (note,) = [n for n in notes if n.code == code and n.where.line == line]
    return note


# -- the seed page ----------------------------------------------------------------------------


def test_seed_page_findings_with_exact_lines():
    notes = lint_page(SEED_PAGE)
    assert _triples(n for n in notes if n.code in CODES) == SEED_EXPECTED
    assert all(n.where.file == SEED_PAGE.name for n in notes)
    assert exit_code(notes) == 1


def test_seed_messages_say_what_and_how():
    notes = lint_page(SEED_PAGE)
    length = _one(notes, "DOC-CONTENT-LENGTH", 69).message
    assert "146" in length
    assert "142 bytes" in length
    ns = _one(notes, "DOC-ODATA-NAMESPACE", 72).message
    assert "#Microsoft.DirectoryServices.outboundSharedUserProfile" in ns
    assert "published Graph metadata names it '#microsoft.graph.outboundSharedUserProfile'" in ns
    schema = _one(notes, "DOC-EXAMPLE-SCHEMA", 73)
    assert 'deletedDateTime = "String (timestamp)"' in schema.message
    assert "DateTimeOffset" in schema.message
    assert schema.where.anchor == "deletedDateTime"
    assert "example response body" in _one(notes, "DOC-EXAMPLE-SCHEMA", 94).message
    guid = _one(notes, "DOC-PLACEHOLDER-GUID", 93)
    assert "83876b0d-6b0d-8387-0d6b-87830d6b8783" in guid.message
    assert guid.where.section == "Response"
    todo = _one(notes, "DOC-TODO", 22)
    assert todo.where.section == "Permissions"
    assert todo.where.anchor == "Delegated (work or school account)"
    assert _one(notes, "DOC-STUB-METADATA", 4).where.anchor == "author"


def test_lint_text_with_a_given_spec_matches_lint_page():
    text = SEED_PAGE.read_text(encoding="utf-8")
    given = lint_text(text, SEED_PAGE.name, SEED_SPEC)
    assert _triples(n for n in given if n.code in CODES) == SEED_EXPECTED
    derived = lint_text(text, SEED_PAGE.name)
    assert _triples(derived) == _triples(lint_page(SEED_PAGE))


def test_crlf_page_gives_the_same_lines():
    text = SEED_PAGE.read_text(encoding="utf-8").replace("\n", "\r\n")
    notes = lint_text(text, SEED_PAGE.name)
    assert _triples(n for n in notes if n.code in CODES) == SEED_EXPECTED


def test_spec_notes_are_passed_through():
    extra = ContractNote(
        severity=Severity.INFO,
        code="DERIVE-WEAK",
        message="success status taken from the example",
        where=DocLocation(file=SEED_PAGE.name, line=56, section="Response"),
    )
    spec = dataclasses.replace(SEED_SPEC, notes=(extra,))
    notes = lint_text(SEED_PAGE.read_text(encoding="utf-8"), SEED_PAGE.name, spec)
    assert extra in notes
    assert [n for n in notes if n.code == "DERIVE-WEAK"] == [extra]


# -- one synthetic page per rule ------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_lint_case(case):
    notes = lint_page(CASES_DIR / case["input"])
    expected = [(e["line"], e["code"], e["severity"]) for e in case["expected"]]
    assert _triples(notes) == sorted(expected)
    messages = " | ".join(n.message for n in notes)
    for fragment in case.get("message", []):
        assert fragment in messages
    assert exit_code(notes) == (1 if any(e["severity"] == "error" for e in case["expected"]) else 0)


def test_every_code_has_a_synthetic_case():
    covered = {e["code"] for c in CASES for e in c["expected"]}
    assert covered == set(CODES)


# -- the rule registry ----------------------------------------------------------------------


def _declared_codes() -> list[str]:
    """The code of every `@rule(...)` decorator in the lint package's sources."""
    codes = []
    for path in sorted(Path(lint.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "rule":
                        arg = deco.args[0]
                        assert isinstance(arg, ast.Constant), f"{node.name}: the code must be a literal"
                        codes.append(arg.value)
    return codes


def test_every_code_has_exactly_one_rule_with_a_description():
    declared = Counter(_declared_codes())
    assert all(n == 1 for n in declared.values()), declared
    sources = "".join(p.read_text(encoding="utf-8") for p in Path(lint.__file__).parent.glob("*.py"))
    mentioned = set(re.findall(r'"(DOC-[A-Z]+(?:-[A-Z]+)*)"', sources))
    produced = {e["code"] for c in CASES for e in c["expected"]} | {code for _, code, _ in SEED_EXPECTED}
    assert set(declared) == set(RULES) == set(CODES) == mentioned | produced
    assert [r.code for r in rules()] == sorted(RULES)
    for r in rules():
        assert isinstance(r.severity, Severity)
        assert r.description[0].isupper(), r
        assert r.description.endswith("."), r
        assert r.description.count(". ") == 0, f"{r.code}: one sentence"
        assert CODES[r.code] is r.severity


def test_duplicate_and_malformed_codes_are_refused():
    before = dict(RULES)

    def again(ctx: LintContext) -> Iterator[Hit]:
        yield from ()

    with pytest.raises(CheckDefinitionError, match="DOC-TODO is declared twice"):
        rule("DOC-TODO", Severity.WARNING, "Another TODO rule.")(again)
    with pytest.raises(CheckDefinitionError, match="must look like"):
        rule("todo", Severity.WARNING, "A lower-case code.")(again)
    with pytest.raises(CheckDefinitionError, match="description"):
        rule("DOC-NEW", Severity.WARNING, " ")(again)
    assert before == RULES


def test_a_new_rule_is_one_function_and_the_engine_stamps_it():
    @rule("DOC-TEST-TITLE", Severity.INFO, "The page has a title heading.")
    def title(ctx: LintContext) -> Iterator[Hit]:
        yield Hit(line=ctx.page.headings[0].line, message="a title", anchor="t")
        yield Hit(line=ctx.page.headings[0].line, message="a loud title", severity=Severity.ERROR)

    try:
        notes = [n for n in lint_page(CASES_DIR / "clean.md") if n.code == "DOC-TEST-TITLE"]
    finally:
        del RULES["DOC-TEST-TITLE"]
    assert [(n.severity, n.message, n.where.anchor) for n in notes] == [
        (Severity.ERROR, "a loud title", ""),
        (Severity.INFO, "a title", "t"),
    ]
    assert notes[0].where.file == "clean.md"
    assert notes[0].where.section


# -- building blocks ------------------------------------------------------------------------


def test_mirrored_guid_detection_is_general():
    assert is_mirrored_guid("83876b0d-6b0d-8387-0d6b-87830d6b8783")
    assert is_mirrored_guid("1A2B3C4D-3C4D-1A2B-4D3C-2B1A4D3C2B1A")
    assert is_mirrored_guid("a1b2c3d4-c3d4-a1b2-d4c3-b2a1d4c3b2a1")
    assert not is_mirrored_guid("00000000-0000-0000-0000-000000000000")  # nil GUID: deliberate
    assert not is_mirrored_guid("5f0c2d7e-9b41-4a8e-8c3d-2e6f1a9b7c40")
    rng = random.Random(20240501)
    assert not any(is_mirrored_guid(str(uuid.UUID(int=rng.getrandbits(128)))) for _ in range(5000))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("String", True),
        ("String (timestamp)", True),
        ("Boolean", True),
        ("Int32", True),
        ("DateTimeOffset", True),
        ("Collection(String)", True),
        ("<value>", True),
        ("<user id>", True),
        ("Front desk kiosk", False),
        ("string theory", False),
        ("2024-01-31T09:30:00Z", False),
        ("Stringer", False),
    ],
)
def test_placeholder_values(value, expected):
    assert is_placeholder_value(value) is expected


def test_prose_numbers_are_not_reason_phrases():
    text = (CASES_DIR / "clean.md").read_text(encoding="utf-8")
    prose = "A tenant can hold 200 Widgets at most, and 404 Not Found is returned later."
    text = text.replace("Create a new [widget]", prose + "\n\nCreate a new [widget]")
    assert lint_text(text, "clean.md") == ()


# -- errors ---------------------------------------------------------------------------------


def test_malformed_page_raises_doc_parse_error():
    with pytest.raises(DocParseError):
        lint_text("just some text, no heading, no request\n", "notes.md")


def test_missing_page_raises_doc_parse_error(tmp_path):
    with pytest.raises(DocParseError, match=r"missing\.md:1: cannot read"):
        lint_page(tmp_path / "missing.md")


def test_exit_code_rule():
    where = DocLocation(file="x.md", line=1)
    warn = ContractNote(severity=Severity.WARNING, code="DOC-TODO", message="m", where=where)
    err = ContractNote(severity=Severity.ERROR, code="DOC-EXAMPLE-SCHEMA", message="m", where=where)
    assert exit_code(()) == 0
    assert exit_code((warn,)) == 0
    assert exit_code((warn, err)) == 1


def test_all_matches_public_names():
    public = {n for n in dir(lint) if not n.startswith("_")}
    assert set(lint.__all__) <= public
    assert lint.__all__ == sorted(lint.__all__)
