"""The resource a create page is about: the resource page it links to, and the type's name as Graph spells it.

The name comes from where the link points, never from the link's words ("see the [Properties](...group.md)
section" names `group`, not `Properties`): the anchor when it names a type, else the resource page's file
name (its last `-` part: `ediscovery-custodian.md` is `custodian`). Without a resource link it is the type of
the example response's `@odata.type` annotation (or body), then the type in the title ("Create group").
Graph's casing (`outboundSharedUserProfile`, not the file's `outboundshareduserprofile`) is taken from the
first spelling of the same word in the annotations, the example bodies, the title or the page's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from conformance.contract.doctext import LINK_RE
from conformance.contract.facts import PageContext
from conformance.contract.spec import Example

__all__ = ["ResourceRef", "link_type_key", "resource_ref"]

_RESOURCE_LINK_RE = re.compile(r"(?i)(?:^|/)resources/([^/#?]+)\.md(?:#([^/#?]*))?\Z")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TITLE_TYPE_RE = re.compile(
    r"(?i)^(?:create|add|post|new|get|list|update|patch|delete|remove)\s+(?:(?:a|an|the)\s+)?(?:new\s+)?([A-Za-z_]\w*)"
)
# Anchors of a resource page's own sections: they point into the page, they do not name a type.
_SECTION_ANCHORS = frozenset(
    {
        "properties",
        "relationships",
        "methods",
        "json-representation",
        "jsonrepresentation",
        "members",
        "enumerations",
        "remarks",
        "see-also",
        "example",
        "examples",
    }
)
# Sections whose resource links say what the request sends and the response returns.
_BODY_SECTIONS = ("request body", "response")


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceRef:
    """The resource page link (`../resources/group.md`, or "" when the page has none) and the type name."""

    link: str
    name: str
    source: str  # "anchor", "file", "annotation", "body", "title" or "" (nothing named it)


def link_type_key(target: str) -> str:
    """The type a resource link names, lower case: its anchor if the anchor names a type, else the file
    name's last `-` part; "" when `target` is not a link to a resource page."""
    m = _RESOURCE_LINK_RE.search(target.strip())
    if m is None:
        return ""
    anchor = (m.group(2) or "").casefold()
    if anchor and _WORD_RE.fullmatch(anchor) and anchor not in _SECTION_ANCHORS:
        return anchor
    return m.group(1).rsplit("-", 1)[-1].casefold()


def _anchor_names_type(target: str) -> bool:
    m = _RESOURCE_LINK_RE.search(target.strip())
    anchor = (m.group(2) or "").casefold() if m else ""
    return bool(anchor) and _WORD_RE.fullmatch(anchor) is not None and anchor not in _SECTION_ANCHORS


def _resource_links(ctx: PageContext) -> list[tuple[str, str]]:
    """(section, target) of every resource link in the page's running text, in page order."""
    out: list[tuple[str, str]] = []
    for para in ctx.page.paragraphs:
        if para.section.casefold() == "permissions":
            continue
        for _text, target in LINK_RE.findall(para.text):
            if link_type_key(target):
                out.append((para.section.casefold(), target))
    return out


def _last_segment(odata_type: str) -> str:
    return odata_type.lstrip("#").rsplit(".", 1)[-1].strip()


def _example_types(examples: Sequence[Example]) -> Iterator[tuple[str, str]]:
    """(source, type name) of each example response's annotation, then of each body's @odata.type."""
    for e in examples:
        if e.response_odata_annotation:
            yield "annotation", _last_segment(e.response_odata_annotation)
    for e in examples:
        for body in (e.response_body, e.request_body):
            if isinstance(body, dict) and isinstance(body.get("@odata.type"), str):
                yield "body", _last_segment(body["@odata.type"])


def _title_type(title: str) -> str:
    m = _TITLE_TYPE_RE.match(title.strip())
    return m.group(1) if m else ""


def _choose_link(ctx: PageContext, examples: Sequence[Example], title: str, create: bool) -> str:
    """The link to the page of the type created: the one naming the title's type, else the one naming the
    example response's type, else the first in Request body or Response, else (a create page, or a title
    naming no type) the first on the page."""
    links = _resource_links(ctx)
    if not links:
        return ""
    wanted = [_title_type(title), *(name for _src, name in _example_types(examples))]
    for want in wanted:
        for _section, target in links:
            if want and link_type_key(target) == want.casefold():
                return target
    for section in _BODY_SECTIONS:
        for sec, target in links:
            if sec == section:
                return target
    if not create:
        # "Delete a [tiIndicator](...) object.": the link in the sentence of the title's verb names the type;
        # without one, a title naming a type ("Delete group") beats a background link ("see [deletedItems]").
        verb = title.split(maxsplit=1)[0] if title.split() else ""
        for para in ctx.page.paragraphs:
            if para.section.casefold() == "permissions" or not verb:
                continue
            if re.search(rf"(?i)\b{re.escape(verb)}\b", para.text):
                found: list[str] = [t for _w, t in LINK_RE.findall(para.text) if link_type_key(t)]
                if found:
                    return found[0]
        if wanted[0]:
            return ""
    return links[0][1]


def _graph_spelling(key: str, ctx: PageContext, examples: Sequence[Example], title: str) -> str:
    """`key` as Graph spells it: the first case-insensitively equal word of the example types, the title,
    then the page's text (link words included: they give the spelling, never the name)."""
    fold = key.casefold()
    typed = [name for _src, name in _example_types(examples) if name.casefold() == fold]
    if typed:  # the type the service itself writes
        return typed[0]
    words: list[str] = _WORD_RE.findall(title)
    for para in ctx.page.paragraphs:
        words += _WORD_RE.findall(para.text)
    spelled = [w for w in words if w.casefold() == fold]
    # Graph types are camelCase from a lower-case letter: `driveItem` over a heading's `DriveItem`,
    # and `event` over a sentence-initial `Event`.
    camel = [w for w in spelled if w[0].islower() and w != w.lower()]
    lower = [w for w in spelled if w == w.lower()]
    return (camel or lower or spelled or [key])[0]


def resource_ref(
    ctx: PageContext, examples: Sequence[Example], title: str, *, create: bool = True
) -> ResourceRef:
    """The resource page link and the created type's name, by the rules in this module's docstring.
    `create=False` (a get, list, update or delete page): a title naming a type ("Delete group") wins over a
    link outside Request body and Response, which such pages use for background, not for their type."""
    link = _choose_link(ctx, examples, title, create)
    if link:
        key = link_type_key(link)
        source = "anchor" if _anchor_names_type(link) else "file"
        return ResourceRef(link=link, name=_graph_spelling(key, ctx, examples, title), source=source)
    for source, name in _example_types(examples):
        if name and source == "annotation":
            return ResourceRef(link="", name=name, source=source)
    for source, name in _example_types(examples):
        if name:
            return ResourceRef(link="", name=name, source=source)
    named = _title_type(title)
    return ResourceRef(link="", name=named, source="title" if named else "")
