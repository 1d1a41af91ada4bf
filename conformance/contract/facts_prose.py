"""Facts the page states in its text: the POST line."""

from __future__ import annotations

import re

from conformance.contract.facts import PageContext, in_section, section_range
from conformance.contract.spec import Fact, How

__all__ = ["request_line"]

_POST_RE = re.compile(r"^\s*POST\s+(\S.*?)\s*\Z")
_ABS_URL_RE = re.compile(r"(?i)^https?://[^/\s]+/(beta|v1\.0)(/.*)?\Z")


def request_line(ctx: PageContext) -> tuple[Fact[str], tuple[Fact[str], ...], str]:
    """(method, paths, API version) from the POST lines of the "HTTP request" section."""
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
    for block in blocks:
        for offset, line in enumerate(block.text.split("\n")):
            m = _POST_RE.match(line)
            if not m:
                continue
            raw = m.group(1)
            am = _ABS_URL_RE.match(raw)
            if am:
                version = version or am.group(1).lower()
                raw = am.group(2) or "/"
            elif re.match(r"(?i)^/(beta|v1\.0)/", raw):
                version = version or raw.split("/")[1].lower()
                raw = "/" + raw.split("/", 2)[2]
            if not raw.startswith("/"):
                raw = "/" + raw
            where = ctx.loc(block.start + offset, block.section)
            if all(p.value != raw for p in paths):
                paths.append(Fact(value=raw, where=where, how=How.SECTION))
    if not paths:
        other = next(
            (ln for b in blocks for ln in b.text.split("\n") if re.match(r"^\s*[A-Z]{3,7}\s+/", ln)), ""
        )
        what = f"'HTTP request' has no POST line (found {other.strip()!r})" if other else "no POST line"
        raise ctx.fail(blocks[0].start, what, "expected 'POST /path' in the http block")
    method = Fact(value="POST", where=paths[0].where, how=How.SECTION)
    return method, tuple(paths), version
