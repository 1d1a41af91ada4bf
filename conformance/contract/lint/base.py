"""What every lint rule stands on: `@rule` and the registry, the `LintContext` it reads, the `Hit` it yields.

A rule is a plain generator over a `LintContext`: it yields one `Hit` (page line, message, anchor)
per problem and returns quietly on a clean page, like jsonschema's keyword functions. The engine
(`conformance.contract.lint`) stamps the rule's code and severity and the page location on each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from conformance.contract.docparse import CodeBlock, Page
from conformance.contract.spec import DocLocation, Operation, Severity, Spec
from conformance.errors import CheckDefinitionError

_CODE_RE = re.compile(r"^DOC-[A-Z]+(?:-[A-Z]+)*\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One problem a rule found: the engine turns it into a `ContractNote`.

    `anchor` defaults to the table row on `line`; `severity` overrides the rule's own for this one
    hit (a rule whose finding is weaker in some places says so here).
    """

    line: int
    message: str
    anchor: str = ""
    severity: Severity | None = None


RuleFunc = Callable[["LintContext"], Iterator[Hit]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A registered lint rule: its finding code, usual severity, one sentence, and the function."""

    code: str
    severity: Severity
    description: str
    func: RuleFunc


RULES: dict[str, Rule] = {}
"""Every registered rule by code, in registration order (the engine runs them in this order)."""


def rule(code: str, severity: Severity, description: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register a lint rule. Refuses a duplicate or malformed code and an empty description."""

    def register(func: RuleFunc) -> RuleFunc:
        if not _CODE_RE.match(code):
            raise CheckDefinitionError(f"lint code {code!r} must look like DOC-SOME-THING")
        if code in RULES:
            raise CheckDefinitionError(
                f"lint code {code} is declared twice ({RULES[code].func.__qualname__}, {func.__qualname__})"
            )
        if not description.strip():
            raise CheckDefinitionError(f"lint rule {code} needs a one-sentence description")
        RULES[code] = Rule(code=code, severity=Severity(severity), description=description, func=func)
        return func

    return register


class LintContext:
    """One page being linted: its records, its derived spec, and the line bookkeeping rules share."""

    def __init__(self, *, page: Page, file: str, spec: Spec) -> None:
        self.page = page
        self.file = file
        self.spec = spec
        self.front_end = self._front_matter_end()
        self.code_lines: set[int] = set()
        self.annotation_lines: set[int] = set()
        for b in page.blocks:
            self.code_lines.update(range(b.line, b.start + len(b.text.split("\n")) + 1))
            if b.annotation_line:
                self.annotation_lines.update(range(b.annotation_line, b.line))
        self.row_anchor = {row.line: plain(row.cell(0)) for t in page.tables for row in t.rows}

    @property
    def op(self) -> Operation:
        return self.spec.operation

    def _front_matter_end(self) -> int:
        lines = self.page.lines
        if not lines or lines[0].strip() != "---":
            return 0
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
        return 0

    def section_of(self, line: int) -> str:
        section = ""
        for h in self.page.headings:
            if h.line > line:
                break
            section = h.text
        return section

    def where(self, line: int, anchor: str = "") -> DocLocation:
        return DocLocation(
            file=self.file,
            line=line,
            section=self.section_of(line),
            anchor=anchor or self.row_anchor.get(line, ""),
        )

    def block_at(self, line: int) -> CodeBlock | None:
        return next((b for b in self.page.blocks if b.line == line), None)

    def is_example(self, block: CodeBlock) -> bool:
        """An example block: annotated as request/response, or under an 'Example...' heading."""
        kind = str((block.annotation or {}).get("blockType", "")).casefold()
        if kind in ("request", "response"):
            return True
        if kind:
            return False  # "ignored" and the like: not an example
        start = next((h.line for h in self.page.headings if h.text.casefold().startswith("example")), 0)
        return bool(start) and block.line > start

    def block_lines(self) -> Iterator[tuple[int, str, CodeBlock]]:
        """(page line, text, block) for every line inside a fenced block."""
        for b in self.page.blocks:
            for k, text in enumerate(b.text.split("\n")):
                yield b.start + k, text, b


def plain(text: str) -> str:
    """Cell or snippet text without Markdown links, emphasis, code ticks, quotes and runs of space."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[*`]", "", text)).strip().strip("\"'").strip()


def first_content_index(block: CodeBlock) -> int:
    """Index of the block's first non-blank line (its HTTP start line, if any)."""
    lines = block.text.split("\n")
    return next((k for k, s in enumerate(lines) if s.strip()), 0)


__all__ = ["RULES", "Hit", "LintContext", "Rule", "RuleFunc", "first_content_index", "plain", "rule"]
