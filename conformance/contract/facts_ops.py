"""Facts of get, list, update and delete pages: query options, paging, other success codes, entity properties.

Each fact keeps its line. Query options are read from the "Optional query parameters" section: the
OData system query options (`ODATA_OPTIONS`) its prose and example URLs name as `$name`, and a backticked
name the prose calls an OData query parameter (`select` written without its `$`); and from the query string
of a request line of "HTTP request" (`GET /things?$filter=...`). Generic wording ("supports the OData query
parameters") names none.
"""

from __future__ import annotations

import dataclasses
import re

from conformance.contract.doctext import plain
from conformance.contract.facts import PageContext, in_section, section_range
from conformance.contract.facts_tables import build_property
from conformance.contract.kinds import response_prose
from conformance.contract.resources import ResourceProperty
from conformance.contract.spec import DocLocation, Fact, How, Property

__all__ = ["also_status", "entity_properties", "paging", "query_options"]

ODATA_OPTIONS = (
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$expand",
    "$search",
    "$skiptoken",
    "$format",
)
_DOLLAR_RE = re.compile(r"(?<![\w$])\$([A-Za-z]+)\b")
_BARE_RE = re.compile(r"`([A-Za-z]+)`\s+(?:OData\s+)?query\s+(?:parameter|option)", re.IGNORECASE)
_REQUEST_QUERY_RE = re.compile(r"^\s*(?:GET|POST|PATCH|PUT|DELETE)\s+[^?\s]*\?(.*)\Z")
_PAGING_RE = re.compile(r"(?i)@odata\.nextLink|\bnext\s+page\b|\bpaging\b|\bpaginat|\bpage\s+of\s+results\b")


def _known(name: str) -> bool:
    return f"${name}".casefold() in ODATA_OPTIONS


def query_options(ctx: PageContext) -> tuple[Fact[str], ...]:
    """The OData query options the "Optional query parameters" section names, spelled as written, in order,
    then those a request line's query string shows."""
    found: dict[str, Fact[str]] = {}

    def add(name: str, line: int, how: How, note: str = "", section: str = "") -> None:
        if _known(name) and f"${name}".casefold() not in {k.casefold() for k in found}:
            where = ctx.loc(line, section or (rng[2] if rng else ""))
            found[f"${name}"] = Fact(value=f"${name}", where=where, how=how, note=note)

    rng = section_range(ctx.page, "Optional query parameters")
    items: list[tuple[int, str, bool]] = [(p.line, p.text, False) for p in ctx.page.paragraphs]
    items += [(b.start, b.text, True) for b in ctx.page.blocks]
    for line, text, is_block in sorted(items, key=lambda item: item[0]):
        if rng is None or not in_section(rng, line):
            continue
        for m in _DOLLAR_RE.finditer(text):
            add(m.group(1), line, How.EXAMPLE if is_block else How.PROSE)
        if not is_block:
            for m in _BARE_RE.finditer(text):
                add(m.group(1), line, How.PROSE, note=f"written without its $: `{m.group(1)}`")
    request = section_range(ctx.page, "HTTP request")
    for block in ctx.page.blocks if request is not None else ():
        if not in_section(request, block.line):
            continue
        for offset, text in enumerate(block.text.split("\n")):
            on_line = _REQUEST_QUERY_RE.match(text)
            for opt in _DOLLAR_RE.finditer(on_line.group(1) if on_line else ""):
                add(opt.group(1), block.start + offset, How.SECTION, "on the request line", block.section)
    prose = [plain(p.text) for p in ctx.page.paragraphs if rng is not None and in_section(rng, p.line)]
    return tuple(dataclasses.replace(f, quote=_sentences_naming(prose, f.value)) for f in found.values())


_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*$])")


def _sentences_naming(paragraphs: list[str], option: str) -> str:
    """The section's sentences that name `option` ("`$filter` works with `eq` on **label**."), joined: what
    the page says of it, for reports to quote and checks to read (`_queries.filter_property`)."""
    said = [
        sentence.strip()
        for text in paragraphs
        for sentence in _SENTENCE_END_RE.split(text)
        if option.casefold() in sentence.casefold()
    ]
    return " ".join(said)[:500]


def paging(ctx: PageContext) -> Fact[bool]:
    """Whether the page's prose speaks of paging (`@odata.nextLink`, next page); the line that does."""
    for para in ctx.page.paragraphs:
        if _PAGING_RE.search(para.text):
            return Fact(value=True, where=ctx.loc(para.line, para.section), how=How.PROSE)
    rng = section_range(ctx.page, "Response")
    return Fact(
        value=False,
        where=ctx.loc(rng[0] if rng else 1, rng[2] if rng else ""),
        how=How.DEFAULT,
        note="the page says nothing about paging or @odata.nextLink",
    )


def also_status(ctx: PageContext, success: Fact[int]) -> tuple[Fact[int], ...]:
    """Other 2xx codes the Response prose allows besides `success` ("or 200 OK and the updated object")."""
    out: list[Fact[int]] = []
    seen = {success.value}
    for line, text in response_prose(ctx.page):
        for m in re.finditer(r"\b(2\d\d)\b(?!-)", text):
            code = int(m.group(1))
            if code not in seen:
                seen.add(code)
                out.append(Fact(value=code, where=ctx.loc(line, "Response"), how=How.SECTION, quote=text))
    return tuple(out)


def entity_properties(ctx: PageContext, res: dict[str, ResourceProperty] | None) -> tuple[Property, ...]:
    """The entity's properties from its resource page (none required: a get may `$select` a few)."""
    out: list[Property] = []
    for rp in (res or {}).values():
        where = DocLocation(file=rp.file, line=rp.line, section="Properties", anchor=rp.name)
        note = "a property of the entity"
        required: Fact[bool] = Fact(value=False, where=where, how=How.RESOURCE, note=note)
        prop = build_property(
            ctx,
            name=rp.name,
            type_cell=rp.doc_type,
            desc=rp.description,
            required=required,
            where=where,
            res=res,
        )
        out.append(prop)
    return tuple(out)
