"""Facts the page states in its text: the POST line and the properties prose requires."""

from __future__ import annotations

import re

from conformance.contract.docparse import Paragraph
from conformance.contract.doctext import LINK_RE, plain
from conformance.contract.facts import IDENT_RE, PageContext, in_section, section_range
from conformance.contract.resources import ResourceProperty
from conformance.contract.spec import Fact, How, Property

__all__ = ["prose_required", "request_line"]

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


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z>*`\[])")
_NAMED_RE = re.compile(r"\*\*([^*]+)\*\*|`([^`]+)`")
_CONDITION_START_RE = re.compile(r"(?i)^(if|when|for an?|unless|in case|to)\b")


def prose_required(
    para: Paragraph, props: dict[str, Property], res: dict[str, ResourceProperty] | None, resource: str
) -> list[str]:
    """Property names a Request-body paragraph requires in running text."""
    known = {n.casefold(): n for n in (*props.keys(), *(res or {}).keys())}
    text = LINK_RE.sub(lambda m: m.group(1), para.text.lstrip("> "))
    found: list[str] = []

    def add(token: str) -> None:
        token = token.strip().strip(".,;:")
        if not IDENT_RE.match(token) or token.casefold() == resource.casefold():
            return
        if (
            token.casefold() in {"id", "json", "post", "true", "false", "null"}
            and token.casefold() not in known
        ):
            return
        name = known.get(token.casefold(), token)
        if name not in found:
            found.append(name)

    for sentence in _SENTENCE_SPLIT_RE.split(text):
        s = sentence.strip()
        low = s.casefold()
        if _CONDITION_START_RE.match(s) or "permission" in low or "at least one of" in low:
            continue
        clause = re.split(r"(?i)\bbut not\b|\bmust not\b|\bexcept\b|\bnot required\b", s, maxsplit=1)[0]
        m = re.search(r"(?i)\b(?:must|need to) (?:contain|include|specify|provide|have)\b(.*)", clause)
        if m is None:
            m = re.search(r"(?i)\bfollowing required (?:fields|properties|parameters)\b(.*)", clause)
        if m is not None:
            for b, c in _NAMED_RE.findall(m.group(1)):
                add(b or c)
            continue
        m = re.search(r"(?i)(\S+)\s+(?:property\s+)?must be (?:set|specified|provided)\b", clause)
        if m is not None:
            add(plain(m.group(1)))
            continue
        if re.search(r"(?i)\b(is|are) (?:also )?required\b", clause) and not re.search(
            r"(?i)\b(none|no|not all)\b[^.]*\brequired", clause
        ):
            first = plain(clause.split(None, 1)[0]) if clause.split() else ""
            if first.casefold() in known:
                add(first)
            for b, c in _NAMED_RE.findall(clause):
                add(b or c)
    return found
