"""Doc lint: `ContractNote`s about a create page (stub leftovers, broken examples, contradictions).

Every finding code is one rule: a small generator registered with `@rule(code, severity,
description)` (see `base`), in a module by topic: `stubs` (what the stub generator left), `wire`
(the HTTP of examples and prose), `consistency` (the page at odds with its own contract), `overrules`
(weak facts the page's own examples overruled). This
engine runs every rule over one `LintContext` and stamps the rule's code and severity, and the page
location, on each `Hit` it yields, as jsonschema's engine stamps context onto errors of its keyword
functions. `rules()` lists them; `conformance lint --list` prints the table.

Severities (`Severity`): an error means the page contradicts itself or its own contract, so a
reader (or a check) that takes it at its word goes wrong; a warning means the page is unfinished
or an example detail is wrong, but the contract stands. A rule may lower its severity for one hit
(an `@odata.type` only in the doc annotation, a property only weakly required).

Notes the derivation itself made (`Spec.notes`) are passed through. A CLI exits 0 when no note is
an error and 1 otherwise; a page that cannot be read as a create page raises `DocParseError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from conformance.contract.derive import derive_page, derive_text, page_text, read_page
from conformance.contract.docparse import parse_page
from conformance.contract.lint import consistency, overrules, stubs, wire  # noqa: F401 - registers the rules
from conformance.contract.lint.base import RULES, Hit, LintContext, Rule, rule
from conformance.contract.lint.consistency import GRAPH_NAMESPACE
from conformance.contract.lint.stubs import is_mirrored_guid, is_placeholder_value
from conformance.contract.spec import ContractNote, Severity, Spec

CODES: dict[str, Severity] = {code: r.severity for code, r in RULES.items()}
"""Every code this package emits, with its usual severity."""


def rules() -> list[Rule]:
    """Every registered rule, sorted by code."""
    return sorted(RULES.values(), key=lambda r: r.code)


def lint_page(path: str | Path, spec: Spec | None = None) -> tuple[ContractNote, ...]:
    """Lint the doc page at `path`; pass its derived `spec` when you have it, else it is derived here
    (resource pages beside it inform the derivation)."""
    p = Path(path)
    data = read_page(p)
    return lint_text(page_text(p, data), p.name, spec or derive_page(p))


def lint_text(text: str, file: str, spec: Spec | None = None) -> tuple[ContractNote, ...]:
    """Lint a page given as text; `spec` is derived from it when not given. Sorted by line, code."""
    if spec is None:
        spec = derive_text(text, file)
    ctx = LintContext(page=parse_page(text, file), file=file, spec=spec)
    seen: set[tuple[str, int, str]] = set()
    out: list[ContractNote] = []
    for note in (*(n for r in RULES.values() for n in _run(r, ctx)), *spec.notes):
        key = (note.code, note.where.line, note.message)
        if key not in seen:
            seen.add(key)
            out.append(note)
    return tuple(sorted(out, key=lambda n: (n.where.line, n.code, n.message)))


def _run(r: Rule, ctx: LintContext) -> Iterator[ContractNote]:
    """The rule's hits as notes, stamped with its code, its severity (unless the hit lowers it) and
    the page location."""
    for hit in r.func(ctx):
        yield ContractNote(
            severity=hit.severity or r.severity,
            code=r.code,
            message=hit.message,
            where=ctx.where(hit.line, hit.anchor),
        )


def exit_code(notes: tuple[ContractNote, ...] | list[ContractNote]) -> int:
    """The lint's exit code: 1 when any note is an error, else 0."""
    return 1 if any(n.severity == Severity.ERROR for n in notes) else 0


__all__ = [
    "CODES",
    "GRAPH_NAMESPACE",
    "Hit",
    "LintContext",
    "Rule",
    "exit_code",
    "is_mirrored_guid",
    "is_placeholder_value",
    "lint_page",
    "lint_text",
    "rule",
    "rules",
]
