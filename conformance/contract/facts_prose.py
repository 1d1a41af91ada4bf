"""Facts the page states in its text: the request line (method and paths).

A path ends at its query string: `GET /things/{id}?$select=a,b` documents the path `/things/{id}` (the
query options the line shows count as documented ones, `facts_ops.query_options`)."""

from __future__ import annotations

import re

from conformance.contract.facts import PageContext, in_section, section_range
from conformance.contract.spec import Fact, How

__all__ = ["request_line"]

_LINE_RE = re.compile(r"^\s*(POST|GET|PATCH|PUT|DELETE)\s+(\S.*?)\s*\Z")
_ABS_URL_RE = re.compile(r"(?i)^https?://[^/\s]+/(beta|v1\.0)(/.*)?\Z")


def request_line(ctx: PageContext) -> tuple[Fact[str], tuple[Fact[str], ...], str]:
    """(method, paths, API version) from the request lines of the "HTTP request" section: the method of
    the first request line, and every path given with that method."""
    page = ctx.page
    rng = section_range(page, "HTTP request")
    if rng is None:
        raise ctx.fail(
            1, "no '## HTTP request' section", "expected a section with the POST line in an http block"
        )
    blocks = [b for b in page.blocks if in_section(rng, b.line)]
    if not blocks:
        raise ctx.fail(rng[0], "'HTTP request' has no code block", "expected ```http with 'POST /path'")
    paths: list[Fact[str]] = []
    version = ""
    verbs = [m.group(1) for b in blocks for ln in b.text.split("\n") if (m := _LINE_RE.match(ln))]
    verb = verbs[0] if verbs else "POST"
    for block in blocks:
        for offset, line in enumerate(block.text.split("\n")):
            m = _LINE_RE.match(line)
            if not m or m.group(1) != verb:
                continue
            raw = m.group(2)
            am = _ABS_URL_RE.match(raw)
            if am:
                version = version or am.group(1).lower()
                raw = am.group(2) or "/"
            elif re.match(r"(?i)^/(beta|v1\.0)/", raw):
                version = version or raw.split("/")[1].lower()
                raw = "/" + raw.split("/", 2)[2]
            raw, _, query = raw.partition("?")  # a query string is not part of the path
            raw = raw.strip()
            if not raw.startswith("/"):
                raw = "/" + raw
            where = ctx.loc(block.start + offset, block.section)
            note = f"the request line's query '?{query.strip()}' is not part of the path" if query else ""
            if all(p.value != raw for p in paths):
                paths.append(Fact(value=raw, where=where, how=How.SECTION, note=note))
    if not paths:
        other = next(
            (ln for b in blocks for ln in b.text.split("\n") if re.match(r"^\s*[A-Za-z]{3,7}\s+\S", ln)), ""
        )
        what = "'HTTP request' has no request line" + (f" (found {other.strip()!r})" if other else "")
        if _LINE_RE.match(other.upper()):
            what += "; the method must be upper case"
        raise ctx.fail(
            blocks[0].start, what, "expected 'POST /path' (or GET, PATCH, PUT, DELETE) in the http block"
        )
    method = Fact(value=verb, where=paths[0].where, how=How.SECTION)
    return method, tuple(paths), version
