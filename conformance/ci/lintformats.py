"""`conformance lint --format`: the findings of one or more doc pages as text, GitHub annotations, SARIF
2.1.0 or JSON.

- `text`: `file:line: severity CODE message`, then one summary line (what `conformance lint` always printed).
- `github`: one workflow command per finding (`::error file=F,line=N,title=CODE::message`; a warning is
  `::warning`, an info `::notice`), which GitHub shows on the pull request's lines.
- `sarif`: one SARIF 2.1.0 log (`github/codeql-action/upload-sarif` accepts it): the rules that ran as
  `tool.driver.rules` (with the short and full description and the help text GitHub requires), each
  finding a `result` with its rule, level, message and line, and a page that could not be read as an
  `invocations` notification.
- `json`: `{"pages": [{"file", "error", "findings": [...]}], "findings", "errors"}` for tools.

A page's path is written as the user gave it (pre-commit passes paths relative to the repository root, which
is what GitHub resolves annotations and SARIF locations against).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.ci.workflow import command
from conformance.contract.lint import rules
from conformance.contract.spec import JSON, ContractNote, Severity

FORMATS = ("text", "github", "sarif", "json")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_SARIF = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


@dataclass(frozen=True, slots=True, kw_only=True)
class PageLint:
    """What linting one page gave: its findings, or why it could not be linted (one line)."""

    path: str
    notes: tuple[ContractNote, ...] = ()
    error: str | None = None


def render(pages: Sequence[PageLint], fmt: str, *, version: str) -> str:
    """All pages' findings in `fmt` (one of `FORMATS`), ending with a newline."""
    if fmt == "github":
        return _github(pages)
    if fmt == "sarif":
        return json.dumps(sarif(pages, version=version), indent=2) + "\n"
    if fmt == "json":
        return json.dumps(as_json(pages), indent=2) + "\n"
    return _text(pages)


def _counts(pages: Sequence[PageLint]) -> tuple[int, int]:
    notes = [n for p in pages for n in p.notes]
    return len(notes), sum(n.severity == Severity.ERROR for n in notes)


def _line(note: ContractNote) -> int:
    return max(1, note.where.line)  # a finding about the whole page is shown on its first line


def _file(page: PageLint, note: ContractNote) -> str:
    """The note's file as the user named it: the page itself, or a page beside it (a resource page)."""
    given = Path(page.path)
    if note.where.file in ("", given.name):
        return page.path
    return str(given.parent / note.where.file)


def _text(pages: Sequence[PageLint]) -> str:
    lines = [
        f"{n.where.file}:{n.where.line}: {n.severity} {n.code} {n.message}" for p in pages for n in p.notes
    ]
    findings, errors = _counts(pages)
    lines.append(f"{_plural(findings, 'finding')}, {_plural(errors, 'error')}")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _github(pages: Sequence[PageLint]) -> str:
    lines: list[str] = []
    for p in pages:
        if p.error is not None:
            lines.append(command("error", p.error, file=p.path, title="conformance lint: unreadable page"))
        for n in p.notes:
            level = _GITHUB[n.severity]
            lines.append(command(level, n.message, file=_file(p, n), line=_line(n), title=n.code))
    findings, errors = _counts(pages)
    lines.append(f"{_plural(findings, 'finding')}, {_plural(errors, 'error')}")
    return "\n".join(lines) + "\n"


def _uri(path: str) -> tuple[str, str | None]:
    """An artifactLocation's `uri` (a URI reference) and its `uriBaseId`: relative paths against the
    checkout's root (`%SRCROOT%`), absolute ones as `file:` URIs."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri(), None
    return urllib.parse.quote(p.as_posix()), "%SRCROOT%"


def _location(path: str, line: int | None) -> dict[str, JSON]:
    uri, base = _uri(path)
    artifact: dict[str, JSON] = {"uri": uri, **({"uriBaseId": base} if base else {})}
    physical: dict[str, JSON] = {"artifactLocation": artifact}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def sarif(pages: Sequence[PageLint], *, version: str) -> dict[str, JSON]:
    """The SARIF 2.1.0 log of a lint run."""
    descriptors: list[JSON] = []
    index: dict[str, int] = {}

    def rule_index(code: str, severity: Severity, description: str = "") -> int:
        if code not in index:
            index[code] = len(descriptors)
            text = description or f"{code} (a note of the page's derivation)"
            descriptors.append(
                {
                    "id": code,
                    "shortDescription": {"text": text},
                    # GitHub code scanning requires these two (the multitool's GH2012 rule)
                    "fullDescription": {"text": text},
                    "help": {"text": f"{text} `conformance lint --list` lists every rule."},
                    "defaultConfiguration": {"level": _SARIF[severity]},
                }
            )
        return index[code]

    for r in rules():
        rule_index(r.code, r.severity, r.description)
    results: list[JSON] = [
        {
            "ruleId": n.code,
            "ruleIndex": rule_index(n.code, n.severity),
            "level": _SARIF[n.severity],
            "message": {"text": n.message},
            "locations": [_location(_file(p, n), _line(n))],
        }
        for p in pages
        for n in p.notes
    ]
    notifications: list[JSON] = [
        {"level": "error", "message": {"text": p.error}, "locations": [_location(p.path, None)]}
        for p in pages
        if p.error is not None
    ]
    driver: dict[str, JSON] = {"name": "conformance lint", "version": version, "rules": descriptors}
    if _semver(version):
        driver["semanticVersion"] = version
    run: dict[str, JSON] = {
        "tool": {"driver": driver},
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _semver(version: str) -> bool:
    core = version.split("+")[0].split("-")[0].split(".")
    return len(core) == 3 and all(part.isdigit() for part in core)


def as_json(pages: Sequence[PageLint]) -> dict[str, JSON]:
    """The `--format json` document."""
    findings, errors = _counts(pages)
    return {
        "pages": [
            {
                "file": p.path,
                "error": p.error,
                "findings": [
                    {
                        "file": _file(p, n),
                        "line": n.where.line,
                        "severity": n.severity.value,
                        "code": n.code,
                        "message": n.message,
                        "section": n.where.section,
                        "anchor": n.where.anchor,
                    }
                    for n in p.notes
                ],
            }
            for p in pages
        ],
        "findings": findings,
        "errors": errors,
    }


__all__ = ["FORMATS", "SARIF_SCHEMA", "PageLint", "as_json", "render", "sarif"]
