"""Lint rules for the HTTP of the examples and prose: bodies, Content-Length, status codes, reason phrases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus

from conformance.contract.httpexamples import parse_http_block
from conformance.contract.lint.base import Hit, LintContext, first_content_index, rule
from conformance.contract.spec import Severity

_STATUS_LINE_RE = re.compile(r"^\s*HTTP/\S+\s+(\d{3})(?:\s+(.*?))?\s*\Z")
_PROSE_STATUS_RE = re.compile(r"(?<![\w./-])([1-5]\d\d)\s+([A-Z][A-Za-z'-]*(?:\s+[A-Z][A-Za-z'-]*){0,4})")
_PHRASE_ALIASES: dict[int, tuple[str, ...]] = {
    302: ("Moved Temporarily",),
    413: ("Request Entity Too Large", "Payload Too Large", "Content Too Large"),
    414: ("Request-URI Too Long", "URI Too Long"),
    416: ("Requested Range Not Satisfiable", "Range Not Satisfiable"),
    422: ("Unprocessable Entity", "Unprocessable Content"),
}
_PHRASE_FIRST_WORDS = frozenset(s.phrase.split()[0].casefold() for s in HTTPStatus if s.phrase)


@rule("DOC-EXAMPLE-JSON", Severity.ERROR, "An example body is not JSON at all.")
def example_json(ctx: LintContext) -> Iterator[Hit]:
    for b in ctx.page.blocks:
        msg = parse_http_block(b)
        if msg.start_line and msg.body_error and msg.body_line and ctx.is_example(b):
            yield Hit(line=msg.body_line, message=f"{msg.body_error}; the example cannot be used")


@rule("DOC-CONTENT-LENGTH", Severity.WARNING, "A Content-Length header does not match its example body.")
def content_length(ctx: LintContext) -> Iterator[Hit]:
    for b in ctx.page.blocks:
        msg = parse_http_block(b)
        if not msg.start_line:
            continue
        for k, (name, value) in enumerate(msg.headers):
            if name.casefold() != "content-length":
                continue
            line = b.start + first_content_index(b) + 1 + k
            body = msg.body_text.rstrip("\n") if msg.body_text.strip() else ""
            actual = len(body.encode("utf-8"))
            declared = value.strip()
            if declared.isdigit() and int(declared) == actual:
                continue
            yield Hit(
                line=line,
                message=f"{name}: {declared} does not match the example body, which is {actual} bytes "
                f"(UTF-8, as written); drop the header or write {actual}",
                anchor=name,
            )


@rule("DOC-REASON-PHRASE", Severity.WARNING, 'A status code carries the wrong reason phrase ("201 OK").')
def reason_phrase(ctx: LintContext) -> Iterator[Hit]:
    for b in ctx.page.blocks:
        idx = first_content_index(b)
        first = b.text.split("\n")[idx] if b.text.strip() else ""
        m = _STATUS_LINE_RE.match(first)
        if m and m.group(2):
            yield from _phrase(b.start + idx, int(m.group(1)), m.group(2), strict=True)
    for i, text in enumerate(ctx.page.lines, start=1):
        if i < ctx.front_end or i in ctx.code_lines or i in ctx.annotation_lines:
            continue
        for m in _PROSE_STATUS_RE.finditer(text):
            yield from _phrase(i, int(m.group(1)), m.group(2), strict=False)


def _phrase(line: int, code: int, written: str, *, strict: bool) -> Iterator[Hit]:
    try:
        status = HTTPStatus(code)
    except ValueError:
        return
    words = written.split()
    if not words:
        return
    accepted = (status.phrase, *_PHRASE_ALIASES.get(code, ()))
    for phrase in accepted:
        want = phrase.casefold().split()
        if [w.casefold() for w in words[: len(want)]] == want:
            return
    if not strict and words[0].casefold() not in _PHRASE_FIRST_WORDS:
        return  # "200 Items" is prose, not a reason phrase
    shown = " ".join(words) if strict else words[0]
    yield Hit(
        line=line, message=f"'{code} {shown}' has the wrong reason phrase; {code} is '{code} {status.phrase}'"
    )


@rule(
    "DOC-STATUS-MISMATCH",
    Severity.ERROR,
    "The Response prose and an example response disagree on the success status.",
)
def status_mismatch(ctx: LintContext) -> Iterator[Hit]:
    op = ctx.op
    success = op.success_status
    prose = _prose_success_codes(ctx)
    documented = {c for c, _ in prose} or {success.value}
    cite_line = prose[0][1] if prose else success.where.line
    said = "2xx" if len(documented) > 50 else ", ".join(str(c) for c in sorted(documented))
    for ex in op.examples:
        if ex.response_status is None or ex.response_status in documented:
            continue
        line = ex.response_where.line if ex.response_where is not None else success.where.line
        block = ctx.block_at(line)
        if block is not None:
            line = block.start + first_content_index(block)
        yield Hit(
            line=line,
            message=f"the example response has status {ex.response_status} but the Response section "
            f"(line {cite_line}) says {said}; make them agree",
        )


def _prose_success_codes(ctx: LintContext) -> list[tuple[int, int]]:
    """(2xx code, line) stated in the prose of the first 'Response' section.

    "a 200-series code" or "2xx" stands for every 2xx code.
    """
    heads = ctx.page.headings
    for k, h in enumerate(heads):
        if h.text.casefold() != "response":
            continue
        end = next((x.line for x in heads[k + 1 :] if x.level <= h.level), len(ctx.page.lines) + 1)
        found: list[tuple[int, int]] = []
        for i in range(h.line + 1, end):
            if i in ctx.code_lines or i in ctx.annotation_lines:
                continue
            text = ctx.page.lines[i - 1]
            if re.search(r"(?i)\b2(?:00-series|xx)\b", text):
                found.extend((c, i) for c in range(200, 300))
            for m in re.finditer(r"(?<![\w./-])(2\d\d)(?![\w-])", text):
                found.append((int(m.group(1)), i))
        return found
    return []


__all__: list[str] = []
